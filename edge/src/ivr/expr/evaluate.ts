/**
 * Evaluates a parsed expression against one interaction's variables, caller attributes and
 * channel. Values are strings, numbers and booleans; attributes and variables are strings.
 * - `+` adds when both sides are numbers, else concatenates; `- * / %` need numbers (use num()).
 * - `==`/`!=` compare numerically when one side is a number and the other a numeric string, else
 *   as strings; `< <= > >=` compare numerically when both sides are numeric, else as strings.
 * - Falsy: false, 0, '' (and 'false'); `&&`/`||` short-circuit and yield a boolean.
 * Errors (a division by zero, arithmetic on text) throw ExpressionEvalError, naming no value.
 */
import type { BinaryOp, Expr, Value } from './parse.ts';

export const MAX_RESULT = 4096;

export interface Scope {
  attr(key: string): string;
  variable(name: string): string;
  channel: string;
}

export class ExpressionEvalError extends Error {
  override readonly name = 'ExpressionEvalError';
}

const numeric = (v: Value): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?[0-9]+(\.[0-9]+)?\s*$/.test(v)) return Number(v);
  return undefined;
};

export function toText(v: Value): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return v;
}

export function truthy(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return v !== '' && v !== 'false';
}

function arith(op: BinaryOp, l: Value, r: Value): number {
  if (typeof l !== 'number' || typeof r !== 'number')
    throw new ExpressionEvalError(`'${op}' needs numbers (use num())`);
  if ((op === '/' || op === '%') && r === 0) throw new ExpressionEvalError('division by zero');
  if (op === '-') return l - r;
  if (op === '*') return l * r;
  if (op === '/') return l / r;
  return l % r;
}

function equal(l: Value, r: Value): boolean {
  if (typeof l === 'number' || typeof r === 'number') {
    const a = numeric(l);
    const b = numeric(r);
    if (a !== undefined && b !== undefined) return a === b;
  }
  if (typeof l === 'boolean' || typeof r === 'boolean') return truthy(l) === truthy(r);
  return toText(l) === toText(r);
}

function order(op: BinaryOp, l: Value, r: Value): boolean {
  const a = numeric(l);
  const b = numeric(r);
  const sign = a !== undefined && b !== undefined ? Math.sign(a - b) : compareText(toText(l), toText(r));
  if (op === '<') return sign < 0;
  if (op === '<=') return sign <= 0;
  if (op === '>') return sign > 0;
  return sign >= 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function evaluate(e: Expr, s: Scope): Value {
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'ref':
      return e.scope === 'attr' ? s.attr(e.key) : e.scope === 'var' ? s.variable(e.key) : s.channel;
    case 'not':
      return !truthy(evaluate(e.e, s));
    case 'neg': {
      const v = evaluate(e.e, s);
      if (typeof v !== 'number') throw new ExpressionEvalError("'-' needs a number (use num())");
      return -v;
    }
    case 'cond':
      return truthy(evaluate(e.c, s)) ? evaluate(e.a, s) : evaluate(e.b, s);
    case 'call': {
      const v = evaluate(e.args[0]!, s);
      if (e.fn === 'num') {
        const n = numeric(v) ?? (typeof v === 'boolean' ? Number(v) : undefined);
        if (n === undefined) throw new ExpressionEvalError('num() of a non-numeric value');
        return n;
      }
      if (e.fn === 'str') return toText(v);
      if (e.fn === 'lower') return toText(v).toLowerCase();
      if (e.fn === 'upper') return toText(v).toUpperCase();
      return toText(v).length;
    }
    case 'bin': {
      if (e.op === '&&') return truthy(evaluate(e.l, s)) && truthy(evaluate(e.r, s));
      if (e.op === '||') return truthy(evaluate(e.l, s)) || truthy(evaluate(e.r, s));
      const l = evaluate(e.l, s);
      const r = evaluate(e.r, s);
      switch (e.op) {
        case '==':
          return equal(l, r);
        case '!=':
          return !equal(l, r);
        case '<':
        case '<=':
        case '>':
        case '>=':
          return order(e.op, l, r);
        case '+': {
          if (typeof l === 'number' && typeof r === 'number') return l + r;
          const t = toText(l) + toText(r);
          if (t.length > MAX_RESULT) throw new ExpressionEvalError('result too long');
          return t;
        }
        default:
          return arith(e.op, l, r);
      }
    }
  }
}

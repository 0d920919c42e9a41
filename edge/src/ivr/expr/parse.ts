/**
 * The expression language of SetVariable nodes, parsed into a small tree (no eval, no host objects):
 *
 *   expr    := or ('?' expr ':' expr)?
 *   or      := and ('||' and)*          and := cmp ('&&' cmp)*
 *   cmp     := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum)?
 *   sum     := product (('+'|'-') product)*      product := unary (('*'|'/'|'%') unary)*
 *   unary   := ('!'|'-') unary | primary
 *   primary := number | 'string' | "string" | true | false | attr.<key> | var.<name> | channel
 *            | fn '(' args ')' | '(' expr ')'          fn: num str lower upper len
 *
 * Bounded: at most MAX_SOURCE characters and MAX_DEPTH nesting, so a bad bundle cannot exhaust the
 * stack. Errors name a column and what was expected, never the text around it.
 */

export const MAX_SOURCE = 1000;
export const MAX_DEPTH = 32;

export type Value = string | number | boolean;
export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';
export const FUNCTIONS = { num: 1, str: 1, lower: 1, upper: 1, len: 1 } as const;
export type FunctionName = keyof typeof FUNCTIONS;

export type Expr =
  | { t: 'lit'; v: Value }
  | { t: 'ref'; scope: 'attr' | 'var' | 'channel'; key: string }
  | { t: 'not' | 'neg'; e: Expr }
  | { t: 'bin'; op: BinaryOp; l: Expr; r: Expr }
  | { t: 'cond'; c: Expr; a: Expr; b: Expr }
  | { t: 'call'; fn: FunctionName; args: Expr[] };

export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
  constructor(
    readonly column: number,
    what: string,
  ) {
    super(`column ${column}: ${what}`);
  }
}

type Tok =
  | { k: 'num'; v: number; at: number }
  | { k: 'str'; v: string; at: number }
  | { k: 'id'; v: string; at: number }
  | { k: 'op'; v: string; at: number }
  | { k: 'end'; at: number };

const OPS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '?',
  ':',
  '(',
  ')',
  ',',
];
const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const ATTR_KEY = /^[A-Za-z0-9_]{1,64}$/;

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))![0];
      out.push({ k: 'num', v: Number(m), at: i + 1 });
      i += m.length;
    } else if (c === "'" || c === '"') {
      const start = i;
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExpressionSyntaxError(start + 1, 'unterminated string');
        const d = src[i]!;
        if (d === c) break;
        if (d === '\\') {
          const e = src[i + 1];
          if (e !== '\\' && e !== "'" && e !== '"') throw new ExpressionSyntaxError(i + 1, 'bad escape');
          s += e;
          i += 2;
        } else {
          s += d;
          i++;
        }
      }
      out.push({ k: 'str', v: s, at: start + 1 });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i))![0];
      out.push({ k: 'id', v: m, at: i + 1 });
      i += m.length;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (!op) throw new ExpressionSyntaxError(i + 1, 'unexpected character');
      out.push({ k: 'op', v: op, at: i + 1 });
      i += op.length;
    }
  }
  out.push({ k: 'end', at: src.length + 1 });
  return out;
}

/** Parses an expression; throws ExpressionSyntaxError. */
export function parseExpression(src: string): Expr {
  if (src.length > MAX_SOURCE) throw new ExpressionSyntaxError(MAX_SOURCE, 'expression too long');
  if (src.trim() === '') throw new ExpressionSyntaxError(1, 'empty expression');
  const toks = lex(src);
  let p = 0;
  let depth = 0;
  const peek = () => toks[p]!;
  const isOp = (v: string) => {
    const t = peek();
    return t.k === 'op' && t.v === v;
  };
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExpressionSyntaxError(peek().at, `expected '${v}'`);
    p++;
  };
  const nested = <T>(fn: () => T): T => {
    if (++depth > MAX_DEPTH) throw new ExpressionSyntaxError(peek().at, 'nested too deeply');
    try {
      return fn();
    } finally {
      depth--;
    }
  };
  const binary =
    (ops: readonly BinaryOp[], sub: () => Expr, once = false) =>
    (): Expr => {
      let l = sub();
      while (ops.some(isOp)) {
        const op = (peek() as { v: BinaryOp }).v;
        p++;
        l = { t: 'bin', op, l, r: sub() };
        if (once && ops.some(isOp)) throw new ExpressionSyntaxError(peek().at, 'comparisons do not chain');
      }
      return l;
    };
  const expr = (): Expr =>
    nested(() => {
      const c = or();
      if (!isOp('?')) return c;
      p++;
      const a = expr();
      expect(':');
      return { t: 'cond', c, a, b: expr() };
    });
  const unary = (): Expr =>
    nested(() => {
      if (isOp('!')) {
        p++;
        return { t: 'not', e: unary() };
      }
      if (isOp('-')) {
        p++;
        return { t: 'neg', e: unary() };
      }
      return primary();
    });
  const product = binary(['*', '/', '%'], unary);
  const sum = binary(['+', '-'], product);
  const cmp = binary(['==', '!=', '<=', '>=', '<', '>'], sum, true);
  const and = binary(['&&'], cmp);
  const or = binary(['||'], and);
  const primary = (): Expr => {
    const t = peek();
    p++;
    if (t.k === 'num' || t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'op' && t.v === '(') {
      const e = expr();
      expect(')');
      return e;
    }
    if (t.k === 'id') return identifier(t.v, t.at);
    p--;
    throw new ExpressionSyntaxError(t.at, t.k === 'end' ? 'unexpected end' : 'expected a value');
  };
  const identifier = (id: string, at: number): Expr => {
    if (id === 'true' || id === 'false') return { t: 'lit', v: id === 'true' };
    if (id === 'channel') return { t: 'ref', scope: 'channel', key: '' };
    if (id.startsWith('attr.')) {
      const key = id.slice(5);
      if (!ATTR_KEY.test(key)) throw new ExpressionSyntaxError(at, 'bad attribute name');
      return { t: 'ref', scope: 'attr', key };
    }
    if (id.startsWith('var.')) {
      const key = id.slice(4);
      if (!NAME.test(key)) throw new ExpressionSyntaxError(at, 'bad variable name');
      return { t: 'ref', scope: 'var', key };
    }
    if (Object.hasOwn(FUNCTIONS, id) && isOp('(')) {
      const fn = id as FunctionName;
      p++;
      const args: Expr[] = [];
      if (!isOp(')'))
        for (;;) {
          args.push(expr());
          if (!isOp(',')) break;
          p++;
        }
      expect(')');
      if (args.length !== FUNCTIONS[fn])
        throw new ExpressionSyntaxError(at, `${fn}() takes ${FUNCTIONS[fn]} argument`);
      return { t: 'call', fn, args };
    }
    throw new ExpressionSyntaxError(at, 'unknown name (use attr.<key>, var.<name>, channel or a function)');
  };
  const e = expr();
  if (peek().k !== 'end') throw new ExpressionSyntaxError(peek().at, 'unexpected token');
  return e;
}

/** Whether the expression reads caller attributes (the customer lookup is skipped otherwise). */
export function readsAttributes(e: Expr): boolean {
  switch (e.t) {
    case 'lit':
      return false;
    case 'ref':
      return e.scope === 'attr';
    case 'not':
    case 'neg':
      return readsAttributes(e.e);
    case 'bin':
      return readsAttributes(e.l) || readsAttributes(e.r);
    case 'cond':
      return readsAttributes(e.c) || readsAttributes(e.a) || readsAttributes(e.b);
    case 'call':
      return e.args.some(readsAttributes);
  }
}

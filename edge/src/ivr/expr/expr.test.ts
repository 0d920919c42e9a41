import { describe, expect, it } from 'vitest';
import { ExpressionEvalError, evaluate, type Scope, toText } from './evaluate.ts';
import { ExpressionSyntaxError, MAX_DEPTH, parseExpression, readsAttributes } from './parse.ts';

const scope = (attrs: Record<string, string> = {}, vars: Record<string, string> = {}): Scope => ({
  attr: (k) => attrs[k] ?? '',
  variable: (n) => vars[n] ?? '',
  channel: 'voice',
});
const run = (src: string, s = scope()) => toText(evaluate(parseExpression(src), s));
const syntax = (src: string) => {
  try {
    parseExpression(src);
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return err.message;
    throw err;
  }
  return 'parsed';
};

describe('SetVariable expressions', () => {
  it('evaluates literals, references, concatenation and the conditional', () => {
    const s = scope({ vip_tier: 'gold', name: 'Ann' }, { lang: 'nl' });
    expect(run("attr.vip_tier == 'gold' ? 'vip' : 'std'", s)).toBe('vip');
    expect(run("attr.vip_tier == 'gold' ? 'vip' : 'std'", scope())).toBe('std');
    expect(run(`'hi ' + attr.name + "-" + var.lang + '-' + channel`, s)).toBe('hi Ann-nl-voice');
    expect(run("'it''s'".replace("''", "\\'"))).toBe("it's");
    expect(run('attr.missing')).toBe('');
    expect(run('true && !false')).toBe('true');
  });

  it('does arithmetic on numbers, compares numeric strings as numbers', () => {
    const s = scope({ score: '75', balance: '-12.5', zip: '007' });
    expect(run('1 + 2 * 3 - 4 / 2 % 3', s)).toBe('5');
    expect(run('(1 + 2) * 3', s)).toBe('9');
    expect(run('num(attr.score) + 5', s)).toBe('80');
    expect(run('-num(attr.balance)', s)).toBe('12.5');
    expect(run('attr.score > 50', s)).toBe('true');
    expect(run('attr.score > 100', s)).toBe('false');
    // '75' vs '100': numeric (75 < 100), not text order ('75' > '100').
    expect(run("attr.score < '100'", s)).toBe('true');
    expect(run('attr.zip == 7', s)).toBe('true');
    expect(run("attr.zip == '7'", s)).toBe('false');
    expect(run("'b' > 'a' && 'abc' != 'abd'", s)).toBe('true');
    expect(run('attr.zip + 1', s)).toBe('0071');
    expect(run("len(attr.zip) >= 3 || upper('x') == 'X'", s)).toBe('true');
    expect(run("lower('AbC') + str(1.5)", s)).toBe('abc1.5');
  });

  it('short-circuits && and || and the conditional (no error from the branch not taken)', () => {
    expect(run("false && num('x') > 1")).toBe('false');
    expect(run('true || 1 / 0')).toBe('true');
    expect(run("1 == 1 ? 'ok' : 1 / 0")).toBe('ok');
  });

  it('throws an evaluation error for arithmetic on text and division by zero', () => {
    const s = scope({ name: 'Ann' });
    expect(() => run('attr.name * 2', s)).toThrow(ExpressionEvalError);
    expect(() => run('1 / 0')).toThrow(/division by zero/);
    expect(() => run("num('abc')")).toThrow(ExpressionEvalError);
    expect(() => run('-attr.name', s)).toThrow(ExpressionEvalError);
  });

  it('rejects bad syntax with the column and what was expected', () => {
    expect(syntax("attr.vip == 'gold' ? 'a'")).toBe("column 25: expected ':'");
    expect(syntax("'open")).toBe('column 1: unterminated string');
    expect(syntax('1 +')).toBe('column 4: unexpected end');
    expect(syntax('(1 + 2')).toBe("column 7: expected ')'");
    expect(syntax('1 2')).toBe('column 3: unexpected token');
    expect(syntax('process.exit(1)')).toMatch(/^column 1: unknown name/);
    expect(syntax('constructor')).toMatch(/^column 1: unknown name/);
    expect(syntax('var.Bad')).toBe('column 1: bad variable name');
    expect(syntax('attr.')).toBe('column 1: bad attribute name');
    expect(syntax('len(1, 2)')).toBe('column 1: len() takes 1 argument');
    expect(syntax('1 < 2 < 3')).toBe('column 7: comparisons do not chain');
    expect(syntax('1 $ b')).toBe('column 3: unexpected character');
    expect(syntax("'\\n'")).toBe('column 2: bad escape');
    expect(syntax('  ')).toBe('column 1: empty expression');
  });

  it('bounds nesting and length so a hostile bundle cannot exhaust the stack', () => {
    expect(syntax(`${'('.repeat(MAX_DEPTH + 5)}1${')'.repeat(MAX_DEPTH + 5)}`)).toMatch(/nested too deeply/);
    expect(syntax(`${'!'.repeat(5000)}true`)).toMatch(/too long|nested too deeply/);
    expect(syntax(`${'1+'.repeat(600)}1`)).toMatch(/too long/);
    expect(syntax(`${'1+'.repeat(300)}1`)).toBe('parsed');
    expect(run(`${'1+'.repeat(300)}1`)).toBe('301');
  });

  it('knows whether it reads caller attributes', () => {
    expect(readsAttributes(parseExpression("var.x + 'y'"))).toBe(false);
    expect(readsAttributes(parseExpression("var.x == '' ? lower(attr.tier) : 'y'"))).toBe(true);
  });
});

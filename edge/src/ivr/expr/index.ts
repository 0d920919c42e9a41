/** SetVariable expressions: parse once (flow check at apply time), evaluate per interaction. */
export { ExpressionEvalError, evaluate, type Scope, toText, truthy } from './evaluate.ts';
export { type Expr, ExpressionSyntaxError, parseExpression, readsAttributes, type Value } from './parse.ts';

/**
 * An exact evaluator for the Learning to Execute mini-programs (docs/tasks.md §7.2): a small parser
 * to an AST and an interpreter over BigInt — no `eval`. Zaremba & Sutskever (2014), "Learning to
 * Execute"; the snippet language of Santoro et al. (2018), App. A.2 (deepmind/sonnet v1
 * `learn_to_execute.py`). The generator is lte-grammar.ts; this module checks it independently.
 *
 * The language is the Python subset the generator writes, without spaces:
 *
 *   program   := statement
 *   statement := 'x=' cond 'for[' int ']' 'x+=' cond      x = a; repeat i times: x += b; value x
 *              | cond
 *   cond      := sum [ 'if' sum ('<' | '>') sum 'else' cond ]      Python's `a if b<c else d`
 *   sum       := product (('+' | '-') product)*                    left-associative
 *   product   := primary ('*' primary)*                            binds tighter than + and −
 *   primary   := digits | '(' statement ')'
 *
 * Generated programs put every nested operation in parentheses, so precedence never matters for
 * them; it is defined anyway (Python's) so hand-written programs like `1+2*3` mean what they say.
 * Values may be negative (`12-345`); the task's answer is taken mod 10^{ℓ+1} in lte-grammar.ts.
 */
import { ConfigError } from '../errors.ts';

export type LteNode =
  | { readonly kind: 'num'; readonly value: bigint }
  | { readonly kind: 'bin'; readonly op: '+' | '-' | '*'; readonly left: LteNode; readonly right: LteNode }
  | { readonly kind: 'if'; readonly then: LteNode; readonly left: LteNode; readonly cmp: '<' | '>'; readonly right: LteNode; readonly otherwise: LteNode }
  | { readonly kind: 'for'; readonly init: LteNode; readonly count: number; readonly step: LteNode };

/** A program outside the grammar; the message names the column and what was expected. */
export class LteSyntaxError extends ConfigError {}

const MAX_COUNT_DIGITS = 6; // for[…] counts up to 999999 (the generator writes 1…9)

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  program(): LteNode {
    if (this.src.length === 0) this.fail('a program');
    const node = this.statement();
    if (this.pos < this.src.length) this.fail('the end of the program');
    return node;
  }

  private statement(): LteNode {
    if (!this.eat('x=')) return this.cond();
    const init = this.cond();
    this.expect('for[');
    const start = this.pos;
    while (isDigit(this.src[this.pos])) this.pos++;
    if (this.pos === start || this.pos - start > MAX_COUNT_DIGITS) { this.pos = start; this.fail(`a loop count of 1 to ${MAX_COUNT_DIGITS} digits`); }
    const count = Number(this.src.slice(start, this.pos));
    this.expect(']');
    this.expect('x+=');
    return { kind: 'for', init, count, step: this.cond() };
  }

  private cond(): LteNode {
    const then = this.sum();
    if (!this.eat('if')) return then;
    const left = this.sum();
    const c = this.src[this.pos];
    if (c !== '<' && c !== '>') this.fail("'<' or '>'");
    this.pos++;
    const right = this.sum();
    this.expect('else');
    return { kind: 'if', then, left, cmp: c, right, otherwise: this.cond() };
  }

  private sum(): LteNode {
    let left = this.product();
    for (let c = this.src[this.pos]; c === '+' || c === '-'; c = this.src[this.pos]) {
      this.pos++;
      left = { kind: 'bin', op: c, left, right: this.product() };
    }
    return left;
  }

  private product(): LteNode {
    let left = this.primary();
    while (this.src[this.pos] === '*') {
      this.pos++;
      left = { kind: 'bin', op: '*', left, right: this.primary() };
    }
    return left;
  }

  private primary(): LteNode {
    if (this.eat('(')) {
      const inner = this.statement();
      this.expect(')');
      return inner;
    }
    const start = this.pos;
    while (isDigit(this.src[this.pos])) this.pos++;
    if (this.pos === start) this.fail("a number or '('");
    return { kind: 'num', value: BigInt(this.src.slice(start, this.pos)) };
  }

  private eat(s: string): boolean {
    if (!this.src.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  private expect(s: string): void {
    if (!this.eat(s)) this.fail(`'${s}'`);
  }

  private fail(expected: string): never {
    const found = this.pos < this.src.length ? JSON.stringify(this.src.slice(this.pos, this.pos + 8)) : 'the end';
    throw new LteSyntaxError(`LTE program: expected ${expected} at column ${this.pos}, got ${found} in ${JSON.stringify(this.src)}`);
  }
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Parse a program (throws LteSyntaxError when it is outside the grammar). */
export function parseProgram(src: string): LteNode {
  return new Parser(src).program();
}

/** The exact value of a parsed program. */
export function evaluateNode(node: LteNode): bigint {
  switch (node.kind) {
    case 'num': return node.value;
    case 'bin': {
      const l = evaluateNode(node.left);
      const r = evaluateNode(node.right);
      return node.op === '+' ? l + r : node.op === '-' ? l - r : l * r;
    }
    case 'if': {
      const l = evaluateNode(node.left);
      const r = evaluateNode(node.right);
      return (node.cmp === '<' ? l < r : l > r) ? evaluateNode(node.then) : evaluateNode(node.otherwise);
    }
    case 'for': {
      // x = init; for _ in range(count): x += step. The body has no side effects, so this is
      // init + count·step, computed that way so large counts stay cheap.
      return evaluateNode(node.init) + BigInt(node.count) * evaluateNode(node.step);
    }
  }
}

/** Parse and evaluate: the exact value of `src`, e.g. `(18818+52332)+52909` → 124059n. */
export function evaluateProgram(src: string): bigint {
  return evaluateNode(parseProgram(src));
}

/**
 * Source text of a node in the generator's form: every operand that is not a number is wrapped in
 * parentheses, so `printProgram(parseProgram(code)) === code` for every generated program.
 */
export function printProgram(node: LteNode): string {
  const operand = (n: LteNode) => (n.kind === 'num' ? n.value.toString() : `(${printProgram(n)})`);
  switch (node.kind) {
    case 'num': return node.value.toString();
    case 'bin': return `${operand(node.left)}${node.op}${operand(node.right)}`;
    case 'if': return `${operand(node.then)}if${operand(node.left)}${node.cmp}${operand(node.right)}else${operand(node.otherwise)}`;
    case 'for': return `x=${operand(node.init)}for[${node.count}]x+=${operand(node.step)}`;
  }
}

/** Number of operations (+, −, ·, if, for) in a program: its nesting k when generated. */
export function countOperations(node: LteNode): number {
  switch (node.kind) {
    case 'num': return 0;
    case 'bin': return 1 + countOperations(node.left) + countOperations(node.right);
    case 'if': return 1 + countOperations(node.then) + countOperations(node.left) + countOperations(node.right) + countOperations(node.otherwise);
    case 'for': return 1 + countOperations(node.init) + countOperations(node.step);
  }
}

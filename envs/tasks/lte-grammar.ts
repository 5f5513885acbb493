/**
 * The program generator of Learning to Execute (docs/tasks.md §7.2–7.3): "constant-time mini-programs"
 * as in DeepMind's generator for Santoro et al. (2018), "Relational recurrent neural networks",
 * §4.1, §5.2, App. A.2 (deepmind/sonnet v1 `sonnet/examples/learn_to_execute.py`,
 * `generate_code`), after Zaremba & Sutskever (2014), "Learning to Execute" (arXiv 1410.4615).
 *
 * Parameters: literal length ℓ (every fresh number has exactly ℓ digits, uniform in
 * [10^{ℓ−1}, 10^ℓ − 1]) and nesting k (number of operations). A stack holds at most one
 * (value, code) item. k times: pick an operation uniformly from the task's set; collect its
 * operands in order — the first is the stack item when there is one (popped), every other operand
 * a fresh ℓ-digit number; push (value, "(" + code + ")"). Finally pop and strip the outer
 * parentheses. No spaces anywhere.
 *
 *   add  a+b                 a + b          if   {a}if{b}{<|>}{c}else{d}   a if (b ⋈ c) else d
 *   sub  a-b                 a − b          for  x={a}for[{i}]x+={b}       a + i·b, i ~ U{1…9}
 *   mul  a*b                 a · b          copy a                         a (memorisation)
 *
 * Answer: `value mod 10^{ℓ+1}` (non-negative), written in decimal without leading zeros; for copy
 * the literal itself. Values are BigInt (with k = 3, ℓ = 6 products exceed 2^53).
 *
 * Draw order per program (all from the given Rng): for each operation, the operation index, then
 * the fresh operands left to right, then the comparator (if) or the iteration count (for).
 */
import { ConfigError } from '../errors.ts';
import type { Rng } from '../rng.ts';

/** The task kinds (operation sets) of §7.2: addition, control, full program, and copy. */
export type LteTaskKind = 'addition' | 'control' | 'program' | 'copy';
export const LTE_TASK_KINDS: readonly LteTaskKind[] = ['addition', 'control', 'program', 'copy'];

export type LteOp = 'add' | 'sub' | 'mul' | 'if' | 'for' | 'copy';

/** Operation set of each task kind (sonnet `TASK_TYPE_OPS`: ADDITION, CONTROL, ALL, COPY). */
export const LTE_TASK_OPS: Readonly<Record<LteTaskKind, readonly LteOp[]>> = Object.freeze({
  addition: ['add'],
  control: ['if', 'for'],
  program: ['add', 'sub', 'mul', 'if', 'for'],
  copy: ['copy'],
});

const NUM_OPERANDS: Readonly<Record<LteOp, number>> = { add: 2, sub: 2, mul: 2, if: 4, for: 2, copy: 1 };

/**
 * The character vocabulary in the fixed order of §7.3: PAD, GO, digits, operators and brackets,
 * the letters of `if`, `else`, `for` and `x` — 30 symbols. PAD is never emitted (no padding, §8.3);
 * GO is the first decoder input with decoderInput 'teacher' or 'agent'.
 */
export const LTE_VOCAB: readonly string[] = Object.freeze([
  'PAD', 'GO',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
  '+', '-', '*', '(', ')', '<', '>', '=', '[', ']',
  'i', 'f', 'e', 'l', 's', 'o', 'r', 'x',
]);
export const LTE_PAD = 0;
export const LTE_GO = 1;
/** Vocabulary index of digit d is LTE_DIGIT0 + d. */
export const LTE_DIGIT0 = 2;

const CHAR_INDEX: ReadonlyMap<string, number> = new Map(LTE_VOCAB.map((s, i) => [s, i] as const).filter(([s]) => s.length === 1));

/** Vocabulary index of one program character, or −1 when it is not in the vocabulary. */
export function lteCharIndex(ch: string): number {
  return CHAR_INDEX.get(ch) ?? -1;
}

/** Vocabulary indices of a program's characters; a ConfigError names any character outside LTE_VOCAB. */
export function lteEncode(where: string, code: string): Int32Array {
  const chars = new Int32Array(code.length);
  for (let i = 0; i < code.length; i++) {
    const k = lteCharIndex(code[i] as string);
    if (k < LTE_DIGIT0) throw new ConfigError(`${where}: program character ${JSON.stringify(code[i])} at column ${i} is not in the vocabulary (${LTE_VOCAB.slice(LTE_DIGIT0).join(' ')})`);
    chars[i] = k;
  }
  return chars;
}

/** One generated program. */
export interface LteProgram {
  /** Source text, e.g. `(18818+52332)+52909`. */
  readonly code: string;
  /** Exact value of the program (for copy: the literal). */
  readonly value: bigint;
  /** The target string: decimal digits of `value mod 10^{ℓ+1}` (copy: the literal). */
  readonly answer: string;
  /** ℓ and k it was generated with. */
  readonly literalLength: number;
  readonly nesting: number;
  /** The operations in generation order (innermost first). */
  readonly ops: readonly LteOp[];
}

const CHUNK_DIGITS = 9;
const CHUNK = 10 ** CHUNK_DIGITS; // < 2^32, so one rng.int per chunk

/** A uniform ℓ-digit number in [10^{ℓ−1}, 10^ℓ − 1], exact for any ℓ >= 1. */
export function randomLiteral(rng: Rng, literalLength: number): bigint {
  // Leading chunk of c digits with a non-zero first digit, then uniform 9-digit chunks.
  const c = ((literalLength - 1) % CHUNK_DIGITS) + 1;
  let v = BigInt(rng.int(10 ** (c - 1), 10 ** c - 1));
  for (let done = c; done < literalLength; done += CHUNK_DIGITS) v = v * BigInt(CHUNK) + BigInt(rng.int(0, CHUNK - 1));
  return v;
}

/** Non-negative remainder (Python `%`), so negative values give answers in [0, m). */
export function modPositive(v: bigint, m: bigint): bigint {
  const r = v % m;
  return r < 0n ? r + m : r;
}

/** The target string of a program value (§7.2): value mod 10^{ℓ+1}, or the literal for copy. */
export function lteAnswer(kind: LteTaskKind, value: bigint, literalLength: number): string {
  if (kind === 'copy') return value.toString();
  return modPositive(value, 10n ** BigInt(literalLength + 1)).toString();
}

/**
 * Sonnet's input budget in characters (§7.3): `(3ℓ+10)(k−1) + (4ℓ+10) + 2(k−1)` for programs,
 * ℓ + 1 for copy. Generated programs always fit (the longest first operation is 4ℓ + 7 characters,
 * each further one adds at most 3ℓ + 7 plus 2 parentheses), so no sample is regenerated.
 */
export function lteInputBudget(kind: LteTaskKind, literalLength: number, nesting: number): number {
  if (kind === 'copy') return literalLength + 1;
  return (3 * literalLength + 10) * (nesting - 1) + (4 * literalLength + 10) + 2 * (nesting - 1);
}

/** Sonnet's output budget (§7.3): 2ℓ for programs, ℓ + 1 for copy. True answers never exceed it. */
export function lteOutputBudget(kind: LteTaskKind, literalLength: number): number {
  return kind === 'copy' ? literalLength + 1 : 2 * literalLength;
}

interface Operand { value: bigint; code: string }

/**
 * One program of `kind` with literal length ℓ = `literalLength` and nesting k = `nesting`, drawn
 * from `rng` only. Copy uses nesting 1 (§7.2: larger nesting only wraps the literal in parentheses).
 */
export function generateProgram(rng: Rng, kind: LteTaskKind, literalLength: number, nesting: number): LteProgram {
  if (!Number.isInteger(literalLength) || literalLength < 1) throw new RangeError(`generateProgram: literalLength must be an integer >= 1, got ${literalLength}`);
  if (!Number.isInteger(nesting) || nesting < 1) throw new RangeError(`generateProgram: nesting must be an integer >= 1, got ${nesting}`);
  const opSet = LTE_TASK_OPS[kind];
  if (opSet === undefined) throw new RangeError(`generateProgram: kind must be one of ${LTE_TASK_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  let stack: Operand | null = null;
  const ops: LteOp[] = [];
  for (let n = 0; n < nesting; n++) {
    const op = opSet[rng.int(0, opSet.length - 1)] as LteOp;
    ops.push(op);
    const args: Operand[] = [];
    for (let j = 0; j < NUM_OPERANDS[op]; j++) {
      if (stack !== null) {
        args.push(stack);
        stack = null;
      } else {
        const value = randomLiteral(rng, literalLength);
        args.push({ value, code: value.toString() });
      }
    }
    const made = applyOp(rng, op, args);
    stack = { value: made.value, code: `(${made.code})` };
  }
  const top = stack as Operand;
  const code = top.code.slice(1, -1);
  return { code, value: top.value, answer: lteAnswer(kind, top.value, literalLength), literalLength, nesting, ops };
}

function applyOp(rng: Rng, op: LteOp, args: readonly Operand[]): Operand {
  const [a, b, c, d] = args as [Operand, Operand, Operand, Operand];
  switch (op) {
    case 'add': return { value: a.value + b.value, code: `${a.code}+${b.code}` };
    case 'sub': return { value: a.value - b.value, code: `${a.code}-${b.code}` };
    case 'mul': return { value: a.value * b.value, code: `${a.code}*${b.code}` };
    case 'if': {
      const less = rng.int(0, 1) === 0;
      const holds = less ? b.value < c.value : b.value > c.value;
      return { value: holds ? a.value : d.value, code: `${a.code}if${b.code}${less ? '<' : '>'}${c.code}else${d.code}` };
    }
    case 'for': {
      const i = rng.int(1, 9);
      return { value: a.value + BigInt(i) * b.value, code: `x=${a.code}for[${i}]x+=${b.code}` };
    }
    case 'copy': return { value: a.value, code: a.code };
  }
}

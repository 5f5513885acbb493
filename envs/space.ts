/**
 * Spaces (Gymnasium `spaces/`): what observations and actions look like.
 * Observations are typed arrays with a declared logical shape (row-major, channels last).
 */
import { ConfigError } from './errors.ts';
import type { Rng } from './rng.ts';

export type SpaceJSON =
  | { kind: 'discrete'; n: number; start: number }
  | { kind: 'box'; shape: number[]; low: number[]; high: number[]; dtype: 'float32' }
  | { kind: 'multi-discrete'; nvec: number[] }
  | { kind: 'multi-binary'; n: number };

export interface Space<T> {
  readonly kind: SpaceJSON['kind'];
  /** Logical shape of one element ([] for a scalar). */
  readonly shape: readonly number[];
  /** Number of scalars in one element (product of shape). */
  readonly size: number;
  contains(x: unknown): x is T;
  sample(rng: Rng): T;
  toJSON(): SpaceJSON;
  toString(): string;
}

function checkShape(where: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`${where}: shape must be a list of positive integers, got ${JSON.stringify(shape)}`);
  }
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** {start, ..., start + n - 1}. Actions are plain numbers. */
export class Discrete implements Space<number> {
  readonly kind = 'discrete' as const;
  readonly shape: readonly number[] = [];
  readonly size = 1;
  constructor(readonly n: number, readonly start = 0) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Discrete: n must be an integer >= 1, got ${n}`);
    if (!Number.isInteger(start)) throw new RangeError(`Discrete: start must be an integer, got ${start}`);
  }
  contains(x: unknown): x is number {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }
  sample(rng: Rng): number {
    return this.start + rng.int(0, this.n - 1);
  }
  toJSON(): SpaceJSON {
    return { kind: 'discrete', n: this.n, start: this.start };
  }
  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

/** A float32 box: low <= x <= high elementwise. Bounds may be scalars or one value per element. */
export class Box implements Space<Float32Array> {
  readonly kind = 'box' as const;
  readonly shape: readonly number[];
  readonly size: number;
  readonly low: Float32Array;
  readonly high: Float32Array;
  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape: readonly number[]) {
    checkShape('Box', shape);
    this.shape = Object.freeze([...shape]);
    this.size = product(shape);
    this.low = broadcast('low', low, this.size);
    this.high = broadcast('high', high, this.size);
    for (let i = 0; i < this.size; i++) {
      if (!((this.low[i] as number) <= (this.high[i] as number))) {
        throw new RangeError(`Box: low must be <= high everywhere, got low=${this.low[i]} > high=${this.high[i]} at ${i}`);
      }
    }
  }
  contains(x: unknown): x is Float32Array {
    if (!(x instanceof Float32Array) || x.length !== this.size) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      if (Number.isNaN(v) || v < (this.low[i] as number) || v > (this.high[i] as number)) return false;
    }
    return true;
  }
  /** Why `x` is not in the box, or undefined when it is (for checker messages). */
  explain(x: unknown): string | undefined {
    if (!(x instanceof Float32Array)) return `expected a Float32Array, got ${describe(x)}`;
    if (x.length !== this.size) return `expected length ${this.size} (shape [${this.shape}]), got length ${x.length}`;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      if (Number.isNaN(v) || v < (this.low[i] as number) || v > (this.high[i] as number)) {
        return `element ${i} is ${v}, outside [${this.low[i]}, ${this.high[i]}]`;
      }
    }
    return undefined;
  }
  /** Uniform on bounded dims, normal on unbounded, exponential on half-bounded (as Gymnasium). */
  sample(rng: Rng): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i] as number;
      const hi = this.high[i] as number;
      const loFinite = Number.isFinite(lo);
      const hiFinite = Number.isFinite(hi);
      if (loFinite && hiFinite) out[i] = Math.min(hi, lo + (hi - lo) * rng.uniform());
      else if (!loFinite && !hiFinite) out[i] = rng.normal();
      else if (loFinite) out[i] = lo - Math.log(1 - rng.uniform());
      else out[i] = hi + Math.log(1 - rng.uniform());
    }
    return out;
  }
  toJSON(): SpaceJSON {
    return { kind: 'box', shape: [...this.shape], low: [...this.low], high: [...this.high], dtype: 'float32' };
  }
  toString(): string {
    const lo = uniformValue(this.low);
    const hi = uniformValue(this.high);
    const bounds = lo !== undefined && hi !== undefined ? `${lo}, ${hi}` : 'low, high';
    return `Box(${bounds}, [${this.shape.join(', ')}], float32)`;
  }
}

/** A vector of independent discrete choices, element i in {0..nvec[i]-1}. */
export class MultiDiscrete implements Space<Int32Array> {
  readonly kind = 'multi-discrete' as const;
  readonly shape: readonly number[];
  readonly size: number;
  readonly nvec: Int32Array;
  constructor(nvec: readonly number[]) {
    if (!Array.isArray(nvec) || nvec.length === 0 || nvec.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new RangeError(`MultiDiscrete: nvec must be a non-empty list of integers >= 1, got ${JSON.stringify(nvec)}`);
    }
    this.nvec = Int32Array.from(nvec);
    this.shape = Object.freeze([nvec.length]);
    this.size = nvec.length;
  }
  contains(x: unknown): x is Int32Array {
    if (!(x instanceof Int32Array) || x.length !== this.size) return false;
    for (let i = 0; i < x.length; i++) if ((x[i] as number) < 0 || (x[i] as number) >= (this.nvec[i] as number)) return false;
    return true;
  }
  sample(rng: Rng): Int32Array {
    const out = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = rng.int(0, (this.nvec[i] as number) - 1);
    return out;
  }
  toJSON(): SpaceJSON {
    return { kind: 'multi-discrete', nvec: [...this.nvec] };
  }
  toString(): string {
    return `MultiDiscrete([${[...this.nvec].join(', ')}])`;
  }
}

/** n independent bits, as a Uint8Array of 0/1. */
export class MultiBinary implements Space<Uint8Array> {
  readonly kind = 'multi-binary' as const;
  readonly shape: readonly number[];
  readonly size: number;
  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`MultiBinary: n must be an integer >= 1, got ${n}`);
    this.shape = Object.freeze([n]);
    this.size = n;
  }
  contains(x: unknown): x is Uint8Array {
    if (!(x instanceof Uint8Array) || x.length !== this.n) return false;
    for (let i = 0; i < x.length; i++) if ((x[i] as number) > 1) return false;
    return true;
  }
  sample(rng: Rng): Uint8Array {
    const out = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = rng.nextUint32() & 1;
    return out;
  }
  toJSON(): SpaceJSON {
    return { kind: 'multi-binary', n: this.n };
  }
  toString(): string {
    return `MultiBinary(${this.n})`;
  }
}

/** Rebuild a space from its JSON form (checkpoints, the viewer's hello). */
export function spaceFromJSON(json: SpaceJSON): Space<unknown> {
  switch (json.kind) {
    case 'discrete': return new Discrete(json.n, json.start);
    case 'box': return new Box(json.low.map(nullToInf(-1)), json.high.map(nullToInf(1)), json.shape);
    case 'multi-discrete': return new MultiDiscrete(json.nvec);
    case 'multi-binary': return new MultiBinary(json.n);
  }
}

/** True when `x` looks like a Space (duck-typed, for checking users' envs). */
export function isSpace(x: unknown): x is Space<unknown> {
  const s = x as Partial<Space<unknown>> | null;
  return !!s && typeof s === 'object' && Array.isArray(s.shape) && typeof s.contains === 'function'
    && typeof s.sample === 'function';
}

// JSON.stringify turns ±Infinity into null; bring them back.
function nullToInf(sign: number): (v: number | null) => number {
  return (v) => (v === null ? sign * Infinity : v);
}

function broadcast(name: string, v: number | ArrayLike<number>, size: number): Float32Array {
  if (typeof v === 'number') return new Float32Array(size).fill(v);
  if (v.length !== size) throw new RangeError(`Box: ${name} must be a number or have ${size} values, got ${v.length}`);
  return Float32Array.from(v);
}

function uniformValue(a: Float32Array): number | undefined {
  const first = a[0];
  return first !== undefined && a.every((v) => v === first) ? first : undefined;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  if (Array.isArray(x)) return 'Array';
  return typeof x;
}

/** The number of actions of a Discrete action space; anything else is one clear ConfigError naming `who`. */
export function discreteActions(space: Space<unknown>, who: string): number {
  if (!(space instanceof Discrete)) throw new ConfigError(`${who} needs a Discrete action space, got ${space.toString()}`);
  return space.n;
}

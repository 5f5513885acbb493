/**
 * The env registry (Gymnasium `envs/registration.py`): ids map to factories and defaults.
 * `make` builds a fresh env wrapped as EpisodeStatistics(TimeLimit(OrderEnforcing(env))).
 */
import { closest } from 'fastest-levenshtein';
import type { Env, Info } from './env.ts';
import { BoxWorld } from './box-world.ts';
import { ContextualChoice } from './contextual-choice.ts';
import { ConfigError } from './errors.ts';
import { MiniPacman } from './mini-pacman.ts';
import { BabiTask } from './tasks/babi.ts';
import { LanguageModelTask } from './tasks/language-model.ts';
import { CopyTask } from './tasks/copy.ts';
import { NlvrTask } from './tasks/nlvr.ts';
import { NthFarthestTask } from './tasks/nth-farthest.ts';
import { ProgramEvalTask } from './tasks/program-eval.ts';
import { RepeatCopyTask } from './tasks/repeat-copy.ts';
import { EpisodeStatistics, OrderEnforcing, TimeLimit, Wrapper } from './wrappers.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type AnyEnv = Env<any, any, Info>;
export type EnvFactory = (kwargs: Record<string, unknown>) => AnyEnv;

export interface EnvSpec {
  readonly id: string;
  readonly factory: EnvFactory;
  /** TimeLimit applied by `make` (none when undefined: the env ends its own episodes). */
  readonly maxEpisodeSteps?: number;
  /** Default kwargs, overridden by those given to `make`. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly description?: string;
}

export interface RegisterOptions {
  maxEpisodeSteps?: number;
  kwargs?: Record<string, unknown>;
  description?: string;
}

const ID_PATTERN = /^[A-Za-z][\w.:/-]*-v\d+$/;
const REGISTRY = new Map<string, EnvSpec>();

export function register(id: string, factory: EnvFactory, opts: RegisterOptions = {}): void {
  if (!ID_PATTERN.test(id)) {
    throw new ConfigError(`register: id must look like "Name-v0" (letters, digits, -_.:/ and a -vN version suffix), got "${id}"`);
  }
  if (typeof factory !== 'function') throw new ConfigError(`register: factory for "${id}" must be a function (kwargs) => Env`);
  if (REGISTRY.has(id)) throw new ConfigError(`register: "${id}" is already registered; pick another id or version`);
  if (opts.maxEpisodeSteps !== undefined && (!Number.isInteger(opts.maxEpisodeSteps) || opts.maxEpisodeSteps < 1)) {
    throw new ConfigError(`register: maxEpisodeSteps for "${id}" must be an integer >= 1, got ${opts.maxEpisodeSteps}`);
  }
  REGISTRY.set(id, Object.freeze({
    id, factory, kwargs: Object.freeze({ ...opts.kwargs }),
    ...(opts.maxEpisodeSteps !== undefined ? { maxEpisodeSteps: opts.maxEpisodeSteps } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
  }));
}

/** Removes an id (tests, and tools that reload a user's module). */
export function unregister(id: string): boolean {
  return REGISTRY.delete(id);
}

export function listEnvs(): string[] {
  return [...REGISTRY.keys()].sort();
}

export function spec(id: string): EnvSpec {
  const s = REGISTRY.get(id);
  if (!s) throw unknownEnv(id);
  return s;
}

export interface MakeOptions {
  /** Overrides the registered TimeLimit; 0 disables it. */
  maxEpisodeSteps?: number;
}

/** A fresh, wrapped env. Unknown ids and bad kwargs throw ConfigError. */
export function make(id: string, kwargs: Record<string, unknown> = {}, opts: MakeOptions = {}): Wrapper<any, any, Info> {
  const s = spec(id);
  const env = s.factory({ ...s.kwargs, ...kwargs });
  let wrapped: AnyEnv = new OrderEnforcing(env, id);
  const limit = opts.maxEpisodeSteps ?? s.maxEpisodeSteps;
  if (limit !== undefined && limit > 0) wrapped = new TimeLimit(wrapped, limit);
  return new EpisodeStatistics(wrapped);
}

function unknownEnv(id: string): ConfigError {
  const known = listEnvs();
  const hint = known.length ? ` did you mean "${closest(id, known)}"?` : '';
  return new ConfigError(`unknown env "${id}";${hint} known envs: ${known.join(', ') || '(none registered)'}`);
}

// The built-in envs (docs/tasks.md §1-3). Episode limits live in the envs' own kwargs
// (frameCap, maxSteps), so `make` adds no TimeLimit for them.
register('ContextualChoice-v0', (kw) => new ContextualChoice(kw), {
  description: 'evidence accumulation with episodic recall of repeated trials (Ritter et al. 2018)',
});
register('MiniPacman-v0', (kw) => new MiniPacman(kw), {
  description: "Mini Pacman (I2A); --set view=viewport for the RMC paper's 5x5 window",
});
register('BoxWorld-v0', (kw) => new BoxWorld(kw), {
  description: 'key-and-lock puzzles (Zambaldi et al. 2018); --set view=viewport for the 5x5 window',
});

// Supervised memory tasks as reward-free envs (docs/tasks.md §4, §5, §8): targets in info.target.
register('Copy-v0', (kw) => new CopyTask(kw), {
  description: 'copy W-bit vectors after a delimiter; reward-free (Graves et al. 2014)',
});
register('RepeatCopy-v0', (kw) => new RepeatCopyTask(kw), {
  description: 'repeat a bit pattern R times, then an end marker; reward-free (Graves et al. 2014, DNC layout)',
});
register('NthFarthest-v0', (kw) => new NthFarthestTask(kw), {
  description: 'which vector is n-th farthest from m; reward-free, N-way answer at the last step (Santoro et al. 2018)',
});
register('ProgramEval-v0', (kw) => new ProgramEvalTask(kw), {
  description: 'Learning to Execute: read a mini-program char by char, output its value digit by digit; reward-free (Zaremba & Sutskever 2014)',
});
register('BabiTask-v0', (kw) => new BabiTask(kw), {
  description: 'bAbI QA, one story per episode, answer after each question; reward-free (Weston et al. 2015); --set source=files --set path=DIR for the real data',
});
register('Nlvr-v0', (kw) => new NlvrTask(kw), {
  description: 'NLVR: a scene\'s objects one per step, then a sentence to judge true or false; reward-free (Suhr et al. 2017, as the WMN paper feeds it); --set source=files --set path=DIR for the real data',
});
register('LanguageModel-v0', (kw) => new LanguageModelTask(kw), {
  description: 'next-token prediction over a text stream, state carried across segments; reward-free (Santoro et al. 2018); shipped: Tiny Shakespeare, --set path=FILE for yours',
});

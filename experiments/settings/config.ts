/**
 * ExperimentConfig — everything a training run needs, resolved once from (lowest first):
 * the env's preset, a --config file (JSON or YAML), --set key=value entries, explicit flags.
 * The resolved config is saved in the run directory, so a run can be rebuilt from it alone.
 */
import { readFileSync, statSync } from 'node:fs';
import YAML from 'yaml';
import { resolveA2CConfig, type A2CConfig } from '../../agents/a2c/config.ts';
import { resolveSupervisedConfig, type SupervisedConfig } from '../../agents/supervised/config.ts';
import { make } from '../../envs/registry.ts';
import { ConfigError } from '../../envs/errors.ts';
import { checkOption } from '../../envs/kwargs.ts';
import { BACKENDS, MAX_WASM_THREADS, type BackendChoice } from '../../memory/backends.ts';
import { coreEntry } from '../../memory/registry.ts';
import { LIMITS } from './limits.ts';
import { GENERIC_PRESET, PRESETS, type Preset } from './presets.ts';
import { parseSet } from './set-values.ts';

export { ConfigError };

/**
 * The learner and its hyperparameters, chosen from the env: A2C for envs with rewards, the
 * supervised learner for reward-free task envs. `cfg.learner` narrows `cfg.agent`.
 */
export type LearnerSettings =
  | { learner: 'a2c'; agent: A2CConfig }
  | { learner: 'supervised'; agent: SupervisedConfig };

export type ExperimentConfig = RunSettings & LearnerSettings;

/** An A2C run's config (what acting, watching and recording need). */
export type A2CExperimentConfig = RunSettings & { learner: 'a2c'; agent: A2CConfig };

/** Everything a run has whichever learner it uses. */
export interface RunSettings {
  /** Registered env id. */
  env: string;
  /** Env kwargs (validated by the env itself). */
  envKwargs: Record<string, unknown>;
  /** User modules that register envs, loaded before `env` is made. */
  envModules: string[];
  /** Memory core id (see `engram cores`). */
  core: string;
  /** Core options (validated by the core). */
  coreOptions: Record<string, unknown>;
  seed: number;
  /** Envs stepped in lockstep (the batch B). */
  numEnvs: number;
  /** Env steps in the whole run (over all envs). */
  totalSteps: number;
  /** Where config, metrics and checkpoints go. */
  runDir: string;
  backend: BackendChoice;
  /** Threads of the wasm backend: more speeds up large models, slows small ones (thread hand-offs). */
  threads: number;
  /** Write a checkpoint every this many updates (and at the end, and on Ctrl-C). */
  checkpointEvery: number;
  /** Write a metrics row every this many updates. */
  logEvery: number;
  /** Episodes of the evaluation at the end of training (0: none). */
  evalEpisodes: number;
  /**
   * Updates in a row whose loss or gradient norm is not finite (each one skipped, never applied)
   * before the run stops as diverged; the last good checkpoint stays as it was.
   */
  nonFiniteLimit: number;
}

/** What the user gave, before presets are applied (all optional). */
export interface ConfigSources {
  file?: string;
  /** Settings as an object, e.g. a run's config.json (applied before `file`, `sets` and `flags`). */
  values?: Record<string, unknown>;
  sets?: readonly string[];
  flags?: Partial<Pick<RunSettings, 'env' | 'core' | 'seed' | 'numEnvs' | 'totalSteps' | 'runDir' | 'backend' | 'threads' | 'envModules'>>;
}

const TOP_KEYS = ['env', 'envKwargs', 'envModules', 'core', 'coreOptions', 'learner', 'agent', 'seed', 'numEnvs', 'totalSteps', 'runDir', 'backend', 'threads', 'checkpointEvery', 'logEvery', 'evalEpisodes', 'nonFiniteLimit'] as const;
const DEFAULT_ENV = 'ContextualChoice-v0';

export function readConfigFile(path: string): Record<string, unknown> {
  const text = readSettingsText(path, `--config ${path}`);
  const yaml = /\.ya?ml$/i.test(path);
  let parsed: unknown;
  try {
    parsed = yaml ? YAML.parse(text) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`--config ${path}: not valid ${yaml ? 'YAML' : 'JSON'} (${printable((e as Error).message.split('\n')[0] ?? '')})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`--config ${path}: expected an object of settings${text.trim() === '' ? ', found an empty file' : ''}`);
  return parsed as Record<string, unknown>;
}

/** A settings file's text; a folder, an unreadable file or a binary one is one clear line. */
export function readSettingsText(path: string, what: string): string {
  let st;
  try { st = statSync(path); } catch { throw new ConfigError(`${what}: file not found`); }
  if (!st.isFile()) throw new ConfigError(`${what}: not a file (a folder?); pass a JSON or YAML file`);
  let text;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new ConfigError(`${what}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`); }
  if (/[\u0000\ufffd]/.test(text)) throw new ConfigError(`${what}: a binary file, not JSON or YAML text`);
  return text;
}

/** Parser messages quote the input; keep control characters of a damaged file off the terminal. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?').slice(0, 200);
}

/** Applies `--set a.b=c` onto a plain object. `env.x`, `core.x`, `agent.x` go to the sub-objects. */
export function applySet(target: Record<string, unknown>, entry: string): void {
  const [key, value] = parseSet(entry);
  const [head, ...rest] = key.split('.');
  const sub = { env: 'envKwargs', core: 'coreOptions', agent: 'agent' }[head as string];
  if (rest.length > 0) {
    if (!sub) throw new ConfigError(`--set ${entry}: "${head}" has no sub-settings; use env.<option>, core.<option> or agent.<option>`);
    const obj = (target[sub] ??= {}) as Record<string, unknown>;
    obj[rest.join('.')] = value;
    return;
  }
  target[key] = value;
}

export function resolveExperimentConfig(src: ConfigSources): Readonly<ExperimentConfig> {
  const user: Record<string, unknown> = { ...src.values, ...(src.file ? readConfigFile(src.file) : {}) };
  for (const e of src.sets ?? []) applySet(user, e);
  for (const [k, v] of Object.entries(src.flags ?? {})) if (v !== undefined) user[k] = v;
  for (const k of Object.keys(user)) {
    if (!(TOP_KEYS as readonly string[]).includes(k)) throw new ConfigError(`unknown setting "${k}"; expected one of: ${TOP_KEYS.join(', ')}`);
  }
  const env = str(user.env ?? DEFAULT_ENV, 'env');
  const preset: Preset = PRESETS[env] ?? GENERIC_PRESET;
  const core = str(user.core ?? preset.defaultCore, 'core');
  coreEntry(core); // unknown core: one clear error listing the ids
  const seed = int(user.seed ?? 1, 'seed', ...LIMITS.seed);
  const envKwargs = { ...preset.envKwargs, ...obj(user.envKwargs, 'envKwargs') };
  const agentSettings = { ...preset.agent, ...preset.agentByCore?.[core], ...obj(user.agent, 'agent') };
  const learner: LearnerSettings = isRewardFree(env, envKwargs)
    ? { learner: 'supervised', agent: resolveSupervisedConfig(agentSettings) }
    : { learner: 'a2c', agent: resolveA2CConfig(agentSettings) };
  const cfg: ExperimentConfig = {
    env,
    envKwargs,
    ...learner,
    envModules: strList(user.envModules ?? [], 'envModules'),
    core,
    coreOptions: { ...preset.core?.[core], ...obj(user.coreOptions, 'coreOptions') },
    seed,
    numEnvs: int(user.numEnvs ?? preset.numEnvs ?? 8, 'numEnvs', ...LIMITS.numEnvs),
    totalSteps: int(user.totalSteps ?? preset.totalSteps ?? 100_000, 'totalSteps', ...LIMITS.totalSteps),
    runDir: str(user.runDir ?? defaultRunDir(env, core, seed), 'runDir'),
    backend: oneOf(user.backend ?? 'auto', 'backend', BACKENDS),
    threads: int(user.threads ?? 1, 'threads', 1, MAX_WASM_THREADS),
    checkpointEvery: int(user.checkpointEvery ?? 100, 'checkpointEvery', ...LIMITS.checkpointEvery),
    logEvery: int(user.logEvery ?? 10, 'logEvery', ...LIMITS.logEvery),
    evalEpisodes: int(user.evalEpisodes ?? preset.evalEpisodes ?? 0, 'evalEpisodes', ...LIMITS.evalEpisodes),
    nonFiniteLimit: int(user.nonFiniteLimit ?? 5, 'nonFiniteLimit', ...LIMITS.nonFiniteLimit),
  };
  return Object.freeze(cfg);
}

/** Updates in an A2C run (its rollouts have a fixed size; supervised batches vary). */
export function updatesFor(cfg: A2CExperimentConfig): number {
  return Math.ceil(cfg.totalSteps / (cfg.numEnvs * cfg.agent.numSteps));
}

/** The config of an A2C run; a supervised task's is one clear ConfigError naming `what` needs A2C. */
export function a2cConfig(cfg: ExperimentConfig, what: string): A2CExperimentConfig {
  if (cfg.learner !== 'a2c') throw new ConfigError(`${what}: ${cfg.env} is a supervised task (no actions to take); ${what} is for envs with rewards`);
  return cfg;
}

/** The env's own answer (unknown ids and bad kwargs fail here, before anything runs). */
function isRewardFree(env: string, kwargs: Record<string, unknown>): boolean {
  const e = make(env, kwargs);
  const free = e.metadata.rewardFree === true;
  e.close();
  return free;
}

/** runs/<env>-<core>-s<seed>-<UTC time>; two starts in the same second get -2, -3, ... (run/run-dir.ts). */
export function defaultRunDir(env: string, core: string, seed: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `runs/${env}-${core}-s${seed}-${stamp}`;
}

// Typed readers of top-level settings, all through the one option check.
function str(v: unknown, name: string): string {
  checkOption(typeof v === 'string' && v !== '', '', name, 'be a non-empty string', v);
  return v as string;
}
export function strList(v: unknown, name: string): string[] {
  checkOption(Array.isArray(v) && v.every((x) => typeof x === 'string'), '', name, 'be a list of strings', v);
  return v as string[];
}
function int(v: unknown, name: string, min: number, max: number): number {
  checkOption(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max, '', name, `be an integer from ${min} to ${max}`, v);
  return v as number;
}
function obj(v: unknown, name: string): Record<string, unknown> {
  if (v === undefined) return {};
  checkOption(!!v && typeof v === 'object' && !Array.isArray(v), '', name, 'be an object of settings', v);
  return v as Record<string, unknown>;
}
function oneOf<T extends string>(v: unknown, name: string, allowed: readonly T[]): T {
  checkOption(allowed.includes(v as T), '', name, `be one of ${allowed.join(', ')}`, v);
  return v as T;
}

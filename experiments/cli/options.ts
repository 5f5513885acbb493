/**
 * The CLI's flags, declared once: parsers that refuse bad values with one line, and the options
 * several verbs share (`--set`, `--seed`, `--backend`, `--threads`, `--host`, `--port`, ...).
 * Options come from @commander-js/extra-typings, so each verb's flag type is inferred from its
 * declaration (main.ts) instead of written again.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { ConfigError } from '../../envs/errors.ts';
import { BACKENDS, MAX_WASM_THREADS } from '../../memory/backends.ts';
import { EPISODES_MAX, FPS_MAX, LIMITS } from '../settings/limits.ts';

/** A command that throws instead of exiting, and prints its usage errors as one `PROGRAM: ...` line. */
export function command(name: string, program = 'engram'): Command {
  return new Command(name)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`${program}: ${oneLine(str.replace(/^error: /, ''))}\n`) });   // "(Did you mean ...?)" joins its line
}

export function oneLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

export function parseIntIn(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

/** A bad value must stop the command, not come out as a 0 later. */
export function parsePositiveNumber(flag: string) {
  return (value: string): number => {
    const x = Number(value);
    if (!Number.isFinite(x) || x <= 0) throw new ConfigError(`${flag} must be a positive number, got "${value}"`);
    return x;
  };
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export const envModuleOption = (what = 'load a module that registers your own envs first (repeatable)') =>
  new Option('--env-module <file>', what).argParser(collect);
/** For eval and watch: the run names its own modules; passing one again accepts its changes. */
export const runEnvModuleOption = () => envModuleOption('an env module of the run, given again to use it although it changed since training');
export const setOption = (what = 'env option, e.g. --set view=viewport (repeatable)') => new Option('--set <key=value>', what).argParser(collect).default([] as string[]);
export const seedOption = (what = 'seed') => new Option('--seed <s>', what).argParser(parseIntIn('--seed', ...LIMITS.seed));
export const backendOption = () => new Option('--backend <name>', 'tensor backend').choices(BACKENDS);
export const threadsOption = () => new Option('--threads <n>', `wasm backend threads, 1-${MAX_WASM_THREADS} (2+ speeds up large models, slows small ones)`)
  .argParser(parseIntIn('--threads', 1, MAX_WASM_THREADS));
export const hostOption = () => new Option('--host <host>', 'viewer address to bind').default('127.0.0.1');
export const portOption = () => new Option('--port <n>', 'viewer port (0: a free one)').argParser(parseIntIn('--port', 0, 65535)).default(0);
export const episodesOption = (what: string, byDefault: number) =>
  new Option('--episodes <n>', what).argParser(parseIntIn('--episodes', 1, EPISODES_MAX)).default(byDefault);
export const fpsOption = () => new Option('--fps <n>', 'steps per second (default: the env\'s render fps)').argParser(parseIntIn('--fps', 1, FPS_MAX));
export const exitOption = (what: string) => new Option('--exit', what).default(false);

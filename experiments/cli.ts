/**
 * The `engram` command line. Exit codes: 0 done (also after a clean stop on Ctrl-C); 1 a failed env
 * check, or a run that could not go on (RunError: diverged, disk full, run directory busy; a wasm
 * heap too small for the batch); 2 bad input (ConfigError, EnvError, bad flags). Each of those
 * prints one line. Anything else is a bug in Engram: its stack, under a line saying so, exit 70.
 */
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, EnvError, isUserError } from '../envs/errors.ts';
import '../envs/registry.ts';
import { checkEnvCommand, envInfoCommand, listEnvsCommand, parseIntIn, randomCommand } from './env-commands.ts';
import { loadEnvModule } from './env-module.ts';
import { EPISODES_MAX, FPS_MAX, LIMITS } from './limits.ts';
import { playCommand } from './play.ts';
import { BACKENDS, MAX_WASM_THREADS, wasmAbortMessage } from '../memory/backends.ts';
import type { EvalFlags, TrainFlags } from './train-commands.ts';
import type { ReplayFlags, WatchFlags } from './view-commands.ts';

// Training verbs load TensorFlow.js (~0.6 s), so they are imported only when used.
const training = () => import('./train-commands.ts');
import { collect, envKwargsFromSets } from './set-values.ts';

// `engram envs | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); else throw e; });
// Registered before TensorFlow.js loads: the wasm glue's own handler rethrows with its minified source.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

const program = new Command('engram')
  .description('Reinforcement-learning agents with memory: envs, memory cores, A2C, a live viewer.')
  .exitOverride()
  .showSuggestionAfterError(true)
  .configureOutput({ outputError: (str, write) => write(`engram: ${oneLine(str.replace(/^error: /, ''))}\n`) });   // "(Did you mean ...?)" joins its line

const envModuleOption = (what = 'load a module that registers your own envs first (repeatable)') => new Option('--env-module <file>', what).argParser(collect);
const parseSeed = parseIntIn('--seed', ...LIMITS.seed);
const parsePort = parseIntIn('--port', 0, 65535);
const setOption = () => new Option('--set <key=value>', 'env option, e.g. --set view=viewport (repeatable)').argParser(collect).default([]);

const envs = program.command('envs').description('list registered envs with their spaces')
  .addOption(envModuleOption())
  .action(async (o: { envModule?: string[] }) => { await loadModules(o.envModule); listEnvsCommand(); });
envs.command('info <id>').description('print one env spec as JSON')
  .addOption(envModuleOption())
  // `engram envs --env-module F info X` puts the option on `envs`: both places count.
  .action(async (id: string, o: { envModule?: string[] }) => {
    await loadModules([...(envs.opts().envModule as string[] | undefined ?? []), ...(o.envModule ?? [])]);
    envInfoCommand(id);
  });

program.command('check-env <id-or-file>')
  .description('run the env checker on a registered env, or on every env a module registers (exit 1 if a check fails)')
  .addOption(setOption())
  .option('--seed <s>', 'seed for the checks', parseSeed, 0)
  .action(async (target: string, o: { set: string[]; seed: number }) => {
    process.exitCode = await checkEnvCommand(target, envKwargsFromSets(o.set), o.seed);
  });

program.command('play <id>')
  .description('play an env in the terminal (arrow keys)')
  .addOption(setOption())
  .addOption(envModuleOption())
  .option('--seed <s>', 'seed of the first episode', parseSeed, 0)
  .action(async (id: string, o: { set: string[]; seed: number; envModule?: string[] }) => {
    await loadModules(o.envModule);
    await playCommand(id, envKwargsFromSets(o.set), o.seed);
  });

program.command('random <id>')
  .description('run a random policy and print return and length statistics')
  .addOption(setOption())
  .addOption(envModuleOption())
  .option('--episodes <n>', 'number of episodes', parseIntIn('--episodes', 1, EPISODES_MAX), 10)
  .option('--seed <s>', 'seed', parseSeed, 0)
  .option('--json', 'print one JSON object', false)
  .action(async (id: string, o: { set: string[]; episodes: number; seed: number; json: boolean; envModule?: string[] }) => {
    await loadModules(o.envModule);
    randomCommand(id, { episodes: o.episodes, seed: o.seed, kwargs: envKwargsFromSets(o.set), json: o.json });
  });

program.command('train')
  .description('train an A2C agent with a memory core (with no flags: DND-LSTM on contextual choice, about a minute)')
  .option('--env <id>', 'env id (see engram envs)')
  .option('--core <id>', 'memory core (see engram cores)')
  .option('--config <file>', 'settings from a JSON or YAML file')
  .addOption(new Option('--set <key=value>', 'one setting, e.g. agent.lr=3e-4, core.hiddenSize=64, env.view=viewport (repeatable)').argParser(collect).default([]))
  .option('--seed <s>', 'seed', parseSeed)
  .option('--num-envs <n>', 'envs stepped together', parseIntIn('--num-envs', ...LIMITS.numEnvs))
  .option('--steps <n>', 'total env steps', parseIntIn('--steps', ...LIMITS.totalSteps))
  .option('--run-dir <dir>', 'where config, metrics and checkpoints go (default runs/<env>-<core>-s<seed>-<time>)')
  .addOption(new Option('--backend <name>', 'tensor backend').choices(BACKENDS))
  .addOption(threadsOption())
  .option('--resume <dir>', 'continue the run in this directory from its last checkpoint')
  .option('--overwrite', 'start over in a --run-dir that holds a run, replacing its files', false)
  .addOption(envModuleOption())
  .option('--view', 'serve the live viewer during training and print its URL', false)
  .option('--host <host>', 'viewer address to bind', '127.0.0.1')
  .option('--port <n>', 'viewer port (0: a free one)', parsePort, 0)
  .option('--record <file.jsonl>', 'record the followed env\'s episodes for engram replay')
  .action(async (o: TrainFlags) => (await training()).trainCommand(o));

program.command('eval')
  .description('evaluate a checkpoint: return statistics and the env\'s own episode metrics')
  .requiredOption('--checkpoint <dir>', 'a run directory written by engram train')
  .option('--episodes <n>', 'episodes to run', parseIntIn('--episodes', 1, EPISODES_MAX), 100)
  .option('--greedy', 'take the most probable action instead of sampling', false)
  .option('--json', 'print one JSON object {episodes, meanReturn, stdReturn, metrics}', false)
  .addOption(setOption())
  .option('--seed <s>', 'seed of the evaluation envs', parseSeed)
  .addOption(new Option('--backend <name>', 'tensor backend').choices(BACKENDS))
  .addOption(threadsOption())
  .option('--record <file.jsonl>', 'record every step of env 0 for engram replay')
  .addOption(envModuleOption('an env module of the run, given again to use it although it changed since training'))
  .action(async (o: EvalFlags) => (await training()).evalCommand(o));

program.command('watch')
  .description('play a trained agent\'s episodes into the live viewer, paced for people')
  .requiredOption('--checkpoint <dir>', 'a run directory written by engram train')
  .option('--episodes <n>', 'episodes to play', parseIntIn('--episodes', 1, EPISODES_MAX), 5)
  .option('--fps <n>', 'steps per second (default: the env\'s render fps)', parseIntIn('--fps', 1, FPS_MAX))
  .option('--greedy', 'take the most probable action', false)
  .option('--num-envs <n>', 'envs to run (the viewer can follow any)', parseIntIn('--num-envs', 1, 64), 1)
  .addOption(setOption())
  .option('--seed <s>', 'seed of the envs', parseSeed)
  .option('--host <host>', 'viewer address to bind', '127.0.0.1')
  .option('--port <n>', 'viewer port (0: a free one)', parsePort, 0)
  .option('--record <file.jsonl>', 'also record the episodes')
  .option('--exit', 'exit after the episodes instead of serving until Ctrl-C', false)
  .addOption(envModuleOption('an env module of the run, given again to use it although it changed since training'))
  .addOption(new Option('--backend <name>', 'tensor backend').choices(BACKENDS))
  .addOption(threadsOption())
  .action(async (o: WatchFlags) => (await import('./view-commands.ts')).watchCommand(o));

program.command('replay <file>')
  .description('serve a recording (--record) to the live viewer')
  .option('--fps <n>', 'steps per second (default: the env\'s render fps)', parseIntIn('--fps', 1, FPS_MAX))
  .option('--host <host>', 'viewer address to bind', '127.0.0.1')
  .option('--port <n>', 'viewer port (0: a free one)', parsePort, 0)
  .option('--exit', 'exit when the recording ends instead of serving until Ctrl-C', false)
  .action(async (file: string, o: Omit<ReplayFlags, 'file'>) => (await import('./view-commands.ts')).replayCommand({ ...o, file }));

program.command('cores').description('list memory cores and their default options').action(async () => (await training()).coresCommand());

function threadsOption(): Option {
  return new Option('--threads <n>', `wasm backend threads, 1-${MAX_WASM_THREADS} (2+ speeds up large models, slows small ones)`)
    .argParser(parseIntIn('--threads', 1, MAX_WASM_THREADS));
}

async function loadModules(paths: string[] | undefined): Promise<void> {
  for (const p of paths ?? []) await loadEnvModule(p);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  fail(e);
}

/** Every way out on an error: one line and its exit code, or a bug's stack (module doc). */
function fail(e: unknown): never {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);   // help and version exit 0; usage errors 2
  const outOfMemory = wasmAbortMessage(e);
  const system = (e as NodeJS.ErrnoException | undefined)?.syscall !== undefined;
  if (isUserError(e)) {
    console.error(`engram: ${oneLine(e.message)}`);
    process.exit(e instanceof ConfigError || e instanceof EnvError ? 2 : 1);
  } else if (outOfMemory) {
    console.error(`engram: ${outOfMemory}`);
    process.exit(1);
  } else if (system) {
    // The operating system refused something (a file, a socket): its message names what.
    console.error(`engram: ${oneLine((e as Error).message)}`);
    process.exit(1);
  }
  console.error('engram: internal error; this is a bug in Engram, please report it with the lines below');
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(70);
}

function oneLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

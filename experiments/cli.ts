/**
 * The `engram` command line. User mistakes (ConfigError, EnvError, bad flags) print one line and
 * exit 2; a failed env check exits 1, and so does a wasm heap exhausted by too large a batch (one line);
 * anything else is a bug and keeps its stack trace.
 */
import { Command, CommanderError, Option } from 'commander';
import { isUserError } from '../envs/errors.ts';
import '../envs/registry.ts';
import { checkEnvCommand, envInfoCommand, listEnvsCommand, parseIntIn, parseInteger, parsePositiveInt, randomCommand } from './env-commands.ts';
import { loadEnvModule } from './env-module.ts';
import { playCommand } from './play.ts';
import { BACKENDS, MAX_WASM_THREADS, wasmAbortMessage } from '../memory/backends.ts';
import type { EvalFlags, TrainFlags } from './train-commands.ts';
import type { ReplayFlags, WatchFlags } from './view-commands.ts';

// Training verbs load TensorFlow.js (~0.6 s), so they are imported only when used.
const training = () => import('./train-commands.ts');
import { collect, envKwargsFromSets } from './set-values.ts';

// `engram envs | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); else throw e; });

const program = new Command('engram')
  .description('Reinforcement-learning agents with memory: envs, memory cores, A2C, a live viewer.')
  .exitOverride()
  .showSuggestionAfterError(true)
  .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'engram: ')) });

const envModuleOption = () => new Option('--env-module <file>', 'load a module that registers your own envs first').argParser(collect);
const setOption = () => new Option('--set <key=value>', 'env option, e.g. --set view=viewport (repeatable)').argParser(collect).default([]);

const envs = program.command('envs').description('list registered envs with their spaces')
  .addOption(envModuleOption())
  .action(async (o: { envModule?: string[] }) => { await loadModules(o.envModule); listEnvsCommand(); });
envs.command('info <id>').description('print one env spec as JSON')
  .addOption(envModuleOption())
  .action(async (id: string, o: { envModule?: string[] }) => { await loadModules(o.envModule); envInfoCommand(id); });

program.command('check-env <id-or-file>')
  .description('run the env checker on a registered env, or on every env a module registers (exit 1 if a check fails)')
  .addOption(setOption())
  .option('--seed <s>', 'seed for the checks', parseInteger('--seed'), 0)
  .action(async (target: string, o: { set: string[]; seed: number }) => {
    process.exitCode = await checkEnvCommand(target, envKwargsFromSets(o.set), o.seed);
  });

program.command('play <id>')
  .description('play an env in the terminal (arrow keys)')
  .addOption(setOption())
  .addOption(envModuleOption())
  .option('--seed <s>', 'seed of the first episode', parseInteger('--seed'), 0)
  .action(async (id: string, o: { set: string[]; seed: number; envModule?: string[] }) => {
    await loadModules(o.envModule);
    await playCommand(id, envKwargsFromSets(o.set), o.seed);
  });

program.command('random <id>')
  .description('run a random policy and print return and length statistics')
  .addOption(setOption())
  .addOption(envModuleOption())
  .option('--episodes <n>', 'number of episodes', parsePositiveInt('--episodes'), 10)
  .option('--seed <s>', 'seed', parseInteger('--seed'), 0)
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
  .option('--seed <s>', 'seed', parseInteger('--seed'))
  .option('--num-envs <n>', 'envs stepped together', parsePositiveInt('--num-envs'))
  .option('--steps <n>', 'total env steps', parsePositiveInt('--steps'))
  .option('--run-dir <dir>', 'where config, metrics and checkpoints go (default runs/<env>-<core>-s<seed>-<time>)')
  .addOption(new Option('--backend <name>', 'tensor backend').choices(BACKENDS))
  .addOption(threadsOption())
  .option('--resume <dir>', 'continue the run in this directory from its last checkpoint')
  .addOption(envModuleOption())
  .option('--view', 'serve the live viewer during training and print its URL', false)
  .option('--host <host>', 'viewer address to bind', '127.0.0.1')
  .option('--port <n>', 'viewer port (0: a free one)', parseInteger('--port'), 0)
  .option('--record <file.jsonl>', 'record the followed env\'s episodes for engram replay')
  .action(async (o: TrainFlags) => (await training()).trainCommand(o));

program.command('eval')
  .description('evaluate a checkpoint: return statistics and the env\'s own episode metrics')
  .requiredOption('--checkpoint <dir>', 'a run directory written by engram train')
  .option('--episodes <n>', 'episodes to run', parsePositiveInt('--episodes'), 100)
  .option('--greedy', 'take the most probable action instead of sampling', false)
  .option('--json', 'print one JSON object {episodes, meanReturn, stdReturn, metrics}', false)
  .addOption(setOption())
  .option('--seed <s>', 'seed of the evaluation envs', parseInteger('--seed'))
  .addOption(new Option('--backend <name>', 'tensor backend').choices(BACKENDS))
  .addOption(threadsOption())
  .option('--record <file.jsonl>', 'record every step of env 0 for engram replay')
  .action(async (o: EvalFlags) => (await training()).evalCommand(o));

program.command('watch')
  .description('play a trained agent\'s episodes into the live viewer, paced for people')
  .requiredOption('--checkpoint <dir>', 'a run directory written by engram train')
  .option('--episodes <n>', 'episodes to play', parsePositiveInt('--episodes'), 5)
  .option('--fps <n>', 'steps per second (default: the env\'s render fps)', parsePositiveInt('--fps'))
  .option('--greedy', 'take the most probable action', false)
  .option('--num-envs <n>', 'envs to run (the viewer can follow any)', parsePositiveInt('--num-envs'), 1)
  .addOption(setOption())
  .option('--seed <s>', 'seed of the envs', parseInteger('--seed'))
  .option('--host <host>', 'viewer address to bind', '127.0.0.1')
  .option('--port <n>', 'viewer port (0: a free one)', parseInteger('--port'), 0)
  .option('--record <file.jsonl>', 'also record the episodes')
  .option('--exit', 'exit after the episodes instead of serving until Ctrl-C', false)
  .addOption(new Option('--backend <name>', 'tensor backend').choices(BACKENDS))
  .addOption(threadsOption())
  .action(async (o: WatchFlags) => (await import('./view-commands.ts')).watchCommand(o));

program.command('replay <file>')
  .description('serve a recording (--record) to the live viewer')
  .option('--fps <n>', 'steps per second (default: the env\'s render fps)', parsePositiveInt('--fps'))
  .option('--host <host>', 'viewer address to bind', '127.0.0.1')
  .option('--port <n>', 'viewer port (0: a free one)', parseInteger('--port'), 0)
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
  const outOfMemory = wasmAbortMessage(e);
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2; // help and version exit 0; usage errors 2
  } else if (isUserError(e)) {
    console.error(`engram: ${e.message}`);
    process.exitCode = 2;
  } else if (outOfMemory) {
    console.error(`engram: ${outOfMemory}`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}

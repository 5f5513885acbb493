/**
 * Every verb of `engram` with its flags, declared once. The flag types the verbs take
 * (`TrainFlags`, ...) are inferred from these declarations; main.ts attaches the actions.
 */
import { Option, type Command, type OptionValues } from '@commander-js/extra-typings';
import { CA_ENV, TOKEN_ENV, TOKEN_FILE_ENV } from '../distributed/names.ts';
import { LIMITS } from '../settings/limits.ts';
import {
  backendOption, command, envModuleOption, episodesOption, exitOption, fpsOption, hostOption, parseIntIn, portOption,
  parsePositiveNumber, runEnvModuleOption, seedOption, setOption, threadsOption, collect,
} from './options.ts';

export const envsVerb = command('envs').description('list registered envs with their spaces')
  .addOption(envModuleOption());

export const envInfoVerb = command('info').description('print one env spec as JSON')
  .argument('<id>')
  .addOption(envModuleOption());

export const checkEnvVerb = command('check-env')
  .description('run the env checker on a registered env, or on every env a module registers (exit 1 if a check fails)')
  .argument('<id-or-file>')
  .addOption(setOption())
  .addOption(seedOption('seed for the checks').default(0));

export const playVerb = command('play').description('play an env in the terminal (arrow keys)')
  .argument('<id>')
  .addOption(setOption())
  .addOption(envModuleOption())
  .addOption(seedOption('seed of the first episode').default(0));

export const randomVerb = command('random').description('run a random policy and print return and length statistics')
  .argument('<id>')
  .addOption(setOption())
  .addOption(envModuleOption())
  .addOption(episodesOption('number of episodes', 10))
  .addOption(seedOption().default(0))
  .option('--json', 'print one JSON object', false);

/** The flags of a training run, shared by `train` and `learner`. */
function withTrainOptions<A extends unknown[], O extends OptionValues>(c: Command<A, O>) {
  return c
    .option('--env <id>', 'env id (see engram envs)')
    .option('--core <id>', 'memory core (see engram cores)')
    .option('--config <file>', 'settings from a JSON or YAML file')
    .addOption(new Option('--set <key=value>', 'one setting, e.g. agent.lr=3e-4, core.hiddenSize=64, env.view=viewport (repeatable)').argParser(collect).default([] as string[]))
    .addOption(seedOption())
    .option('--num-envs <n>', 'envs stepped together', parseIntIn('--num-envs', ...LIMITS.numEnvs))
    .option('--steps <n>', 'total env steps', parseIntIn('--steps', ...LIMITS.totalSteps))
    .option('--run-dir <dir>', 'where config, metrics and checkpoints go (default runs/<env>-<core>-s<seed>-<time>)')
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--resume <dir>', 'continue the run in this directory from its last checkpoint')
    .option('--overwrite', 'start over in a --run-dir that holds a run, replacing its files', false)
    .addOption(envModuleOption())
    .option('--view', 'serve the live viewer during training and print its URL', false)
    .addOption(hostOption())
    .addOption(portOption())
    .option('--record <file.jsonl>', 'record the followed env\'s episodes for engram replay');
}

export const trainVerb = withTrainOptions(command('train')
  .description('train an A2C agent with a memory core (with no flags: DND-LSTM on contextual choice, about a minute)'));

/** The broker's address, and its token from a file or the environment (never the command line). */
function withConnect<A extends unknown[], O extends OptionValues>(c: Command<A, O>) {
  return c.requiredOption('--connect <url>', `the broker, nats://host:port or tls://host:port (its token, if any: $${TOKEN_FILE_ENV} or $${TOKEN_ENV}; a CA for its certificate: $${CA_ENV})`);
}

export const brokerVerb = command('broker')
  .description('run a local NATS JetStream server for distributed runs (until Ctrl-C)')
  .addOption(new Option('--host <host>', 'address to listen on (not loopback: a token is required)').default('127.0.0.1'))
  .addOption(new Option('--port <n>', 'port (0: a free one)').argParser(parseIntIn('--port', 0, 65535)).default(4222))
  .option('--store <dir>', 'where JetStream keeps its streams', 'broker-store')
  .addOption(new Option('--max-payload <mb>', 'largest message in MiB').argParser(parseIntIn('--max-payload', 1, 64)).default(8))
  .option('--tls-cert <file>', 'serve TLS with this certificate (PEM); clients then connect to tls://host:port')
  .option('--tls-key <file>', 'the certificate\'s private key (PEM)');

export const learnerVerb = withConnect(withTrainOptions(command('learner')
  .description('train as the IMPALA learner of a distributed run: actors send unrolls through the broker')))
  .option('--run <id>', 'the run\'s name on the broker (default: from the run directory\'s name)')
  .addOption(new Option('--spawn-actors <n>', 'also start N actors on this machine').argParser(parseIntIn('--spawn-actors', 0, 64)).default(0))
  .addOption(new Option('--max-policy-lag <n>', 'drop unrolls acted with weights more than N versions old').argParser(parseIntIn('--max-policy-lag', 0, 1_000_000)).default(20))
  .addOption(new Option('--publish-every <n>', 'publish the weights every N updates').argParser(parseIntIn('--publish-every', 1, 1_000_000)).default(1))
  .addOption(new Option('--queue-size <n>', 'unrolls the broker holds until the learner has checkpointed them').argParser(parseIntIn('--queue-size', 4, 100_000)).default(256))
  .addOption(new Option('--backlog <n>', 'actors wait while N unrolls wait for the learner (keeps the policy lag small)').argParser(parseIntIn('--backlog', 1, 10_000)).default(4))
  .addOption(new Option('--rho-bar <x>', 'V-trace: the truncation of importance weights (IMPALA\'s rho-bar)').argParser(parsePositiveNumber('--rho-bar')).default(1))
  .addOption(new Option('--c-bar <x>', 'V-trace: the truncation of the traces (IMPALA\'s c-bar)').argParser(parsePositiveNumber('--c-bar')).default(1));

export const actorVerb = withConnect(command('actor')
  .description('act for a distributed run: load the newest weights, step envs, send unrolls to the learner (until Ctrl-C)'))
  .requiredOption('--run <id>', 'the run\'s name on the broker (the learner prints it)')
  .option('--num-envs <n>', 'envs this actor steps (default: the run\'s)', parseIntIn('--num-envs', ...LIMITS.numEnvs))
  .addOption(new Option('--index <n>', 'this actor\'s number, which seeds its envs apart from the others').argParser(parseIntIn('--index', 0, 1_000_000)).default(0))
  .addOption(envModuleOption('an env module the run needs (actors load no code named by the broker)'))
  .addOption(backendOption())
  .addOption(threadsOption())
  .option('--view', 'serve the live viewer of this actor\'s envs and print its URL', false)
  .addOption(hostOption())
  .addOption(portOption())
  .option('--record <file.jsonl>', 'record the followed env\'s episodes for engram replay');

export const sweepVerb = command('sweep').description('many training runs over seeds and settings, trained by workers anywhere (see docs/distributed.md)');

export const sweepSubmitVerb = withConnect(command('submit')
  .description('queue one job per (seed, setting): --set k=v1,v2 gives a setting several values'))
  .option('--config <file>', 'the settings every job starts from, a JSON or YAML file')
  .requiredOption('--seeds <list>', 'the seeds, e.g. 1-5 or 0,3,7')
  .addOption(new Option('--set <key=values>', 'a setting, with comma-separated values to sweep over (repeatable)').argParser(collect).default([] as string[]))
  .option('--name <name>', 'the sweep\'s name (default: sweep-<date>-<time>)')
  .addOption(envModuleOption('an env module the config needs, to check it here (workers load their own)'));

const formatOption = () => new Option('--format <format>', 'table, json or csv').choices(['table', 'json', 'csv'] as const).default('table' as const);

export const sweepStatusVerb = withConnect(command('status')
  .description('what each job of a sweep is doing, or a line per sweep without a name'))
  .argument('[name]')
  .addOption(formatOption());

export const sweepResultsVerb = withConnect(command('results')
  .description('one row per finished job: its seed and settings, eval.json and last metrics row'))
  .argument('<name>')
  .addOption(formatOption())
  .option('--out <file>', 'write to this file instead of the terminal');

export const workerVerb = withConnect(command('worker')
  .description('train sweep jobs from the broker, one at a time (until Ctrl-C)'))
  .option('--dir <dir>', 'where the jobs\' run directories go (<dir>/<sweep>/<job>)', 'sweeps')
  .option('--max-jobs <n>', 'stop after N jobs', parseIntIn('--max-jobs', 1, 1_000_000))
  .addOption(envModuleOption('an env module the jobs need (workers load no code named by the broker)'))
  .addOption(backendOption())
  .addOption(threadsOption());

export const experimentVerb = command('experiment').description('run a paper\'s comparison of memory cores by name, and report it (engram experiment list)');

export const experimentListVerb = command('list').description('the named experiments: what each compares, its budgets, the published figures');

export const experimentRunVerb = command('run')
  .description('train every (setting, core, seed) of an experiment, P at a time, then write its report; run it again to finish an interrupted one')
  .argument('<name>')
  .addOption(new Option('--budget <budget>', 'smoke (seconds a run), quick (minutes) or paper').choices(['smoke', 'quick', 'paper'] as const).default('quick' as const))
  .option('--seeds <n>', 'seeds 1..N of every (setting, core) (default: the budget\'s)', parseIntIn('--seeds', 1, 1000))
  .option('--parallel <p>', 'runs at a time, each in its own process (default: one per CPU core)', parseIntIn('--parallel', 1, 256))
  .option('--out <dir>', 'where the runs and the report go (default runs/experiments/<name>-<budget>)')
  .option('--connect <url>', 'train the runs on the sweep workers of this broker instead (engram worker), fetching each run directory as it finishes')
  .addOption(backendOption())
  .addOption(threadsOption());

export const reportVerb = command('report')
  .description('a report from run directories (or folders of them): report.html with figures, report.md with the tables')
  .argument('<dirs...>')
  .option('--out <dir>', 'where report.html and report.md go (default: the first folder named)')
  .option('--title <text>', 'the report\'s title', 'Engram report');

export const evalVerb = command('eval')
  .description('evaluate a checkpoint: return statistics and the env\'s own episode metrics')
  .requiredOption('--checkpoint <dir>', 'a run directory written by engram train')
  .addOption(episodesOption('episodes to run', 100))
  .option('--greedy', 'take the most probable action instead of sampling', false)
  .option('--json', 'print one JSON object {episodes, meanReturn, stdReturn, metrics}', false)
  .addOption(setOption())
  .addOption(seedOption('seed of the evaluation envs'))
  .addOption(backendOption())
  .addOption(threadsOption())
  .option('--record <file.jsonl>', 'record every step of env 0 for engram replay')
  .addOption(runEnvModuleOption());

export const watchVerb = command('watch')
  .description('play a trained agent\'s episodes into the live viewer, paced for people')
  .requiredOption('--checkpoint <dir>', 'a run directory written by engram train')
  .addOption(episodesOption('episodes to play', 5))
  .addOption(fpsOption())
  .option('--greedy', 'take the most probable action', false)
  .option('--num-envs <n>', 'envs to run (the viewer can follow any)', parseIntIn('--num-envs', 1, 64), 1)
  .addOption(setOption())
  .addOption(seedOption('seed of the envs'))
  .addOption(hostOption())
  .addOption(portOption())
  .option('--record <file.jsonl>', 'also record the episodes')
  .addOption(exitOption('exit after the episodes instead of serving until Ctrl-C'))
  .addOption(runEnvModuleOption())
  .addOption(backendOption())
  .addOption(threadsOption());

export const replayVerb = command('replay').description('serve a recording (--record) to the live viewer')
  .argument('<file>')
  .addOption(fpsOption())
  .addOption(hostOption())
  .addOption(portOption())
  .addOption(exitOption('exit when the recording ends instead of serving until Ctrl-C'));

export const coresVerb = command('cores').description('list memory cores and their default options')
  .addOption(envModuleOption('a module that registers cores (registerCore from \'engram/memory\')'));

export const checkCoreVerb = command('check-core')
  .description('run the memory-core checks on a registered core, or on every core a module registers (exit 1 if a check fails)')
  .argument('<id-or-file>')
  .addOption(new Option('--set <key=value>', 'a core option, e.g. hiddenSize=8 (repeatable)').argParser(collect).default([] as string[]))
  .option('--input-size <n>', 'the input width D the checks feed the core', parseIntIn('--input-size', 1, 4096), 5)
  .addOption(backendOption());

export type TrainFlags = ReturnType<typeof trainVerb.opts>;
export type LearnerFlags = ReturnType<typeof learnerVerb.opts>;
export type ActorFlags = ReturnType<typeof actorVerb.opts>;
export type BrokerFlags = ReturnType<typeof brokerVerb.opts>;
export type SweepSubmitFlags = ReturnType<typeof sweepSubmitVerb.opts>;
export type SweepStatusFlags = ReturnType<typeof sweepStatusVerb.opts>;
export type SweepResultsFlags = ReturnType<typeof sweepResultsVerb.opts>;
export type WorkerFlags = ReturnType<typeof workerVerb.opts>;
export type CheckCoreFlags = ReturnType<typeof checkCoreVerb.opts>;
export type ExperimentRunFlags = ReturnType<typeof experimentRunVerb.opts>;
export type ReportFlags = ReturnType<typeof reportVerb.opts>;
export type EvalFlags = ReturnType<typeof evalVerb.opts>;
export type WatchFlags = ReturnType<typeof watchVerb.opts>;
export type ReplayFlags = ReturnType<typeof replayVerb.opts> & { file: string };

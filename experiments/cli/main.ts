/**
 * The `engram` command line. Exit codes: 0 done (also after a clean stop on Ctrl-C); 1 a failed env
 * check, or a run that could not go on (RunError: diverged, disk full, run directory busy; a wasm
 * heap too small for the batch); 2 bad input (ConfigError, EnvError, bad flags). Each of those
 * prints one line. Anything else is a bug in Engram: its stack, under a line saying so, exit 70.
 */
import { CommanderError } from '@commander-js/extra-typings';
import { ConfigError, EnvError, isUserError } from '../../envs/errors.ts';
import '../../envs/registry.ts';
import { wasmAbortMessage } from '../../memory/backends.ts';
import { envKwargsFromSets } from '../settings/set-values.ts';
import { loadModules } from '../run/env-module.ts';
import { actorVerb, brokerVerb, experimentListVerb, experimentRunVerb, experimentVerb, reportVerb, checkCoreVerb, sweepResultsVerb, sweepStatusVerb, sweepSubmitVerb, sweepVerb, workerVerb, checkEnvVerb, coresVerb, learnerVerb, envInfoVerb, envsVerb, evalVerb, playVerb, randomVerb, replayVerb, trainVerb, watchVerb } from './commands.ts';
import { checkEnvCommand, envInfoCommand, listEnvsCommand, randomCommand } from './env-verbs.ts';
import { command, oneLine } from './options.ts';
import { playCommand } from './play.ts';

// Training and viewing load TensorFlow.js (~0.6 s), so their verbs are imported only when used.
const training = () => import('./train-verbs.ts');
const viewing = () => import('./view-verbs.ts');
const distributed = () => import('./distributed-verbs.ts');
const sweeps = () => import('./sweep-verbs.ts');
const cores = () => import('./core-verbs.ts');
const experiments = () => import('./experiment-verbs.ts');

// `engram envs | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); else throw e; });
// A parent's IPC channel (run/stop-signals.ts) must not keep this process alive once its work is done.
process.channel?.unref();
// Registered before TensorFlow.js loads: the wasm glue's own handler rethrows with its minified source.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

const program = command('engram')
  .description('Reinforcement-learning agents with memory: envs, memory cores, A2C, a live viewer.');

program.addCommand(envsVerb.action(async (o) => { await loadModules(o.envModule); listEnvsCommand(); }));
// `engram envs --env-module F info X` puts the option on `envs`: both places count.
envsVerb.addCommand(envInfoVerb.action(async (id, o) => {
  await loadModules([...(envsVerb.opts().envModule ?? []), ...(o.envModule ?? [])]);
  envInfoCommand(id);
}));
program.addCommand(checkEnvVerb.action(async (target, o) => {
  process.exitCode = await checkEnvCommand(target, envKwargsFromSets(o.set), o.seed);
}));
program.addCommand(playVerb.action(async (id, o) => {
  await loadModules(o.envModule);
  await playCommand(id, envKwargsFromSets(o.set), o.seed);
}));
program.addCommand(randomVerb.action(async (id, o) => {
  await loadModules(o.envModule);
  randomCommand(id, { episodes: o.episodes, seed: o.seed, kwargs: envKwargsFromSets(o.set), json: o.json });
}));
program.addCommand(trainVerb.action(async (o) => (await training()).trainCommand(o)));
program.addCommand(evalVerb.action(async (o) => (await training()).evalCommand(o)));
program.addCommand(watchVerb.action(async (o) => (await viewing()).watchCommand(o)));
program.addCommand(replayVerb.action(async (file, o) => (await viewing()).replayCommand({ ...o, file })));
program.addCommand(coresVerb.action(async (o) => (await cores()).coresCommand(o.envModule)));
program.addCommand(checkCoreVerb.action(async (target, o) => { process.exitCode = await (await cores()).checkCoreCommand(target, o); }));
program.addCommand(brokerVerb.action(async (o) => (await distributed()).brokerCommand(o)));
program.addCommand(learnerVerb.action(async (o) => (await distributed()).learnerCommand(o)));
program.addCommand(actorVerb.action(async (o) => (await distributed()).actorCommand(o)));
program.addCommand(sweepVerb);
sweepVerb.addCommand(sweepSubmitVerb.action(async (o) => (await sweeps()).sweepSubmitCommand(o)));
sweepVerb.addCommand(sweepStatusVerb.action(async (name, o) => (await sweeps()).sweepStatusCommand(name, o)));
sweepVerb.addCommand(sweepResultsVerb.action(async (name, o) => (await sweeps()).sweepResultsCommand(name, o)));
program.addCommand(workerVerb.action(async (o) => (await sweeps()).workerCommand(o)));
program.addCommand(experimentVerb);
experimentVerb.addCommand(experimentListVerb.action(async () => (await experiments()).experimentListCommand()));
experimentVerb.addCommand(experimentRunVerb.action(async (name, o) => (await experiments()).experimentRunCommand(name, o)));
program.addCommand(reportVerb.action(async (dirs, o) => (await experiments()).reportCommand(dirs, o)));

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

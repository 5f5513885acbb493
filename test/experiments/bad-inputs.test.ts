/**
 * Issue #13, "one clear line for every mistake a user can fix": each case below is a mistake a user
 * can make on the command line, and every one of them must end the same way:
 *   - a non-zero exit code that is not 70 (an internal bug) nor 7;
 *   - exactly one non-empty line on stderr, starting with `engram` (or `bench`), shorter than 400
 *     characters and without a `    at ` stack frame; no stack trace on stdout either;
 *   - when the case has a `why`, that line matches it (it names the flag, file or value at fault).
 *
 * A case is data: `args` (the command line; `bench: true` runs `npm run bench` with them instead),
 * an optional `setup(dir)` that prepares the case's own empty directory, and `why`. In `args`,
 * `{dir}` is that directory, `{base}` a tiny real run (trained once in before(), with a tiny run of
 * another core beside it), `{rec}` a recording of it, `{mods}` a folder of broken env modules, `{busy}` a port
 * this file holds open. Every `train` case without --resume or --run-dir gets `--run-dir {dir}/out`
 * put first, so an input wrongly accepted never writes into the repo's runs/.
 * Cases run 2 to 4 at a time (one per core); one that has not exited after 20 s fails (its input was accepted).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../fixtures/cli.ts';

interface Case {
  args: string[];
  setup?: Setup;
  why?: RegExp;
  bench?: boolean;
}

const TMP = mkdtempSync(join(tmpdir(), 'engram-bad-inputs-'));
const BASE = join(TMP, 'base');       // dnd-lstm, ContextualChoice-v0
const OTHER = join(TMP, 'other');     // rmc: a checkpoint whose weights do not fit BASE's model
const REC = join(TMP, 'rec.jsonl');   // a recording of BASE's training
const MODS = join(TMP, 'mods');
const CASE_TIMEOUT_MS = 20_000;
/** Settings of a run that ends in a fraction of a second, for cases whose mistake is elsewhere. */
const TINY = ['--steps', '64', '--num-envs', '2', '--set', 'evalEpisodes=0'];
let busyServer: Server;
let busyPort = 0;

// ---- helpers the cases use -------------------------------------------------------------------

/** A setup with a label, which goes into the test's name. */
type Setup = ((dir: string) => void) & { label?: string };
const labeled = (label: string, fn: (dir: string) => void): Setup => Object.assign(fn, { label });
const show = (x: string | Uint8Array) => (typeof x === 'string' ? JSON.stringify(x) : `${x.length} random bytes`);

/** The case's own copy of a tiny run, at {dir}/run. */
function copyRun(dir: string, from = BASE): string {
  const run = join(dir, 'run');
  cpSync(from, run, { recursive: true });
  return run;
}
function weightsFile(run: string): string {
  const f = readdirSync(run).find((n) => /^weights-\d+\.bin$/.test(n));
  assert.ok(f, `no weights file in ${run}`);
  return join(run, f);
}
const aRun = labeled('a copy of the tiny run', copyRun);
/** {dir}/run with one file's content replaced. */
const runWith = (name: string, content: string) =>
  labeled(`run with ${name} = ${show(content)}`, (dir) => { writeFileSync(join(copyRun(dir), name), content); });
/** {dir}/run with its config.json edited. */
const runWithConfig = (what: string, edit: (cfg: Record<string, any>) => void) => labeled(`run whose config.json has ${what}`, (dir) => {
  const path = join(copyRun(dir), 'config.json');
  const cfg = JSON.parse(readFileSync(path, 'utf8'));
  edit(cfg);
  writeFileSync(path, JSON.stringify(cfg, null, 2));
});
/** {dir}/run with its checkpoint.json edited. */
const runWithManifest = (what: string, edit: (m: Record<string, any>) => void) => labeled(`run whose checkpoint.json has ${what}`, (dir) => {
  const path = join(copyRun(dir), 'checkpoint.json');
  const m = JSON.parse(readFileSync(path, 'utf8'));
  edit(m);
  writeFileSync(path, JSON.stringify(m, null, 1));
});
/** {dir}/run with its weights file rewritten. */
const runWithWeights = (what: string, edit: (bytes: Buffer) => Buffer) => labeled(`run whose weights file is ${what}`, (dir) => {
  const path = weightsFile(copyRun(dir));
  writeFileSync(path, edit(readFileSync(path)));
});
const halfWeights = runWithWeights('cut in half', (b) => b.subarray(0, b.length / 2));
const nanWeights = runWithWeights('all NaN', (b) => Buffer.alloc(b.length, 0xff));   // 0xffffffff is a Float32 NaN
const noWeights = labeled('run without its weights file', (dir) => rmSync(weightsFile(copyRun(dir))));
/** The checkpoint (manifest and weights) of a run of another core, copied over BASE's. */
const otherCoresCheckpoint = labeled('run with the checkpoint of an rmc run', (dir) => {
  const run = copyRun(dir);
  rmSync(weightsFile(run));
  cpSync(join(OTHER, 'checkpoint.json'), join(run, 'checkpoint.json'));
  cpSync(weightsFile(OTHER), join(run, basename(weightsFile(OTHER))));
});
/** A run stopped before its first checkpoint: config.json and metrics, no checkpoint. */
const noCheckpointYet = labeled('run stopped before its first checkpoint', (dir) => {
  const run = copyRun(dir);
  rmSync(join(run, 'checkpoint.json'));
  rmSync(weightsFile(run));
});
/** {dir}/NAME with this content. */
const file = (name: string, content: string | Uint8Array) => labeled(`${name} = ${show(content)}`, (dir) => { writeFileSync(join(dir, name), content); });
const folder = (name: string) => labeled(`${name}/ a folder`, (dir) => { mkdirSync(join(dir, name)); });
const randomBytes = () => { const b = Buffer.alloc(512); for (let i = 0; i < b.length; i++) b[i] = (i * 131 + 7) % 256; return b; };
const bench = (...args: string[]): Case => ({ args, bench: true, why: /^bench: / });

// ---- the cases -------------------------------------------------------------------------------

const CASES: Case[] = [
  // the command itself
  { args: ['nope'], why: /nope/ },
  { args: ['trian'], why: /trian.*Did you mean train/ },
  { args: ['train', '--stpes', '3'], why: /--stpes.*Did you mean --steps/ },
  { args: ['--nope'], why: /--nope/ },

  // envs, envs info
  { args: ['envs', '--nope'], why: /--nope/ },
  { args: ['envs', '--env-module', '{mods}/missing.ts'], why: /missing\.ts/ },
  { args: ['envs', '--env-module', '{mods}/syntax-error.ts'], why: /syntax-error\.ts:\d+:\d+/ },
  { args: ['envs', '--env-module', '{mods}/throws.ts'], why: /throws\.ts.*boom/ },
  { args: ['envs', '--env-module', '{mods}/nothing.ts'], why: /nothing\.ts.*registered no envs/ },
  { args: ['envs', '--env-module', '{mods}/cjs-scope/nothing.ts'], why: /nothing\.ts.*registered no envs/ },
  { args: ['envs', '--env-module', '{mods}'], why: /mods.*not a file/ },
  { args: ['envs', 'info', 'Nope-v0'], why: /Nope-v0/ },
  { args: ['envs', 'info', 'X-v0', '--env-module', '{mods}/syntax-error.ts'], why: /syntax-error\.ts:\d+:\d+/ },

  // check-env
  { args: ['check-env', 'nope.ts'], why: /nope\.ts/ },
  { args: ['check-env', 'Nope-v0'], why: /Nope-v0/ },
  { args: ['check-env', '{mods}/syntax-error.ts'], why: /syntax-error\.ts:\d+:\d+/ },
  { args: ['check-env', '{mods}/throws.ts'], why: /throws\.ts/ },
  { args: ['check-env', '{mods}/nothing.ts'], why: /nothing\.ts/ },
  { args: ['check-env', 'ContextualChoice-v0', '--seed', 'abc'], why: /--seed/ },
  { args: ['check-env', 'ContextualChoice-v0', '--set', 'nope=1'], why: /nope/ },

  // play (without a terminal play only warns, so only its arguments are tested)
  { args: ['play', 'Nope-v0'], why: /Nope-v0/ },
  { args: ['play', 'ContextualChoice-v0', '--set', 'nope=1'], why: /nope/ },
  { args: ['play', 'X-v0', '--env-module', '{mods}/syntax-error.ts'], why: /syntax-error\.ts:\d+:\d+/ },

  // random
  { args: ['random', 'Nope-v0'], why: /Nope-v0/ },
  { args: ['random', 'ContextualChoice-v0', '--episodes', 'abc'], why: /--episodes/ },
  { args: ['random', 'ContextualChoice-v0', '--episodes', '0'], why: /--episodes/ },
  { args: ['random', 'ContextualChoice-v0', '--episodes', '1e99'], why: /--episodes/ },
  { args: ['random', 'ContextualChoice-v0', '--seed', 'abc'], why: /--seed/ },
  { args: ['random', 'ContextualChoice-v0', '--seed', '1e99'], why: /--seed/ },
  { args: ['random', 'ContextualChoice-v0', '--set', 'foo'], why: /foo/ },
  { args: ['random', 'ContextualChoice-v0', '--set', 'nope=1'], why: /nope/ },
  { args: ['random', 'ContextualChoice-v0', '--set', 'episodeMode=[trial'], why: /episodeMode/ },
  { args: ['random', 'X-v0', '--env-module', '{mods}/syntax-error.ts'], why: /syntax-error\.ts:\d+:\d+/ },
  { args: ['random', 'X-v0', '--env-module', '{mods}/throws.ts'], why: /throws\.ts/ },

  // train: flags
  { args: ['train', '--nope'], why: /--nope/ },
  { args: ['train', '--steps'], why: /--steps/ },
  { args: ['train', '--steps', 'abc'], why: /--steps/ },
  { args: ['train', '--steps', '0'], why: /--steps/ },
  { args: ['train', '--steps', '1.5'], why: /--steps/ },
  { args: ['train', '--steps', '1e99', '--num-envs', '2'], why: /--steps|totalSteps/ },
  { args: ['train', '--num-envs', 'abc'], why: /--num-envs/ },
  { args: ['train', '--num-envs', '0'], why: /--num-envs/ },
  { args: ['train', '--num-envs', '2.5'], why: /--num-envs/ },
  { args: ['train', '--num-envs', '1000000', '--steps', '64'], why: /--num-envs|numEnvs/ },
  { args: ['train', '--seed', 'abc'], why: /--seed/ },
  { args: ['train', '--threads', '0'], why: /--threads/ },
  { args: ['train', '--threads', '99'], why: /--threads/ },
  { args: ['train', '--backend', 'nope'], why: /--backend/ },
  { args: ['train', '--env', 'Nope-v0'], why: /Nope-v0/ },
  { args: ['train', '--env'], why: /--env/ },
  { args: ['train', '--core', 'nope'], why: /nope/ },
  { args: ['train', ...TINY, '--view', '--port', '-1'], why: /--port/ },
  { args: ['train', ...TINY, '--view', '--port', '65536'], why: /--port/ },
  { args: ['train', ...TINY, '--view', '--port', '70000'], why: /--port/ },
  { args: ['train', ...TINY, '--view', '--port', 'abc'], why: /--port/ },
  { args: ['train', ...TINY, '--view', '--port', '{busy}'], why: /--port \d+: already in use/ },
  { args: ['train', ...TINY, '--view', '--host', '999.999.1.1'], why: /--host 999\.999\.1\.1/ },
  { args: ['train', ...TINY, '--view', '--host', 'not a host'], why: /--host not a host/ },

  // train: --set
  { args: ['train', '--set', 'foo'], why: /foo/ },
  { args: ['train', '--set', '=1'], why: /=1/ },
  { args: ['train', '--set', 'agent.lr=abc'], why: /lr/ },
  { args: ['train', ...TINY, '--set', 'agent.lr=1e999'], why: /lr/ },
  { args: ['train', ...TINY, '--set', 'agent.lr=.inf'], why: /lr/ },
  { args: ['train', '--set', 'agent.lr=-1'], why: /lr/ },
  { args: ['train', '--set', 'agent.nope=1'], why: /nope/ },
  { args: ['train', '--set', 'core.hiddenSize=0'], why: /hiddenSize/ },
  { args: ['train', ...TINY, '--set', 'core.hiddenSize=100000000'], why: /hiddenSize/ },
  { args: ['train', '--set', 'env.nope=1'], why: /nope/ },
  { args: ['train', '--set', 'nope=1'], why: /nope/ },
  { args: ['train', '--steps', '64', '--set', 'numEnvs=1000000'], why: /numEnvs/ },
  { args: ['train', '--num-envs', '2', '--set', 'totalSteps=1e99'], why: /totalSteps/ },

  // train: --config
  { args: ['train', '--config', '{dir}/missing.json'], why: /missing\.json/ },
  { args: ['train', '--config', '{dir}/sub'], setup: folder('sub'), why: /sub/ },
  { args: ['train', '--config', '{dir}/random.json'], setup: file('random.json', randomBytes()), why: /random\.json/ },
  { args: ['train', '--config', '{dir}/empty.json'], setup: file('empty.json', ''), why: /empty\.json/ },
  { args: ['train', '--config', '{dir}/bad.json'], setup: file('bad.json', '{"numEnvs": 2,'), why: /bad\.json/ },
  { args: ['train', '--config', '{dir}/bad.yaml'], setup: file('bad.yaml', 'agent:\n  lr: [1, 2\n  gamma: 0.9\n'), why: /bad\.yaml/ },
  { args: ['train', '--config', '{dir}/list.json'], setup: file('list.json', '[1, 2]'), why: /list\.json/ },
  { args: ['train', '--config', '{dir}/c.json'], setup: file('c.json', '{"stepz": 3}'), why: /stepz/ },
  { args: ['train', '--config', '{dir}/c.json'], setup: file('c.json', '{"envModules": "x.ts"}'), why: /envModules/ },
  { args: ['train', '--config', '{dir}/c.json'], setup: file('c.json', '{"envModules": [1]}'), why: /envModules/ },
  { args: ['train', '--config', '{dir}/c.json'], setup: file('c.json', '{"numEnvs": "8"}'), why: /numEnvs/ },
  { args: ['train', '--config', '{dir}/c.json'], setup: file('c.json', '{"agent": {"lr": null}}'), why: /lr/ },

  // train: --resume
  { args: ['train', '--resume', '{dir}/missing'], why: /missing/ },
  { args: ['train', '--resume', '{dir}'], why: /not a run directory/ },
  { args: ['train', '--resume'], why: /--resume/ },
  { args: ['train', '--resume', '{dir}/run'], setup: runWith('config.json', ''), why: /config\.json/ },
  { args: ['train', '--resume', '{dir}/run'], setup: runWith('config.json', '{'), why: /config\.json/ },
  { args: ['train', '--resume', '{dir}/run'], setup: runWith('config.json', '[]'), why: /config\.json/ },
  { args: ['train', '--resume', '{dir}/run'], setup: runWithConfig('agent.lr null', (c) => { c.agent.lr = null; }), why: /lr/ },
  { args: ['train', '--resume', '{dir}/run'], setup: runWithConfig('env Nope-v0', (c) => { c.env = 'Nope-v0'; }), why: /Nope-v0/ },
  { args: ['train', '--resume', '{dir}/run', '--env', 'ContextualChoice-v0'], setup: aRun, why: /--resume.*--env/ },
  { args: ['train', '--resume', '{dir}/run', '--steps', '0'], setup: aRun, why: /--steps/ },
  { args: ['train', '--resume', '{dir}/run'], setup: runWith('checkpoint.json', ''), why: /checkpoint/ },

  // train: where it writes
  { args: ['train', ...TINY, '--run-dir', '/proc/engram-x'], why: /\/proc\/engram-x/ },
  { args: ['train', ...TINY, '--run-dir', '{dir}/file/run'], setup: file('file', 'x'), why: /file/ },
  { args: ['train', ...TINY, '--run-dir', '{dir}/file'], setup: file('file', 'x'), why: /file.*not a folder/ },
  { args: ['train', ...TINY, '--record', '/proc/nope/x.jsonl'], why: /\/proc\/nope\/x\.jsonl/ },
  { args: ['train', ...TINY, '--record', '{dir}'], why: /--record|folder|directory/ },

  // train: env modules
  { args: ['train', '--env-module', '{mods}/syntax-error.ts', '--env', 'X-v0'], why: /syntax-error\.ts:\d+:\d+/ },

  // eval: the run directory and its checkpoint
  { args: ['eval'], why: /--checkpoint/ },
  { args: ['eval', '--checkpoint', '{dir}/missing'], why: /missing/ },
  { args: ['eval', '--checkpoint', '{dir}'], why: /not a run directory/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: runWith('checkpoint.json', ''), why: /checkpoint/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: runWith('checkpoint.json', '{'), why: /checkpoint/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: runWith('checkpoint.json', '{}'), why: /checkpoint/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: runWith('checkpoint.json', '{"version":1}'), why: /checkpoint/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: runWithManifest('file 5', (m) => { m.file = 5; }), why: /checkpoint/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: runWithManifest('weights.shapes "x"', (m) => { m.weights.shapes = 'x'; }), why: /checkpoint/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: noWeights, why: /weights-\d+\.bin/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: halfWeights, why: /weights-\d+\.bin/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: nanWeights, why: /weights-\d+\.bin|NaN|finite/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: otherCoresCheckpoint, why: /checkpoint|core/ },
  { args: ['eval', '--checkpoint', '{dir}/run', '--episodes', '2'], setup: noCheckpointYet, why: /checkpoint/ },
  // eval: flags
  { args: ['eval', '--checkpoint', '{base}', '--episodes', 'abc'], why: /--episodes/ },
  { args: ['eval', '--checkpoint', '{base}', '--episodes', '0'], why: /--episodes/ },
  { args: ['eval', '--checkpoint', '{base}', '--episodes', '1e99'], why: /--episodes/ },
  { args: ['eval', '--checkpoint', '{base}', '--seed', 'abc'], why: /--seed/ },
  { args: ['eval', '--checkpoint', '{base}', '--backend', 'nope'], why: /--backend/ },

  // watch (always with --exit, so an input wrongly accepted still ends)
  { args: ['watch', '--exit'], why: /--checkpoint/ },
  { args: ['watch', '--exit', '--episodes', '1', '--checkpoint', '{dir}/run'], setup: nanWeights, why: /weights-\d+\.bin|NaN|finite/ },
  { args: ['watch', '--exit', '--episodes', '1', '--checkpoint', '{dir}/run'], setup: otherCoresCheckpoint, why: /checkpoint|core/ },
  { args: ['watch', '--exit', '--checkpoint', '{base}', '--fps', '0'], why: /--fps/ },
  { args: ['watch', '--exit', '--checkpoint', '{base}', '--fps', 'abc'], why: /--fps/ },
  { args: ['watch', '--exit', '--checkpoint', '{base}', '--episodes', '0'], why: /--episodes/ },
  { args: ['watch', '--exit', '--checkpoint', '{base}', '--num-envs', '0'], why: /--num-envs/ },
  { args: ['watch', '--exit', '--checkpoint', '{base}', '--episodes', '1', '--num-envs', '1000000'], why: /--num-envs|numEnvs/ },
  { args: ['watch', '--exit', '--checkpoint', '{base}', '--episodes', '1', '--port', '-1'], why: /--port/ },

  // replay (with --exit, as watch)
  { args: ['replay'], why: /file/ },
  { args: ['replay', '--exit', '{dir}/missing.jsonl'], why: /missing\.jsonl not found/ },
  { args: ['replay', '--exit', '{dir}/empty.jsonl'], setup: file('empty.jsonl', ''), why: /empty\.jsonl/ },
  { args: ['replay', '--exit', '{dir}/garbage.jsonl'], setup: file('garbage.jsonl', randomBytes()), why: /garbage\.jsonl/ },
  { args: ['replay', '--exit', '{rec}', '--fps', '0'], why: /--fps/ },
  { args: ['replay', '--exit', '{rec}', '--port', '-1'], why: /--port/ },

  // cores
  { args: ['cores', '--nope'], why: /--nope/ },

  // npm run bench
  bench('--seconds', 'abc'),
  bench('--seconds', '-1'),
  bench('--filter'),
  bench('--nope'),
];

// ---- running a case ----------------------------------------------------------------------------

interface Result { code: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean }

/** spawn, not spawnSync (test/fixtures/cli.ts's engram()), so that cases run side by side. */
function run(argv: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, CI: '1', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.stdin.end();
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? CASE_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, timedOut }); });
  });
}
const engramAsync = (args: string[], opts?: Parameters<typeof run>[1]) => run([join(ROOT, 'bin/engram.js'), ...args], opts);
const benchAsync = (args: string[]) => run(['--import', 'tsx', 'bench/run.ts', ...args]);

function fill(arg: string, dir: string): string {
  return arg.replaceAll('{dir}', dir).replaceAll('{base}', BASE).replaceAll('{rec}', REC)
    .replaceAll('{mods}', MODS).replaceAll('{busy}', String(busyPort));
}

function argvOf(c: Case, dir: string): string[] {
  const args = c.args.map((a) => fill(a, dir));
  if (args[0] === 'train' && !c.args.includes('--resume') && !c.args.includes('--run-dir')) args.splice(1, 0, '--run-dir', join(dir, 'out'));
  return args;
}

const nameOf = (c: Case) => `${c.bench ? 'npm run bench --' : 'engram'} ${c.args.map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}${c.setup ? `  (given ${c.setup.label})` : ''}`;

/** The one assertion every case shares. */
function assertOneClearLine(r: Result, prefix: 'engram' | 'bench', why: RegExp | undefined): void {
  const shown = `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' (timed out: the input was accepted?)' : ''}\n--- stderr\n${r.stderr}--- stdout\n${r.stdout.slice(-2000)}`;
  assert.ok(!r.timedOut, `still running after ${CASE_TIMEOUT_MS / 1000} s\n${shown}`);
  assert.notEqual(r.code, 0, `exit 0\n${shown}`);
  assert.notEqual(r.code, null, `killed by a signal\n${shown}`);
  assert.notEqual(r.code, 70, `exit 70 (an internal bug)\n${shown}`);
  assert.notEqual(r.code, 7, `exit 7\n${shown}`);
  const lines = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  assert.equal(lines.length, 1, `stderr must be one line, got ${lines.length}\n${shown}`);
  const line = lines[0]!;
  assert.ok(line.startsWith(prefix), `stderr must start with "${prefix}"\n${shown}`);
  assert.doesNotMatch(r.stderr, / {4}at /, `stack frame on stderr\n${shown}`);
  assert.ok(line.length < 400, `line of ${line.length} chars\n${shown}`);
  assert.doesNotMatch(r.stdout, /\n\s+at .*:\d+:\d+\)?\n|^\w*Error: .*\n\s+at /m, `stack trace on stdout\n${shown}`);
  if (why) assert.match(line, why, `the line does not say why (${why})\n${shown}`);
}

// ---- fixtures shared by the cases ----------------------------------------------------------------

before(async () => {
  mkdirSync(MODS);
  writeFileSync(join(MODS, 'syntax-error.ts'), [
    "import { register } from 'engram';",
    '',
    'export class Half {',
    '  step(action: number) {',
    '    return { reward: action * , done: false };',
    '  }',
    '}',
    '',
  ].join('\n'));
  writeFileSync(join(MODS, 'throws.ts'), "throw new Error('boom: levels.json not found');\n");
  writeFileSync(join(MODS, 'nothing.ts'), 'export const answer = 42;\n');
  writeFileSync(join(MODS, 'package.json'), '{ "type": "module" }\n');   // as in a user's ESM project
  // The same module in a folder with no package.json (CommonJS scope, npm init's default).
  mkdirSync(join(MODS, 'cjs-scope'));
  writeFileSync(join(MODS, 'cjs-scope', 'nothing.ts'), 'export const answer = 42;\n');
  busyServer = createServer();
  await new Promise<void>((resolve) => busyServer.listen(0, '127.0.0.1', resolve));
  busyPort = (busyServer.address() as { port: number }).port;
  const tiny = ['--steps', '64', '--num-envs', '2', '--set', 'evalEpisodes=0'];
  const [base, other] = await Promise.all([
    engramAsync(['train', ...tiny, '--set', 'core.hiddenSize=8', '--run-dir', BASE, '--record', REC], { timeoutMs: 120_000 }),
    engramAsync(['train', ...tiny, '--core', 'rmc', '--set', 'core.numSlots=1', '--set', 'core.numHeads=1', '--set', 'core.headSize=4', '--run-dir', OTHER], { timeoutMs: 120_000 }),
  ]);
  assert.equal(base.code, 0, base.stdout + base.stderr);
  assert.equal(other.code, 0, other.stdout + other.stderr);
  assert.ok(existsSync(join(BASE, 'checkpoint.json')) && existsSync(join(OTHER, 'checkpoint.json')) && existsSync(REC));
});

after(async () => {
  await new Promise((r) => busyServer?.close(r));
  rmSync(TMP, { recursive: true, force: true });
});

// ---- the tests ---------------------------------------------------------------------------------

test('the table holds at least 110 distinct cases', () => {
  const names = CASES.map(nameOf);
  assert.ok(CASES.length >= 110, `${CASES.length} cases`);
  assert.equal(new Set(names).size, names.length, 'duplicate case');
});

// Up to 4 at a time, but no more than there are cores: each case is a node process with its own
// threads, and on 2 cores 4 at once took 20% longer than 2 (more CPU for the same work).
const CONCURRENCY = Math.min(4, Math.max(2, availableParallelism()));

describe('bad input: one clear line, a non-zero exit', { concurrency: CONCURRENCY }, () => {
  CASES.forEach((c, i) => {
    test(nameOf(c), async (t) => {
      const dir = join(TMP, `case-${i}`);
      mkdirSync(dir);
      c.setup?.(dir);
      const r = c.bench ? await benchAsync(c.args.map((a) => fill(a, dir))) : await engramAsync(argvOf(c, dir));
      t.diagnostic(`exit ${r.code}: ${r.stderr.trim().split('\n')[0]}`);   // what the user saw, for review
      assertOneClearLine(r, c.bench ? 'bench' : 'engram', c.why);
    });
  });
});

describe('a full disk', () => {
  const PRELOAD = `--import tsx --import ${join(ROOT, 'test/fixtures/enospc.ts')}`;

  test('train whose checkpoint write hits ENOSPC: one "no space" line, exit 1, no temp files left', async () => {
    const dir = join(TMP, 'enospc-weights');
    const r = await engramAsync(['train', ...TINY, '--run-dir', dir],
      { env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${PRELOAD}`, ENGRAM_TEST_ENOSPC: join(dir, 'weights-') } });
    assert.equal(r.code, 1, `exit ${r.code}\n${r.stderr}${r.stdout}`);
    assertOneClearLine(r, 'engram', /no space/i);
    assert.deepEqual(readdirSync(dir).filter((f) => /\.tmp-\d+$/.test(f) || /^weights-/.test(f)), [], 'no partial weights or temp files');
  });

  test('ENOSPC after some bytes of the checkpoint manifest: the same line, and no checkpoint.json half written', async () => {
    const dir = join(TMP, 'enospc-manifest');
    const r = await engramAsync(['train', ...TINY, '--run-dir', dir],
      { env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${PRELOAD}`, ENGRAM_TEST_ENOSPC: join(dir, 'checkpoint.json'), ENGRAM_TEST_ENOSPC_AFTER: '100' } });
    assert.equal(r.code, 1, `exit ${r.code}\n${r.stderr}${r.stdout}`);
    assertOneClearLine(r, 'engram', /no space/i);
    assert.ok(!existsSync(join(dir, 'checkpoint.json')), 'checkpoint.json must not exist half written');
  });
});

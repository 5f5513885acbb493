/**
 * Engram as users get it: `npm pack`, then the tarball installed (offline, from the npm cache that
 * `npm ci` filled) into fresh projects of each kind a user may have: CommonJS (as `npm init -y`), ES
 * modules ("type": "module") and TypeScript. In each, an env module written as the README shows
 * and a memory core are checked and trained with the CLI, and Engram is imported from plain JavaScript.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'engram-pack-'));
let tarball = '';
after(() => rmSync(dir, { recursive: true, force: true }));

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** Runs a command in a project; returns code and output (the CLI as a user runs it: npx engram). */
function run(cwd: string, cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000, env: { ...process.env, CI: '1' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

before(() => {
  // The tests run the compiled CLI that `npm run build` made before them; packing must not rebuild it under them.
  const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  const info = (JSON.parse(out) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[])[0]!;
  tarball = join(dir, info.filename);
  writeFileSync(join(dir, 'files.json'), JSON.stringify(info.files.map((f) => f.path)));
  console.log(`# tarball ${info.filename}: ${(info.size / 1024).toFixed(0)} KiB packed, ${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${info.files.length} files`);
});

/**
 * A fresh project with the tarball installed; `type` "module" for an ESM project. `npm install
 * --offline` would need the registry's package lists, which `npm ci` does not cache; so the project
 * gets a lockfile pinning Engram's dependencies to this repository's lockfile (whose tarballs
 * `npm ci` did cache), and `npm ci --offline` installs it.
 */
function project(name: string, type?: 'module'): string {
  const p = join(dir, name);
  mkdirSync(p);
  const engram = `file:../${basename(tarball)}`;
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const runtime = Object.fromEntries(Object.entries(lock.packages).filter(([k, v]) => k !== '' && !v.dev));
  const manifest = { name, version: '1.0.0', ...(type ? { type } : {}), dependencies: { engram } };
  writeFileSync(join(p, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(p, 'package-lock.json'), JSON.stringify({
    name, version: '1.0.0', lockfileVersion: 3, requires: true,
    packages: {
      '': { name, version: '1.0.0', dependencies: { engram } },
      'node_modules/engram': { version: own.version, resolved: engram, license: own.license, dependencies: own.dependencies, bin: own.bin, engines: own.engines },
      ...runtime,
    },
  }, null, 2));
  npm(['ci', '--offline', '--no-audit', '--no-fund'], p);
  copyFileSync(join(ROOT, 'test/fixtures/coin-env.ts'), join(p, 'my-env.ts'));
  copyFileSync(join(ROOT, 'test/fixtures/broken-env.ts'), join(p, 'broken-env.ts'));
  copyFileSync(join(ROOT, 'test/fixtures/tiny-core.ts'), join(p, 'my-core.ts'));
  return p;
}

/** What every project must do with its .ts env module through the CLI. */
function checkAndTrain(p: string): void {
  const ok = run(p, 'npx', ['engram', 'check-env', './my-env.ts']);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /CoinFlip-v0: all checks passed/);
  const bad = run(p, 'npx', ['engram', 'check-env', './broken-env.ts']);
  assert.equal(bad.code, 1, bad.out);
  assert.match(bad.out, /✗ step: step\(\) at t=0 returned an observation outside Box\(0, 1, \[3\], float32\)/);
  const trained = run(p, 'npx', ['engram', 'train', '--env-module', './my-env.ts', '--env', 'CoinFlip-v0', '--core', 'lstm', '--steps', '320', '--run-dir', 'runs/coin']);
  assert.equal(trained.code, 0, trained.out);
  assert.match(trained.out, /finished at step 320/);
  const core = run(p, 'npx', ['engram', 'check-core', './my-core.ts']);
  assert.equal(core.code, 0, core.out);
  assert.match(core.out, /integrator: all checks passed/);
  const brokenCore = run(p, 'npx', ['engram', 'check-core', './my-core.ts', '--set', 'broken=true']);
  assert.equal(brokenCore.code, 1, brokenCore.out);
  assert.match(brokenCore.out, /✗ batch independence: .*batch rows must not mix/);
  const both = run(p, 'npx', ['engram', 'train', '--env-module', './my-env.ts', '--env-module', './my-core.ts', '--env', 'CoinFlip-v0', '--core', 'integrator',
    '--steps', '320', '--run-dir', 'runs/own-core']);
  assert.equal(both.code, 0, both.out);
  assert.match(both.out, /training integrator on CoinFlip-v0/);
  writeFileSync(join(p, 'syntax.ts'), "import { register } from 'engram';\nconst x: number = ;\n");
  const syntax = run(p, 'npx', ['engram', 'check-env', './syntax.ts']);
  assert.equal(syntax.code, 2, syntax.out);
  assert.match(syntax.out, /^engram: env module "\.\/syntax\.ts" failed to load: .*syntax\.ts:2:19: Unexpected ";"\n$/);
}

/** A JavaScript env module of one kind (CommonJS or ES module) passes check-env. */
function checkJsEnv(p: string, file: string, kind: 'cjs' | 'esm'): void {
  writeFileSync(join(p, file), [
    kind === 'cjs' ? "const { Box, Discrete, Rng, register } = require('engram');" : "import { Box, Discrete, Rng, register } from 'engram';",
    'class Coin {',
    '  constructor() { this.observationSpace = new Box(0, 1, [1]); this.actionSpace = new Discrete(2); this.metadata = { renderModes: [], renderFps: 1 }; this.rng = new Rng(0); }',
    '  reset(o = {}) { if (o.seed !== undefined) this.rng = new Rng(o.seed); this.t = 0; return { obs: Float32Array.of(this.rng.uniform()), info: {} }; }',
    '  step(a) { this.t++; return { obs: Float32Array.of(this.rng.uniform()), reward: a, terminated: this.t >= 5, truncated: false, info: {} }; }',
    '}',
    `register('Js${file.replace(/\W/g, '')}-v0', () => new Coin());`,
  ].join('\n'));
  const r = run(p, 'npx', ['engram', 'check-env', `./${file}`]);
  assert.equal(r.code, 0, `${file}: ${r.out}`);
  assert.match(r.out, /Js\w+-v0: all checks passed/);
}

test('the tarball holds the compiled package and its docs, no tests or sources', () => {
  const files = JSON.parse(readFileSync(join(dir, 'files.json'), 'utf8')) as string[];
  for (const f of ['bin/engram.js', 'dist/index.js', 'dist/index.d.ts', 'dist/experiments/cli/main.js', 'dist/rollout/viewer/index.html', 'README.md', 'package.json']) {
    assert.ok(files.includes(f), f);
  }
  assert.deepEqual(files.filter((f) => /^(test|bench)\/|\.ts$/.test(f) && !f.endsWith('.d.ts')), [], 'no tests, benches or TypeScript sources');
});

test('a CommonJS project (npm init -y): .ts, .cts, .js and .cjs env modules, and require("engram")', () => {
  const p = project('cjs');
  checkAndTrain(p);
  copyFileSync(join(p, 'my-env.ts'), join(p, 'my-env.cts'));
  assert.equal(run(p, 'npx', ['engram', 'check-env', './my-env.cts']).code, 0);
  for (const file of ['js-env.cjs', 'js-env.js']) checkJsEnv(p, file, 'cjs');
  writeFileSync(join(p, 'plain.cjs'), "const { make, listEnvs } = require('engram');\nconst env = make('ContextualChoice-v0');\nconsole.log(typeof make, listEnvs().length > 5, env.observationSpace.toString());\n");
  const plain = run(p, 'node', ['plain.cjs']);
  assert.equal(plain.code, 0, plain.out);
  assert.match(plain.out, /^function true Box\(/);
});

test('an ES module project: .ts, .mts, .js, .mjs and .cjs env modules, import from "engram", and a training script', () => {
  const p = project('esm', 'module');
  checkAndTrain(p);
  copyFileSync(join(p, 'my-env.ts'), join(p, 'my-env.mts'));
  assert.equal(run(p, 'npx', ['engram', 'check-env', './my-env.mts']).code, 0);
  checkJsEnv(p, 'js-env.cjs', 'cjs');
  for (const file of ['js-env.mjs', 'js-env.js']) checkJsEnv(p, file, 'esm');
  writeFileSync(join(p, 'plain.mjs'), "import { make, Discrete } from 'engram';\nconsole.log(typeof make, new Discrete(3).toString());\n");
  const plain = run(p, 'node', ['plain.mjs']);
  assert.equal(plain.code, 0, plain.out);
  assert.match(plain.out, /^function Discrete\(3\)/);
  // A training script through the API, with the user's own env module.
  writeFileSync(join(p, 'script.mjs'), [
    "import { loadModules, resolveExperimentConfig, train } from 'engram/train';",
    "await loadModules(['./my-env.ts']);",
    "const cfg = resolveExperimentConfig({ flags: { env: 'CoinFlip-v0', core: 'lstm', totalSteps: 320, runDir: 'runs/script' }, sets: ['evalEpisodes=8'] });",
    'const r = await train(cfg, { progress: false, verbose: false });',
    "console.log('trained', r.globalStep, r.eval.episodes);",
  ].join('\n'));
  const script = run(p, 'node', ['script.mjs']);
  assert.equal(script.code, 0, script.out);
  assert.match(script.out, /^trained 320 8$/m);
});

test('strict TypeScript projects type-check an Env and a MemoryCore against the declarations (ESM: nodenext, bundler; CommonJS: node16, nodenext)', () => {
  const p = join(dir, 'esm');   // made by the test above
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  // Engram's own declarations are checked too (skipLibCheck false) where TensorFlow.js's are not
  // loaded: some of tfjs 4's own .d.ts files do not compile; 'engram/memory' exposes tf.
  const cases: [string, string, string[], boolean][] = [
    ['nodenext', 'nodenext', ['my-env.ts'], false], ['esnext', 'bundler', ['my-env.ts'], false],
    ['nodenext', 'nodenext', ['my-env.ts', 'my-core.ts'], true], ['esnext', 'bundler', ['my-env.ts', 'my-core.ts'], true],
  ];
  for (const [module, resolution, files, skipLibCheck] of cases) {
    writeFileSync(join(p, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module, moduleResolution: resolution, target: 'es2022', skipLibCheck, types: [], allowImportingTsExtensions: true },
      files,
    }));
    const r = run(p, process.execPath, [tsc, '-p', '.']);
    assert.equal(r.code, 0, `${resolution} ${files.join(' ')}: ${r.out}`);
  }
  // A CommonJS TypeScript project under node16 resolution reads the .d.cts declarations.
  const cjs = join(dir, 'cjs');
  for (const resolution of ['node16', 'nodenext']) {
    writeFileSync(join(cjs, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: resolution, moduleResolution: resolution, skipLibCheck: true, types: [] }, files: ['my-env.ts', 'my-core.ts'] }));
    const r = run(cjs, process.execPath, [tsc, '-p', '.']);
    assert.equal(r.code, 0, `CommonJS ${resolution}: ${r.out}`);
  }
  writeFileSync(join(p, 'client.ts'), "import type { FeedMessage } from 'engram/feed';\nexport const steps = (ms: FeedMessage[]) => ms.filter((m) => m.type === 'step').map((m) => m.probs.length);\n");
  writeFileSync(join(p, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false, types: [] }, files: ['client.ts'] }));
  const client = run(p, process.execPath, [tsc, '-p', '.']);
  assert.equal(client.code, 0, `a feed client: ${client.out}`);
  writeFileSync(join(p, 'wrong.ts'), "import { Discrete, type Env } from 'engram';\nexport const e: Env<Float32Array, number> = { actionSpace: new Discrete(2) };\n");
  writeFileSync(join(p, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', types: [] }, files: ['wrong.ts'] }));
  const wrong = run(p, process.execPath, [tsc, '-p', '.']);
  assert.notEqual(wrong.code, 0, 'an object that is no Env is refused');
  assert.match(wrong.out, /wrong\.ts.*error TS2739|is missing the following properties/);
});

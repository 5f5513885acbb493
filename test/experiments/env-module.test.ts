/**
 * Env modules: a load error is one line naming file:line:col (issue #13), and a run's modules are
 * hashed at train and checked before eval/watch/resume import them again.
 * Node caches an import by URL, so every module here gets its own file name.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../envs/errors.ts';
import { loadEnvModule } from '../../experiments/run/env-module.ts';
import { checkRecordedEnvModules, recordEnvModules } from '../../experiments/run/env-module-record.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'engram-env-module-')));
after(() => rmSync(root, { recursive: true, force: true }));

/** Writes `text` to `<root>/<name>` and returns its absolute path. */
function write(name: string, text: string): string {
  const file = join(root, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** 1-based line:col of the first `needle` in `text`, counted in characters. */
function placeOf(text: string, needle: string): string {
  const before = text.slice(0, text.indexOf(needle)).split('\n');
  return `${before.length}:${(before.at(-1) ?? '').length + 1}`;
}

async function loadError(path: string): Promise<string> {
  const e = await loadEnvModule(path).then(() => undefined, (err: unknown) => err);
  assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
  assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
  return e.message;
}

// A non-ASCII character before the error: esbuild counts UTF-8 bytes, we report characters.
const BAD_TS = 'const n: number = 1;\n\nlet s = "héllo"; let x: number = 3 foo;\n';

test('a syntax error in a .ts module names file:line:col (tsx, CommonJS folder)', async () => {
  const file = write('bad-cjs-folder.ts', BAD_TS);
  const path = relative(process.cwd(), file);
  assert.equal(await loadError(path), `env module "${path}" failed to load: ${file}:${placeOf(BAD_TS, 'foo')}: Expected ";" but found "foo"`);
});

test('a syntax error in a .ts module names file:line:col (tsx, "type": "module" folder)', async () => {
  write('esm/package.json', '{ "type": "module" }\n');
  const file = write('esm/bad.ts', BAD_TS);
  assert.equal(await loadError(file), `env module "${file}" failed to load: ${file}:${placeOf(BAD_TS, 'foo')}: Expected ";" but found "foo"`);
});

test('a syntax error in a module it imports names that file', async () => {
  const helper = write('helper-bad.ts', BAD_TS);
  const file = write('imports-bad.ts', "import './helper-bad.ts';\n");
  assert.equal(await loadError(file), `env module "${file}" failed to load: ${helper}:${placeOf(BAD_TS, 'foo')}: Expected ";" but found "foo"`);
});

test('a syntax error in a .mjs module names file:line:col (Node gives no place; esbuild finds it)', async () => {
  const text = 'const a = 1;\n\n  let x = 3 foo;\n';
  const file = write('bad.mjs', text);
  assert.equal(await loadError(file), `env module "${file}" failed to load: ${file}:${placeOf(text, 'foo')}: Expected ";" but found "foo"`);
});

test('a syntax error in a .cjs module names file:line:col (from the stack Node decorates)', async () => {
  const text = 'const a = 1;\n\tlet x = 3 foo;\n';
  const file = write('bad.cjs', text);
  assert.equal(await loadError(file), `env module "${file}" failed to load: ${file}:2:12: SyntaxError: Unexpected identifier 'foo'`);
});

test('a throw while the module runs names the throw site', async () => {
  const text = 'const n: number = 1;\nfunction f(): never {\n  throw new RangeError("boom\\nsecond line");\n}\nf();\n';
  const file = write('throws.ts', text);
  assert.equal(await loadError(file), `env module "${file}" failed to load: ${file}:3:9: RangeError: boom`);
});

test("engram's own error on import keeps its wording and gains the place of the call", async () => {
  const registry = pathToFileURL(resolve('envs/registry.ts')).href;
  // In an ES-module folder: from a CommonJS one tsx would load a second copy of the registry.
  write('esm/package.json', '{ "type": "module" }\n');
  const file = write('esm/bad-id.ts', `import { register } from '${registry}';\n\nregister('no version', () => { throw new Error('unused'); });\n`);
  assert.equal(await loadError(file), `env module "${file}": ${file}:3:1: register: id must look like "Name-v0" (letters, digits, -_.:/ and a -vN version suffix), got "no version"`);
});

/** A run directory and an env module in it, the module named relative to the working directory. */
function runWithModule(name: string): { runDir: string; file: string; path: string } {
  const runDir = join(root, `run-${name}`);
  mkdirSync(runDir);
  const file = write(`${name}.ts`, "export const version = 1;\n");
  return { runDir, file, path: relative(process.cwd(), file) };
}

function captureStderr(t: TestContext): () => string[] {
  const error = t.mock.method(console, 'error', () => {});
  return () => error.mock.calls.map((c) => c.arguments.join(' '));
}

test('recordEnvModules writes the absolute file and sha256 of each module', () => {
  const { runDir, file, path } = runWithModule('recorded');
  recordEnvModules(runDir, [path]);
  const record = JSON.parse(readFileSync(join(runDir, 'env-modules.json'), 'utf8'));
  assert.deepEqual(Object.keys(record), [path]);
  assert.equal(record[path].file, file);
  assert.match(record[path].sha256, /^[0-9a-f]{64}$/);
});

test('an unchanged module passes the check, announced on stderr', (t) => {
  const lines = captureStderr(t);
  const { runDir, path } = runWithModule('unchanged');
  recordEnvModules(runDir, [path]);
  checkRecordedEnvModules(runDir, [path], []);
  assert.deepEqual(lines(), [`engram: importing env module ${path} named in ${join(runDir, 'config.json')}`]);
});

test('a changed module is refused, unless passed again with --env-module', (t) => {
  const lines = captureStderr(t);
  const { runDir, file, path } = runWithModule('changed');
  recordEnvModules(runDir, [path]);
  writeFileSync(file, 'export const version = 2;\n');
  assert.throws(() => checkRecordedEnvModules(runDir, [path], []), {
    name: 'ConfigError',
    message: `env module ${path} has changed since ${runDir} was trained; pass it again with --env-module ${path} to use it anyway`,
  });
  assert.deepEqual(lines(), [], 'nothing announced before a refusal');
  checkRecordedEnvModules(runDir, [path], [file]); // spelled differently, the same file
  assert.equal(lines().length, 1);
});

test('a run trained before env-modules.json existed is only announced', (t) => {
  const lines = captureStderr(t);
  const { runDir, path } = runWithModule('old-run');
  checkRecordedEnvModules(runDir, [path], []);
  assert.deepEqual(lines(), [`engram: importing env module ${path} named in ${join(runDir, 'config.json')}`]);
});

test('a missing module is a ConfigError naming it', (t) => {
  captureStderr(t);
  const { runDir, file, path } = runWithModule('gone');
  recordEnvModules(runDir, [path]);
  rmSync(file);
  assert.throws(() => checkRecordedEnvModules(runDir, [path], []), {
    name: 'ConfigError',
    message: `env module ${path} named in ${join(runDir, 'config.json')} not found (looked at ${file})`,
  });
});

test('a damaged env-modules.json is one line', (t) => {
  captureStderr(t);
  const { runDir, path } = runWithModule('damaged');
  writeFileSync(join(runDir, 'env-modules.json'), '{ "oops');
  assert.throws(() => checkRecordedEnvModules(runDir, [path], []), /^ConfigError: env module hashes in .*env-modules\.json are damaged/);
});

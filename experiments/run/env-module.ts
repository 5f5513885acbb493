/**
 * Loading a user's env module (TypeScript or JavaScript). The module calls `register(...)` from
 * 'engram' at import time; we report which ids it added. When it fails to load we say where, in one
 * line: `file:line:col: what`, the place an editor or a terminal can jump to.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { runInThisContext } from 'node:vm';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, isUserError } from '../../envs/errors.ts';
import { listEnvs } from '../../envs/registry.ts';
import { registeredCoreIds } from '../../memory/core-names.ts';

/** True when a CLI argument names a file rather than a registered id. */
export function looksLikePath(arg: string): boolean {
  return /[\\/]/.test(arg) || /\.(m?[jt]s|cjs|cts|mts)$/.test(arg);
}

/** What a user's module registered: env ids and core ids. */
export interface LoadedModule { readonly envs: string[]; readonly cores: string[] }

/** Imports a user's module, which registers envs (`register`) or memory cores (`registerCore`) from 'engram'. */
export async function loadUserModule(path: string): Promise<LoadedModule> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigError(`env module "${path}" not found (looked at ${file})`);
  if (!statSync(file).isFile()) throw new ConfigError(`env module "${path}" is not a file; name the .ts or .js file that calls register(...)`);
  const envsBefore = new Set(listEnvs());
  const coresBefore = registeredCoreIds().length;
  try {
    // Engram running from its .ts sources already has a TypeScript loader (tsx).
    if (/\.[cm]?ts$/.test(file) && !import.meta.url.endsWith('.ts')) await importTypeScript(file);
    else await import(pathToFileURL(file).href);
  } catch (e) {
    // Our own errors (register('bad id'), ...) keep their wording; the place is where the module called us.
    if (isUserError(e)) throw new ConfigError(`env module "${path}": ${at(placeInStack(e, file))}${oneLine(e.message)}`);
    throw new ConfigError(`env module "${path}" failed to load: ${await describeLoadError(e, file)}`);
  }
  const loaded = { envs: listEnvs().filter((id) => !envsBefore.has(id)), cores: registeredCoreIds().slice(coresBefore) };
  if (loaded.envs.length === 0 && loaded.cores.length === 0) {
    throw new ConfigError(`env module "${path}" registered no envs or cores; call register('MyEnv-v0', (kwargs) => new MyEnv(kwargs)) from 'engram', or registerCore from 'engram/memory', in it`);
  }
  return loaded;
}

/** The env ids a module registers (`check-env FILE`); a module with none is a ConfigError. */
export async function loadEnvModule(path: string): Promise<string[]> {
  const { envs } = await loadUserModule(path);
  if (envs.length === 0) throw new ConfigError(`env module "${path}" registered no envs; call register('MyEnv-v0', (kwargs) => new MyEnv(kwargs)) from 'engram' in it`);
  return envs;
}

let esmHooks: Promise<void> | undefined;

/**
 * A user's TypeScript module, loaded so that its `import ... from 'engram'` reaches this running
 * Engram, not a second copy with its own env registry:
 *  - as an ES module (.mts, or .ts in a "type": "module" project) through tsx's loader hooks; Node
 *    itself then resolves 'engram' and finds the loaded one;
 *  - as CommonJS (.cts, or .ts in any other project, npm's default) compiled by esbuild, its own
 *    imports bundled and packages left to Node's `require`, which loads 'engram', an ES module,
 *    from Node's one module cache. (tsx's CommonJS hook would compile 'engram' again as CommonJS.)
 */
async function importTypeScript(file: string): Promise<void> {
  if (!isCommonJs(file)) {
    esmHooks ??= import('tsx/esm/api').then((tsx) => { tsx.register(); });
    await esmHooks;
    await import(pathToFileURL(file).href);
    return;
  }
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [file], bundle: true, packages: 'external', format: 'cjs', platform: 'node', target: 'node20',
    write: false, sourcemap: 'inline', logLevel: 'silent',
  });
  process.setSourceMapsEnabled(true);   // the module's own stack frames point into its .ts source
  const run = runInThisContext(Module.wrap(out.outputFiles[0]?.text ?? ''), { filename: file }) as
    (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  const module = { exports: {} };
  run(module.exports, createRequire(file), module, file, dirname(file));
}

/** True when Node would treat the file as CommonJS: .cts, or .ts without a "type": "module" package. */
function isCommonJs(file: string): boolean {
  if (file.endsWith('.cts')) return true;
  if (file.endsWith('.mts')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try { return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type !== 'module'; } catch { return true; }
    }
    if (dirname(dir) === dir) return true;
  }
}

const loaded = new Set<string>();

/** Imports each module once, however its path is spelled (a module registers its envs once). */
export async function loadModules(paths: readonly string[] | undefined): Promise<void> {
  for (const p of paths ?? []) {
    if (loaded.has(resolve(p))) continue;
    await loadUserModule(p);
    loaded.add(resolve(p));
  }
}

/** `file:line:col` with a 1-based column, as in Node's stack traces. */
interface Place { file: string; line: number; col: number }

const at = (p: Place | undefined) => (p ? `${p.file}:${p.line}:${p.col}: ` : '');
const oneLine = (s: string) => s.split('\n')[0]?.trim() ?? '';

/**
 * One line for an error thrown by `import(file)`: `file:line:col: what` when the place is known.
 * Three shapes of error reach here:
 *  - tsx compiles .ts with esbuild, and so do we for CommonJS; a syntax error comes back as
 *    `TransformError: Transform failed with 1 error:\n/abs/x.ts:3:18: ERROR: Expected ";" but found "foo"`
 *    (ours: `Build failed with 1 error:\nx.ts:3:18: ...`, the path relative to the working directory).
 *    tsx's hooks run on a worker thread, so esbuild's structured `errors` array is lost on the way:
 *    the message is all there is. Its column is 0-based and counts UTF-8 bytes.
 *  - Node compiling CommonJS puts the place in the first lines of the stack, not in the message:
 *    `/abs/x.cjs:3\n<source line>\n          ^^^\n\nSyntaxError: Unexpected identifier 'foo'`.
 *  - Node compiling an ES module (.mjs, .js under "type": "module") gives no place at all
 *    (Node 20), so we parse the file again with esbuild to find it.
 * Anything else was thrown while the module ran: the place is its first stack frame in the file.
 */
async function describeLoadError(e: unknown, file: string): Promise<string> {
  if (!(e instanceof Error)) return `threw ${typeof e === 'string' ? JSON.stringify(e) : String(e)}`;
  const esbuildError = /^(?:Transform|Build) failed with \d+ errors?:\n(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(e.message);
  if (esbuildError) {
    const [, name = file, line, byteCol, text = ''] = esbuildError;
    const where = resolve(name);   // a build names it relative to the working directory
    return `${at({ file: where, line: Number(line), col: charColumn(where, Number(line), Number(byteCol)) })}${text}`;
  }
  const what = oneLine(`${e.name}: ${e.message}`);
  const cjsSyntax = /^(.+):(\d+)\n.*\n([ \t]*)\^/.exec(e.stack ?? '');
  if (cjsSyntax) {
    const [, where = file, line, pad = ''] = cjsSyntax;
    return `${at({ file: where.startsWith('file:') ? fileURLToPath(where) : where, line: Number(line), col: pad.length + 1 })}${what}`;
  }
  if (e.name === 'SyntaxError' && !placeInStack(e, file)) {
    const found = await parseForSyntaxError(file);
    // Parses cleanly: the error is in a module it imports, or a link error ("does not provide an export named").
    return found ?? `${what} (in ${file} or a module it imports)`;
  }
  return `${at(placeInStack(e, file))}${what}`;
}

/** The first stack frame in `file` (as a path or a file URL, through symlinks too). */
function placeInStack(e: Error, file: string): Place | undefined {
  const names = new Set([file, realpath(file)]);
  for (const name of names) {
    for (const spelled of [name, pathToFileURL(name).href]) {
      // Anchored after a space or '(' so that /a.ts does not match inside /b/a.ts.
      const m = new RegExp(`[\\s(]${escapeRegExp(spelled)}:(\\d+):(\\d+)`).exec(e.stack ?? '');
      if (m) return { file: name, line: Number(m[1]), col: Number(m[2]) };
    }
  }
  return undefined;
}

/** esbuild's first syntax error in the file as `file:line:col: text`, or undefined when it parses. */
async function parseForSyntaxError(file: string): Promise<string | undefined> {
  const { transform } = await import('esbuild');
  const loader = /^\.[mc]?ts$/.test(extname(file)) ? 'ts' : 'js';
  try {
    await transform(readFileSync(file, 'utf8'), { loader, format: 'esm', sourcefile: file });
    return undefined;
  } catch (e) {
    const first = (e as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors?.[0];
    if (!first?.location) return undefined;
    const { line, column } = first.location;
    return `${at({ file, line, col: charColumn(file, line, column) })}${first.text}`;
  }
}

/** esbuild's 0-based UTF-8 byte column as the 1-based character column Node and editors use. */
function charColumn(file: string, line: number, byteCol: number): number {
  try {
    const text = readFileSync(file, 'utf8').split('\n')[line - 1] ?? '';
    return Buffer.from(text).subarray(0, byteCol).toString().length + 1;
  } catch {
    return byteCol + 1;
  }
}

function realpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

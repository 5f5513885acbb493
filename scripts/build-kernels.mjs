// Builds Engram's WebAssembly kernels (memory/kernels/c/*.c) with Debian's clang 14 and lld into the
// two committed binaries beside their source: a plain build and a shared-memory one for the threaded
// wasm backend (--threads). The kernels run on the wasm backend's own heap, so a binary may own no
// memory: no data segments and no shadow stack (no global.get/set); this script refuses one that
// does (docs/kernels.md). `--check` rebuilds into a temporary directory and fails if the result
// differs from the committed binaries (CI runs it). Bytes can only match from the same compiler,
// which the build records in memory/kernels/c/compiler.txt; under another one, --check still builds
// and verifies, says so, and leaves the comparison to the kernel tests (they run the committed
// binaries against tfjs's ops). Users never run this: the binaries ship.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIR = 'memory/kernels';
const SOURCES = readdirSync(join(DIR, 'c')).filter((f) => f.endsWith('.c')).sort().map((f) => join(DIR, 'c', f));
const COMMON = ['--target=wasm32', '-O3', '-msimd128', '-mbulk-memory', '-ffreestanding', '-nostdlib', '-Wall', '-Wextra', '-Werror',
  '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--strip-debug'];
const VARIANTS = {
  'engram-kernels.wasm': [],
  'engram-kernels-threads.wasm': ['-matomics', '-Wl,--shared-memory,--max-memory=4294967296'],
};

const fail = (line) => { console.error(`build-kernels: ${line}`); process.exit(1); };
const COMPILER_FILE = join(DIR, 'c', 'compiler.txt');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) fail(`${cmd} not found: install Debian's clang, lld and llvm (apt-get install clang lld llvm)`);
  if (r.status !== 0) fail(`${cmd} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Refuses a binary that would own memory or need more than the backend's memory. */
function verify(file) {
  const mod = new WebAssembly.Module(readFileSync(file));
  const imports = WebAssembly.Module.imports(mod);
  if (imports.length !== 1 || imports[0].module !== 'env' || imports[0].name !== 'memory') {
    fail(`${file} imports ${JSON.stringify(imports)}; it may import env.memory only`);
  }
  const sections = run('llvm-objdump', ['-h', file]);
  if (/\bDATA\b/.test(sections)) fail(`${file} has data segments: kernels may own no memory (no static arrays or strings)`);
  const code = run('llvm-objdump', ['-d', file]);
  if (/global\.(get|set)/.test(code)) fail(`${file} uses a global (the shadow stack): kernels may keep no arrays or structs on the stack`);
}

/** Debian's clang 14 where installed under its versioned name, else `clang`. */
function clang() {
  return spawnSync('clang-14', ['--version']).status === 0 ? 'clang-14' : 'clang';
}

function compilerVersion() {
  return run(clang(), ['--version']).split('\n')[0].trim();
}

function build(outDir) {
  for (const [name, extra] of Object.entries(VARIANTS)) {
    const out = join(outDir, name);
    run(clang(), [...COMMON, ...extra, '-o', `${out}.tmp`, ...SOURCES]);
    verify(`${out}.tmp`);
    renameSync(`${out}.tmp`, out);
  }
}

if (process.argv.includes('--check')) {
  const tmp = mkdtempSync(join(tmpdir(), 'engram-kernels-'));
  try {
    build(tmp);
    const recorded = existsSync(COMPILER_FILE) ? readFileSync(COMPILER_FILE, 'utf8').trim() : '(none recorded)';
    if (recorded !== compilerVersion()) {
      console.log(`build-kernels: built and verified with ${compilerVersion()}; the binaries were built with ${recorded}, so their bytes are not compared`);
      process.exit(0);
    }
    for (const name of Object.keys(VARIANTS)) {
      if (!readFileSync(join(tmp, name)).equals(readFileSync(join(DIR, name)))) {
        fail(`${join(DIR, name)} differs from a build of its sources: run npm run build:kernels and commit the binaries`);
      }
    }
    console.log(`build-kernels: ${Object.keys(VARIANTS).join(' and ')} match their sources`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  build(DIR);
  writeFileSync(COMPILER_FILE, `${compilerVersion()}\n`);
  console.log(`build-kernels: wrote ${Object.keys(VARIANTS).map((n) => join(DIR, n)).join(', ')}`);
}

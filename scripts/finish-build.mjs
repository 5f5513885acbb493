// The steps of `npm run build` after tsc: the viewer's HTML beside its compiled script, the kernels'
// WebAssembly beside theirs, the shipped corpus beside the language-model env, and, for each
// entry point, a CommonJS declaration file (.d.cts) that re-exports the ES one, so that TypeScript
// projects in CommonJS with "moduleResolution": "node16" type-check `require('engram')` too
// (Node 20.19+ loads the ES module itself for require).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';

copyFileSync('rollout/viewer/index.html', 'dist/rollout/viewer/index.html');
// The fused kernels' committed binaries (scripts/build-kernels.mjs), loaded beside their module.
for (const wasm of ['engram-kernels.wasm', 'engram-kernels-threads.wasm']) copyFileSync(`memory/kernels/${wasm}`, `dist/memory/kernels/${wasm}`);
// The shipped corpus of LanguageModel-v0 (envs/corpora/README.md), read beside its module.
mkdirSync('dist/envs/corpora', { recursive: true });
copyFileSync('envs/corpora/shakespeare.txt', 'dist/envs/corpora/shakespeare.txt');
for (const entry of ['index', 'memory/index', 'experiments/index', 'rollout/feed-protocol']) {
  const base = entry.split('/').at(-1);
  writeFileSync(`dist/${entry}.d.cts`, `export * from './${base}.js';\n`);
}

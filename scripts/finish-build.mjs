// The steps of `npm run build` after tsc: the viewer's HTML beside its compiled script, and, for each
// entry point, a CommonJS declaration file (.d.cts) that re-exports the ES one, so that TypeScript
// projects in CommonJS with "moduleResolution": "node16" type-check `require('engram')` too
// (Node 20.19+ loads the ES module itself for require).
import { copyFileSync, writeFileSync } from 'node:fs';

copyFileSync('rollout/viewer/index.html', 'dist/rollout/viewer/index.html');
for (const entry of ['index', 'memory/index', 'experiments/index', 'rollout/feed-protocol']) {
  const base = entry.split('/').at(-1);
  writeFileSync(`dist/${entry}.d.cts`, `export * from './${base}.js';\n`);
}

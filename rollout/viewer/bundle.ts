/**
 * Builds the viewer for the feed server: page.ts (and uPlot) bundled by esbuild into one ES
 * module, in memory, plus uPlot's stylesheet. The server sends `js` as /page.js and `css` as
 * /page.css (index.html links it). Bundling at serve time means the npm package ships only
 * sources; it takes ~100 ms once per process.
 *
 * Paths are resolved from this file, not the working directory, so this works when Engram is
 * installed as a dependency (node_modules/engram/rollout/viewer/bundle.ts).
 */
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ViewerBundle {
  /** page.js: a self-contained ES module (no bare imports left). */
  readonly js: string;
  /** uPlot's CSS, for /page.css. */
  readonly css: string;
}

let cached: Promise<ViewerBundle> | undefined;

/** The bundled page; built once per process (a failed build is retried on the next call). */
export function bundleViewer(): Promise<ViewerBundle> {
  cached ??= buildViewer().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

async function buildViewer(): Promise<ViewerBundle> {
  // page.ts beside the sources, page.js beside the compiled files in dist/.
  const entry = fileURLToPath(new URL(`./page${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    minify: false,
    charset: 'utf8',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text;
  if (!js) throw new Error(`bundleViewer: esbuild produced no output for ${entry}`);
  // uPlot has no "exports" map, so its stylesheet resolves like any file in the package.
  const cssPath = createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css');
  const css = await readFile(cssPath, 'utf8');
  return { js, css };
}

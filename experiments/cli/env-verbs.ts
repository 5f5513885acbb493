/** The env verbs of the CLI: `envs`, `envs info`, `check-env`, `random`. */
import { checkEnv } from '../../envs/check.ts';
import { ConfigError } from '../../envs/errors.ts';
import { listEnvs, make, spec } from '../../envs/registry.ts';
import { Rng } from '../../envs/rng.ts';
import { loadEnvModule, looksLikePath } from '../run/env-module.ts';

export function listEnvsCommand(): void {
  const rows = listEnvs().map((id) => {
    const env = make(id);
    const row = [id, env.observationSpace.toString(), env.actionSpace.toString(), spec(id).description ?? ''];
    env.close();
    return row;
  });
  printTable(['id', 'observation', 'action', 'description'], rows);
}

export function envInfoCommand(id: string): void {
  const s = spec(id);
  const env = make(id);
  const info = {
    id: s.id,
    description: s.description ?? null,
    observationSpace: env.observationSpace.toString(),
    actionSpace: env.actionSpace.toString(),
    maxEpisodeSteps: s.maxEpisodeSteps ?? null,
    metadata: env.metadata,
    kwargs: { ...defaultsOf(env), ...s.kwargs },
  };
  env.close();
  console.log(JSON.stringify(info, null, 2));
}

/** Returns the process exit code: 0 when every check passed, 1 otherwise. */
export async function checkEnvCommand(target: string, kwargs: Record<string, unknown>, seed: number): Promise<number> {
  const ids = looksLikePath(target) ? await loadEnvModule(target) : [spec(target).id];
  let ok = true;
  for (const id of ids) {
    make(id, kwargs).close(); // bad kwargs: one clear ConfigError before any check output
    const report = checkEnv(() => make(id, kwargs), { seed });
    console.log(`${id}: ${report.ok ? 'all checks passed' : 'FAILED'}`);
    for (const r of report.results) {
      const mark = r.ok ? (r.skipped ? '-' : '✓') : '✗';
      console.log(`  ${mark} ${r.name}${r.message ? `: ${r.message}` : ''}`);
    }
    ok &&= report.ok;
  }
  return ok ? 0 : 1;
}

export interface RandomOptions { episodes: number; seed: number; kwargs: Record<string, unknown>; json: boolean }

export function randomCommand(id: string, opts: RandomOptions): void {
  const env = make(id, opts.kwargs);
  const rng = new Rng(opts.seed);
  const returns: number[] = [];
  const lengths: number[] = [];
  const metrics: Record<string, number[]> = {};
  env.reset({ seed: opts.seed });
  const t0 = performance.now();
  let steps = 0;
  while (returns.length < opts.episodes) {
    const r = env.step(env.actionSpace.sample(rng));
    steps++;
    if (r.terminated || r.truncated) {
      const ep = r.info.episode as Record<string, number>;
      returns.push(ep.return as number);
      lengths.push(ep.length as number);
      for (const [k, v] of Object.entries(ep)) if (k !== 'return' && k !== 'length') (metrics[k] ??= []).push(Number(v));
      env.reset();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  env.close();
  const summary = {
    env: id, episodes: returns.length, meanReturn: mean(returns), stdReturn: std(returns),
    minReturn: Math.min(...returns), maxReturn: Math.max(...returns), meanLength: mean(lengths),
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, mean(v)])),
  };
  if (opts.json) { console.log(JSON.stringify(summary)); return; }
  console.log(`${id}: random policy, ${summary.episodes} episodes (seed ${opts.seed}), ${steps} steps in ${seconds.toFixed(2)} s`);
  console.log(`  return  mean ${fmt(summary.meanReturn)} ± ${fmt(summary.stdReturn)}  (min ${fmt(summary.minReturn)}, max ${fmt(summary.maxReturn)})`);
  console.log(`  length  mean ${fmt(summary.meanLength)}`);
  for (const [k, v] of Object.entries(summary.metrics)) console.log(`  ${k}  mean ${fmt(v)}`);
}

function defaultsOf(env: { unwrapped?: unknown }): Record<string, unknown> {
  const inner = env.unwrapped as { options?: Record<string, unknown> } | undefined;
  return inner?.options ? { ...inner.options } : {};
}

function mean(xs: number[]): number { return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length); }
function std(xs: number[]): number { const m = mean(xs); return Math.sqrt(mean(xs.map((x) => (x - m) ** 2))); }
function fmt(x: number): string { return Number.isInteger(x) ? String(x) : x.toFixed(3); }

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

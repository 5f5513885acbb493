/** The memory-core verbs of the CLI: `cores` and `check-core`. */
import { ConfigError } from '../../envs/errors.ts';
import { checkCore } from '../../memory/check-core.ts';
import { coreEntries, coreEntry, makeCore } from '../../memory/registry.ts';
import { initBackend } from '../../memory/tf.ts';
import { loadModules, loadUserModule, looksLikePath } from '../run/env-module.ts';
import { parseSet } from '../settings/set-values.ts';
import type { CheckCoreFlags } from './commands.ts';
import { printTable } from './env-verbs.ts';

export async function coresCommand(envModules: readonly string[] | undefined): Promise<void> {
  await loadModules(envModules);
  printTable(['id', 'description', 'defaults'], coreEntries().map(([id, e]) => [id, e.description, JSON.stringify(e.defaults)]));
}

/** Checks one core, or every core a module registers; 0 when all pass, 1 otherwise. */
export async function checkCoreCommand(target: string, f: CheckCoreFlags): Promise<number> {
  const ids = looksLikePath(target) ? (await loadUserModule(target)).cores : [target];
  if (ids.length === 0) {
    throw new ConfigError(`module "${target}" registered no cores; call registerCore('my-core', (options) => new MyCore(options)) from 'engram/memory' in it`);
  }
  for (const id of ids) coreEntry(id);   // an unknown id: one line with the known ones
  const options = Object.fromEntries(f.set.map((e) => parseSet(e.startsWith('core.') ? e.slice(5) : e)));
  await initBackend(f.backend ?? 'auto', 1);
  let ok = true;
  for (const id of ids) {
    const make = (seed: number) => makeCore(id, { ...options, inputSize: f.inputSize, seed });
    make(7).dispose();   // bad options: the core's own one-line error, before any check output
    const report = checkCore(make);
    console.log(`${id}: ${report.ok ? 'all checks passed' : 'FAILED'}`);
    for (const r of report.results) console.log(`  ${r.ok ? '✓' : '✗'} ${r.name}${r.message ? `: ${r.message}` : ''}`);
    ok &&= report.ok;
  }
  return ok ? 0 : 1;
}

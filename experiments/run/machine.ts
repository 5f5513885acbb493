/**
 * Where a run trained, as its checkpoint records it (the report names it): Engram's version and
 * the machine in one line.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** package.json's version: two levels up in the sources, three in dist/. */
export function engramVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const p = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (p.name === 'engram' && p.version) return p.version;
    } catch { /* try the next */ }
  }
  return 'unknown';
}

/** e.g. "2 × AMD EPYC 7B13, 24 GiB, Node 20.20.2". */
export function machineLine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
}

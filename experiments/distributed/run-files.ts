/**
 * A finished sweep job's run directory, kept on the broker so that whoever follows the sweep can
 * fetch it: `engram experiment run --connect` builds its report from run directories, and the
 * workers' are on other machines. One object store per sweep, objects `<job>/<file>`: the files a
 * report reads (config, metrics, evaluation) and the checkpoint an analysis loads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { makeDirs, writeFileAtomic } from '../run/atomic.ts';

export const runFilesBucket = (sweep: string) => `sweepruns_${sweep}`;

/** In the order they are written on fetching: eval.json, the mark of a finished run, last. */
const FILES = ['config.json', 'metrics.jsonl', 'checkpoint.json', 'eval.json'];

/** The weights file checkpoint.json names. */
const weightsFile = (checkpoint: Uint8Array) => (JSON.parse(new TextDecoder().decode(checkpoint)) as { file: string }).file;

export async function uploadRunFiles(js: JetStreamClient, sweep: string, job: string, runDir: string): Promise<void> {
  const store = await new Objm(js).create(runFilesBucket(sweep));
  const checkpoint = readFileSync(join(runDir, 'checkpoint.json'));
  for (const f of [weightsFile(checkpoint), ...FILES]) {
    if (existsSync(join(runDir, f))) await store.putBlob({ name: `${job}/${f}` }, readFileSync(join(runDir, f)));
  }
}

/** Writes the job's files into `dir`; false when the broker has none of them. */
export async function downloadRunFiles(js: JetStreamClient, sweep: string, job: string, dir: string): Promise<boolean> {
  const store = await new Objm(js).open(runFilesBucket(sweep)).catch(() => undefined);
  const checkpoint = await store?.getBlob(`${job}/checkpoint.json`);
  if (!store || !checkpoint) return false;
  makeDirs(dir);
  for (const f of [weightsFile(checkpoint), ...FILES]) {
    const bytes = f === 'checkpoint.json' ? checkpoint : await store.getBlob(`${job}/${f}`);
    if (bytes) writeFileAtomic(join(dir, f), bytes);
  }
  return true;
}

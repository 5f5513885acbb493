/**
 * Content hashes of a run's env modules. config.json names the modules by path, and `eval`, `watch`
 * and `train --resume` import them again: code that may have been edited since the run was
 * trained, so the saved weights would meet a different env, and code that runs on import. We record
 * each module's sha256 at `train`, announce every import from a run's config, and refuse a changed
 * module unless the user names it again with --env-module.
 *
 * Only the module file itself is hashed, not the files it imports.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../envs/errors.ts';
import { writeFileAtomic } from './atomic.ts';

export const ENV_MODULES_FILE = 'env-modules.json';

/** `<runDir>/env-modules.json`: keyed by the path as written in config.json. */
export type EnvModuleRecord = Record<string, { file: string; sha256: string }>;

/** Writes the hashes of `paths` (resolved against the working directory, as loadEnvModule does). */
export function recordEnvModules(runDir: string, paths: readonly string[]): void {
  const record: EnvModuleRecord = {};
  for (const p of paths) {
    const file = resolve(p);
    record[p] = { file, sha256: sha256(p, file) };
  }
  writeFileAtomic(join(runDir, ENV_MODULES_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Before importing the env modules that `<runDir>/config.json` names: throws a ConfigError for a
 * module that is missing, or that changed since it was recorded and is not in `passedAgain` (the
 * --env-module paths the user gave this time); then prints one line per module to stderr, so that
 * code running on import is never a surprise. Runs trained before the record existed are only announced.
 */
export function checkRecordedEnvModules(runDir: string, paths: readonly string[], passedAgain: readonly string[]): void {
  const record = readRecord(runDir);
  const again = new Set(passedAgain.map((p) => resolve(p)));
  for (const p of paths) {
    const file = resolve(p);
    const recorded = record?.[p];
    if (!existsSync(file)) {
      // A relative path resolves against today's working directory; say where it was at train time.
      const was = recorded?.file && recorded.file !== file ? `; it was ${recorded.file} when the run was trained` : '';
      throw new ConfigError(`env module ${p} named in ${join(runDir, 'config.json')} not found (looked at ${file}${was})`);
    }
    if (recorded?.sha256 && !again.has(file) && sha256(p, file) !== recorded.sha256) {
      throw new ConfigError(`env module ${p} has changed since ${runDir} was trained; pass it again with --env-module ${p} to use it anyway`);
    }
  }
  for (const p of paths) console.error(`engram: importing env module ${p} named in ${join(runDir, 'config.json')}`);
}

function readRecord(runDir: string): Partial<EnvModuleRecord> | undefined {
  const path = join(runDir, ENV_MODULES_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const record: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (record && typeof record === 'object' && !Array.isArray(record)) return record as Partial<EnvModuleRecord>;
  } catch {
    // Falls through to the message below.
  }
  // Starts with "env module" so that openRunConfig passes it on as is.
  throw new ConfigError(`env module hashes in ${path} are damaged (expected a JSON object); delete the file to skip the check`);
}

function sha256(p: string, file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch (e) {
    throw new ConfigError(`env module ${p}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

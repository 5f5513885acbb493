/**
 * Reading a run directory's config.json back, for `eval`, `watch` and `train --resume`. The file
 * goes through the same resolver as the settings at `train`, so a damaged or hand-edited config
 * gets the same one-line messages, and the env modules it names are announced and checked first.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, isUserError } from '../../envs/errors.ts';
import { loadModules } from './env-module.ts';
import { readSettingsText, resolveExperimentConfig, strList, type ExperimentConfig } from '../settings/config.ts';
import { checkRecordedEnvModules } from './env-module-record.ts';
import { hasCheckpoint } from './checkpoint.ts';

/**
 * The run's settings, its env modules imported. `passedAgain`: modules the user named with
 * --env-module, accepted even if they changed since the run was trained.
 */
export async function openRunConfig(runDir: string, passedAgain: readonly string[] = []): Promise<ExperimentConfig> {
  if (!existsSync(runDir)) throw new ConfigError(`run directory "${runDir}" not found; pass a directory written by engram train`);
  if (!statSync(runDir).isDirectory()) throw new ConfigError(`"${runDir}" is not a folder; pass a run directory written by engram train`);
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) {
    const hint = hasCheckpoint(runDir) ? 'its config.json is missing' : 'no config.json; pass the directory engram train wrote';
    throw new ConfigError(`"${runDir}" is not a run directory (${hint})`);
  }
  const text = readSettingsText(path, path);
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON (${(e as Error).message.split('\n')[0]?.slice(0, 120)}); the run's settings are damaged`);
  }
  if (!values || typeof values !== 'object' || Array.isArray(values)) throw new ConfigError(`${path}: expected an object of settings, got ${text.trim() === '' ? 'an empty file' : JSON.stringify(values)}`);
  try {
    const settings = values as Record<string, unknown>;
    const modules = strList(settings.envModules ?? [], 'envModules');
    checkRecordedEnvModules(runDir, modules, passedAgain);
    await loadModules([...modules, ...passedAgain.filter((p) => !modules.includes(p))]);
    return { ...resolveExperimentConfig({ values: { ...settings, runDir } }) };
  } catch (e) {
    if (isUserError(e) && !e.message.startsWith('env module')) throw new ConfigError(`${path}: ${e.message}`);
    throw e;
  }
}

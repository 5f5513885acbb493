/**
 * Loading a user's env module (TypeScript or JavaScript). The module calls `register(...)` from
 * 'engram' at import time; we report which ids it added.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, isUserError } from '../envs/errors.ts';
import { listEnvs } from '../envs/registry.ts';

/** True when a CLI argument names a file rather than a registered id. */
export function looksLikePath(arg: string): boolean {
  return /[\\/]/.test(arg) || /\.(m?[jt]s|cjs|cts|mts)$/.test(arg);
}

export async function loadEnvModule(path: string): Promise<string[]> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigError(`env module "${path}" not found (looked at ${file})`);
  const before = new Set(listEnvs());
  try {
    await import(pathToFileURL(file).href);
  } catch (e) {
    if (isUserError(e)) throw new ConfigError(`env module "${path}": ${e.message}`);
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ConfigError(`env module "${path}" failed to load: ${why}`);
  }
  const added = listEnvs().filter((id) => !before.has(id));
  if (added.length === 0) {
    throw new ConfigError(`env module "${path}" registered no envs; call register('MyEnv-v0', (kwargs) => new MyEnv(kwargs)) from 'engram' in it`);
  }
  return added;
}

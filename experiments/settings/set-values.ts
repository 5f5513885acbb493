/**
 * `--set key=value` parsing. Values are read as YAML scalars or flow collections, so
 * `--set lr=3e-4`, `--set env.view=viewport`, `--set env.solutionLengths=[1,2]` all do what they say.
 */
import YAML from 'yaml';
import { ConfigError } from '../../envs/errors.ts';

export function parseSet(entry: string): [string, unknown] {
  const eq = entry.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${entry}: expected key=value, e.g. --set env.view=viewport`);
  const key = entry.slice(0, eq).trim();
  const raw = entry.slice(eq + 1).trim();
  let value: unknown;
  try {
    value = raw === '' ? '' : YAML.parse(raw);
  } catch {
    throw new ConfigError(`--set ${entry}: could not read the value "${raw}" (write numbers, true/false, text, or [a, b] lists)`);
  }
  return [key, value];
}

/** Env kwargs from `--set` entries; `env.` prefixes are optional here. */
export function envKwargsFromSets(entries: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of entries) {
    const [key, value] = parseSet(e);
    out[key.startsWith('env.') ? key.slice(4) : key] = value;
  }
  return out;
}

/**
 * Env kwargs: merge user values onto defaults, rejecting unknown names and wrong types once,
 * at construction, so a typo never silently trains the default.
 */
import { closest } from 'fastest-levenshtein';
import { ConfigError } from './errors.ts';

export function resolveKwargs<T extends object>(where: string, defaults: T, kwargs: Record<string, unknown> = {}): T {
  const out = { ...defaults } as Record<string, unknown>;
  const known = Object.keys(defaults);
  for (const [key, value] of Object.entries(kwargs)) {
    if (value === undefined) continue;
    if (!(key in defaults)) {
      const hint = known.length ? `; did you mean "${closest(key, known)}"? Known: ${known.join(', ')}` : '';
      throw new ConfigError(`${where}: unknown option "${key}"${hint}`);
    }
    const def = (defaults as Record<string, unknown>)[key];
    if (def !== undefined && typeof def !== typeof value && !(Array.isArray(def) && Array.isArray(value))) {
      throw new ConfigError(`${where}: ${key} must be a ${Array.isArray(def) ? 'list' : typeof def}, got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return out as T;
}

/** Throw a ConfigError unless `ok`; the message reads `<where>: <name> must <rule>, got <value>`. */
export function checkOption(ok: boolean, where: string, name: string, rule: string, got: unknown): void {
  if (!ok) throw new ConfigError(`${where}: ${name} must ${rule}, got ${JSON.stringify(got)}`);
}

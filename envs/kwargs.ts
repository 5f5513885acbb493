/**
 * Env kwargs: merge user values onto defaults, rejecting unknown names, wrong types and non-finite
 * numbers once, at construction, so a typo never silently trains the default. Cores and agents
 * resolve their options here too.
 */
import { closest } from 'fastest-levenshtein';
import { ConfigError } from './errors.ts';

export function resolveKwargs<T extends object>(where: string, defaults: Readonly<T>, kwargs: Record<string, unknown> = {}): T {
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
    // config.json cannot hold Infinity or NaN (JSON writes null), so a run saved with one could not be reloaded.
    const bad = nonFinite(value, key);
    if (bad) throw new ConfigError(`${where}: ${bad.path} must be a finite number, got ${bad.value}`);
    out[key] = value;
  }
  return out as T;
}

/** The first non-finite number in a value, lists and objects included, with its path (`sizes[1]`, `timer.hunt`). */
function nonFinite(value: unknown, path: string): { path: string; value: number } | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path, value };
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const bad = nonFinite(v, `${path}[${i}]`);
      if (bad) return bad;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const bad = nonFinite(v, `${path}.${k}`);
      if (bad) return bad;
    }
  }
  return undefined;
}

/**
 * The one option check: throws a ConfigError unless `ok`; the message reads
 * `<where>: <name> must <rule>, got <value>` (no `<where>: ` for top-level settings, where = '').
 */
export function checkOption(ok: boolean, where: string, name: string, rule: string, got: unknown): asserts ok {
  // String() for numbers: JSON.stringify would print Infinity and NaN as null.
  if (!ok) throw new ConfigError(`${where ? `${where}: ` : ''}${name} must ${rule}, got ${typeof got === 'number' ? String(got) : JSON.stringify(got)}`);
}

/** `checkOption` for the options of one place (`agent`, `MiniPacman`, ...). */
export function optionChecker(where: string): (ok: boolean, name: string, rule: string, got: unknown) => void {
  return (ok, name, rule, got) => checkOption(ok, where, name, rule, got);
}

/**
 * The upper bound of an integer option, checked after its lower bound: the message names the whole
 * range, `<where>: <name> must be an integer from <min> to <max>, got <value>`.
 */
export function checkMax(where: string, name: string, value: number, min: number, max: number): void {
  checkOption(value <= max, where, name, `be an integer from ${min} to ${max}`, value);
}

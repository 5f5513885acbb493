/**
 * The errors Engram raises for mistakes a user can fix (Gymnasium's `error.py`, kept flat).
 * The CLI prints only the message of these and exits 2; anything else is a bug and keeps its stack.
 */

/** Bad user input: an unknown id, a bad flag or config value, an unknown kwarg. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** An env used against its contract: step before reset, an action outside the action space. */
export class EnvError extends Error {
  override readonly name = 'EnvError';
}

/** True for the errors a user can fix from the message alone. */
export function isUserError(e: unknown): e is ConfigError | EnvError {
  return e instanceof ConfigError || e instanceof EnvError;
}

/**
 * The errors Engram raises for problems a user can fix (Gymnasium's `error.py`, kept flat).
 * The CLI prints only the message of these: ConfigError and EnvError exit 2 (bad input), RunError
 * exits 1 (the run could not go on). Anything else is a bug and keeps its stack.
 */

/** Bad user input: an unknown id, a bad flag or config value, an unknown kwarg. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** An env used against its contract: step before reset, an action outside the action space. */
export class EnvError extends Error {
  override readonly name = 'EnvError';
}

/** A run that must stop for a reason outside the code: a full disk, a diverging loss, a busy run directory. */
export class RunError extends Error {
  override readonly name = 'RunError';
}

/** True for the errors a user can fix from the message alone. */
export function isUserError(e: unknown): e is ConfigError | EnvError | RunError {
  return e instanceof ConfigError || e instanceof EnvError || e instanceof RunError;
}

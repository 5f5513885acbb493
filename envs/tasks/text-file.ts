/** Reading a task's data file (bAbI, NLVR, text corpora): a file that cannot be read is one ConfigError naming it. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';

/** The file's UTF-8 text; `what` names the format in the error (`bAbI: cannot read x.txt: ENOENT …`). */
export function readTextFile(what: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${what}: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * FeedRecorder — writes feed messages to a .jsonl file, one message per line (the format
 * `engram replay` serves). Writes are buffered by a stream so the loop never waits on the disk.
 */
import { createWriteStream, openSync, readFileSync, type WriteStream } from 'node:fs';
import { ConfigError } from '../envs/errors.ts';
import { FEED_VERSION, type FeedMessage, type RunInfo } from './feed.ts';
import type { FeedSink } from './feed-observer.ts';

export class FeedRecorder implements FeedSink {
  private readonly out: WriteStream;
  private failed = false;
  /** Opens the file at once, so a path that cannot be written is a ConfigError here, not a crash later. */
  constructor(readonly path: string, run: RunInfo) {
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (e) {
      throw new ConfigError(`--record ${path}: cannot write it (${(e as NodeJS.ErrnoException).code ?? String(e)}); pass a file in a writable folder`);
    }
    this.out = createWriteStream('', { fd });
    // A recording is a by-product: if the disk fills, say so once and let the run go on.
    this.out.on('error', (e: NodeJS.ErrnoException) => {
      if (!this.failed) console.error(`engram: recording to ${path} stopped: ${e.code ?? e.message}`);
      this.failed = true;
    });
    this.publish({ type: 'hello', version: FEED_VERSION, run, following: 0 });
  }
  publish(m: FeedMessage): void {
    if (!this.failed) this.out.write(`${JSON.stringify(m)}\n`);
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}

/** Reads a recording; throws with the file and line of a malformed entry. */
export function readRecording(path: string): { run: RunInfo; messages: FeedMessage[] } {
  const lines = readFileSync(path, 'utf8').split('\n');
  const messages: FeedMessage[] = [];
  let run: RunInfo | undefined;
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let m: FeedMessage;
    try { m = JSON.parse(line) as FeedMessage; } catch { throw new Error(`${path}:${i + 1}: not a JSON feed message`); }
    if (!m || typeof m !== 'object' || typeof m.type !== 'string') throw new Error(`${path}:${i + 1}: not a feed message (no "type")`);
    if (m.type === 'hello') { if (m.version !== FEED_VERSION) throw new Error(`${path}:${i + 1}: feed version ${m.version}, this Engram reads ${FEED_VERSION}`); run ??= m.run; return; }
    messages.push(m);
  });
  if (!run) throw new Error(`${path}: no hello line; is this a recording made with --record?`);
  return { run, messages };
}

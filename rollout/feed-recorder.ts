/**
 * FeedRecorder — writes feed messages to a .jsonl file, one message per line (the format
 * `engram replay` serves). Writes are buffered by a stream so the loop never waits on the disk.
 */
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { FEED_VERSION, type FeedMessage, type RunInfo } from './feed.ts';
import type { FeedSink } from './feed-observer.ts';

export class FeedRecorder implements FeedSink {
  private readonly out: WriteStream;
  constructor(readonly path: string, run: RunInfo) {
    this.out = createWriteStream(path, { flags: 'w' });
    this.publish({ type: 'hello', version: FEED_VERSION, run, following: 0 });
  }
  publish(m: FeedMessage): void {
    this.out.write(`${JSON.stringify(m)}\n`);
  }
  close(): Promise<void> {
    return new Promise((resolve, reject) => this.out.end((e?: Error | null) => (e ? reject(e) : resolve())));
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

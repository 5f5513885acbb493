/**
 * `engram play ID`: a person plays an env in the terminal. Arrow keys map to the actions the env
 * names 'up', 'down', 'left', 'right' in `metadata.actionNames`; space or '.' to 'stay'/'noop';
 * digits pick an action by index; r restarts; q quits. Works on piped input too (for tests), and
 * says so on stderr, so someone who ran it without a terminal knows why no key seems to work.
 */
import { ConfigError } from '../../envs/errors.ts';
import { make } from '../../envs/registry.ts';
import { discreteActions } from '../../envs/space.ts';

const ARROWS: Record<string, string> = { '\u001b[A': 'up', '\u001b[B': 'down', '\u001b[C': 'right', '\u001b[D': 'left' };

export async function playCommand(id: string, kwargs: Record<string, unknown>, seed: number): Promise<void> {
  const env = make(id, kwargs);
  if (!env.metadata.renderModes.includes('ansi')) {
    throw new ConfigError(`engram play: ${id} has no 'ansi' render mode to draw in a terminal`);
  }
  const n = discreteActions(env.actionSpace, `engram play: ${id}`);
  const names = (env.metadata.actionNames as string[] | undefined) ?? [];
  const keyToAction = (key: string): number | undefined => {
    const name = ARROWS[key] ?? (key === ' ' || key === '.' ? 'stay' : undefined);
    if (name) {
      const i = names.indexOf(name);
      if (i >= 0) return i;
      if (name === 'stay') { const j = names.indexOf('noop'); return j >= 0 ? j : undefined; }
      return undefined;
    }
    if (/^[0-9]$/.test(key) && Number(key) < n) return Number(key);
    return undefined;
  };

  const tty = process.stdin.isTTY === true;
  if (!tty) process.stderr.write('engram play: standard input is not a terminal; reading keys from it (arrows, digits, r, q)\n');
  const clear = tty && process.stdout.isTTY ? '\u001b[2J\u001b[H' : '\n';
  const help = `keys: arrows move${names.length ? ` (${names.map((a, i) => `${i}=${a}`).join(', ')})` : ''}, digits 0-${n - 1} pick an action, r restart, q quit`;
  let episode = 1;
  let total = 0;
  let status = '';
  env.reset({ seed });
  const draw = () => process.stdout.write(`${clear}${id}  episode ${episode}  return ${round(total)}\n${env.render('ansi') as string}\n${status}\n${help}\n`);
  draw();

  if (tty) process.stdin.setRawMode(true);
  process.stdin.resume();
  await new Promise<void>((done) => {
    const quit = () => {
      process.stdin.off('data', onData);
      if (tty) process.stdin.setRawMode(false);
      process.stdin.pause();
      env.close();
      done();
    };
    const onData = (chunk: Buffer) => {
      for (const key of splitKeys(chunk.toString('utf8'))) {
        if (key === 'q' || key === '\u0003') return quit();
        if (key === 'r') { env.reset(); total = 0; episode++; status = 'restarted'; draw(); continue; }
        const a = keyToAction(key);
        if (a === undefined) continue;
        const r = env.step(a);
        total += r.reward;
        status = `action ${names[a] ?? a}  reward ${round(r.reward)}`;
        if (r.terminated || r.truncated) {
          draw();
          process.stdout.write(`episode over (${r.terminated ? 'terminated' : 'truncated'}), return ${round(total)}; press a key for the next one\n`);
          env.reset();
          total = 0;
          episode++;
          status = '';
          continue;
        }
        draw();
      }
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', quit);
  });
}

/** Splits raw input into keys, keeping arrow escape sequences whole. */
function splitKeys(s: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < s.length;) {
    if (s[i] === '\u001b' && s[i + 1] === '[' && i + 2 < s.length) { keys.push(s.slice(i, i + 3)); i += 3; }
    else { keys.push(s[i] as string); i++; }
  }
  return keys;
}

function round(x: number): string { return Number.isInteger(x) ? String(x) : x.toFixed(2); }

// A password typed on the terminal, as restic asks for one when no flag or variable gives it:
// nothing is echoed, Enter ends it, Ctrl-C aborts. Only on a terminal: a script without a
// password gets the usual "no password given" error instead of a prompt nobody answers.

import { AbortedError, UsageError } from '../errors.ts';
import type { CliIo } from './command.ts';

type TtyIn = CliIo['stdin'] & { setRawMode?: (raw: boolean) => void };

export function canPrompt(io: CliIo): boolean {
  return io.stdin.isTTY === true && typeof (io.stdin as TtyIn).setRawMode === 'function';
}

export function readHidden(io: CliIo, prompt: string, signal?: AbortSignal): Promise<string> {
  const input = io.stdin as TtyIn;
  // Echo off before the prompt shows: whatever is typed after it never appears.
  input.setRawMode?.(true);
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (err?: Error) => {
      input.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
      input.setRawMode?.(false);
      input.pause();
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onAbort = () => done(new AbortedError('password prompt interrupted'));
    const onData = (chunk: Buffer | string) => {
      for (const c of String(chunk)) {
        if (c === '\r' || c === '\n') return done();
        if (c === '\u0003') return done(new AbortedError('password prompt interrupted'));
        if (c === '\u0004' && text === '') return done(new UsageError('no password given'));
        if (c === '\u007f' || c === '\b') text = text.slice(0, -1);
        else text += c;
      }
    };
    input.resume();
    input.on('data', onData);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** For a new password (init, key add): asked twice, as restic does; they must match. */
export async function readNewPassword(io: CliIo, what: string, signal?: AbortSignal): Promise<string> {
  const first = await readHidden(io, `enter password for ${what}: `, signal);
  const again = await readHidden(io, 'enter password again: ', signal);
  if (first !== again) throw new UsageError('passwords do not match');
  return first;
}

// A command's stdout as a stream entry (`backup --stdin-from-command -- CMD ARGS…`), and stdin
// itself (`backup --stdin`). The command runs without a shell and without Lifeboat's secrets in
// its environment (child-env.ts); its stderr is not shown but its
// last few KB are kept for the error. `done` rejects with SourceError when it exits non-zero or
// is killed, so the archiver writes no snapshot for a dump that did not finish.

import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { SourceError, UsageError } from '../../errors.ts';
import type { StreamEntry } from '../types.ts';
import { childEnvironment } from '../child-env.ts';

const STDERR_TAIL_BYTES = 4096;
const KILL_GRACE_MS = 5000;

export interface CommandStreamOptions {
  /** Path of the stored file inside the snapshot. */
  path: string;
  /** Additions to the child's environment: this process's without Lifeboat's secrets (child-env.ts). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  signal?: AbortSignal;
  /** POSIX permission bits of the stored file (default 0o600). */
  mode?: number;
}

/** Keeps the last `max` bytes written to it. */
function tailBuffer(max: number) {
  let chunks: Buffer[] = [];
  let size = 0;
  return {
    push(b: Buffer) {
      chunks.push(b);
      size += b.length;
      while (size - chunks[0]!.length >= max) size -= chunks.shift()!.length;
    },
    text(): string {
      const all = Buffer.concat(chunks);
      chunks = [all];
      return all.subarray(Math.max(0, all.length - max)).toString('utf8').trim();
    },
  };
}

export function commandStream(argv: string[], opts: CommandStreamOptions): StreamEntry {
  if (argv.length === 0 || !argv[0]) throw new UsageError('stream command: no command given');
  // Only the program name goes into messages: arguments may carry secrets.
  const name = basename(argv[0]);
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnvironment(opts.env),
    cwd: opts.cwd,
  });
  // Node discards the unread output of a child that exits before anyone reads it (it resumes
  // unused stdio on exit); a 'readable' listener marks stdout as used and keeps backpressure.
  child.stdout.on('readable', () => {});
  const tail = tailBuffer(STDERR_TAIL_BYTES);
  child.stderr.on('data', (b: Buffer) => tail.push(b));
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const done = new Promise<void>((resolve, reject) => {
    let spawnError: Error | undefined;
    child.once('error', (err) => { spawnError = err; });
    child.once('close', (code, sig) => {
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (spawnError) {
        reject(new SourceError(`run ${name}: ${spawnError.message}`, null, '', { cause: spawnError }));
      } else if (code === 0) {
        resolve();
      } else if (code !== null) {
        reject(new SourceError(`command ${name} exited with code ${code}`, code, tail.text()));
      } else {
        reject(new SourceError(`command ${name} was killed by ${sig}`, null, tail.text()));
      }
    });
  });
  done.catch(() => {}); // the archiver awaits it; never an unhandled rejection meanwhile
  return { kind: 'stream', path: opts.path, stream: child.stdout, done, mode: opts.mode };
}

/** This process's stdin as a stream entry (`backup --stdin --stdin-filename NAME`). */
export function stdinStream(path: string, opts: { mode?: number; stdin?: NodeJS.ReadableStream & AsyncIterable<Uint8Array> } = {}): StreamEntry {
  const stream = opts.stdin ?? (process.stdin as AsyncIterable<Uint8Array>);
  return { kind: 'stream', path, stream, done: Promise.resolve(), mode: opts.mode };
}

// Run an external tool (pg_dump, pg_restore, mariadb-dump, mariadb…) as a streaming stage:
// its stdout is an async iterable consumed with backpressure, its stdin is fed from an async
// iterable with backpressure, its stderr is kept only as a bounded tail for error messages.
// A non-zero exit becomes a SourceError carrying the exit code and that tail; secrets are
// redacted from the tail. Database adapters share this so every tool fails the same way.
// Tools see a scrubbed environment (child-env.ts) and receive credentials only as anonymous
// files on inherited descriptors (secret-fd.ts).

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { AbortedError, SourceError } from '../errors.ts';
import { childEnvironment } from './child-env.ts';
import { anonymousFile } from './secret-fd.ts';

export interface ToolSpec {
  /** The operation, for messages: e.g. `pg_dump of database "orders"`. Never holds secrets. */
  label: string;
  command: string;
  args: string[];
  /**
   * Merged over this process's environment without Lifeboat's secrets (see child-env.ts);
   * `undefined` values remove a variable.
   */
  env?: Record<string, string | undefined>;
  /**
   * Contents the tool reads as /dev/fd/3, /dev/fd/4, … (fdPath(0), fdPath(1), …): anonymous
   * in-memory files, so credentials never touch argv, the environment or a named file.
   */
  fdFiles?: Array<string | Uint8Array>;
  /** Strings (passwords) redacted from the stderr tail before it goes into an error. */
  secrets?: string[];
  signal?: AbortSignal;
  /** Bytes piped into the tool's stdin with backpressure; stdin is closed when it ends. */
  stdin?: AsyncIterable<Uint8Array>;
  /** `stream`: read `stdout`; `collect`: done resolves with it as text; `ignore`: discard. */
  stdout?: 'stream' | 'collect' | 'ignore';
  /** Upper bound for collected stdout (default 64 MiB): a runaway tool must not eat memory. */
  maxCollect?: number;
  /** How much of stderr to keep (default 4 KiB). */
  stderrTailBytes?: number;
  /** Hint attached to failures (e.g. which setting to check). */
  hint?: string;
}

export interface ToolResult {
  /** Collected stdout (only with `stdout: 'collect'`, else ''). */
  stdout: string;
  stderrTail: string;
  durationMs: number;
}

export interface RunningTool {
  /** The tool's stdout. After EOF it throws the tool's failure, so a reader sees it too. */
  stdout: AsyncIterable<Uint8Array>;
  /** Settles when the tool has exited and stdin feeding is over; rejects with SourceError/AbortedError. */
  done: Promise<ToolResult>;
  /** Terminate the tool (SIGTERM, then SIGKILL after a grace period). */
  kill(): void;
  readonly pid: number | undefined;
}

const KILL_GRACE_MS = 3000;

/** Anonymous files for fdFiles; none stay open if one cannot be made. */
function openFdFiles(contents: ReadonlyArray<string | Uint8Array>): number[] {
  const fds: number[] = [];
  try {
    for (const c of contents) fds.push(anonymousFile(c));
  } catch (err) {
    for (const fd of fds) closeSync(fd);
    throw err;
  }
  return fds;
}

/**
 * Start a tool. Never throws synchronously (spawn failures reject `done`), except when the
 * descriptor files of `fdFiles` cannot be made (no writable /dev/shm or temp dir at all).
 */
export function spawnTool(spec: ToolSpec): RunningTool {
  const started = Date.now();
  const tailLimit = spec.stderrTailBytes ?? 4096;
  const secrets = (spec.secrets ?? []).filter((s) => s.length > 0);
  const maxSecret = secrets.reduce((m, s) => Math.max(m, Buffer.byteLength(s)), 0);
  const stdoutMode = spec.stdout ?? 'stream';
  let stderrBuf = Buffer.alloc(0);
  const collected: Buffer[] = [];
  let collectedBytes = 0;
  let collectOverflow = false;
  // Why we stopped the tool ourselves, so the resulting signal exit is reported as such.
  let stopReason: 'abort' | 'abandoned' | 'stdin-failed' | undefined;
  let stdinError: unknown;

  const env = childEnvironment(spec.env);
  const fds = openFdFiles(spec.fdFiles ?? []);
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, {
      env,
      stdio: [spec.stdin ? 'pipe' : 'ignore', stdoutMode === 'ignore' ? 'ignore' : 'pipe', 'pipe', ...fds],
    });
  } finally {
    // The child has its own copies; ours go at once, so the files vanish with the child.
    for (const fd of fds) closeSync(fd);
  }

  function tail(): string {
    let text = stderrBuf.toString('utf8');
    for (const s of secrets) text = text.split(s).join('***');
    const lines = text.trimEnd();
    const bytes = Buffer.from(lines);
    return bytes.length > tailLimit ? '…' + bytes.subarray(bytes.length - tailLimit).toString('utf8') : lines;
  }

  child.stderr?.on('data', (chunk: Buffer) => {
    stderrBuf = Buffer.concat([stderrBuf, chunk]);
    // Keep a little extra so a secret cut at the boundary is still recognised and redacted.
    const keep = tailLimit + maxSecret + 64;
    if (stderrBuf.length > keep * 2) stderrBuf = stderrBuf.subarray(stderrBuf.length - keep);
  });
  if (stdoutMode === 'stream') {
    // Node resumes (and so discards) an exited child's stdout that has no reader yet; a small
    // dump that fits in the pipe would be lost before the archiver starts reading. A
    // 'readable' listener marks the stream as used while keeping it paused (backpressure).
    child.stdout?.on('readable', () => {});
  }
  if (stdoutMode === 'collect') {
    child.stdout?.on('data', (chunk: Buffer) => {
      collectedBytes += chunk.length;
      if (collectedBytes > (spec.maxCollect ?? 64 * 1024 * 1024)) {
        collectOverflow = true;
        kill();
        return;
      }
      collected.push(chunk);
    });
  }

  let killTimer: NodeJS.Timeout | undefined;
  function kill(): void {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  }

  const onAbort = (): void => {
    stopReason ??= 'abort';
    kill();
  };
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  if (spec.signal?.aborted) onAbort();

  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
    child.once('error', (err) => resolve({ code: null, sig: null, spawnError: err }));
    child.once('close', (code, sig) => resolve({ code, sig }));
  });

  const feeding = spec.stdin && child.stdin ? feedStdin(child, spec.stdin).catch((err: unknown) => {
    stdinError = err;
    stopReason ??= 'stdin-failed';
    kill();
  }) : Promise.resolve();

  const done = (async (): Promise<ToolResult> => {
    const [result] = await Promise.all([exited, feeding]);
    if (killTimer) clearTimeout(killTimer);
    spec.signal?.removeEventListener('abort', onAbort);
    const stderrTail = tail();
    const opts = { hint: spec.hint, context: { command: spec.command } };
    if (result.spawnError) {
      const notFound = (result.spawnError as NodeJS.ErrnoException).code === 'ENOENT';
      throw new SourceError(
        `${spec.label}: cannot run ${spec.command}${notFound ? ': not found' : `: ${result.spawnError.message}`}`,
        null, '', { ...opts, cause: result.spawnError },
      );
    }
    if (stopReason === 'stdin-failed') throw stdinError;
    if (stopReason === 'abort') throw new AbortedError(`${spec.label}: interrupted`);
    if (stopReason === 'abandoned') throw new AbortedError(`${spec.label}: stopped before it finished (output not read)`);
    if (collectOverflow) throw new SourceError(`${spec.label}: output larger than expected`, null, stderrTail, opts);
    if (result.sig) throw new SourceError(`${spec.label} failed: killed by ${result.sig}`, null, stderrTail, opts);
    if (result.code !== 0) throw new SourceError(`${spec.label} failed: exit code ${result.code}`, result.code, stderrTail, opts);
    return {
      stdout: stdoutMode === 'collect' ? Buffer.concat(collected).toString('utf8') : '',
      stderrTail,
      durationMs: Date.now() - started,
    };
  })();
  // The same failure also surfaces through `stdout`; mark `done` handled so a reader that only
  // catches the stream error does not crash the process with an unhandled rejection.
  done.catch(() => {});

  async function* readStdout(): AsyncGenerator<Uint8Array> {
    let finished = false;
    try {
      if (child.stdout) {
        for await (const chunk of child.stdout) yield chunk as Buffer;
      }
      finished = true;
    } finally {
      if (!finished) {
        stopReason ??= 'abandoned';
        kill();
      }
    }
    await done;
  }

  return { stdout: readStdout(), done, kill, pid: child.pid };
}

/** Pipe an async iterable into the child's stdin, honouring backpressure. */
async function feedStdin(child: ChildProcess, input: AsyncIterable<Uint8Array>): Promise<void> {
  const stdin = child.stdin!;
  let closed = false;
  // The tool may exit before reading everything (pg_restore --list reads only the header, or
  // it failed): EPIPE is expected then, and the exit status tells what happened.
  const markClosed = (): void => { closed = true; };
  stdin.on('error', markClosed);
  stdin.once('close', markClosed);
  child.once('close', markClosed);
  try {
    for await (const chunk of input) {
      if (closed) break;
      if (!stdin.write(chunk)) await drainOrClose(child);
    }
    if (!closed) stdin.end();
  } finally {
    child.off('close', markClosed);
  }
}

/** Wait until stdin drains or the pipe/child closes; listeners are removed either way. */
function drainOrClose(child: ChildProcess): Promise<void> {
  const stdin = child.stdin!;
  return new Promise((resolve) => {
    const finish = (): void => {
      stdin.off('drain', finish);
      stdin.off('close', finish);
      stdin.off('error', finish);
      child.off('close', finish);
      resolve();
    };
    stdin.on('drain', finish);
    stdin.on('close', finish);
    stdin.on('error', finish);
    child.on('close', finish);
  });
}

/** Run a short tool to completion and return its stdout (e.g. `pg_dump --version`). */
export async function runTool(spec: Omit<ToolSpec, 'stdout'>): Promise<string> {
  const { done } = spawnTool({ ...spec, stdout: 'collect' });
  return (await done).stdout;
}

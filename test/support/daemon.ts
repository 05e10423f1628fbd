// A real `lifeboat daemon` process for the tests: started on a config in a workspace, its JSON
// log lines collected, its HTTP address read from the `listening` line, stopped with a signal.

import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAIN, TEST_STATE_DIR } from '../e2e-support.ts';

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface RunningDaemon {
  proc: ChildProcess;
  url: string;
  lines: LogLine[];
  /** Raw stdout and stderr text, for secret scans. */
  output(): string;
  waitFor(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** Sends the signal and resolves with the exit code once the process ended. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; ms: number }>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export async function startDaemon(cwd: string, opts: { env?: Record<string, string>; token?: string; args?: string[] } = {}): Promise<RunningDaemon> {
  const proc = spawn(process.execPath, [MAIN, 'daemon', '--listen', '127.0.0.1:0', ...(opts.args ?? [])], {
    cwd, env: { ...process.env, LIFEBOAT_REPOSITORY: '', LIFEBOAT_STATE_DIR: TEST_STATE_DIR, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let text = '';
  let partial = '';
  proc.stdout!.on('data', (d: Buffer) => {
    text += String(d);
    partial += String(d);
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      try { lines.push(JSON.parse(p) as LogLine); } catch { lines.push({ level: 'raw', msg: p }); }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => { text += String(d); });
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const waitFor = async (pred: (l: LogLine) => boolean, timeoutMs = 30_000, what = 'a log line') => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = lines.find(pred);
      if (hit) return hit;
      if (proc.exitCode !== null) throw new Error(`daemon exited (${proc.exitCode}) before ${what}:\n${text.slice(-3000)}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}:\n${text.slice(-3000)}`);
      await sleep(50);
    }
  };
  const listening = await waitFor((l) => l.msg === 'server listening', 30_000, 'the listening line');
  const url = String(listening.url);
  return {
    proc, url, lines, output: () => text, waitFor,
    async stop(signal = 'SIGTERM', timeoutMs = 60_000) {
      const t0 = Date.now();
      if (proc.exitCode === null) proc.kill(signal);
      const code = await Promise.race([exited, sleep(timeoutMs, undefined, { ref: false }).then(() => { proc.kill('SIGKILL'); return -1; })]);
      return { code, ms: Date.now() - t0 };
    },
    fetch: (path, init) => fetch(`${url}${path}`, {
      ...init, headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(init?.headers as Record<string, string> | undefined) },
    }),
  };
}

/** Finished runs from the log (the daemon logs one line per run end). */
export function finishedRuns(lines: readonly LogLine[]): Array<{ job?: string; repository?: string; kind: string; status: string; run: string; snapshot?: string }> {
  return lines.filter((l) => typeof l.status === 'string' && typeof l.kind === 'string' && l.msg === `${String(l.kind)} ${String(l.status)}`)
    .map((l) => l as unknown as { job?: string; repository?: string; kind: string; status: string; run: string; snapshot?: string });
}

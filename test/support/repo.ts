// Test helpers for the repository layer (imported only by *.test.ts files): temp dirs and the
// real restic binary as the format oracle. The password goes through the environment, never argv.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScryptParams } from '../../src/repo/key.ts';

/** Cheap scrypt parameters so tests do not spend seconds per key; restic accepts any. */
export const FAST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };

export async function tempDir(prefix = 'lifeboat-repo-'): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

export interface ResticResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function restic(repo: string, password: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<ResticResult> {
  return new Promise((resolve) => {
    execFile(
      'restic',
      ['-r', repo, '--no-cache', ...args],
      {
        cwd: opts.cwd,
        env: { ...process.env, RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: join(tmpdir(), 'lifeboat-restic-cache'), ...opts.env },
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Runs restic and fails with its output when it exits non-zero. */
export async function resticOk(repo: string, password: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  const r = await restic(repo, password, args, opts);
  if (r.code !== 0) throw new Error(`restic ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

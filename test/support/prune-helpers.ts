// Helpers for the prune/forget tests: a small repository built through the library (small packs
// so prune has partly used packs to repack), the CLI as a child process, restic as the oracle,
// and content hashes of source and restored directories.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../src/storage/local/local-store.ts';
import { initRepository, openRepository } from '../../src/repo/open-repository.ts';
import { FAST_SCRYPT, restic, resticOk } from './repo.ts';
import { backupPaths } from '../../src/engine/archiver/archiver.ts';
import { pseudoRandom } from './engine-fixture.ts';

export const PW = 'prune-test-password';
export const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
export const NODE = process.execPath;

export interface Fixture {
  dir: string;
  repo: string;
  src: string;
  pwFile: string;
  env: NodeJS.ProcessEnv;
  /** snapshot ID → content hash of what it holds. */
  expected: Map<string, string>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function makeFixture(prefix = 'lifeboat-prune-'): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const pwFile = join(dir, 'pw');
  await writeFile(pwFile, PW);
  const env = { ...process.env, LIFEBOAT_REPOSITORY: join(dir, 'repo'), LIFEBOAT_PASSWORD_FILE: pwFile, LIFEBOAT_PASSWORD: undefined };
  return {
    dir, repo: join(dir, 'repo'), src: join(dir, 'src'), pwFile, env, expected: new Map(),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

import { prng } from './random-data.ts';

export { prng };

/**
 * Builds `generations` snapshots of a changing directory: each holds a random subset of a pool
 * of files (`fileSize` bytes each, distinct content per file), so old snapshots own data that
 * sits in packs next to data newer snapshots still use. Returns snapshot IDs oldest first.
 */
export async function buildHistory(f: Fixture, opts: { generations: number; pool: number; fileSize: number; packSize: number; seed: number; changeRate?: number; start?: Date; tags?: (generation: number) => string[] }): Promise<string[]> {
  const repo = await initRepository(new LocalStore(f.repo), PW, { scrypt: FAST_SCRYPT, packSize: opts.packSize });
  const rnd = prng(opts.seed);
  const ids: string[] = [];
  const start = (opts.start ?? new Date('2024-01-01T00:00:00Z')).getTime();
  try {
    for (let g = 0; g < opts.generations; g++) {
      rmSync(f.src, { recursive: true, force: true });
      mkdirSync(join(f.src, 'sub'), { recursive: true });
      for (let i = 0; i < opts.pool; i++) {
        if (rnd() < 0.45) continue;
        const where = i % 3 === 0 ? join(f.src, 'sub', `f${i}`) : join(f.src, `f${i}`);
        // Some files change between generations: their old content then lives only in old snapshots.
        const version = opts.changeRate && rnd() < opts.changeRate ? g : 0;
        writeFileSync(where, pseudoRandom(opts.fileSize + (i % 7) * 1000, opts.seed * 1_000_000 + version * 1000 + i));
      }
      // Each generation also owns one unique file, so every snapshot holds some data alone.
      writeFileSync(join(f.src, `gen-${g}`), pseudoRandom(opts.fileSize, opts.seed * 1_000_000 + 999_000 + g));
      const r = await backupPaths(repo, [f.src], { time: new Date(start + g * 86_400_000), parent: undefined, host: 'prune-host', tags: opts.tags?.(g) });
      ids.push(r.snapshotId);
      f.expected.set(r.snapshotId, hashDir(f.src));
    }
  } finally {
    await repo.close();
  }
  return ids;
}

/** sha256 over sorted (relative path, file content hash) of every file under dir. */
export function hashDir(dir: string): string {
  const lines: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else lines.push(`${r} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir, '');
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Restores a snapshot with restic and returns the hash of the backed-up directory. */
export async function resticRestoreHash(f: Fixture, id: string, opts: { noLock?: boolean } = {}): Promise<string> {
  const target = join(f.dir, `restore-${id.slice(0, 8)}-${Math.random().toString(36).slice(2)}`);
  try {
    await resticOk(f.repo, PW, [...(opts.noLock ? ['--no-lock'] : []), 'restore', id, '--target', target]);
    return hashDir(join(target, f.src));
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
}

export async function resticSnapshots(f: Fixture): Promise<string[]> {
  const out = await resticOk(f.repo, PW, ['snapshots', '--json', '--no-lock']);
  return (JSON.parse(out) as Array<{ id: string }>).map((s) => s.id).sort();
}

export { restic, resticOk };

/** Total bytes of the repository's files (what the user pays for). */
export function repoSize(dir: string): number {
  let n = 0;
  const walk = (p: string) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(p, e.name));
      else n += statSync(join(p, e.name)).size;
    }
  };
  walk(dir);
  return n;
}

export function packCount(repo: string): number {
  let n = 0;
  for (const d of readdirSync(join(repo, 'data'))) n += readdirSync(join(repo, 'data', d)).length;
  return n;
}

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the CLI (`node src/main.ts ARGS`) to completion. */
export function lifeboat(f: Fixture, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(NODE, [MAIN, ...args], { env: { ...f.env, ...extraEnv }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: unknown; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Starts the CLI and returns the child (for killing it or running it alongside others). */
export function startLifeboat(f: Fixture, args: string[]): ChildProcess {
  return spawn(NODE, [MAIN, ...args], { env: f.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function openTestRepo(f: Fixture) {
  return openRepository(new LocalStore(f.repo), PW);
}

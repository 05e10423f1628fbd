// A busy server finishes many segments a second, and a Lifeboat process per segment pays its
// start-up and the repository key's derivation (scrypt) each time: ~0.5 segments/s. So, like
// pgBackRest's asynchronous archiving, one `wal-push` call for segment S also pushes up to
// `batch - 1` other segments PostgreSQL has marked ready (pg_wal/archive_status/*.ready), in
// parallel, and records each in a spool (`<state dir>/wal-spool/<job>/<file>`: its size and
// SHA-256) once every repository holds it. When PostgreSQL then calls for one of those, the
// call re-reads the file, and only if its bytes still hash to the recorded value does it answer
// at once, without opening a repository: the archive holds exactly these bytes. Anything else
// (no record, another hash, a spool that cannot be written) takes the ordinary path.

import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../../errors.ts';
import type { Config } from '../../config/types.ts';
import { walFileKind } from '../../core/wal-names.ts';
import { recordArchived } from './freshness.ts';
import { acknowledgeFromSpool, sha256Hex as sha256, walSpoolDir, type SpoolRecord } from './spool.ts';
import { checkWalFileName, openJobWalRepositories, pushWalFile, requireWalJob, type OpenWalRepository } from './archive.ts';

export interface WalPushOptions {
  /** Files pushed per call at most, this one included (1: only this one). */
  batch: number;
  /** Files pushed at once. */
  parallel: number;
  /** The spool directory; default walSpoolDir(job, env). */
  spoolDir?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface WalPushReport {
  file: string;
  /** How this call's file was acknowledged. */
  how: 'pushed' | 'spooled';
  /** Per repository, for a pushed file. */
  repositories: Array<{ name: string; result: 'stored' | 'same' }>;
  /** Other ready files pushed ahead by this call. */
  ahead: string[];
}


export async function walPushBatched(config: Config, jobName: string, path: string, opts: WalPushOptions): Promise<WalPushReport> {
  const job = requireWalJob(config, jobName);
  const file = basename(path);
  checkWalFileName(file);
  const pgWal = dirname(path);
  const spool = opts.spoolDir ?? walSpoolDir(job.name, opts.env ?? process.env);
  if (await acknowledgeFromSpool(spool, path)) return { file, how: 'spooled', repositories: [], ahead: [] };
  const content = await readWal(path);

  const repos = await openJobWalRepositories(config, job, opts.signal);
  try {
    const others = opts.batch > 1 ? await readyFiles(pgWal, file, spool, opts.batch - 1) : [];
    const spoolOk = others.length > 0 && await mkdir(spool, { recursive: true, mode: 0o700 }).then(() => true, () => false);
    const ahead: string[] = [];
    let mine: WalPushReport['repositories'] = [];
    const tasks: Array<() => Promise<void>> = [
      async () => { mine = (await pushWalFile(repos, job.name, file, content, opts.signal)).repositories; },
      ...(spoolOk ? others.map((other) => async () => {
        // Best effort: PostgreSQL will ask for this file itself; any failure here is its to see.
        try {
          if (await pushAhead(repos, job.name, join(pgWal, other), spool, opts.signal)) ahead.push(other);
        } catch { /* left for its own call */ }
      }) : []),
    ];
    await runLimited(tasks, Math.max(1, opts.parallel));
    // Freshness for metrics and alerts: best effort, the files themselves are safe already.
    const newest = [file, ...ahead].filter((f) => walFileKind(f) === 'segment').sort().at(-1) ?? file;
    await recordArchived(repos, job.name, newest, new Date(), opts.signal).catch(() => {});
    await forgetVanished(spool, pgWal).catch(() => {});
    return { file, how: 'pushed', repositories: mine, ahead: ahead.sort() };
  } finally {
    await Promise.all(repos.map((r) => r.close().catch(() => {})));
  }
}

async function readWal(path: string): Promise<Buffer> {
  return readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`wal-push: cannot read ${path}: ${e.code ?? e.message}`);
  });
}

async function pushAhead(repos: readonly OpenWalRepository[], job: string, path: string, spool: string, signal?: AbortSignal): Promise<boolean> {
  const content = await readFile(path);
  await pushWalFile(repos, job, basename(path), content, signal);
  const rec: SpoolRecord = { size: content.length, sha256: sha256(content) };
  const tmp = join(spool, `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(rec), { flush: true });
  await rename(tmp, join(spool, basename(path)));
  return true;
}

/** Ready files other than `file` without a spool record, oldest first (the order PostgreSQL archives in). */
async function readyFiles(pgWal: string, file: string, spool: string, max: number): Promise<string[]> {
  let status: string[];
  try { status = await readdir(join(pgWal, 'archive_status')); } catch { return []; }
  let spooled: Set<string>;
  try { spooled = new Set(await readdir(spool)); } catch { spooled = new Set(); }
  return status.filter((f) => f.endsWith('.ready')).map((f) => f.slice(0, -'.ready'.length))
    .filter((f) => f !== file && walFileKind(f) !== undefined && !spooled.has(f))
    .sort().slice(0, max);
}

/** Records of files no longer in pg_wal (archived and recycled, or never asked for) go. */
async function forgetVanished(spool: string, pgWal: string): Promise<void> {
  const present = new Set(await readdir(pgWal));
  for (const f of await readdir(spool)) if (!f.startsWith('.') && !present.has(f)) await unlink(join(spool, f)).catch(() => {});
}

async function runLimited(tasks: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next++]!;
      try { await t(); } catch (e) { firstError ??= e; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (firstError !== undefined) throw firstError;
}

// `lifeboat replicate` and the daemon: a SQLite job's WAL followed and shipped as it is
// committed (sources/sqlite/wal-follower.ts), with full snapshots of the job at known WAL
// positions. One generation = one unbroken history: a full snapshot, then batches 0, 1, 2, …
// A start, or a WAL restart we did not see coming (frames possibly lost), begins a new one.
//
// Every batch is stored in every repository of the job before the next is read: a batch counts
// as shipped when all copies hold it. While a repository fails we retry the same batch; our read
// lock keeps the WAL from restarting meanwhile, so nothing is lost, only delayed (the freshness
// the metrics report stops advancing, which is what the stale alert should see).

import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jobRepositories } from '../../config/index.ts';
import type { Config, JobConfig } from '../../config/types.ts';
import { AbortedError, UsageError } from '../../errors.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { DUMP_CHUNKER } from '../../repo/chunker.ts';
import { saveWalFile, type WalRepository } from '../../repo/wal-files.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { StreamEntry } from '../../sources/types.ts';
import {
  SQLITE_META_PATH, sqliteDumpPath, sqliteReplication, sqliteReplicationSettings,
  type SqliteReplicationSettings, type SqliteSourceConfig, type WalBatch, type WalFollower,
} from '../../sources/sqlite/index.ts';
import { runStreamBackup } from '../backup.ts';
import { repositoryAccessFor, requireJob } from '../config-access.ts';
import { withRepository, type RepositoryAccess } from '../repository-access.ts';
import { jobTag } from '../snapshots.ts';
import { batchFileName, encodeBatch, newGeneration } from './batch-file.ts';
import { writeFreshness } from './freshness.ts';
import type { ReplicationMeta } from './restore-at.ts';

/** Batches (of up to 32 MiB each) shipped before a round checks whether to checkpoint. */
const MAX_BATCHES_PER_ROUND = 8;

export interface ReplicationRequest {
  config: Config;
  job: string;
  signal: AbortSignal;
  clock?: Clock;
  /** One line per notable step (generation, snapshot, checkpoint, a failing repository). */
  log?: (line: string) => void;
  /** Called after each round with what was shipped in it (tests, progress). */
  onRound?: (r: { generation: string; batches: number; shippedAt: Date }) => void;
}

/** The sqlite job's replication settings, or a UsageError saying why it has none. */
export function replicatedSqliteJob(config: Config, name: string): { job: JobConfig; source: SqliteSourceConfig; settings: SqliteReplicationSettings } {
  const job = requireJob(config, name);
  const settings = job.source.type === 'sqlite' ? sqliteReplicationSettings(job.source) : undefined;
  if (!settings) {
    throw new UsageError(`job ${name}: not a sqlite job with replicate: {…}`, { hint: 'add replicate: {interval: 1s} to the job\'s sqlite source' });
  }
  return { job, source: job.source as SqliteSourceConfig, settings };
}

/** Names of the config's jobs that replicate continuously. */
export function replicatedJobNames(config: Config): string[] {
  return config.jobs.filter((j) => j.source.type === 'sqlite' && sqliteReplicationSettings(j.source)).map((j) => j.name);
}

/** Runs until the signal fires (then resolves). Throws on a fault it cannot ride out. */
export async function runSqliteReplication(req: ReplicationRequest): Promise<void> {
  const { config, signal } = req;
  const { job, source, settings } = replicatedSqliteJob(config, req.job);
  const accesses = await Promise.all(jobRepositories(config, job).map((r) => repositoryAccessFor(config, r, signal)));
  await withRepositories(accesses, signal, async (repos) => {
    const follower = await sqliteReplication.follower(source.path, { now: () => (req.clock ?? systemClock).now() });
    try {
      await new Loop(req, job, source, settings, accesses, repos, follower).run();
    } finally {
      follower.close();
    }
  });
}

class Loop {
  private generation: string | undefined;
  private seq = 0;
  private lastSnapshot = 0;
  private uploading: Promise<void> | undefined;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly req: ReplicationRequest;
  private readonly job: JobConfig;
  private readonly source: SqliteSourceConfig;
  private readonly settings: SqliteReplicationSettings;
  private readonly accesses: RepositoryAccess[];
  private readonly repos: WalRepository[];
  private readonly follower: WalFollower;

  constructor(req: ReplicationRequest, job: JobConfig, source: SqliteSourceConfig, settings: SqliteReplicationSettings,
    accesses: RepositoryAccess[], repos: WalRepository[], follower: WalFollower) {
    this.req = req; this.job = job; this.source = source; this.settings = settings;
    this.accesses = accesses; this.repos = repos; this.follower = follower;
    this.clock = req.clock ?? systemClock;
    this.log = req.log ?? (() => {});
  }

  async run(): Promise<void> {
    try {
      await this.rounds();
    } finally {
      await this.uploading?.catch(() => {});
    }
  }

  private async rounds(): Promise<void> {
    const { signal } = this.req;
    while (!signal.aborted) {
      if (!this.generation) {
        // A new generation's first snapshot must not wait behind the old one's upload.
        await this.uploading?.catch(() => {});
        await this.startGeneration();
      }
      let shipped = 0;
      let behind = false;
      for (;;) {
        const p = this.follower.poll();
        if (p.lost) { this.lose(p.lost); break; }
        if (!p.batch) break;
        await this.ship(p.batch);
        // A writer faster than one round: let the checkpoint below run, then go on without a pause.
        if (++shipped >= MAX_BATCHES_PER_ROUND) { behind = true; break; }
      }
      // Our checkpoint step reads the WAL's tail into memory under the write lock: only when the
      // tail is short, i.e. this round caught up.
      if (this.generation && !behind) {
        const now = this.clock.now();
        const snapshotDue = !this.uploading && now.getTime() - this.lastSnapshot >= this.settings.snapshotIntervalMs;
        if (snapshotDue || this.follower.framesInWal() >= this.settings.checkpointFrames) {
          shipped += await this.checkpoint(snapshotDue);
        }
      }
      if (this.generation) {
        const shippedAt = this.clock.now();
        // Only a round that read the WAL to its end may say everything before now is shipped.
        if (!behind) await writeFreshness(this.req.config, this.job.name, { generation: this.generation, shippedAt });
        this.req.onRound?.({ generation: this.generation, batches: shipped, shippedAt });
      }
      if (!behind) await sleep(this.settings.intervalMs, undefined, { signal }).catch(() => {});
    }
  }

  private lose(reason: string): void {
    this.log(`job ${this.job.name}: generation ${this.generation} ends: ${reason}; starting a new one with a full snapshot`);
    this.generation = undefined;
  }

  /** Checkpoint (and, when due, a snapshot at the position the checkpoint step reached). */
  private async checkpoint(withSnapshot: boolean): Promise<number> {
    const step = this.follower.lockedStep({ checkpoint: true, reset: false });
    if (step === 'busy') return 0;
    for (const b of step.batches) await this.ship(b);
    if (step.lost) { this.lose(step.lost); return step.batches.length; }
    if (withSnapshot) await this.snapshot();
    return step.batches.length;
  }

  private async startGeneration(): Promise<void> {
    const { signal } = this.req;
    for (;;) {
      const step = this.follower.lockedStep({ checkpoint: false, reset: true });
      if (step !== 'busy') break;
      if (signal.aborted) throw new AbortedError('replicate: interrupted');
    }
    this.generation = newGeneration(this.clock.now());
    this.seq = 0;
    this.log(`job ${this.job.name}: generation ${this.generation} starts`);
    await this.snapshot();
  }

  /**
   * The database as of the follower's read transaction, copied now (the backup API reads that
   * transaction's snapshot) and stored as a snapshot of the job in every repository in the
   * background, so that shipping goes on while it uploads.
   */
  private async snapshot(): Promise<void> {
    const at = this.clock.now();
    const pos = this.follower.position();
    const generation = this.generation!;
    const nextSeq = this.seq;
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-sqlite-repl-'));
    try {
      const image = join(dir, 'image.db');
      await this.follower.image(image);
      const info = await sqliteReplication.inspectImage(image);
      const name = sqliteDumpPath(this.source.path).split('/').pop()!;
      const meta: ReplicationMeta = {
        engine: 'sqlite', database: name, sqliteVersion: info.version, pageSize: info.pageSize, pageCount: info.pageCount,
        journalMode: 'wal', size: (await stat(image)).size, integrity: 'ok', startedAt: at.toISOString(),
        replication: { generation, database: name, nextSeq, position: pos ?? null, at: at.toISOString() },
      };
      this.lastSnapshot = at.getTime();
      this.uploading = (async () => {
        try {
          for (const access of this.accesses) {
            await this.retrying(`snapshot to ${access.location}`, () => runStreamBackup(access, entries(image, this.source.path, meta), {
              tags: [jobTag(this.job.name), ...this.job.tags, 'engine=sqlite', `db=${name}`], chunker: DUMP_CHUNKER, startedAt: at, time: at,
              extra: { lifeboat_sqlite_replication: meta.replication },
            }, this.req.signal));
          }
          this.log(`job ${this.job.name}: snapshot of generation ${generation} at batch ${nextSeq} stored`);
        } finally {
          await rm(dir, { recursive: true, force: true });
          this.uploading = undefined;
        }
      })();
      // Failures are retried inside; only an interruption ends it, and run() awaits that.
      this.uploading.catch(() => {});
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  private async ship(b: WalBatch): Promise<void> {
    const info = { generation: this.generation!, seq: this.seq, salt1: b.salt1, firstFrame: b.firstFrame, lastFrame: b.lastFrame, observedMs: b.observedAt.getTime() };
    const content = encodeBatch({ format: 'lifeboat-sqlite-wal-1', ...info, salt2: b.salt2, pageSize: b.pageSize, dbPages: b.dbPages }, b.bytes);
    const name = `${this.job.name}/${batchFileName(info)}`;
    await this.retrying(`batch ${name}`, () => Promise.all(this.repos.map((r) => saveWalFile(r, name, content, this.req.signal))));
    this.seq++;
  }

  /** Until it succeeds or the run stops: the read lock holds the WAL meanwhile. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (this.req.signal.aborted) throw new AbortedError('replicate: interrupted', { cause: e });
        this.log(`job ${this.job.name}: ${what} failed (attempt ${attempt}), retrying: ${e instanceof Error ? e.message : String(e)}`);
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)), undefined, { signal: this.req.signal }).catch(() => {});
      }
    }
  }
}

async function* entries(image: string, sourcePath: string, meta: ReplicationMeta): AsyncGenerator<StreamEntry> {
  yield { kind: 'stream', path: sqliteDumpPath(sourcePath), stream: createReadStream(image), done: Promise.resolve(), mode: 0o600 };
  const json = new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n');
  yield { kind: 'stream', path: SQLITE_META_PATH, stream: (async function* () { yield json; })(), done: Promise.resolve(), mode: 0o600 };
}

/** Every repository open (no lock: WAL files need none; snapshots take their own) for `fn`. */
async function withRepositories<T>(accesses: RepositoryAccess[], signal: AbortSignal, fn: (repos: Repository[]) => Promise<T>, open: Repository[] = []): Promise<T> {
  if (open.length === accesses.length) return fn(open);
  return withRepository(accesses[open.length]!, 'none', signal, (repo) => withRepositories(accesses, signal, fn, [...open, repo]));
}

// The SQLite engine's descriptor: its `source:` block, backup, restore. The implementation
// (sqlite-source.ts, sqlite-restore.ts, node:sqlite) loads on first use.

import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../errors.ts';
import { duration, nonEmpty, section } from '../../config/fields.ts';
import { defineSource, lazySource, type RestoreTarget } from '../descriptor.ts';
import { SQLITE_ROOT, sqliteDumpNames } from './layout.ts';

const atLeast = (ms: number, what: string) => duration.refine((v) => v >= ms, { error: `${what} must be at least ${ms} ms` });

const replicate = section({
  interval: atLeast(100, 'interval').optional().describe('How often new WAL frames are read and shipped (default 1s).'),
  snapshot_interval: atLeast(1000, 'snapshot_interval').optional()
    .describe('How often a full snapshot starts from the current position (default 1h); restores replay frames from the newest one.'),
  checkpoint_frames: z.number().int().min(100).max(1_000_000).optional()
    .describe('Checkpoint (PASSIVE) once the WAL holds this many frames we have shipped (default 1000, SQLite\'s own autocheckpoint).'),
}).describe('Continuous replication: `lifeboat replicate` (and the daemon) ship the WAL as it is committed; restore --at TIME rebuilds any moment.');

const schema = section({
  type: z.literal('sqlite'),
  path: nonEmpty.describe('The database file; copied consistently while in use.'),
  replicate: replicate.optional(),
});

export type SqliteSourceConfig = z.output<typeof schema>;

/** Replication settings with their defaults applied. */
export interface SqliteReplicationSettings { intervalMs: number; snapshotIntervalMs: number; checkpointFrames: number }

export function sqliteReplicationSettings(cfg: SqliteSourceConfig): SqliteReplicationSettings | undefined {
  const r = cfg.replicate;
  if (!r) return undefined;
  return { intervalMs: r.interval ?? 1000, snapshotIntervalMs: r.snapshotInterval ?? 3_600_000, checkpointFrames: r.checkpointFrames ?? 1000 };
}

/** The replication machinery (node:sqlite), loaded on first use. */
export const sqliteReplication = {
  follower: async (path: string, opts?: { busyTimeoutMs?: number; now?: () => Date }) =>
    new (await import('./wal-follower.ts')).WalFollower(path, opts),
  inspectImage: async (path: string) => (await import('./wal-follower.ts')).inspectImage(path),
  applyFrameBatches: async (path: string, batches: Iterable<import('./wal-apply.ts').FrameBatch>) =>
    (await import('./wal-apply.ts')).applyFrameBatches(path, batches),
};
export type { WalFollower, WalBatch } from './wal-follower.ts';
export type { FrameBatch } from './wal-apply.ts';
export type { SqliteMeta } from './sqlite-source.ts';
export { SQLITE_META_PATH, sqliteDumpPath } from './layout.ts';

/** Restore operations on the server (or files) of `cfg`. */
function restoreTarget(_cfg?: SqliteSourceConfig): RestoreTarget {
  return {
    async inspect(target) {
      const st = await lstat(target).catch(() => undefined);
      if (!st) return { describe: target, exists: false, nonEmpty: false, detail: 'does not exist (will be created)' };
      const use = st.isFile() ? await (await import('./in-use.ts')).sqliteInUse(target) : { inUse: false, reasons: [] };
      return {
        describe: target, exists: true, nonEmpty: true,
        detail: `exists, ${st.size} bytes${use.inUse ? `; in use: ${use.reasons.join('; ')}` : ''}`,
      };
    },
    async restore(stream, req) {
      if (req.tables.length || req.schemas.length) throw new UsageError('restore: --table/--schema do not apply to sqlite (it restores whole)');
      const r = await (await import('./sqlite-restore.ts')).restoreSqlite(stream, { path: req.target, force: req.force, signal: req.signal });
      return { target: r.path, bytes: r.bytes, created: !r.replaced };
    },
  };
}

export const sqlite = defineSource({
  type: 'sqlite',
  schema,
  pathFields: { path: 'path' },
  backup: {
    kind: 'stream',
    createSource: (cfg, ctx) => lazySource('sqlite', async () =>
      (await import('./sqlite-source.ts')).sqliteSource({ path: cfg.path, ...(ctx.signal ? { signal: ctx.signal } : {}) })),
  },
  restore: {
    root: SQLITE_ROOT,
    dumpPath: (name) => `${SQLITE_ROOT}/${name}`,
    dumpNames: sqliteDumpNames,
    target: restoreTarget,
  },
  drill: {
    scratch(_cfg, place) {
      const path = join(place.dir, `${place.name}.sqlite`);
      const impl = () => import('./drill.ts');
      return {
        target: path,
        describe: path,
        restorer: restoreTarget(),
        open: async () => (await impl()).openScratch(path),
        query: async (text) => (await impl()).queryScratch(path, text),
        remove: async () => (await impl()).removeScratch(path),
      };
    },
  },
});

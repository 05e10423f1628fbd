// The SQLite engine's descriptor: its `source:` block, backup, restore. The implementation
// (sqlite-source.ts, sqlite-restore.ts, node:sqlite) loads on first use.

import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../errors.ts';
import { nonEmpty, section } from '../../config/fields.ts';
import { defineSource, lazySource, type RestoreTarget } from '../descriptor.ts';
import { SQLITE_ROOT, sqliteDumpNames } from './layout.ts';

const schema = section({
  type: z.literal('sqlite'),
  path: nonEmpty.describe('The database file; copied consistently while in use.'),
});

export type SqliteSourceConfig = z.output<typeof schema>;

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

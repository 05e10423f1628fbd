// The Redis engine's descriptor: its `source:` block, backup, restore. The implementation
// (redis-source.ts, redis-restore.ts) loads on first use.

import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../errors.ts';
import { nonEmpty, port, secret, section } from '../../config/fields.ts';
import { defineSource, lazySource, type RestoreTarget } from '../descriptor.ts';
import { REDIS_RDB_PATH, REDIS_ROOT } from './layout.ts';

const schema = section({
  type: z.literal('redis'),
  host: nonEmpty,
  port: port.default(6379),
  username: nonEmpty.optional().describe('ACL user (Redis 6+).'),
  ...secret('Redis'),
  rdb_path: nonEmpty.optional().describe('Local dump.rdb to read after BGSAVE instead of streaming via SYNC.'),
});

export type RedisSourceConfig = z.output<typeof schema>;

/** Restore operations on the server (or files) of `cfg`. */
function restoreTarget(_cfg?: RedisSourceConfig): RestoreTarget {
  return {
    async inspect(target) {
      const file = join(target, 'dump.rdb');
      const st = await lstat(file).catch(() => undefined);
      return {
        describe: file, exists: st !== undefined, nonEmpty: st !== undefined,
        detail: st ? `exists, ${st.size} bytes (stop the server before replacing it)` : 'no dump.rdb yet',
      };
    },
    async restore(stream, req) {
      if (req.tables.length || req.schemas.length) throw new UsageError('restore: --table/--schema do not apply to redis (it restores whole)');
      const r = await (await import('./redis-restore.ts')).restoreRedisRdb(stream, { dir: req.target, signal: req.signal });
      return { target: r.path, bytes: r.bytes, created: false };
    },
  };
}

export const redis = defineSource({
  type: 'redis',
  schema,
  pathFields: { rdb_path: 'path' },
  backup: {
    kind: 'stream',
    createSource: (cfg, ctx) => lazySource('redis', async () => (await import('./redis-source.ts')).redisSource({
      host: cfg.host, port: cfg.port,
      ...(cfg.username !== undefined ? { username: cfg.username } : {}),
      ...(cfg.password !== undefined ? { password: cfg.password } : {}),
      ...(cfg.rdbPath !== undefined ? { rdbPath: cfg.rdbPath } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    })),
  },
  restore: {
    root: REDIS_ROOT,
    // One RDB per snapshot, whatever name is asked for.
    dumpPath: () => REDIS_RDB_PATH,
    dumpNames: (files) => files.filter((f) => f.endsWith('.rdb')).map(() => 'dump.rdb'),
    target: restoreTarget,
  },
  drill: {
    scratch(_cfg, place) {
      // The server is made on open(), once the RDB is in place; the class loads with it.
      let server: import('./drill.ts').ScratchRedis | undefined;
      const scratch = async () => (server ??= new (await import('./drill.ts')).ScratchRedis(place.dir));
      return {
        target: place.dir,
        describe: `a redis-server of the drill's own on ${join(place.dir, 'dump.rdb')}`,
        restorer: restoreTarget(),
        open: async (signal) => (await scratch()).open(place.sampleKeys, signal),
        query: async (text, signal) => (await scratch()).query(text, signal),
        remove: async () => { await server?.remove(); },
      };
    },
  },
});

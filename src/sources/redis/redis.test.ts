// Needs: redis-server — not part of npm run test:unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AbortedError, SourceError } from '../../errors.ts';
import type { StreamEntry } from '../types.ts';
import { RespError, type RespConnection, type RespValue } from './resp.ts';
import { redisSource, type RedisMeta } from './redis-source.ts';
import { restoreRedisRdb } from './redis-restore.ts';
import { freePort, startRedis } from '../../../test/support/redis-server.ts';

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-redis-test-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function collect(entries: AsyncIterable<StreamEntry>): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const e of entries) {
    const parts: Buffer[] = [];
    for await (const c of e.stream) parts.push(Buffer.from(c));
    await e.done;
    out.set(e.path, Buffer.concat(parts));
  }
  return out;
}

async function* once1(buf: Buffer): AsyncGenerator<Uint8Array> {
  // In pieces, as the restorer would deliver it.
  for (let i = 0; i < buf.length; i += 7000) yield buf.subarray(i, i + 7000);
}

async function ok(c: RespConnection, args: (string | Buffer)[]): Promise<RespValue> {
  const r = await c.command(args);
  if (r instanceof RespError) throw new Error(`${args[0]}: ${r.message}`);
  return r;
}

const binary = Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256));
const binaryKey = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x20, 0x80]);

async function populate(c: RespConnection): Promise<void> {
  await ok(c, ['SET', 'str', 'hello world']);
  await ok(c, ['SET', binaryKey, binary]);
  await ok(c, ['SET', 'big', randomBytes(200_000)]);
  await ok(c, ['SET', 'int', '12345']);
  await ok(c, ['RPUSH', 'list', 'a', 'b', binary, '']);
  await ok(c, ['RPUSH', 'biglist', ...Array.from({ length: 3000 }, (_, i) => `item-${i}`)]);
  await ok(c, ['SADD', 'set', 'x', 'y', binary]);
  await ok(c, ['SADD', 'intset', '1', '2', '300', '-7']);
  await ok(c, ['SADD', 'bigset', ...Array.from({ length: 1000 }, (_, i) => `m${i}`)]);
  await ok(c, ['ZADD', 'zset', '1.5', 'one', '-2', 'minus', 'inf', 'top', '0', binary]);
  await ok(c, ['ZADD', 'bigzset', ...Array.from({ length: 500 }, (_, i) => [String(i / 3), `z${i}`]).flat()]);
  await ok(c, ['HSET', 'hash', 'f1', 'v1', 'bin', binary, binaryKey, 'binary field']);
  await ok(c, ['HSET', 'bighash', ...Array.from({ length: 1000 }, (_, i) => [`f${i}`, `v${i}`]).flat()]);
  await ok(c, ['XADD', 'stream', '1-1', 'a', '1', 'b', binary]);
  await ok(c, ['XADD', 'stream', '2-0', 'c', '3']);
  await ok(c, ['XGROUP', 'CREATE', 'stream', 'g1', '1-1']);
  await ok(c, ['SET', 'ttl:str', 'expiring', 'PX', '600000']);
  await ok(c, ['HSET', 'ttl:hash', 'a', 'b']);
  await ok(c, ['PEXPIRE', 'ttl:hash', '300000']);
  for (let i = 0; i < 2000; i++) await c.write(encodeSet(`k:${i}`, `value ${i}`));
  for (let i = 0; i < 2000; i++) await c.readReply();
  await ok(c, ['SELECT', '3']);
  await ok(c, ['SET', 'in-db3', 'three']);
  await ok(c, ['SELECT', '0']);
}

function encodeSet(k: string, v: string): Buffer {
  return Buffer.from(`*3\r\n$3\r\nSET\r\n$${Buffer.byteLength(k)}\r\n${k}\r\n$${Buffer.byteLength(v)}\r\n${v}\r\n`);
}

interface KeyState { type: string; value: unknown; pttl: number }

function norm(v: RespValue): unknown {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map(norm);
  return v;
}

/** Every key of every db: type, value (order-independent where Redis has no order), PTTL. */
async function snapshot(c: RespConnection): Promise<Map<string, KeyState>> {
  const out = new Map<string, KeyState>();
  for (const db of ['0', '3']) {
    await ok(c, ['SELECT', db]);
    let cursor = '0';
    do {
      const [next, keys] = (await ok(c, ['SCAN', cursor, 'COUNT', '1000'])) as [Buffer, Buffer[]];
      cursor = next.toString();
      for (const key of keys) {
        const type = String(await ok(c, ['TYPE', key]));
        let value: unknown;
        switch (type) {
          case 'string': value = norm(await ok(c, ['GET', key])); break;
          case 'list': value = norm(await ok(c, ['LRANGE', key, '0', '-1'])); break;
          case 'set': value = (norm(await ok(c, ['SMEMBERS', key])) as string[]).sort(); break;
          case 'zset': value = norm(await ok(c, ['ZRANGE', key, '0', '-1', 'WITHSCORES'])); break;
          case 'hash': {
            const flat = norm(await ok(c, ['HGETALL', key])) as string[];
            const pairs: string[] = [];
            for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
            value = pairs.sort();
            break;
          }
          case 'stream':
            value = { entries: norm(await ok(c, ['XRANGE', key, '-', '+'])), groups: norm(await ok(c, ['XINFO', 'GROUPS', key])) };
            break;
          default: throw new Error(`unexpected type ${type}`);
        }
        out.set(`${db}/${key.toString('hex')}`, { type, value, pttl: Number(await ok(c, ['PTTL', key])) });
      }
    } while (cursor !== '0');
  }
  await ok(c, ['SELECT', '0']);
  return out;
}

function assertSameData(before: Map<string, KeyState>, after: Map<string, KeyState>, elapsedMs: number): void {
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  const types = new Set<string>();
  for (const [k, b] of before) {
    const a = after.get(k)!;
    types.add(b.type);
    assert.equal(a.type, b.type, k);
    assert.deepEqual(a.value, b.value, k);
    if (b.pttl < 0) assert.equal(a.pttl, b.pttl, k);
    else assert.ok(a.pttl <= b.pttl && a.pttl > b.pttl - elapsedMs - 1000, `${k}: ttl ${b.pttl} -> ${a.pttl}`);
  }
  assert.deepEqual([...types].sort(), ['hash', 'list', 'set', 'stream', 'string', 'zset']);
}

test('redis: every type, binary values and TTLs survive source → RDB stream → restore → start', async () => {
  await withTmp(async (dir) => {
    const dirA = join(dir, 'a');
    await import('node:fs/promises').then((fs) => fs.mkdir(dirA));
    const a = await startRedis({ dir: dirA, config: ['repl-diskless-sync yes'] });
    try {
      const ca = await a.client();
      await populate(ca);
      const t0 = Date.now(); // before the TTLs are read: bounds how much they may shrink
      const before = await snapshot(ca);
      assert.ok(before.size > 2000);

      const modes = [
        { transfer: 'diskless', opts: { diskless: true } },
        { transfer: 'disk', opts: { diskless: false } },
        { transfer: 'bgsave-file', opts: { rdbPath: join(dirA, 'dump.rdb') } },
      ];
      for (const { transfer, opts } of modes) {
        const source = redisSource({ host: '127.0.0.1', port: a.port, ...opts });
        const files = await collect(source.entries(new AbortController().signal));
        assert.deepEqual([...files.keys()], ['redis/dump.rdb', 'redis/lifeboat-meta.json']);
        const rdb = files.get('redis/dump.rdb')!;
        const meta = JSON.parse(files.get('redis/lifeboat-meta.json')!.toString()) as RedisMeta;
        assert.equal(meta.engine, 'redis');
        assert.equal(meta.transfer, transfer);
        assert.equal(meta.size, rdb.length);
        assert.equal(meta.keys, before.size);
        assert.match(meta.redisVersion, /^\d+\.\d+/);
        assert.equal(rdb.subarray(0, 5).toString(), 'REDIS');
        assert.ok(source.tags!().includes('engine=redis'));

        const dirB = join(dir, `b-${transfer}`);
        await import('node:fs/promises').then((fs) => fs.mkdir(dirB));
        const r = await restoreRedisRdb(once1(rdb), { dir: dirB, signal: new AbortController().signal });
        assert.equal(r.bytes, rdb.length);
        assert.deepEqual(await readdir(dirB), ['dump.rdb']);
        const b = await startRedis({ dir: dirB });
        try {
          const cb = await b.client();
          assertSameData(before, await snapshot(cb), Date.now() - t0);
          cb.close();
        } finally {
          await b.stop();
        }
      }

      // Cancelling mid-stream fails the entry with AbortedError.
      const ac = new AbortController();
      await assert.rejects((async () => {
        for await (const e of redisSource({ host: '127.0.0.1', port: a.port }).entries(ac.signal)) {
          for await (const _ of e.stream) ac.abort();
        }
      })(), AbortedError);
      ca.close();
    } finally {
      await a.stop();
    }
  });
});

test('redis: wrong password, missing password, unreachable port and bad RDB fail clearly', async () => {
  await withTmp(async (dir) => {
    const password = 'Sup3r-secret-' + randomBytes(4).toString('hex');
    const s = await startRedis({ dir, password });
    try {
      const c = await s.client();
      await ok(c, ['SET', 'k', 'v']);
      c.close();

      const good = await collect(redisSource({ host: '127.0.0.1', port: s.port, password }).entries(new AbortController().signal));
      assert.equal(JSON.parse(good.get('redis/lifeboat-meta.json')!.toString()).keys, 1);

      async function fails(opts: Parameters<typeof redisSource>[0], pattern: RegExp): Promise<void> {
        const yielded: string[] = [];
        await assert.rejects((async () => {
          for await (const e of redisSource(opts).entries(new AbortController().signal)) yielded.push(e.path);
        })(), (err: unknown) => {
          assert.ok(err instanceof SourceError, String(err));
          assert.match(err.message, pattern);
          assert.ok(err.message.includes(`${opts.host}:${opts.port}`), err.message);
          assert.ok(!err.message.includes(password) && !err.message.includes('not-the-password'), 'no password in message');
          assert.ok(!JSON.stringify(err.context).includes(password));
          return true;
        });
        assert.deepEqual(yielded, []);
      }
      await fails({ host: '127.0.0.1', port: s.port, password: 'not-the-password' }, /authentication failed: WRONGPASS/);
      await fails({ host: '127.0.0.1', port: s.port, username: 'nobody', password }, /authentication failed/);
      await fails({ host: '127.0.0.1', port: s.port }, /requires a password/);
      await fails({ host: '127.0.0.1', port: await freePort() }, /connection refused/);

      // Restore refuses data that is not a complete RDB, leaving nothing behind.
      await assert.rejects(restoreRedisRdb(once1(Buffer.from('hello')), { dir: join(dir, 'x') }), /does not exist/);
      const target = join(dir, 'restore');
      await import('node:fs/promises').then((fs) => fs.mkdir(target));
      await assert.rejects(restoreRedisRdb(once1(Buffer.from('not an rdb file')), { dir: target }), /not an RDB file/);
      const rdb = good.get('redis/dump.rdb')!;
      await assert.rejects(restoreRedisRdb(once1(rdb.subarray(0, rdb.length - 20)), { dir: target }), /truncated/);
      assert.deepEqual(await readdir(target), []);
    } finally {
      await s.stop();
    }
  });
});

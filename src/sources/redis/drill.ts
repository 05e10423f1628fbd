// A Redis drill: a temporary redis-server of our own, on a free loopback port, started on the
// restored RDB in the drill's directory (no persistence, never the job's server). It proves the
// RDB loads, answers DBSIZE, and reads back a sample of keys by their type; the checks' commands
// then run against it. remove() stops it (SIGTERM, then SIGKILL).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError, SourceError } from '../../errors.ts';
import { childEnvironment } from '../child-env.ts';
import type { DrillFacts } from '../descriptor.ts';
import { RespConnection, RespError, type RespValue } from './resp.ts';

/** How each type's size is read back: a command that touches the whole value. */
const SIZE_OF: Record<string, string> = { string: 'STRLEN', list: 'LLEN', set: 'SCARD', zset: 'ZCARD', hash: 'HLEN', stream: 'XLEN' };

async function freeLoopbackPort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

export class ScratchRedis {
  readonly dir: string;
  #child: ChildProcess | undefined;
  #port = 0;
  #log = '';

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Starts the server on the RDB in `dir`; resolves once it has loaded it. */
  async open(sampleKeys: number, signal: AbortSignal, server = 'redis-server'): Promise<DrillFacts> {
    this.#port = await freeLoopbackPort();
    const conf = [`port ${this.#port}`, 'bind 127.0.0.1', `dir "${this.dir.replace(/(["\\])/g, '\\$1')}"`, 'dbfilename dump.rdb',
      'save ""', 'appendonly no', 'daemonize no', 'protected-mode yes', 'loglevel warning'];
    const child = spawn(server, ['-'], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnvironment({}) });
    this.#child = child;
    child.stdout!.on('data', (d) => { this.#log = (this.#log + String(d)).slice(-2000); });
    child.stderr!.on('data', (d) => { this.#log = (this.#log + String(d)).slice(-2000); });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new SourceError(`drill: cannot start ${server}: ${err.message}`, null, '', { hint: 'install redis-server (the Redis package) on this host' })));
    });
    await spawned;
    child.stdin!.end(conf.join('\n') + '\n');
    const c = await this.#connectWhenLoaded(signal);
    try {
      const keys = Number(await ok(c, ['DBSIZE'], 'DBSIZE'));
      const facts: DrillFacts = { keys, sampled: 0 };
      for (let i = 0; i < Math.min(sampleKeys, keys); i++) {
        const key = await ok(c, ['RANDOMKEY'], 'RANDOMKEY');
        if (!Buffer.isBuffer(key) && typeof key !== 'string') continue;
        const type = String(await ok(c, ['TYPE', key], 'TYPE'));
        const size = SIZE_OF[type];
        if (size) await ok(c, [size, key], `${size} of a sample key`);
        facts.sampled = (facts.sampled ?? 0) + 1;
        facts[`sampled_${type}`] = (facts[`sampled_${type}`] ?? 0) + 1;
      }
      return facts;
    } finally {
      c.close();
    }
  }

  /** A Redis command written as words (`EXISTS user:1`); the answer as rows of one value. */
  async query(text: string, signal: AbortSignal): Promise<unknown[][]> {
    const args = text.trim().split(/\s+/);
    const c = await RespConnection.open({ host: '127.0.0.1', port: this.#port, what: `drill redis ${this.#port}`, signal });
    try {
      const r = await ok(c, args, args[0]!.toUpperCase());
      const plain = (v: RespValue): unknown => (Buffer.isBuffer(v) ? v.toString('utf8') : v);
      if (r === null) return [];
      return Array.isArray(r) ? r.map((v) => [plain(v)]) : [[plain(r)]];
    } finally {
      c.close();
    }
  }

  async remove(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }

  async #connectWhenLoaded(signal: AbortSignal): Promise<RespConnection> {
    for (;;) {
      if (signal.aborted) throw new AbortedError('drill: interrupted while redis-server loaded the RDB');
      const child = this.#child!;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new SourceError('drill: redis-server exited instead of loading the restored RDB', child.exitCode, this.#log);
      }
      let c: RespConnection | undefined;
      try {
        c = await RespConnection.open({ host: '127.0.0.1', port: this.#port, what: `drill redis ${this.#port}`, signal, connectTimeoutMs: 1000 });
        // LOADING while the RDB is read: wait, however long a large one takes.
        if ((await c.command(['PING'])) === 'PONG') return c;
      } catch (err) {
        if (err instanceof AbortedError) throw err;
      }
      c?.close();
      await sleep(50);
    }
  }
}

async function ok(c: RespConnection, args: readonly (string | Uint8Array)[], what: string): Promise<RespValue> {
  const r = await c.command(args);
  if (r instanceof RespError) throw new SourceError(`drill: redis ${what}: ${r.message}`, null, '');
  return r;
}

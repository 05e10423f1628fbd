// Throw-away redis-server processes for tests, each on a free port with its own dir. Never
// touches the machine's shared Redis on 6379. The config (password included) goes in through
// stdin (`redis-server -`), so no password shows in the process list.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { RespConnection, RespError } from '../../src/sources/redis/resp.ts';

export interface TestRedis {
  port: number;
  dir: string;
  /** A connected, authenticated client. Close it when done. */
  client(): Promise<RespConnection>;
  stop(): Promise<void>;
  stderr(): string;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

export async function startRedis(options: { dir: string; password?: string; config?: string[] }): Promise<TestRedis> {
  const port = await freePort();
  const lines = [
    `port ${port}`, 'bind 127.0.0.1', `dir "${options.dir}"`, 'dbfilename dump.rdb', 'save ""',
    'appendonly no', 'daemonize no', 'repl-diskless-sync-delay 0', 'loglevel warning',
    ...(options.password ? [`requirepass "${options.password}"`] : []),
    ...(options.config ?? []),
  ];
  const child: ChildProcess = spawn('redis-server', ['-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => { log += String(d); });
  child.stderr!.on('data', (d) => { log += String(d); });
  child.stdin!.end(lines.join('\n') + '\n');

  async function client(): Promise<RespConnection> {
    const c = await RespConnection.open({ host: '127.0.0.1', port, what: `test redis ${port}` });
    if (options.password) {
      const r = await c.command(['AUTH', options.password]);
      if (r instanceof RespError) throw new Error(`AUTH: ${r.message}`);
    }
    return c;
  }

  async function stop(): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }

  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${log}`);
    try {
      const c = await client();
      const r = await c.command(['PING']);
      c.close();
      if (r === 'PONG') break;
    } catch (err) {
      if (i > 100) { await stop(); throw new Error(`redis-server on ${port} did not come up: ${String(err)} ${log}`); }
    }
    await sleep(50);
  }
  return { port, dir: options.dir, client, stop, stderr: () => log };
}

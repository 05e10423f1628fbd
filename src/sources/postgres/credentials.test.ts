// The password reaches libpq tools as a passfile on an inherited descriptor (PGPASSFILE=/dev/fd/3)
// and nowhere else. The PostgreSQL on this machine trusts every local connection, so a tiny
// server speaking just enough of the protocol asks for a cleartext password and records what
// psql sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { spawnTool } from '../process.ts';
import { pgArgs, pgEnv, pgFdFiles } from './connection.ts';

/** Accepts one connection; resolves with the password the client sent. */
function passwordCatcher(): Promise<{ port: number; password: Promise<string>; close(): void }> {
  return new Promise((resolveServer) => {
    let gotPassword!: (p: string) => void;
    const password = new Promise<string>((r) => { gotPassword = r; });
    const server = createServer((sock: Socket) => {
      let buf = Buffer.alloc(0);
      let started = false;
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          if (!started) {
            if (buf.length < 8) return;
            const len = buf.readInt32BE(0);
            if (buf.length < len) return;
            const code = buf.readInt32BE(4);
            buf = buf.subarray(len);
            if (code === 80877103 || code === 80877104) { sock.write('N'); continue; } // no SSL, no GSS
            started = true;
            const auth = Buffer.alloc(9);
            auth.write('R', 0);
            auth.writeInt32BE(8, 1);
            auth.writeInt32BE(3, 5); // AuthenticationCleartextPassword
            sock.write(auth);
            continue;
          }
          if (buf.length < 5) return;
          const len = buf.readInt32BE(1);
          if (buf.length < len + 1) return;
          if (buf[0] === 0x70) gotPassword(buf.subarray(5, len).toString().replace(/\0$/, ''));
          sock.destroy();
          return;
        }
      });
      sock.on('error', () => {});
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolveServer({ port, password, close: () => server.close() });
    });
  });
}

test('psql gets the password from the descriptor passfile, with : and \\ escaped; not from argv or env', async (t) => {
  const srv = await passwordCatcher();
  t.after(() => srv.close());
  const conn = { host: '127.0.0.1', port: srv.port, user: 'someone', password: 'pa:ss\\word with spaces' };
  const env = pgEnv(conn);
  assert.equal(env.PGPASSFILE, '/dev/fd/3');
  assert.ok(!Object.values(env).includes(conn.password));
  // An inherited PGPASSWORD would win over the passfile: pgEnv removes it for the tool.
  const saved = process.env.PGPASSWORD;
  process.env.PGPASSWORD = 'inherited-must-not-win';
  let tool;
  try {
    tool = spawnTool({
      label: 'psql probe', command: 'psql', args: [...pgArgs(conn), '--dbname', 'x', '-c', 'select 1'],
      env, fdFiles: pgFdFiles(conn), stdout: 'ignore',
    });
  } finally {
    if (saved === undefined) delete process.env.PGPASSWORD;
    else process.env.PGPASSWORD = saved;
  }
  const timeout = new Promise<string>((_, rej) => setTimeout(() => rej(new Error('psql sent no password')), 10_000).unref());
  assert.equal(await Promise.race([srv.password, timeout]), conn.password);
  await tool.done.catch(() => {});
});

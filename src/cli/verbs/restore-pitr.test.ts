// The point-in-time, standby and promote verbs refuse incomplete command lines before touching
// a config, a repository or a server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { runCli } from '../run.ts';

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const sink = (add: (s: string) => void) => new Writable({ write(c, _e, cb) { add(String(c)); cb(); } });
  const code = await runCli(args, { stdout: sink(() => {}), stderr: sink((s) => { stderr += s; }), stdin: new PassThrough(), env: {} }, new AbortController().signal);
  return { code, stderr };
}

test('restore --data-dir needs --job and --at; --start needs a valid --port; server flags need --data-dir', async () => {
  assert.match((await cli(['restore', '--at', 'latest', '--data-dir', '/nonexistent/d'])).stderr, /--job NAME is required/);
  assert.match((await cli(['restore', '--job', 'pg', '--data-dir', '/nonexistent/d'])).stderr, /give --at TIME \(or --at latest\)/);
  assert.match((await cli(['restore', '--job', 'pg', '--at', 'yesterday', '--data-dir', '/nonexistent/d'])).stderr, /--at: "yesterday" is not a time/);
  assert.match((await cli(['restore', '--job', 'pg', '--at', 'latest', '--data-dir', '/nonexistent/d', '--start'])).stderr, /--port P is required/);
  assert.match((await cli(['restore', '--job', 'pg', '--at', 'latest', '--data-dir', '/nonexistent/d', '--start', '--port', '70000'])).stderr, /not a port number/);
  const r = await cli(['restore', 'latest', '--target', '/nonexistent/t', '--start']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--start goes with --data-dir/);
});

test('standby needs --job, --data-dir and --port; promote needs --data-dir', async () => {
  assert.match((await cli(['standby', '--data-dir', '/nonexistent/d', '--port', '5433'])).stderr, /--job NAME is required/);
  assert.match((await cli(['standby', '--job', 'pg', '--port', '5433'])).stderr, /--data-dir DIR is required/);
  assert.match((await cli(['standby', '--job', 'pg', '--data-dir', '/nonexistent/d'])).stderr, /--port P is required/);
  assert.match((await cli(['promote'])).stderr, /--data-dir DIR is required/);
});

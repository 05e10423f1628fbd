// The teardown's process listing: a process carrying this run's mark is found and stopped; one
// without it (another run's, or the machine's) is left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { markedProcesses, RUN_MARK, stopMarked } from './support/process-sweep.ts';

test('marked processes are listed and stopped; unmarked ones are left running', async () => {
  const id = `sweep-test-${process.pid}-${Date.now()}`;
  const marked = spawn('sleep', ['300'], { env: { ...process.env, [RUN_MARK]: id }, stdio: 'ignore' });
  const other = spawn('sleep', ['300'], { env: { ...process.env, [RUN_MARK]: `${id}-other` }, stdio: 'ignore' });
  const spawned = Promise.all([once(marked, 'spawn'), once(other, 'spawn')]);
  try {
    await spawned;
    assert.deepEqual(markedProcesses(id).map((p) => [p.pid, p.command]), [[marked.pid, 'sleep 300']]);
    const exited = once(marked, 'exit');
    assert.deepEqual((await stopMarked(id, 2000)).map((p) => p.pid), [marked.pid]);
    await exited;
    assert.deepEqual(markedProcesses(id), []);
    assert.equal(other.exitCode, null, 'another run\'s process keeps running');
  } finally {
    marked.kill('SIGKILL');
    other.kill('SIGKILL');
  }
});

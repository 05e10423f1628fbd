import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandStream } from './command-stream.ts';
import { SourceError } from '../../errors.ts';

async function collect(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const b of stream) parts.push(b);
  return Buffer.concat(parts).toString('utf8');
}

test('output of a command that exits before it is read is kept', async () => {
  const entry = commandStream(['sh', '-c', 'printf "small dump\\n"'], { path: 'x' });
  await sleep(300); // the child has exited by now; nobody has read its stdout yet
  assert.equal(await collect(entry.stream), 'small dump\n');
  await entry.done;
});

test('a command that fails half-way rejects done with its exit code and stderr tail', async () => {
  const entry = commandStream(['sh', '-c', 'echo part; echo "disk full" >&2; exit 3'], { path: 'x' });
  assert.equal(await collect(entry.stream), 'part\n');
  await assert.rejects(entry.done, (e: unknown) => e instanceof SourceError && e.exitCode === 3 && e.stderrTail === 'disk full');
});

// npm test's global setup and teardown (node --test-global-setup). Setup marks every process
// the run starts (see support/process-sweep.ts) and says what the tests use. Teardown stops
// what the run started and left running: the S3 server through ../shared/s3/stop, but only when
// its daemons carry this run's mark (a server that was up before, or another run's, stays up),
// then any other marked process (a redis-server or daemon a failed test did not stop), naming it.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { markedProcesses, RUN_MARK, stopMarked } from './support/process-sweep.ts';

const S3_START = process.env.LIFEBOAT_S3_START ?? resolve(import.meta.dirname, '../../shared/s3/start');

export async function globalSetup(): Promise<void> {
  process.env[RUN_MARK] = `${process.pid}-${randomBytes(4).toString('hex')}`;
  process.stderr.write([
    'npm test: unit tests, then integration tests against the real programs and servers:',
    '  restic, pg_dump/PostgreSQL on 127.0.0.1:5432, mariadb-dump/MariaDB on :3306, Redis on :6379, sqlite3,',
    `  and an S3 server that the S3 tests start with ${S3_START} (Ceph RADOS Gateway on :9000; on first`,
    '  use it installs Debian\'s ceph/radosgw packages). Tests also start throw-away redis-server and daemon',
    '  processes. Whatever this run starts is stopped when it ends (an S3 server that was up before stays up).',
    '',
  ].join('\n'));
}

export async function globalTeardown(): Promise<void> {
  const id = process.env[RUN_MARK];
  if (!id) return;
  if (markedProcesses(id).some((p) => /\b(radosgw|ceph-osd|ceph-mon)\b/.test(p.command))) {
    const stop = resolve(dirname(S3_START), 'stop');
    process.stderr.write(`npm test: stopping the S3 server this run started (${stop})\n`);
    try {
      execFileSync(stop, [], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 });
    } catch (err) {
      process.stderr.write(`npm test: ${stop} failed: ${(err as Error).message}\n`);
    }
  }
  const left = await stopMarked(id);
  for (const p of left) process.stderr.write(`npm test: stopped pid ${p.pid}, left running by a test: ${p.command.slice(0, 200)}\n`);
}

// Which processes a test run started, found by a mark in their environment: every test file,
// and every program it spawns (redis-server, the daemon, Ceph's daemons when the S3 tests
// start them, restic…) inherits `LB_TEST_SUITE_RUN=<id>`. Another engineer's run on the same
// machine has another id, so it is never touched. (Not LIFEBOAT_*: Lifeboat withholds those
// from the programs it runs.)

import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export const RUN_MARK = 'LB_TEST_SUITE_RUN';

export interface MarkedProcess { pid: number; command: string }

/** Live processes (other than this one) whose environment carries `RUN_MARK=id`. */
export function markedProcesses(id: string): MarkedProcess[] {
  const needle = Buffer.from(`\0${RUN_MARK}=${id}\0`);
  const out: MarkedProcess[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`), Buffer.from([0])]);
      if (!env.includes(needle)) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`).toString('utf8').replace(/\0+$/, '').replaceAll('\0', ' ');
      // A zombie has no command line left and nothing to stop.
      if (command !== '') out.push({ pid, command });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/** SIGTERM, then SIGKILL after `graceMs`: returns what was found running. */
export async function stopMarked(id: string, graceMs = 5000): Promise<MarkedProcess[]> {
  const found = markedProcesses(id);
  for (const p of found) try { process.kill(p.pid, 'SIGTERM'); } catch { /* gone */ }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && markedProcesses(id).length > 0) await sleep(100);
  for (const p of markedProcesses(id)) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  return found;
}

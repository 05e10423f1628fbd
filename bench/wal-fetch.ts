// Segments per second through the real restore_command, the way PostgreSQL's recovery drives
// it: N 16 MiB segments are archived (wal-push), then, in order, `lifeboat wal-fetch --job
// bench SEG pg_wal/RECOVERYXLOG` runs for each, one process at a time; each result is compared
// with the archived bytes, and the file is removed before the next call (what recovery does
// once it has replayed it). Then, as PostgreSQL does at the end of the archive, one call for the
// segment after the last (exit 1).
//
//   [BENCH_VERBOSE=1] npx node bench/wal-fetch.ts [SEGMENTS=24] [PREFETCH=8] [PARALLEL=2]
//
// PREFETCH=0 is one segment per process (no fetching ahead: the behaviour before prefetch).
// Segment content as in bench/wal-push.ts.

import { createCipheriv } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfCommand } from '../src/app/self-command.ts';

const segments = Number(process.argv[2] ?? '24');
const prefetch = process.argv[3] ?? '8';
const parallel = process.argv[4] ?? '2';
const SEG = 16 * 1024 * 1024;
const dir = await mkdtemp(join(tmpdir(), 'lifeboat-walfetch-'));
const lifeboat = (args: string[], ok = [0]) => {
  const [cmd, ...pre] = selfCommand();
  const r = spawnSync(cmd!, [...pre, ...args], { cwd: dir, env: { ...process.env, LIFEBOAT_STATE_DIR: join(dir, 'state'), LIFEBOAT_PASSWORD_FILE: join(dir, 'pw') }, encoding: 'utf8' });
  if (!ok.includes(r.status ?? -1)) throw new Error(`lifeboat ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r;
};
const name = (s: number) => `00000001000000${(s >> 8).toString(16).toUpperCase().padStart(2, '0')}000000${(s & 255).toString(16).toUpperCase().padStart(2, '0')}`;

try {
  await writeFile(join(dir, 'pw'), 'bench-password\n');
  lifeboat(['init', '--repo', join(dir, 'repo')]);
  await writeFile(join(dir, 'lifeboat.yaml'), `version: 1\nrepositories:\n  r:\n    location: ${join(dir, 'repo')}\n    password_file: ${join(dir, 'pw')}\n` +
    'jobs:\n  bench:\n    source:\n      type: postgres\n      host: 127.0.0.1\n      user: postgres\n      wal:\n        enabled: true\n    repositories: [r]\n');
  const src = join(dir, 'src');
  await mkdir(src);
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16));
  for (let s = 0; s < segments; s++) {
    const seg = Buffer.alloc(SEG);
    for (let off = 0; off < SEG; off += 8192) {
      seg.write(`PAGE ${s}:${off}`, off);
      if ((off / 8192) % 3 === 0) cipher.update(Buffer.alloc(8192 - 64)).copy(seg, off + 64);
      else for (let p = off + 64; p < off + 8192 - 80; p += 80) seg.write(`row id=${p * 31 + s} name=customer-${p % 997} total=${(p % 10007) / 100} ok\n`, p);
    }
    await writeFile(join(src, name(s)), seg);
    lifeboat(['wal-push', '--job', 'bench', '--batch', '1', join(src, name(s))]);
  }

  const pgWal = join(dir, 'pg_wal');
  await mkdir(pgWal);
  const dest = join('pg_wal', 'RECOVERYXLOG');
  const t0 = performance.now();
  for (let s = 0; s < segments; s++) {
    const tc = performance.now();
    const r = lifeboat(['wal-fetch', '--job', 'bench', '--json', '--prefetch', prefetch, '--parallel', parallel, name(s), dest]);
    if (process.env.BENCH_VERBOSE) console.error(((performance.now() - tc) / 1000).toFixed(2), r.stdout.trim());
    if (!(await readFile(join(dir, dest))).equals(await readFile(join(src, name(s))))) throw new Error(`${name(s)} differs`);
    await unlink(join(dir, dest));
  }
  lifeboat(['wal-fetch', '--job', 'bench', '--prefetch', prefetch, name(segments), dest], [1]);
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({
    segments, prefetch: Number(prefetch), parallel: Number(parallel), seconds: Number(seconds.toFixed(2)),
    segmentsPerSecond: Number((segments / seconds).toFixed(2)), mibPerSecond: Number((segments * 16 / seconds).toFixed(1)),
  }));
} finally {
  await rm(dir, { recursive: true, force: true });
}

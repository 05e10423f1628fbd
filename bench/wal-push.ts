// Segments per second through the real archive_command, the way PostgreSQL's archiver drives
// it: N finished 16 MiB segments are marked ready in pg_wal/archive_status (a burst, as a busy
// server produces them), then, oldest first, `lifeboat wal-push --job bench pg_wal/SEG` runs for
// each; on exit 0 its `.ready` becomes `.done` (what the archiver does), and the next starts.
//
//   npx node bench/wal-push.ts [SEGMENTS=32] [REPOSITORIES=1] [BATCH=8] [PARALLEL=2]
//
// BATCH=1 is one segment per process (no pushing ahead).
//
// Segment content: a third incompressible (AES-CTR keystream), two thirds WAL-like records
// (repeated row images with changing numbers), so zstd and the cipher do real work.

import { createCipheriv } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rename, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfCommand } from '../src/app/self-command.ts';

const segments = Number(process.argv[2] ?? '32');
const repositories = Number(process.argv[3] ?? '1');
const batch = process.argv[4] ?? '8';
const parallel = process.argv[5] ?? '2';
const SEG = 16 * 1024 * 1024;
const dir = await mkdtemp(join(tmpdir(), 'lifeboat-walbench-'));
const lifeboat = (args: string[], env: Record<string, string> = {}) => {
  const [cmd, ...pre] = selfCommand();
  const r = spawnSync(cmd!, [...pre, ...args], { cwd: dir, env: { ...process.env, LIFEBOAT_STATE_DIR: join(dir, 'state'), ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lifeboat ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r;
};

try {
  await writeFile(join(dir, 'pw'), 'bench-password\n');
  const repoBlocks: string[] = [];
  for (let i = 0; i < repositories; i++) {
    lifeboat(['init', '--repo', join(dir, `repo${i}`)], { LIFEBOAT_PASSWORD_FILE: join(dir, 'pw') });
    repoBlocks.push(`  r${i}:\n    location: ${join(dir, `repo${i}`)}\n    password_file: ${join(dir, 'pw')}\n`);
  }
  await writeFile(join(dir, 'lifeboat.yaml'), `version: 1\nrepositories:\n${repoBlocks.join('')}jobs:\n  bench:\n    source:\n` +
    `      type: postgres\n      host: 127.0.0.1\n      user: postgres\n      wal:\n        enabled: true\n` +
    `    repositories: [${Array.from({ length: repositories }, (_, i) => `r${i}`).join(', ')}]\n`);

  const pgWal = join(dir, 'pg_wal');
  await mkdir(join(pgWal, 'archive_status'), { recursive: true });
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16));
  const names: string[] = [];
  for (let s = 0; s < segments; s++) {
    const seg = Buffer.alloc(SEG);
    for (let off = 0; off < SEG; off += 8192) {
      // Each 8 KiB page: a header, then either keystream or row-like text.
      seg.write(`PAGE ${s}:${off}`, off);
      if ((off / 8192) % 3 === 0) cipher.update(Buffer.alloc(8192 - 64)).copy(seg, off + 64);
      else for (let p = off + 64; p < off + 8192 - 80; p += 80) seg.write(`row id=${p * 31 + s} name=customer-${p % 997} total=${(p % 10007) / 100} ok\n`, p);
    }
    const name = `00000001000000${(s >> 8).toString(16).toUpperCase().padStart(2, '0')}000000${(s & 255).toString(16).toUpperCase().padStart(2, '0')}`;
    await writeFile(join(pgWal, name), seg);
    await writeFile(join(pgWal, 'archive_status', `${name}.ready`), '');
    names.push(name);
  }

  const t0 = performance.now();
  let calls = 0;
  for (;;) {
    const ready = (await readdir(join(pgWal, 'archive_status'))).filter((f) => f.endsWith('.ready')).sort();
    if (ready.length === 0) break;
    const name = ready[0]!.slice(0, -'.ready'.length);
    lifeboat(['wal-push', '--job', 'bench', '--batch', batch, '--parallel', parallel, join('pg_wal', name)]);
    calls++;
    await rename(join(pgWal, 'archive_status', `${name}.ready`), join(pgWal, 'archive_status', `${name}.done`));
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({
    segments, repositories, batch: Number(batch), parallel: Number(parallel), calls, seconds: Number(seconds.toFixed(2)),
    segmentsPerSecond: Number((segments / seconds).toFixed(2)), mibPerSecond: Number((segments * 16 / seconds).toFixed(1)),
  }));
  // Every segment is in every repository.
  for (let i = 0; i < repositories; i++) {
    const stored = await readdir(join(dir, `repo${i}`, 'wal', 'bench'));
    for (const n of names) if (!stored.includes(n)) throw new Error(`repo${i} lacks ${n}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

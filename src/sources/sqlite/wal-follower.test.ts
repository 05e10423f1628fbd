// The WAL follower against real SQLite (node:sqlite): frames read from the -wal file with their
// checksums, whole transactions only, an image plus the frames after it rebuilding the database
// exactly, our checkpoint step restarting the WAL and the follower going on with salt-1 + 1, and
// a damaged frame ending what counts.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { WalFollower, inspectImage } from './wal-follower.ts';
import { applyFrameBatches, type FrameBatch } from './wal-apply.ts';
import { cursorAtStart, readCommitted, readWalHeader, FRAME_HEADER_SIZE } from './wal-format.ts';

const dir = mkdtempSync(join(tmpdir(), 'lifeboat-wal-follower-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rows(path: string): number[] {
  const d = new DatabaseSync(path, { readOnly: true });
  try {
    return (d.prepare('SELECT id FROM t ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  } finally {
    d.close();
  }
}

test('image + shipped frames = the database; a checkpoint step restarts the WAL and following goes on', async () => {
  const path = join(dir, 'app.db');
  const app = new DatabaseSync(path);
  app.exec('PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)');
  const ins = app.prepare('INSERT INTO t(id, pad) VALUES (?, randomblob(700))');
  for (let i = 1; i <= 50; i++) ins.run(i);

  const f = new WalFollower(path);
  try {
    assert.notEqual(f.lockedStep({ checkpoint: false, reset: true }), 'busy');
    const image = join(dir, 'image.db');
    await f.image(image);
    assert.deepEqual(rows(image).length, 50);

    const batches: FrameBatch[] = [];
    const take = () => {
      for (;;) {
        const p = f.poll();
        assert.equal(p.lost, undefined);
        if (!p.batch) return;
        batches.push({ name: `b${batches.length}`, ...p.batch, frames: p.batch.bytes });
      }
    };
    app.exec('BEGIN');
    for (let i = 51; i <= 80; i++) ins.run(i);
    take();
    assert.equal(batches.length, 0, 'an open transaction ships nothing');
    app.exec('COMMIT');
    take();
    const firstSalt = batches[0]!.salt1;
    // Our checkpoint step: everything copied, the WAL checkpointed; the next commit restarts it.
    const step = f.lockedStep({ checkpoint: true, reset: false });
    assert.notEqual(step, 'busy');
    for (let i = 81; i <= 120; i++) ins.run(i);
    take();
    const last = batches.at(-1)!;
    assert.equal(last.salt1, (firstSalt + 1) >>> 0, 'the WAL restarted with salt-1 + 1');
    assert.equal(last.firstFrame, 1);

    applyFrameBatches(image, batches);
    inspectImage(image);
    assert.deepEqual(rows(image), Array.from({ length: 120 }, (_, i) => i + 1));
  } finally {
    f.close();
    app.close();
  }
});

test('a frame whose checksum does not hold ends what counts, with its whole transaction', () => {
  const path = join(dir, 'cks.db');
  const app = new DatabaseSync(path);
  app.exec('PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)');
  const holder = new DatabaseSync(path); // keeps the WAL from being checkpointed away on close
  holder.exec('BEGIN'); holder.prepare('SELECT 1 FROM sqlite_schema').get();
  for (let i = 1; i <= 5; i++) app.prepare('INSERT INTO t(id, pad) VALUES (?, randomblob(100))').run(i);
  const wal = join(dir, 'copy-wal');
  copyFileSync(`${path}-wal`, wal);
  const h = readWalHeader(wal)!;
  const all = readCommitted(wal, cursorAtStart(h));
  assert.ok(all.run && all.run.lastFrame >= 6, `frames: ${all.run?.lastFrame}`);

  // Damage a byte in the page of the last frame: the last transaction no longer counts.
  const bytes = readFileSync(wal);
  const frameSize = FRAME_HEADER_SIZE + h.pageSize;
  bytes[32 + (all.run.lastFrame - 1) * frameSize + FRAME_HEADER_SIZE + 100]! ^= 0xff;
  writeFileSync(wal, bytes);
  const cut = readCommitted(wal, cursorAtStart(h));
  assert.ok(cut.run && cut.run.lastFrame < all.run.lastFrame);
  const dv = new DataView(cut.run.bytes.buffer);
  assert.notEqual(dv.getUint32((cut.run.lastFrame - 1) * frameSize + 4), 0, 'ends on a commit frame');
  holder.exec('COMMIT'); holder.close(); app.close();
});

test('a WAL restarted twice behind our back is reported lost (a new generation follows)', () => {
  const path = join(dir, 'lost.db');
  const app = new DatabaseSync(path);
  app.exec('PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (id INTEGER PRIMARY KEY)');
  const f = new WalFollower(path);
  assert.notEqual(f.lockedStep({ checkpoint: false, reset: true }), 'busy');
  app.exec('INSERT INTO t VALUES (1)');
  assert.ok(f.poll().batch);
  // Replication stops (its read lock goes); the application checkpoints twice, writing between.
  f.close();
  for (const id of [2, 3]) {
    assert.equal((app.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number }).busy, 0);
    app.exec(`INSERT INTO t VALUES (${id})`);
  }
  assert.match(f.poll().lost ?? '', /WAL restarted .* frames may be missing/);
  app.close();
});

test('a missing database is refused, not created', () => {
  assert.throws(() => new WalFollower(join(dir, 'absent.db')), /database file not found/);
  assert.throws(() => readFileSync(join(dir, 'absent.db')), /ENOENT/);
});

test('a database not in WAL mode is refused with the fix named', () => {
  const path = join(dir, 'rollback.db');
  const d = new DatabaseSync(path);
  d.exec('CREATE TABLE t (x)');
  d.close();
  assert.throws(() => new WalFollower(path), /delete journal mode; replication follows the WAL/);
});

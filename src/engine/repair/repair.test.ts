// Needs: the restic binary — not part of npm run test:unit.
// repair snapshots on damage a backup cannot heal, with restic as the judge: a damaged tree
// blob (its directory becomes empty, its siblings stay), a missing data pack (files lose the
// blobs it held), an unreadable root tree (the snapshot is unrepairable and forgotten).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type ResticRepository } from '../../repo/repository.ts';
import { initRepository, openRepository } from '../../repo/open-repository.ts';
import { LocalStore } from '../../storage/local/local-store.ts';
import { FAST_SCRYPT, resticOk, tempDir } from '../../../test/support/repo.ts';
import type { BlobId, TreeNode } from '../../repo/types.ts';
import { listSnapshot } from '../restorer/snapshot-walk.ts';
import { repairIndex } from './index-rebuild.ts';
import { repairSnapshots } from './snapshots.ts';

const file = (name: string, content: BlobId[], size: number): TreeNode => ({ name, type: 'file', mode: 0o644, content, size });
const dir = (name: string, subtree: BlobId): TreeNode => ({ name, type: 'dir', mode: 2147484141, subtree });

async function build(path: string) {
  const repo = await initRepository(new LocalStore(path, { noSync: true }), 'pw', { scrypt: FAST_SCRYPT, packSize: 4096 });
  const blobs: BlobId[] = [];
  for (let i = 0; i < 4; i++) blobs.push((await repo.saveBlob('data', randomBytes(3000))).id);
  const etc = await repo.saveTree({ nodes: [file('a.conf', [blobs[0]!], 3000), file('b.conf', [blobs[1]!], 3000)] });
  const srv = await repo.saveTree({ nodes: [file('big', [blobs[2]!, blobs[3]!], 6000)] });
  const root = await repo.saveTree({ nodes: [dir('etc', etc), dir('srv', srv)] });
  await repo.flush();
  const snap = await repo.saveSnapshot({ time: new Date().toISOString(), tree: root, paths: ['/'], hostname: 'h', tags: ['x'] });
  return { repo, blobs, etc, srv, root, snap };
}

async function flip(repo: ResticRepository, type: 'data' | 'tree', id: BlobId): Promise<void> {
  const loc = repo.lookupBlob(type, id)!;
  const h = { type: 'data' as const, name: loc.pack };
  const bytes = await repo.storage.load(h);
  bytes[loc.offset + 20]! ^= 0x01;
  await repo.storage.save(h, bytes);
}

async function listing(repo: ResticRepository, id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const n of listSnapshot(repo, id)) out.push(`${n.path}${n.node.type === 'file' ? ` ${n.node.size ?? 0}` : ''}`);
  return out;
}

test('a damaged tree blob: its directory becomes empty, the rest is kept; restic check --read-data passes', async () => {
  await using tmp = await tempDir();
  const t = await build(tmp.path);
  await flip(t.repo, 'tree', t.etc);
  await t.repo.close();
  const repo = await openRepository(new LocalStore(tmp.path), 'pw');
  await repo.loadIndex();
  const notices: string[] = [];
  const r = await repairSnapshots(repo, { readData: true, forget: true, onNotice: (m) => notices.push(m) });
  assert.equal(r.damagedPacks.length, 1);
  assert.ok(notices.some((n) => /dir "\/etc": replaced with an empty directory/.test(n)), notices.join('\n'));
  const [s] = r.snapshots;
  assert.ok(s!.newId && s!.removed);
  assert.deepEqual(await listing(repo, s!.newId!), ['/etc', '/srv', '/srv/big 6000']);
  const snaps = await repo.listSnapshots();
  assert.deepEqual(snaps.map((e) => [e.snapshot.original, e.snapshot.tags]), [[t.snap, ['x']]], '--forget: no "repaired" tag, as restic');
  await repo.close();
  await resticOk(tmp.path, 'pw', ['check', '--read-data']);
});

test('a missing data pack: files lose the blobs it held; the original stays without --forget', async () => {
  await using tmp = await tempDir();
  const t = await build(tmp.path);
  const lost = t.repo.lookupBlob('data', t.blobs[3]!)!.pack;
  const kept = new Set([t.blobs[0], t.blobs[1], t.blobs[2]].map((b) => t.repo.lookupBlob('data', b!)!.pack));
  assert.ok(!kept.has(lost), 'the last blob has a pack of its own (4 KiB packs)');
  await t.repo.storage.remove({ type: 'data', name: lost });
  await t.repo.close();
  const repo = await openRepository(new LocalStore(tmp.path), 'pw');
  await repo.loadIndex();
  const r = await repairSnapshots(repo, {});
  assert.deepEqual(r.missingPacks, [lost]);
  assert.ok(r.indexRewritten);
  const s = r.snapshots[0]!;
  assert.ok(s.changes.some((c) => /file "\/srv\/big": removed 1 missing or damaged blob\(s\) of 2; 3000 of 6000 bytes kept/.test(c)), s.changes.join('\n'));
  assert.deepEqual(await listing(repo, s.newId!), ['/etc', '/etc/a.conf 3000', '/etc/b.conf 3000', '/srv', '/srv/big 3000']);
  const snaps = await repo.listSnapshots();
  assert.equal(snaps.length, 2, 'the original is kept');
  const repaired = snaps.find((e) => e.id === s.newId)!;
  assert.deepEqual(repaired.snapshot.tags, ['x', 'repaired']);
  await repo.removeSnapshot(t.snap);
  await repo.close();
  await resticOk(tmp.path, 'pw', ['check', '--read-data']);
});

test('repair index after a lost root tree pack; the unrepairable snapshot is forgotten', async () => {
  await using tmp = await tempDir();
  const t = await build(tmp.path);
  await t.repo.storage.remove({ type: 'data', name: t.repo.lookupBlob('tree', t.root)!.pack });
  const idx = await repairIndex(t.repo, {});
  assert.equal(idx.packsDropped.length, 1);
  await t.repo.close();
  const repo = await openRepository(new LocalStore(tmp.path), 'pw');
  await repo.loadIndex();
  const dry = await repairSnapshots(repo, { forget: true, dryRun: true });
  assert.ok(dry.snapshots[0]!.unrepairable && !dry.snapshots[0]!.removed);
  const r = await repairSnapshots(repo, { forget: true });
  assert.ok(r.snapshots[0]!.unrepairable && r.snapshots[0]!.removed);
  assert.deepEqual(await repo.listSnapshots(), []);
  await repo.close();
  await resticOk(tmp.path, 'pw', ['check', '--read-data']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MasterIndex } from './master-index.ts';
import { IndexBatch, scanIndexJson } from './index-scan.ts';
import { addIndexFileTo, buildIndexFile, parseIndexFile } from './index-file.ts';
import type { BlobId, BlobLocation, PackId } from './types.ts';

const rid = () => randomBytes(32).toString('hex');

function randomLocations(n: number): BlobLocation[] {
  const out: BlobLocation[] = [];
  let pack = rid() as PackId;
  for (let i = 0; i < n; i++) {
    if (i % 7 === 0) pack = rid() as PackId;
    const loc: BlobLocation = { id: rid() as BlobId, type: i % 5 === 0 ? 'tree' : 'data', pack, offset: i * 1000, length: 100 + i };
    if (i % 3 === 0) loc.uncompressedLength = 5000 + i;
    out.push(loc);
  }
  return out;
}

const key = (l: BlobLocation) => `${l.type}:${l.id}:${l.pack}:${l.offset}:${l.length}:${l.uncompressedLength}`;

test('compact index: the same answers as the index files, across table growth and duplicates', () => {
  const locs = randomLocations(100_000);
  const m = new MasterIndex();
  for (const l of locs) m.add(l);
  for (const l of locs.slice(0, 1000)) m.add(l); // overlapping index file: no duplicates
  const dup = { ...locs[10]!, pack: rid() as PackId, offset: 4 };
  m.add(dup);
  assert.equal(m.blobCount, locs.length);
  assert.equal(m.entryCount, locs.length + 1);
  for (const l of locs) assert.deepEqual(m.lookup(l.type, l.id), l);
  assert.deepEqual(m.lookupAll(dup.type, dup.id), [locs[10], dup]);
  assert.equal(m.has(locs[0]!.type === 'data' ? 'tree' : 'data', locs[0]!.id), false, 'type is part of the key');
  assert.equal(m.lookup('data', rid()), undefined);
  assert.equal(m.lookup('data', 'not-an-id'), undefined);
  assert.deepEqual([...m.blobs()].map(key).sort(), [...locs, dup].map(key).sort());
  assert.equal(m.hasPack(dup.pack), true);
  assert.equal([...m.packIds()].length, new Set([...locs, dup].map((l) => l.pack)).size);
  m.clear();
  assert.equal(m.blobCount, 0);
  assert.equal(m.lookup(locs[0]!.type, locs[0]!.id), undefined);
});

function scanned(text: string): MasterIndex | undefined {
  const batch = new IndexBatch();
  if (!scanIndexJson(Buffer.from(text), batch)) return undefined;
  const m = new MasterIndex();
  m.addBatch(batch);
  return m;
}

test('index scanner: reads what JSON.parse reads, any member order and spacing; falls back on the unusual', () => {
  const locs = randomLocations(3000);
  const json = buildIndexFile(locs, [rid() as never]);
  for (const text of [JSON.stringify(json), JSON.stringify(json, null, 2)]) {
    const m = scanned(text)!;
    assert.ok(m, 'scanned');
    assert.deepEqual([...m.blobs()].map(key).sort(), locs.map(key).sort());
  }
  // Pack ID after its blobs, unknown members of every kind, legacy bare array.
  const p = rid();
  const b = rid();
  const odd = `{"x":{"a":[1,{"b":"\\"]"}]},"packs":[{"blobs":[{"length":50,"extra":null,"offset":7,"type":"tree","id":"${b}","uncompressed_length":0}],"id":"${p}","more":[true,false]}],"z":-1.5e3}`;
  const viaJson = new MasterIndex();
  addIndexFileTo(viaJson, JSON.parse(odd), 'odd');
  assert.deepEqual([...scanned(odd)!.blobs()], [...viaJson.blobs()]);
  assert.deepEqual([...scanned(odd)!.blobs()], [{ id: b, type: 'tree', pack: p, offset: 7, length: 50 }]);
  assert.deepEqual([...scanned(`[{"id":"${p}","blobs":[{"id":"${b}","type":"data","offset":0,"length":40}]}]`)!.blobs()].length, 1);
  // Not for the fast path: the caller parses these with JSON.parse (and reports what is wrong).
  for (const bad of [
    `{"packs":[{"id":"${p}","blobs":[{"id":"${b}","type":"weird","offset":0,"length":1}]}]}`,
    `{"packs":[{"id":"${p}","blobs":[{"id":"${b}","type":"data","offset":1.5,"length":1}]}]}`,
    `{"packs":[{"id":"${p}","blobs":[{"id":"${b.slice(2)}","type":"data","offset":1,"length":1}]}]}`,
    `{"packs":[{"id":"${p}","blobs":[{"id":"\\u0030${b.slice(1)}","type":"data","offset":1,"length":1}]}]}`,
    `{"packs":[{"id":"${p}","blobs":[{"type":"data","offset":1,"length":1}]}]}`,
    `{"packs":[{"id":"${p}","blobs":[]}]`,
    `{"packs":[]} x`,
    `{"nopacks":[]}`,
  ]) {
    assert.equal(scanned(bad), undefined, bad);
  }
  assert.throws(() => parseIndexFile(JSON.parse(`{"packs":[{"id":"${p}","blobs":[{"id":"${b}","type":"weird","offset":0,"length":1}]}]}`), 'bad'), /malformed/);
});

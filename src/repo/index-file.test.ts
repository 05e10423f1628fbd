import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MasterIndex, buildIndexFile, parseIndexFile } from './index-file.ts';
import type { BlobId, BlobLocation, PackId } from './types.ts';

const id = (c: string) => c.repeat(64) as BlobId;
const pack = (c: string) => c.repeat(64) as PackId;

test('index files: round trip, overlap without duplicates, duplicates across packs, legacy array form', () => {
  const a: BlobLocation[] = [
    { id: id('1'), type: 'data', pack: pack('a'), offset: 0, length: 100 },
    { id: id('2'), type: 'data', pack: pack('a'), offset: 100, length: 50, uncompressedLength: 400 },
    { id: id('3'), type: 'tree', pack: pack('b'), offset: 0, length: 70 },
  ];
  const json = buildIndexFile(a, ['ff'.repeat(32) as never]);
  assert.deepEqual(json.supersedes, ['ff'.repeat(32)]);
  assert.equal(json.packs.length, 2);
  assert.equal(json.packs[0]!.blobs[0]!.uncompressed_length, undefined);
  assert.equal(json.packs[0]!.blobs[1]!.uncompressed_length, 400);
  assert.deepEqual(parseIndexFile(json, 'index x'), a);

  const m = new MasterIndex();
  for (const l of parseIndexFile(json, 'i1')) m.add(l);
  for (const l of parseIndexFile(json, 'i2')) m.add(l); // overlapping file
  m.add({ id: id('1'), type: 'data', pack: pack('c'), offset: 8, length: 100 }); // duplicate in another pack
  assert.equal([...m.blobs()].length, 4);
  assert.equal(m.lookupAll('data', id('1')).length, 2);
  assert.equal(m.lookup('tree', id('3'))?.pack, pack('b'));
  assert.equal(m.lookup('data', id('3')), undefined, 'type is part of the key');
  assert.deepEqual([...m.packIds()].sort(), [pack('a'), pack('b'), pack('c')]);

  const legacy = [{ id: pack('d'), blobs: [{ id: id('4'), type: 'data', offset: 0, length: 40 }] }];
  assert.equal(parseIndexFile(legacy, 'old')[0]!.pack, pack('d'));
  assert.throws(() => parseIndexFile({ packs: [{ id: 'x', blobs: [{ id: 'y', type: 'weird', offset: 0, length: 1 }] }] }, 'bad'), /malformed/);
});

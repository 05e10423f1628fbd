// Pure conversions, pinned by values observed from restic 0.14 trees (see node-name.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goModeFromPosix, posixPermFromGo } from './file-mode.ts';
import { decodeNodeName, encodeNodeName, safeNameBytes } from './node-name.ts';
import { createPathFilter, matchPattern, parsePattern, childMayMatch } from './path-filter.ts';
import { formatTimestamp, parseTimestamp } from './timestamp.ts';
import { IntegrityError } from '../../errors.ts';

// raw name bytes (as printf would write them) → the name string restic 0.14 stored
const GOLDEN: Array<[Buffer, string]> = [
  [Buffer.from('a"b'), 'a\\"b'],
  [Buffer.from('back\\slash'), 'back\\\\slash'],
  [Buffer.from('tab\there'), 'tab\\there'],
  [Buffer.from('nl\nx'), 'nl\\nx'],
  [Buffer.from('nbsp\u00a0x'), 'nbsp\\u00a0x'],
  [Buffer.from('emoji😀'), 'emoji😀'],
  [Buffer.from('e\u0301acute'), 'e\u0301acute'],
  [Buffer.from([0x64, 0x65, 0x6c, 0x7f]), 'del\\x7f'],
  [Buffer.from('zw\u200bsp'), 'zw\\u200bsp'],
  [Buffer.from([0x63, 0x74, 0x6c, 0x01]), 'ctl\\x01'],
  [Buffer.from([0x69, 0x6e, 0x76, 0xc3]), 'inv\\xc3'],
  [Buffer.from([0x73, 0x75, 0x72, 0x72, 0xed, 0xa0, 0x80]), 'surr\\xed\\xa0\\x80'],
  [Buffer.from('lt<gt>&'), 'lt<gt>&'],
  [Buffer.from('bom\ufeff'), 'bom\\ufeff'],
  [Buffer.from('priv\ue000'), 'priv\\ue000'],
  [Buffer.from('u2028\u2028'), 'u2028\\u2028'],
  [Buffer.from([0x62, 0x61, 0x64, 0xff, 0x6e, 0x61, 0x6d, 0x65]), 'bad\\xffname'],
  [Buffer.from('plain name.txt'), 'plain name.txt'],
];

test('node names are encoded and decoded as restic 0.14 does (Go strconv.Quote)', () => {
  for (const [raw, stored] of GOLDEN) {
    assert.equal(encodeNodeName(raw), stored, raw.toString('hex'));
    assert.deepEqual(decodeNodeName(stored), raw, stored);
  }
  assert.deepEqual(decodeNodeName('\\U0001F600\\101'), Buffer.from('😀A'));
  assert.throws(() => decodeNodeName('bad\\q'), IntegrityError);
  assert.throws(() => safeNameBytes('..', 't'), IntegrityError);
  assert.throws(() => safeNameBytes('a/b', 't'), IntegrityError);
  assert.deepEqual(safeNameBytes('...', 't'), Buffer.from('...'));
});

test('Go FileMode bits', () => {
  assert.deepEqual(goModeFromPosix(0o040755), { type: 'dir', mode: 2147484141 });
  assert.deepEqual(goModeFromPosix(0o120777), { type: 'symlink', mode: 134218239 });
  assert.deepEqual(goModeFromPosix(0o104755), { type: 'file', mode: 8389101 });
  assert.deepEqual(goModeFromPosix(0o041777), { type: 'dir', mode: 2148532735 });
  assert.deepEqual(goModeFromPosix(0o010644), { type: 'fifo', mode: 33554852 });
  assert.equal(goModeFromPosix(0o020620).type, 'chardev');
  assert.equal(goModeFromPosix(0o020620).mode, 2 ** 26 + 2 ** 21 + 0o620);
  assert.equal(posixPermFromGo(2148532735), 0o1777);
  assert.equal(posixPermFromGo(8389101), 0o4755);
  assert.equal(posixPermFromGo(2 ** 22 + 0o640), 0o2640);
});

test('timestamps: RFC 3339 with nanoseconds, trailing zeros trimmed, offsets', () => {
  const ns = 1614834367123456789n;
  assert.equal(formatTimestamp(ns, 0), '2021-03-04T05:06:07.123456789Z');
  assert.equal(formatTimestamp(1614834367120000000n, 0), '2021-03-04T05:06:07.12Z');
  assert.equal(formatTimestamp(1614834367000000000n, 0), '2021-03-04T05:06:07Z');
  assert.equal(formatTimestamp(ns, 60), '2021-03-04T06:06:07.123456789+01:00');
  assert.equal(formatTimestamp(ns, -330), '2021-03-03T23:36:07.123456789-05:30');
  assert.equal(parseTimestamp('2021-03-04T06:06:07.123456789+01:00'), ns);
  assert.equal(parseTimestamp('2021-03-04T05:06:07.1234567891Z'), undefined);
  assert.equal(parseTimestamp(formatTimestamp(ns)), ns);
  assert.equal(parseTimestamp('0001-01-01T00:00:00Z'), -62135596800n * 1_000_000_000n);
});

test('path patterns follow restic: relative float, absolute anchored, ** spans, dirs cover children', () => {
  const m = (p: string, path: string) => matchPattern(parsePattern(p), path);
  assert.ok(m('*.txt', '/tmp/rx/src/a.txt'));
  assert.ok(!m('*.txt', '/tmp/rx/src/a.txt2'));
  assert.ok(m('src/sub', '/tmp/rx/src/sub'));
  assert.ok(m('src/sub', '/tmp/rx/src/sub/hard'));
  assert.ok(m('/tmp/rx/src/empty', '/tmp/rx/src/empty'));
  assert.ok(!m('/rx/src/empty', '/tmp/rx/src/empty'));
  assert.ok(m('rx/src/link', '/tmp/rx/src/link'));
  assert.ok(m('/tmp/**/deep', '/tmp/a/b/c/deep'));
  assert.ok(m('/tmp/**/deep', '/tmp/deep'));
  assert.ok(m('f[a-c]?', '/x/fbz'));
  assert.ok(!m('f[^a-c]?', '/x/fbz'));
  assert.ok(m('a\\*b', '/a*b'));
  assert.ok(!m('a\\*b', '/axb'));
  const inc = parsePattern('/fixture/nested/deeper');
  assert.ok(childMayMatch(inc, '/fixture'));
  assert.ok(childMayMatch(inc, '/fixture/nested'));
  assert.ok(!childMayMatch(inc, '/fixture/sticky'));
  assert.ok(createPathFilter(['nope', '*.sql']).matches('/db/dump.sql'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterLines, selectTables } from './dump-filter.ts';

async function collect(it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString('utf8');
}

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const b = Buffer.from(text);
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

const longInsert = 'INSERT INTO `b` VALUES ' + '(1,\'x😀\'),'.repeat(5000) + '(2,\'y\');';
const dump = [
  '/*!40101 SET NAMES utf8mb4 */;', '', '--', '-- Table structure for table `a`', '--', 'CREATE TABLE `a` (x int);',
  '--', '-- Dumping data for table `a`', '--', 'INSERT INTO `a` VALUES (1);',
  '--', '-- Table structure for table `b`', '--', 'CREATE TABLE `b` (x int);',
  '--', '-- Dumping data for table `b`', '--', longInsert,
  '--', '-- Table structure for table `we``ird`', '--', 'CREATE TABLE `we``ird` (x int);',
  '--', '-- Dumping routines for database \'d\'', '--', 'CREATE PROCEDURE p() BEGIN END;',
  '/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;', '-- Dump completed', '',
].join('\n');

test('filterLines with keep-all reproduces the input at any chunk size, long lines included', async () => {
  for (const size of [1, 3, 7, 100, 1023, 1024, 1025, 65536]) {
    assert.equal(await collect(filterLines(chunked(dump, size), () => true)), dump, `chunk size ${size}`);
  }
});

test('selectTables keeps preamble, chosen sections and footer, at any chunk size', async () => {
  for (const size of [1, 5, 1000, 65536]) {
    const out = await collect(selectTables(chunked(dump, size), ['b', 'we`ird']));
    assert.ok(out.startsWith('/*!40101 SET NAMES utf8mb4 */;'));
    assert.ok(!out.includes('CREATE TABLE `a`') && !out.includes('INSERT INTO `a`'));
    assert.ok(out.includes('CREATE TABLE `b`') && out.includes(longInsert + '\n'));
    assert.ok(out.includes('CREATE TABLE `we``ird`'));
    assert.ok(!out.includes('PROCEDURE'));
    assert.ok(out.includes('/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n-- Dump completed\n'));
  }
  await assert.rejects(collect(selectTables(chunked(dump, 50), ['b', 'zz'])), /table `zz` not found in the dump/);
});

// Tree node names as restic stores them. restic 0.14 (and later) writes a node's name through Go's
// strconv.Quote with the surrounding quotes removed, and reads it back with strconv.Unquote. So a
// name is not the file name but an escaped form of its raw bytes: `a"b` is stored as `a\"b`,
// the byte 0xff as `\xff`, a tab as `\t`, U+00A0 as `\u00a0`. Confirmed with restic 0.14 on
// files named with invalid UTF-8, control characters, quotes and backslashes. Matching this
// exactly is what lets restic restore our names and us restore restic's, and it gives our tree
// blobs the same bytes as restic's.

import { IntegrityError } from '../../errors.ts';

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const HEX = '0123456789abcdef';

/** Length of the valid UTF-8 sequence starting at i, or 0 when the byte there starts none. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const b0 = b[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

function hex(n: number, width: number): string {
  let s = '';
  for (let k = width - 1; k >= 0; k--) s += HEX[(n >>> (4 * k)) & 15];
  return s;
}

const SHORT_ESCAPES: Record<number, string> = {
  0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v',
};

/** Raw name bytes → the node name restic stores (Go strconv.Quote without the quotes). */
export function encodeNodeName(raw: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const len = utf8SequenceLength(raw, i);
    if (len === 0) {
      out += '\\x' + hex(raw[i]!, 2);
      i += 1;
      continue;
    }
    const ch = Buffer.from(raw.buffer, raw.byteOffset + i, len).toString('utf8');
    const cp = ch.codePointAt(0)!;
    i += len;
    if (cp === 0x22 || cp === 0x5c) out += '\\' + ch;
    else if (cp === 0x20 || PRINTABLE.test(ch)) out += ch;
    else if (SHORT_ESCAPES[cp] !== undefined) out += SHORT_ESCAPES[cp];
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
    else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out;
}

const UNESCAPES: Record<string, number> = {
  a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b, '\\': 0x5c, '"': 0x22,
};

/** A stored node name → its raw bytes (Go strconv.Unquote). Throws IntegrityError when malformed. */
export function decodeNodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  let plainStart = 0;
  const fail = (why: string) => new IntegrityError(`decode tree node name ${JSON.stringify(name)}: ${why}`);
  let i = 0;
  while (i < name.length) {
    const c = name[i]!;
    if (c === '"' || c === '\n') throw fail('unescaped quote or newline');
    if (c !== '\\') { i++; continue; }
    if (i > plainStart) parts.push(Buffer.from(name.slice(plainStart, i), 'utf8'));
    const e = name[i + 1];
    if (e === undefined) throw fail('trailing backslash');
    if (UNESCAPES[e] !== undefined) {
      parts.push(Buffer.from([UNESCAPES[e]!]));
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const width = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const digits = name.slice(i + 2, i + 2 + width);
      if (digits.length !== width || !/^[0-9a-fA-F]+$/.test(digits)) throw fail(`bad \\${e} escape`);
      const v = parseInt(digits, 16);
      if (e === 'x') parts.push(Buffer.from([v]));
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw fail(`invalid code point \\${e}${digits}`);
        parts.push(Buffer.from(String.fromCodePoint(v), 'utf8'));
      }
      i += 2 + width;
    } else if (e >= '0' && e <= '7') {
      const digits = name.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) throw fail('bad octal escape');
      parts.push(Buffer.from([parseInt(digits, 8)]));
      i += 4;
    } else {
      throw fail(`unknown escape \\${e}`);
    }
    plainStart = i;
  }
  if (plainStart < name.length) parts.push(Buffer.from(name.slice(plainStart), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * Checks that a stored name is a single safe path component: never empty, `.`, `..`, and never
 * containing `/` or NUL. Restoring a name that fails this could escape the target directory.
 */
export function safeNameBytes(name: string, where: string): Buffer {
  const raw = decodeNodeName(name);
  if (raw.length === 0 || raw.includes(0x2f) || raw.includes(0) || (raw.length <= 2 && raw.every((b) => b === 0x2e))) {
    throw new IntegrityError(`${where}: unsafe node name ${JSON.stringify(name)} (empty, '.', '..', or contains '/' or NUL)`);
  }
  return raw;
}

/** How `ls` shows a name: raw bytes decoded as UTF-8 with U+FFFD for invalid bytes, as restic does. */
export function displayName(name: string): string {
  try {
    return decodeNodeName(name).toString('utf8');
  } catch {
    return name;
  }
}


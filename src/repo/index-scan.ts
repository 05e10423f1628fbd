// A scanner for index file JSON that extracts blob entries straight from the bytes into typed
// arrays, without building a JS object (and two strings) per blob: JSON.parse of a repository's
// whole index costs several times the index's size in short-lived heap, which is what set the
// memory peak of opening a large repository. Anything unexpected (escapes in an ID, fractional
// numbers, wrong types) makes scan() return false; the caller then takes the JSON.parse path,
// which validates and reports properly.

const C = { OBJ: 123, OBJ_END: 125, ARR: 91, ARR_END: 93, COLON: 58, COMMA: 44, QUOTE: 34, BACKSLASH: 92 };

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

function keyBytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
const K_PACKS = keyBytes('packs');
const K_ID = keyBytes('id');
const K_BLOBS = keyBytes('blobs');
const K_TYPE = keyBytes('type');
const K_OFFSET = keyBytes('offset');
const K_LENGTH = keyBytes('length');
const K_ULEN = keyBytes('uncompressed_length');
const V_DATA = keyBytes('data');
const V_TREE = keyBytes('tree');

class Malformed extends Error {}

/** Blob entries of one index file: IDs (32 bytes each) and, per entry, 5 uint32 fields. */
export class IndexBatch {
  ids = new Uint8Array(32 * 1024);
  /** pack (number into `packs`), offset, length, uncompressed length + 1 (0: none), type (0 data, 1 tree). */
  fields = new Uint32Array(5 * 1024);
  packs: string[] = [];
  count = 0;

  reset(): void {
    this.count = 0;
    this.packs = [];
  }

  /** Room for one more entry; returns its number. */
  next(): number {
    if (this.count * 32 === this.ids.length) {
      const ids = new Uint8Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const f = new Uint32Array(this.fields.length * 2);
      f.set(this.fields);
      this.fields = f;
    }
    return this.count++;
  }
}

class Scanner {
  readonly b: Uint8Array;
  p = 0;

  constructor(b: Uint8Array) {
    this.b = b;
  }

  ws(): number {
    const b = this.b;
    let p = this.p;
    for (; p < b.length; p++) {
      const c = b[p]!;
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    }
    this.p = p;
    if (p >= b.length) throw new Malformed();
    return b[p]!;
  }

  expect(c: number): void {
    if (this.ws() !== c) throw new Malformed();
    this.p++;
  }

  /** After a value in a list: true if another follows (consumes the comma), false at `end`. */
  more(end: number): boolean {
    const c = this.ws();
    this.p++;
    if (c === C.COMMA) return true;
    if (c === end) return false;
    throw new Malformed();
  }

  /** Start and end of the last plainString(). */
  a = 0;
  e = 0;

  /** A string without escapes: sets a and e to its [start, end) in the buffer. */
  plainString(): void {
    this.expect(C.QUOTE);
    const b = this.b;
    const start = this.p;
    let p = start;
    for (; p < b.length; p++) {
      const c = b[p]!;
      if (c === C.QUOTE) break;
      if (c === C.BACKSLASH || c < 32) throw new Malformed();
    }
    if (p >= b.length) throw new Malformed();
    this.p = p + 1;
    this.a = start;
    this.e = p;
  }

  /** Whether the last plainString() equals `want`. */
  is(want: Uint8Array): boolean {
    if (this.e - this.a !== want.length) return false;
    for (let i = 0; i < want.length; i++) if (this.b[this.a + i] !== want[i]) return false;
    return true;
  }

  /** A non-negative integer below 2^32. */
  uint(): number {
    const b = this.b;
    let p = this.p;
    this.ws();
    p = this.p;
    let v = 0;
    const start = p;
    for (; p < b.length; p++) {
      const c = b[p]!;
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (p === start || p - start > 10 || v > 0xffffffff) throw new Malformed();
    const c = b[p];
    if (c === 46 || c === 101 || c === 69) throw new Malformed(); // '.', 'e', 'E'
    this.p = p;
    return v;
  }

  /** Skips any JSON value (strings may hold escapes here). */
  skip(): void {
    const c = this.ws();
    const b = this.b;
    if (c === C.QUOTE) {
      let p = this.p + 1;
      for (; p < b.length; p++) {
        const d = b[p]!;
        if (d === C.BACKSLASH) p++;
        else if (d === C.QUOTE) break;
      }
      if (p >= b.length) throw new Malformed();
      this.p = p + 1;
      return;
    }
    if (c === C.OBJ || c === C.ARR) {
      const end = c === C.OBJ ? C.OBJ_END : C.ARR_END;
      this.p++;
      if (this.ws() === end) {
        this.p++;
        return;
      }
      do {
        if (c === C.OBJ) {
          if (this.ws() !== C.QUOTE) throw new Malformed();
          this.skip();
          this.expect(C.COLON);
        }
        this.skip();
      } while (this.more(end));
      return;
    }
    // number, true, false, null
    let p = this.p;
    for (; p < b.length; p++) {
      const d = b[p]!;
      if (d === C.COMMA || d === C.OBJ_END || d === C.ARR_END || d === 32 || d === 10 || d === 13 || d === 9) break;
    }
    if (p === this.p) throw new Malformed();
    this.p = p;
  }


  /** Opens an object: true if it has members (then the first key follows). */
  open(): boolean {
    this.expect(C.OBJ);
    if (this.ws() === C.OBJ_END) {
      this.p++;
      return false;
    }
    return true;
  }

  /** Opens an array: true if it has elements. */
  openArray(): boolean {
    this.expect(C.ARR);
    if (this.ws() === C.ARR_END) {
      this.p++;
      return false;
    }
    return true;
  }

  /** Reads a member's key (then test it with is()). */
  key(): void {
    this.plainString();
    this.expect(C.COLON);
  }
}

function blob(s: Scanner, out: IndexBatch, pack: number): void {
  const n = out.next();
  const f = n * 5;
  const fields = out.fields;
  let seen = 0;
  fields[f] = pack;
  fields[f + 3] = 0;
  if (s.open()) {
    do {
      s.key();
      if (s.is(K_ID)) {
        s.plainString();
        const a = s.a;
        if (s.e - a !== 64) throw new Malformed();
        const ids = out.ids;
        const b = s.b;
        for (let i = 0; i < 32; i++) {
          const hi = HEX[b[a + 2 * i]!]!;
          const lo = HEX[b[a + 2 * i + 1]!]!;
          if (hi < 0 || lo < 0) throw new Malformed();
          ids[n * 32 + i] = (hi << 4) | lo;
        }
        seen |= 1;
      } else if (s.is(K_TYPE)) {
        s.plainString();
        if (s.is(V_DATA)) fields[f + 4] = 0;
        else if (s.is(V_TREE)) fields[f + 4] = 1;
        else throw new Malformed();
        seen |= 2;
      } else if (s.is(K_OFFSET)) {
        fields[f + 1] = s.uint();
        seen |= 4;
      } else if (s.is(K_LENGTH)) {
        fields[f + 2] = s.uint();
        seen |= 8;
      } else if (s.is(K_ULEN)) {
        const u = s.uint();
        fields[f + 3] = u > 0 ? u + 1 : 0;
      } else s.skip();
    } while (s.more(C.OBJ_END));
  }
  if (seen !== 15) throw new Malformed();
}

function blobs(s: Scanner, out: IndexBatch, pack: number): void {
  if (!s.openArray()) return;
  do blob(s, out, pack);
  while (s.more(C.ARR_END));
}

function pack(s: Scanner, out: IndexBatch): void {
  let id: string | undefined;
  let blobsAt = -1;
  const no = out.packs.length;
  if (s.open()) {
    do {
      s.key();
      if (s.is(K_ID)) {
        s.plainString();
        id = Buffer.from(s.b.buffer, s.b.byteOffset + s.a, s.e - s.a).toString('latin1');
      } else if (s.is(K_BLOBS)) {
        if (id !== undefined) blobs(s, out, no);
        else {
          // The pack's ID comes after its blobs (restic writes it first): read them below.
          blobsAt = s.p;
          s.skip();
        }
      } else s.skip();
    } while (s.more(C.OBJ_END));
  }
  if (id === undefined) throw new Malformed();
  out.packs.push(id);
  if (blobsAt >= 0) {
    const end = s.p;
    s.p = blobsAt;
    blobs(s, out, no);
    s.p = end;
  }
}

function packs(s: Scanner, out: IndexBatch): void {
  if (!s.openArray()) return;
  do pack(s, out);
  while (s.more(C.ARR_END));
}

/** Extracts every blob entry of an index file's JSON into `out` (reset first); false if the fast path cannot. */
export function scanIndexJson(json: Uint8Array, out: IndexBatch): boolean {
  out.reset();
  const s = new Scanner(json);
  try {
    if (s.ws() === C.ARR) packs(s, out); // very old repositories: a bare array of packs
    else {
      let sawPacks = false;
      if (s.open()) {
        do {
          s.key();
          if (s.is(K_PACKS)) {
            sawPacks = true;
            packs(s, out);
          } else s.skip();
        } while (s.more(C.OBJ_END));
      }
      if (!sawPacks) return false;
    }
    for (let p = s.p; p < json.length; p++) {
      const d = json[p]!;
      if (d !== 32 && d !== 10 && d !== 13 && d !== 9) return false;
    }
    return true;
  } catch (err) {
    if (err instanceof Malformed) return false;
    throw err;
  }
}

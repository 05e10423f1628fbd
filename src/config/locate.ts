// Maps a config path (as zod reports it) back to a line and column in the YAML source, so every
// problem can be reported as `lifeboat.yaml:12:7 jobs.orders-db.source.port: …`.

import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type ConfigPath = ReadonlyArray<string | number>;

/** `jobs.orders-db.repositories[1]`; keys that would be ambiguous are quoted: `jobs["a.b"]`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(top level)' : out;
}

export interface Position {
  line: number;
  col: number;
}

function deref(doc: Document, node: unknown): unknown {
  // Follow `*alias` to its anchor so problems inside shared blocks still get a line.
  return isAlias(node) ? node.resolve(doc) : node;
}

function findPair(doc: Document, map: unknown, key: string, depth = 0): { key: Node; value: unknown } | undefined {
  if (!isMap(map) || depth > 8) return undefined;
  for (const pair of map.items) {
    const k = pair.key;
    if (isScalar(k) && String(k.value) === key) return { key: k, value: pair.value };
  }
  // `<<: *base` merge keys: the value may come from the merged map.
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === '<<') {
      const merged = deref(doc, pair.value);
      const sources = isSeq(merged) ? merged.items.map((i) => deref(doc, i)) : [merged];
      for (const src of sources) {
        const hit = findPair(doc, src, key, depth + 1);
        if (hit) return hit;
      }
    }
  }
  return undefined;
}

/**
 * The position that best explains a problem at `path`: the key of the last mapping entry on the
 * path (where a reader's eye goes), a sequence item itself, or — for a missing key — the
 * closest ancestor that exists.
 */
export function locate(doc: Document, lc: LineCounter, path: ConfigPath): Position {
  let node: unknown = doc.contents;
  let mark: Node | undefined = isMap(node) || isSeq(node) || isScalar(node) ? (node as Node) : undefined;
  for (const seg of path) {
    node = deref(doc, node);
    if (typeof seg === 'number' && isSeq(node)) {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      mark = deref(doc, item) as Node;
    } else {
      const hit = findPair(doc, node, String(seg));
      if (!hit) break;
      node = hit.value;
      mark = hit.key;
    }
  }
  const offset = mark?.range?.[0] ?? 0;
  const { line, col } = lc.linePos(offset);
  return { line, col };
}

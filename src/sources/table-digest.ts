// Per-table digests of a dump's rows, read line by line with bounded memory: each line that
// belongs to a table's data is added to that table's size and sha256. The engines say which
// lines are rows (postgres: the COPY blocks of pg_restore's SQL; mysql: its INSERT lines).

import { createHash, type Hash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { TableDigest } from './descriptor.ts';

/** Returns the table a line's rows belong to, or undefined for a line that holds none. */
export type LineClassifier = (line: string) => string | undefined;

export async function digestLines(input: AsyncIterable<Uint8Array>, classify: LineClassifier): Promise<TableDigest[]> {
  const tables = new Map<string, { bytes: number; hash: Hash }>();
  const lines = createInterface({ input: Readable.from(input, { objectMode: false }), crlfDelay: Infinity });
  for await (const line of lines) {
    const table = classify(line);
    if (table === undefined) continue;
    let t = tables.get(table);
    if (!t) tables.set(table, (t = { bytes: 0, hash: createHash('sha256') }));
    t.bytes += Buffer.byteLength(line) + 1;
    t.hash.update(line).update('\n');
  }
  return [...tables].map(([table, t]) => ({ table, bytes: t.bytes, sha256: t.hash.digest('hex') })).sort((a, b) => a.table.localeCompare(b.table));
}

/** pg_restore's SQL: `COPY schema.table (cols) FROM stdin;`, rows, `\.`. */
export function copyBlockClassifier(): LineClassifier {
  let current: string | undefined;
  return (line) => {
    if (current !== undefined) {
      if (line === '\\.') {
        current = undefined;
        return undefined;
      }
      return current;
    }
    const m = /^COPY (\S+) .*FROM stdin;$/.exec(line);
    if (m) current = m[1];
    return undefined;
  };
}

/**
 * A mysqldump/mariadb-dump file: `INSERT INTO \`table\` VALUES …;`, on one line (mysqldump) or
 * with a row per line until the `;` (newer mariadb-dump). Strings in a dump have their line
 * breaks escaped, so a statement ends at the first line ending in `;`.
 */
export function insertLineClassifier(): LineClassifier {
  let current: string | undefined;
  return (line) => {
    const table = current ?? /^INSERT (?:IGNORE )?INTO `((?:[^`]|``)+)`/.exec(line)?.[1]?.replaceAll('``', '`');
    current = table !== undefined && !line.endsWith(';') ? table : undefined;
    return table;
  };
}

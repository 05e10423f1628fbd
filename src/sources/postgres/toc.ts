// Read and parse `pg_restore --list` output (the archive's table of contents) into objects the
// CLI can print and a table restore can choose from. pg_restore prints each entry as
//   `<dumpId>; <catalog oid> <object oid> <TYPE> <schema|-> <name> <owner>`
// where TYPE may be several words (`TABLE DATA`, `FK CONSTRAINT`) and the name may hold spaces
// (`f(integer, text)`), so known multi-word types are matched first and the owner is the last word.
// With `--verbose`, pg_restore follows an entry with `;\tdepends on: <dumpId> …`: the archive's
// own dependency list, which is how a table's indexes, constraints and triggers are found (their
// lines alone do not always name the table: `INDEX public customers_lower`).

import { spawnTool } from '../process.ts';

export interface PgTocEntry {
  dumpId: number;
  /** e.g. TABLE, TABLE DATA, INDEX, FUNCTION, SEQUENCE SET, EXTENSION, BLOB, TRIGGER… */
  type: string;
  /** null for objects outside a schema (extensions, large objects, the database itself). */
  schema: string | null;
  name: string;
  /** '' when the archive records none. */
  owner: string;
  /** The line as pg_restore printed it. */
  line: string;
  /** Dump IDs this entry depends on (only from `pg_restore --list --verbose`; may repeat). */
  deps: number[];
}

const MULTI_WORD_TYPES = [
  'PUBLICATION TABLES IN SCHEMA', 'TEXT SEARCH CONFIGURATION', 'TEXT SEARCH DICTIONARY',
  'MATERIALIZED VIEW DATA', 'FOREIGN DATA WRAPPER', 'TEXT SEARCH TEMPLATE', 'TEXT SEARCH PARSER',
  'PROCEDURAL LANGUAGE', 'SEQUENCE OWNED BY', 'PUBLICATION TABLE', 'MATERIALIZED VIEW',
  'CHECK CONSTRAINT', 'OPERATOR FAMILY', 'OPERATOR CLASS', 'FOREIGN SERVER', 'FOREIGN TABLE',
  'BLOB METADATA', 'EVENT TRIGGER', 'ACCESS METHOD', 'FK CONSTRAINT', 'SEQUENCE SET', 'TABLE ATTACH',
  'INDEX ATTACH', 'USER MAPPING', 'ROW SECURITY', 'DEFAULT ACL', 'LARGE OBJECT', 'SHELL TYPE',
  'TABLE DATA', 'BLOBS',
];

export function parsePgToc(text: string): PgTocEntry[] {
  const out: PgTocEntry[] = [];
  for (const line of text.split('\n')) {
    const dep = /^;\s*depends on:(.*)$/.exec(line);
    if (dep && out.length > 0) {
      for (const id of dep[1]!.trim().split(/\s+/)) if (id !== '') out.at(-1)!.deps.push(Number(id));
      continue;
    }
    if (line.startsWith(';') || line.trim() === '') continue;
    const m = /^(\d+);\s+\d+\s+\d+\s+(.*)$/.exec(line);
    if (!m) continue;
    let rest = m[2]!;
    let type = MULTI_WORD_TYPES.find((t) => rest.startsWith(t + ' '));
    if (!type) type = rest.split(' ', 1)[0]!;
    rest = rest.slice(type.length + 1);
    const sp = rest.indexOf(' ');
    const schema = sp < 0 ? rest : rest.slice(0, sp);
    rest = sp < 0 ? '' : rest.slice(sp + 1);
    // The owner is the last word; an empty owner leaves a trailing space.
    const last = rest.lastIndexOf(' ');
    const name = last < 0 ? rest : rest.slice(0, last);
    const owner = last < 0 ? '' : rest.slice(last + 1);
    out.push({ dumpId: Number(m[1]), type, schema: schema === '-' ? null : schema, name, owner, line, deps: [] });
  }
  return out;
}

/**
 * The dump's objects and their dependencies (`pg_restore --list --verbose`). Reads only the
 * archive's header from the stream, then pg_restore exits and feeding stops.
 */
export async function listPostgresDump(
  stream: AsyncIterable<Uint8Array>,
  opts: { pgRestorePath?: string; signal?: AbortSignal } = {},
): Promise<PgTocEntry[]> {
  const { done } = spawnTool({
    label: 'pg_restore --list',
    command: opts.pgRestorePath ?? 'pg_restore',
    args: ['--list', '--verbose'],
    stdin: stream,
    stdout: 'collect',
    signal: opts.signal,
  });
  return parsePgToc((await done).stdout);
}

// Work on a mariadb-dump/mysqldump SQL stream line by line without holding it in memory:
// choose the sections of some tables (partial restore) or list the dump's objects.
//
// Why filtering one full dump rather than dumping each table separately: one dump with
// --single-transaction is one consistent snapshot of the whole database, and per-table files
// would multiply snapshot entries. The dump tool writes every table as labelled sections:
//   -- Table structure for table `t`            (DROP TABLE, CREATE TABLE)
//   -- Dumping data for table `t`               (INSERTs, then the table's triggers)
//   -- Temporary table structure for view `v`   (placeholder so other views can refer to it)
//   -- Final view structure for view `v`        (the real CREATE VIEW, near the end)
//   -- Dumping events / routines for database 'd'
// and a preamble and footer of session SET statements. String values are escaped (`\n`), so
// every physical line of table data starts a statement; only routine/trigger/view bodies may
// hold raw newlines, and the filter keys on the exact header comments above. A line is only
// classified by its first bytes, so a multi-megabyte INSERT line streams through unbuffered.

export interface MysqlDumpObject {
  type: 'TABLE' | 'VIEW' | 'TRIGGER' | 'PROCEDURE' | 'FUNCTION' | 'EVENT';
  name: string;
  /** For triggers: the table it belongs to. */
  table?: string;
}

import { SourceError } from '../../errors.ts';

const HEAD_MAX = 1024;
const SECTION = /^-- (Table structure for table|Dumping data for table|Temporary table structure for view|Final view structure for view) `((?:[^`]|``)+)`\s*$/;
const DB_SECTION = /^-- Dumping (events|routines) for database '/;
const FOOTER = '/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;';
const TRIGGER = /^\/\*!50003 CREATE\*\/ .*?\/\*!50003 TRIGGER (`(?:[^`]|``)+`|\S+) (?:BEFORE|AFTER) \w+ ON (`(?:[^`]|``)+`|\S+)/;
const ROUTINE = /^CREATE (?:DEFINER=\S+ )?(PROCEDURE|FUNCTION) (`(?:[^`]|``)+`|\S+?)\(/;
const EVENT = /^\/\*!50106 CREATE\*\/ .*?\/\*!50106 EVENT (`(?:[^`]|``)+`|\S+)/;

function unquote(name: string): string {
  return name.startsWith('`') ? name.slice(1, -1).replace(/``/g, '`') : name.replace(/``/g, '`');
}

/**
 * Yield the input with each line kept or dropped by `keep(head)`, where `head` is the line's
 * first bytes (up to 1 KiB, decoded as UTF-8). Memory is bounded by the chunk size.
 */
export async function* filterLines(
  input: AsyncIterable<Uint8Array>,
  keep: (head: string) => boolean,
): AsyncGenerator<Uint8Array> {
  let head: Buffer[] = [];
  let headLen = 0;
  let decided: boolean | undefined;
  for await (const raw of input) {
    const chunk = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const end = nl < 0 ? chunk.length : nl + 1;
      if (decided === undefined) {
        const take = Math.min(end - pos, HEAD_MAX - headLen);
        head.push(Buffer.from(chunk.subarray(pos, pos + take)));
        headLen += take;
        pos += take;
        const lineEnded = pos === end && nl >= 0;
        if (!lineEnded && headLen < HEAD_MAX) continue; // need more bytes to classify
        const h = Buffer.concat(head);
        head = [];
        headLen = 0;
        const k = keep(h.toString('utf8'));
        if (k) out.push(h);
        decided = lineEnded ? undefined : k;
      } else {
        if (decided) out.push(chunk.subarray(pos, end));
        pos = end;
        if (nl >= 0) decided = undefined;
      }
    }
    if (out.length > 0) yield Buffer.concat(out);
  }
  if (headLen > 0) {
    const h = Buffer.concat(head);
    if (keep(h.toString('utf8'))) yield h;
  }
}

type Section = { kind: 'preamble' | 'footer' | 'routines' | 'events' } | { kind: 'relation'; name: string };

/** Tracks which section of a dump a line belongs to. */
function sectionTracker(): (head: string) => Section {
  let current: Section = { kind: 'preamble' };
  return (head) => {
    const m = SECTION.exec(head.trimEnd());
    if (m) current = { kind: 'relation', name: unquote(m[2]!) };
    else if (DB_SECTION.test(head)) current = { kind: head.includes('events') ? 'events' : 'routines' };
    else if (head.startsWith(FOOTER)) current = { kind: 'footer' };
    return current;
  };
}

/**
 * Keep the preamble and footer, the sections of the chosen tables/views (structure, data and
 * their triggers), and — only if asked — routines and events. Requested names absent from
 * the dump make the stream throw at its end, so the restore fails loudly.
 */
export async function* selectTables(
  input: AsyncIterable<Uint8Array>,
  tables: string[],
  opts: { routines?: boolean; events?: boolean; label?: string; onObject?: (o: MysqlDumpObject) => void } = {},
): AsyncGenerator<Uint8Array> {
  const wanted = new Set(tables);
  const found = new Set<string>();
  const section = sectionTracker();
  yield* filterLines(input, (head) => {
    const s = section(head);
    switch (s.kind) {
      case 'preamble': case 'footer': return true;
      case 'routines': return opts.routines === true;
      case 'events': return opts.events === true;
      case 'relation': {
        if (!wanted.has(s.name)) return false;
        if (!found.has(s.name)) {
          found.add(s.name);
          opts.onObject?.({ type: /for view/.test(head) ? 'VIEW' : 'TABLE', name: s.name });
        }
        const t = opts.onObject && TRIGGER.exec(head);
        if (t) opts.onObject!({ type: 'TRIGGER', name: unquote(t[1]!), table: unquote(t[2]!) });
        return true;
      }
    }
  });
  const missing = tables.filter((t) => !found.has(t));
  if (missing.length > 0) {
    throw new SourceError(`${opts.label ?? 'mysql restore'}: table ${missing.map((t) => `\`${t}\``).join(', ')} not found in the dump`, null, '');
  }
}


/** List the objects of a dump (tables, views, triggers, routines, events), reading it once. */
export async function listDumpObjects(input: AsyncIterable<Uint8Array>): Promise<MysqlDumpObject[]> {
  const out: MysqlDumpObject[] = [];
  const seen = new Set<string>();
  const add = (o: MysqlDumpObject): void => {
    const key = `${o.type} ${o.name}`;
    if (!seen.has(key)) { seen.add(key); out.push(o); }
  };
  const lines = filterLines(input, (head) => {
    let m = SECTION.exec(head.trimEnd());
    if (m) {
      const kind = m[1]!;
      if (kind === 'Table structure for table') add({ type: 'TABLE', name: unquote(m[2]!) });
      else if (kind.endsWith('for view')) add({ type: 'VIEW', name: unquote(m[2]!) });
    } else if ((m = TRIGGER.exec(head))) {
      add({ type: 'TRIGGER', name: unquote(m[1]!), table: unquote(m[2]!) });
    } else if ((m = ROUTINE.exec(head))) {
      add({ type: m[1] as 'PROCEDURE' | 'FUNCTION', name: unquote(m[2]!) });
    } else if ((m = EVENT.exec(head))) {
      add({ type: 'EVENT', name: unquote(m[1]!) });
    }
    return false;
  });
  for await (const _ of lines) { /* classification happens in the callback */ }
  return out;
}

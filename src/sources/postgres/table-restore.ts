// The I/O around a table restore (the choice itself is table-plan.ts): read the archive's
// table of contents from the start of the dump stream, ask the target which supporting objects
// it already has, and write the `pg_restore --use-list` file.
//
// The dump is read once: `pg_restore --list` reads only the header of a custom archive (the
// TOC is at its start), and the bytes it was fed are replayed into the real pg_restore ahead
// of the rest of the stream (replayable-stream.ts). The list file holds object names only (no
// data, no secrets) and lives in a private temporary directory removed after the restore.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { replayable } from '../replayable-stream.ts';
import type { PgConnection } from './connection.ts';
import { quoteIdent, withPgClient } from './connection.ts';
import { listFileText, lookupsFor, planTableRestore, resolveTables } from './table-plan.ts';
import type { ObjectLookup, TablePlan } from './table-plan.ts';
import { listPostgresDump } from './toc.ts';

/** The TOC of a dump with a hundred thousand objects is tens of MB; more means something is off. */
const MAX_HEADER_BYTES = 256 * 1024 * 1024;

export interface PreparedTableRestore {
  plan: TablePlan;
  /** The whole dump stream again, starting with the bytes the TOC was read from. */
  input: AsyncIterable<Uint8Array>;
  /** Path of the `pg_restore --use-list` file. */
  listFile: string;
  /** Stop the source and remove the list file. */
  dispose(): Promise<void>;
}

export interface TableRestoreRequest extends PgConnection {
  database: string;
  /** Whether the target database exists (else nothing is there yet to look up). */
  targetExists: boolean;
  tables: string[];
  schemas?: string[];
  noOwner?: boolean;
  pgRestorePath?: string;
  signal?: AbortSignal;
}

/**
 * Read the TOC and choose the entries. Throws (and stops the stream) for unknown or ambiguous
 * names before the target is changed.
 */
export async function prepareTableRestore(stream: AsyncIterable<Uint8Array>, req: TableRestoreRequest): Promise<PreparedTableRestore> {
  const source = replayable(stream, MAX_HEADER_BYTES, 'pg_restore --list');
  let dir: string | undefined;
  const dispose = async (): Promise<void> => {
    await source.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const toc = await listPostgresDump(source.peek, { pgRestorePath: req.pgRestorePath, signal: req.signal });
    const roots = resolveTables(toc, req.tables, req.schemas);
    const lookups = lookupsFor(toc, roots);
    const present = req.targetExists && lookups.length > 0 ? await presentInTarget(req, req.database, lookups, req.signal) : new Set<number>();
    const plan = planTableRestore(toc, roots, present, { noOwner: req.noOwner });
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-pg-list-'));
    const listFile = path.join(dir, 'restore.list');
    await writeFile(listFile, listFileText(plan), { mode: 0o600 });
    return { plan, input: source.replay(), listFile, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

const PRESENT_SQL = `
SELECT l.id FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[]) AS l(id, kind, sch, name, tab)
WHERE CASE l.kind
  WHEN 'relation' THEN EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                               WHERE n.nspname = l.sch AND c.relname = l.name)
  WHEN 'constraint' THEN EXISTS (SELECT 1 FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                                 JOIN pg_namespace n ON n.oid = c.relnamespace
                                 WHERE n.nspname = l.sch AND c.relname = l.tab AND k.conname = l.name)
  WHEN 'type' THEN EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                           WHERE n.nspname = l.sch AND t.typname = l.name)
  WHEN 'collation' THEN EXISTS (SELECT 1 FROM pg_collation o JOIN pg_namespace n ON n.oid = o.collnamespace
                                WHERE n.nspname = l.sch AND o.collname = l.name)
  WHEN 'schema' THEN EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = l.name)
  WHEN 'extension' THEN EXISTS (SELECT 1 FROM pg_extension x WHERE x.extname = l.name)
  ELSE false END`;

/** The dump IDs of `lookups` whose object the target database already has. */
export async function presentInTarget(
  conn: PgConnection, database: string, lookups: ObjectLookup[], signal?: AbortSignal,
): Promise<Set<number>> {
  return withPgClient(conn, database, `postgres restore: look up objects in "${database}"`, signal, async (c) => {
    const plain = lookups.filter((l) => l.kind !== 'function');
    const r = await c.query<{ id: number }>(PRESENT_SQL, [
      plain.map((l) => l.dumpId), plain.map((l) => l.kind), plain.map((l) => l.schema),
      plain.map((l) => l.name), plain.map((l) => l.table ?? ''),
    ]);
    const present = new Set(r.rows.map((row) => row.id));
    for (const l of lookups) if (l.kind === 'function' && await functionExists(c, l)) present.add(l.dumpId);
    return present;
  });
}

/**
 * A function's TOC name is its signature, `item_count(public.mood)`, with the name unquoted.
 * Before PostgreSQL 16, to_regprocedure raises (rather than returning NULL) when an argument
 * type is missing; the function cannot exist then either.
 */
async function functionExists(c: pg.Client, l: ObjectLookup): Promise<boolean> {
  const open = l.name.indexOf('(');
  if (open < 0) return false;
  const signature = `${quoteIdent(l.schema)}.${quoteIdent(l.name.slice(0, open))}${l.name.slice(open)}`;
  try {
    const r = await c.query<{ ok: boolean }>('SELECT to_regprocedure($1) IS NOT NULL AS ok', [signature]);
    return r.rows[0]!.ok;
  } catch {
    return false;
  }
}

// Which entries of a custom-format archive a table restore needs, chosen from the archive's own
// table of contents (`pg_restore --list --verbose`, dependencies included). Pure: no I/O.
//
// Why not `pg_restore -t`: it restores the table's definition and data only, without its
// indexes, constraints, defaults, owned sequences, triggers or comments. And an entry's list
// line does not reliably name its table (`INDEX public customers_lower`; names may hold
// spaces), but its dependencies do, so the selection follows them:
// 1. The named relations, then everything *attached* to them: entries of the types below whose
//    owning relation is selected (an FK belongs to the referencing table, a DEFAULT to its
//    table even when it also depends on a shared sequence), repeated to a fixed point so a
//    comment on an index or the value of an owned sequence comes along.
// 2. Every dependency must then be satisfiable: selected, present in the target, or a
//    *supporting* object (schema, extension, type, function, sequence…) absent from the
//    target, which is then restored too — a trigger's function, a column's enum type, the
//    schema of a table restored into a new database. An object already in the target is kept
//    as it is (recreating it would fail, or `--clean` would drop it under other users).
// 3. An attached entry that needs something neither restored nor in the target (an FK to a
//    table not restored) is skipped and reported; creating it would only fail the restore.
//    A named relation that needs such a thing (a partition whose parent is missing) is an
//    error before anything is touched.
// The chosen entries keep the archive's order: pg_restore reading a pipe cannot go back.

import { NotFoundError, UsageError } from '../../errors.ts';
import type { DumpObject, SkippedDumpObject } from '../types.ts';
import type { PgTocEntry } from './toc.ts';

/** What `--table` may name (pg_restore's meaning of "table"). */
const RELATIONS = new Set(['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'FOREIGN TABLE', 'SEQUENCE']);
/** Entries that belong to a relation and come with it. */
const ATTACHED = new Set([
  'TABLE DATA', 'MATERIALIZED VIEW DATA', 'INDEX', 'CONSTRAINT', 'CHECK CONSTRAINT', 'FK CONSTRAINT',
  'TRIGGER', 'DEFAULT', 'SEQUENCE', 'SEQUENCE OWNED BY', 'SEQUENCE SET', 'COMMENT', 'ACL',
  'SECURITY LABEL', 'POLICY', 'ROW SECURITY', 'RULE', 'STATISTICS', 'INDEX ATTACH', 'TABLE ATTACH',
]);
/** Attached to whatever they depend on (their line names no relation of their own). */
const ON_ANY_DEP = new Set(['TABLE DATA', 'MATERIALIZED VIEW DATA', 'SEQUENCE OWNED BY', 'SEQUENCE SET', 'COMMENT', 'ACL', 'SECURITY LABEL']);
/** What comes along with a supporting object restored for the tables. */
const SUPPORT_EXTRAS = new Set(['COMMENT', 'ACL', 'SECURITY LABEL', 'SEQUENCE SET']);
/** Restored when a selected entry needs them and the target lacks them. */
const SUPPORTING = new Set(['SCHEMA', 'EXTENSION', 'TYPE', 'DOMAIN', 'FUNCTION', 'PROCEDURE', 'AGGREGATE', 'COLLATION', 'SEQUENCE']);
/** Session settings pg_restore applies before anything else; always kept. */
const SPECIAL = new Set(['ENCODING', 'STDSTRINGS', 'SEARCHPATH']);


export interface TablePlan {
  /** The entries to restore (with the session settings), in archive order: the `-L` list. */
  entries: PgTocEntry[];
  restored: DumpObject[];
  skipped: SkippedDumpObject[];
}

/** How to tell whether the target already has an entry's object (see target-objects.ts). */
export interface ObjectLookup {
  dumpId: number;
  kind: 'relation' | 'constraint' | 'type' | 'function' | 'schema' | 'extension' | 'collation';
  schema: string;
  name: string;
  /** For constraints: the table they are on. */
  table?: string;
}

/** As `--list` shows it, without IDs and owner: `INDEX public orders_code`. */
export function describeEntry(e: PgTocEntry): string {
  return `${e.type} ${dumpObject(e).name}`;
}

function dumpObject(e: PgTocEntry): DumpObject {
  return { type: e.type, name: `${e.schema ?? '-'} ${e.name}` };
}

function qualified(e: PgTocEntry): string {
  return `${e.schema}.${e.name}`;
}

/**
 * The relations `names` denote: `schema.name` exactly, else a name unique across schemas
 * (restricted to `schemas` when given). Unknown and ambiguous names throw.
 */
export function resolveTables(toc: PgTocEntry[], names: string[], schemas: string[] = []): PgTocEntry[] {
  const rels = toc.filter((e) => RELATIONS.has(e.type) && e.schema !== null && (schemas.length === 0 || schemas.includes(e.schema)));
  const found = new Map<number, PgTocEntry>();
  const missing: string[] = [];
  for (const name of names) {
    let hits = rels.filter((e) => qualified(e) === name);
    if (hits.length === 0) hits = rels.filter((e) => e.name === name);
    if (hits.length > 1) {
      throw new UsageError(`restore: table name "${name}" is ambiguous: ${hits.map(qualified).join(', ')}`,
        { hint: `name it with its schema, e.g. --table ${qualified(hits[0]!)}` });
    }
    if (hits.length === 0) missing.push(name);
    else found.set(hits[0]!.dumpId, hits[0]!);
  }
  if (missing.length > 0) {
    throw new NotFoundError(`restore: no table ${missing.map((n) => `"${n}"`).join(', ')} in the dump` +
      (schemas.length ? ` (schemas ${schemas.join(', ')})` : ''),
    { hint: 'lifeboat restore --list shows the dump\'s objects; name a table as schema.table or table' });
  }
  return [...found.values()];
}

interface Graph {
  byId: Map<number, PgTocEntry>;
  dependents: Map<number, PgTocEntry[]>;
}

function graph(toc: PgTocEntry[]): Graph {
  const byId = new Map(toc.map((e) => [e.dumpId, e]));
  const dependents = new Map<number, PgTocEntry[]>();
  for (const e of toc) {
    for (const d of new Set(e.deps)) {
      let list = dependents.get(d);
      if (!list) dependents.set(d, list = []);
      list.push(e);
    }
  }
  return { byId, dependents };
}

/** Relations first, so a reason names the table an FK needs rather than its key. */
function depsOf(e: PgTocEntry, g: Graph): PgTocEntry[] {
  const deps = [...new Set(e.deps)].filter((id) => id !== e.dumpId).map((id) => g.byId.get(id)).filter((d) => d !== undefined);
  return [...deps.filter((d) => RELATIONS.has(d.type)), ...deps.filter((d) => !RELATIONS.has(d.type))];
}

/** The relations an attached entry belongs to. */
function owners(e: PgTocEntry, g: Graph): PgTocEntry[] {
  const deps = depsOf(e, g);
  if (ON_ANY_DEP.has(e.type)) return deps;
  const rels = deps.filter((d) => RELATIONS.has(d.type));
  // `CONSTRAINT public orders orders_pkey`, `DEFAULT public customers id`: the tag starts with the table.
  const named = rels.filter((d) => d.schema === e.schema && (e.name === d.name || e.name.startsWith(d.name + ' ')));
  return named.length > 0 ? named : rels;
}

/** The named relations and what is attached to them (step 1). */
function attached(roots: PgTocEntry[], g: Graph): Set<number> {
  const chosen = new Set(roots.map((r) => r.dumpId));
  const queue = [...roots];
  for (let e = queue.pop(); e !== undefined; e = queue.pop()) {
    for (const d of g.dependents.get(e.dumpId) ?? []) {
      if (chosen.has(d.dumpId) || !ATTACHED.has(d.type)) continue;
      if (!owners(d, g).some((o) => chosen.has(o.dumpId))) continue;
      chosen.add(d.dumpId);
      queue.push(d);
    }
  }
  return chosen;
}

function lookupFor(e: PgTocEntry, g: Graph): ObjectLookup | undefined {
  const base = { dumpId: e.dumpId, schema: e.schema ?? '', name: e.name };
  switch (e.type) {
    case 'TABLE': case 'VIEW': case 'MATERIALIZED VIEW': case 'FOREIGN TABLE': case 'SEQUENCE': case 'INDEX':
      return { ...base, kind: 'relation' };
    case 'CONSTRAINT': case 'FK CONSTRAINT': case 'CHECK CONSTRAINT': {
      const table = owners(e, g)[0];
      return table ? { ...base, kind: 'constraint', table: table.name, name: e.name.slice(table.name.length + 1) } : undefined;
    }
    case 'TYPE': case 'DOMAIN': return { ...base, kind: 'type' };
    case 'FUNCTION': case 'PROCEDURE': case 'AGGREGATE': return { ...base, kind: 'function' };
    case 'COLLATION': return { ...base, kind: 'collation' };
    case 'SCHEMA': return { ...base, kind: 'schema', schema: '' };
    case 'EXTENSION': return { ...base, kind: 'extension', schema: '' };
    default: return undefined; // cannot tell: assume present, and pg_restore says so if not
  }
}

/**
 * The objects whose presence in the target decides the plan: every dependency, direct or
 * through supporting objects, of the named relations and what is attached to them.
 */
export function lookupsFor(toc: PgTocEntry[], roots: PgTocEntry[]): ObjectLookup[] {
  const g = graph(toc);
  const chosen = attached(roots, g);
  const out = new Map<number, ObjectLookup>();
  const queue = [...chosen].map((id) => g.byId.get(id)!);
  for (let e = queue.pop(); e !== undefined; e = queue.pop()) {
    for (const d of depsOf(e, g)) {
      if (chosen.has(d.dumpId) || out.has(d.dumpId)) continue;
      const l = lookupFor(d, g);
      if (!l) continue;
      out.set(d.dumpId, l);
      if (SUPPORTING.has(d.type)) queue.push(d);
    }
  }
  return [...out.values()];
}

/** Steps 2 and 3, given which dump IDs the target already has (from `lookupsFor`). */
export function planTableRestore(
  toc: PgTocEntry[], roots: PgTocEntry[], present: ReadonlySet<number>, opts: { noOwner?: boolean } = {},
): TablePlan {
  const g = graph(toc);
  const chosen = attached(roots, g);
  const checkable = new Set(lookupsFor(toc, roots).map((l) => l.dumpId));
  const verdict = new Map<number, string | null>(); // null: restorable; string: why not
  const support = new Set<number>();
  const kept = new Set<number>();

  function check(e: PgTocEntry): string | null {
    const known = verdict.get(e.dumpId);
    if (known !== undefined) return known;
    verdict.set(e.dumpId, null); // a dependency cycle is taken as satisfied
    let why: string | null = null;
    for (const d of depsOf(e, g)) {
      if (chosen.has(d.dumpId) || support.has(d.dumpId)) {
        if (check(d) !== null) { why = `needs ${describeEntry(d)}, which is skipped`; break; }
      } else if (present.has(d.dumpId)) {
        if (SUPPORTING.has(d.type)) kept.add(d.dumpId);
      } else if (!checkable.has(d.dumpId)) {
        continue;
      } else if (SUPPORTING.has(d.type)) {
        const r = check(d);
        if (r !== null) { why = `needs ${describeEntry(d)}, which cannot be restored (${r})`; break; }
        support.add(d.dumpId);
      } else {
        why = `needs ${describeEntry(d)}, which is neither restored nor in the target database`;
        break;
      }
    }
    verdict.set(e.dumpId, why);
    return why;
  }

  for (const r of roots) {
    const why = check(r);
    if (why !== null) {
      throw new UsageError(`restore: table ${qualified(r)} ${why}`, { hint: 'restore what it needs too (another --table), or into a database that has it' });
    }
  }
  for (const id of chosen) check(g.byId.get(id)!);
  // Comments, privileges and sequence values of the supporting objects restored.
  for (const id of [...support]) {
    for (const x of g.dependents.get(id) ?? []) {
      if (SUPPORT_EXTRAS.has(x.type) && !chosen.has(x.dumpId) && check(x) === null) chosen.add(x.dumpId);
    }
  }

  const restore = (e: PgTocEntry): boolean =>
    (chosen.has(e.dumpId) || support.has(e.dumpId)) && verdict.get(e.dumpId) === null && !(opts.noOwner && e.type === 'ACL');
  const entries = toc.filter((e) => SPECIAL.has(e.type) || restore(e));
  const skipped: SkippedDumpObject[] = [];
  for (const e of toc) {
    const why = verdict.get(e.dumpId);
    if (chosen.has(e.dumpId) && typeof why === 'string') skipped.push({ ...dumpObject(e), reason: why });
    else if (kept.has(e.dumpId)) skipped.push({ ...dumpObject(e), reason: 'already in the target database, kept as it is' });
  }
  return { entries, restored: entries.filter((e) => !SPECIAL.has(e.type)).map(dumpObject), skipped };
}

/** The `pg_restore --use-list` file: the chosen entries' lines, in archive order. */
export function listFileText(plan: TablePlan): string {
  return plan.entries.map((e) => e.line).join('\n') + '\n';
}

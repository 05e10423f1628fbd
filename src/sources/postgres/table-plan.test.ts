// The choice of archive entries for a table restore, on a real `pg_restore --list --verbose`
// (toc-fixture.txt) of this schema:
//   CREATE SCHEMA sales; CREATE SCHEMA other; CREATE TYPE mood AS ENUM (…); CREATE FUNCTION touch() …;
//   customers (serial PK, UNIQUE email, mood column, CHECK, unique expression index customers_lower);
//   orders (bigserial PK, FK → customers, CHECK pos, index orders_cust, trigger orders_touch → touch(),
//           comments on table/column/constraint/index/trigger, GRANT SELECT TO PUBLIC);
//   view v on orders; sales.t (identity PK); other.customers; other.t2 (FK → public.customers);
//   "Weird Name" ("a col" PK).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NotFoundError, UsageError } from '../../errors.ts';
import { parsePgToc } from './toc.ts';
import { listFileText, lookupsFor, planTableRestore, resolveTables } from './table-plan.ts';
import type { DumpObject, SkippedDumpObject } from '../types.ts';

/** Objects as one string each, `TYPE schema name`; skipped ones as {object, reason}. */
const flat = (os: DumpObject[] | undefined): string[] => (os ?? []).map((o) => `${o.type} ${o.name}`);
const whyNot = (os: SkippedDumpObject[] | undefined) => (os ?? []).map((o) => ({ object: `${o.type} ${o.name}`, reason: o.reason }));

const toc = parsePgToc(readFileSync(new URL('./toc-fixture.txt', import.meta.url), 'utf8'));
const byName = (n: string) => toc.find((e) => `${e.type} ${e.schema ?? '-'} ${e.name}` === n)!.dumpId;

test('dependencies are parsed from --verbose lines', () => {
  const fk = toc.find((e) => e.type === 'FK CONSTRAINT' && e.name === 'orders orders_customer_id_fkey')!;
  assert.deepEqual(fk.deps, [3238, 217, 219]);
  assert.deepEqual(toc.find((e) => e.name === 'Weird Name' && e.type === 'TABLE')!.deps, []);
});

test('names: schema.table exactly, a bare name unique across schemas, errors for unknown and ambiguous names', () => {
  assert.deepEqual(resolveTables(toc, ['orders', 'sales.t', 'Weird Name']).map((e) => `${e.schema}.${e.name}`),
    ['public.orders', 'sales.t', 'public.Weird Name']);
  assert.equal(resolveTables(toc, ['t'])[0]!.schema, 'sales');
  assert.equal(resolveTables(toc, ['other.customers'])[0]!.schema, 'other');
  assert.equal(resolveTables(toc, ['customers'], ['other'])[0]!.schema, 'other');
  assert.throws(() => resolveTables(toc, ['customers']),
    (e: unknown) => e instanceof UsageError && /ambiguous: other\.customers, public\.customers/.test(e.message) && /--table other\.customers/.test(e.hint ?? ''));
  assert.throws(() => resolveTables(toc, ['orders', 'nope', 'public.t']),
    (e: unknown) => e instanceof NotFoundError && /no table "nope", "public\.t" in the dump/.test(e.message));
});

test('a table comes with its keys, defaults, owned sequence, triggers (and their function), comments and privileges', () => {
  const roots = resolveTables(toc, ['public.customers', 'orders']);
  const plan = planTableRestore(toc, roots, new Set());
  assert.deepEqual(flat(plan.restored), [
    'TYPE public mood', 'FUNCTION public touch()',
    'TABLE public customers', 'SEQUENCE public customers_id_seq', 'SEQUENCE OWNED BY public customers_id_seq',
    'TABLE public orders', 'COMMENT public TABLE orders', 'COMMENT public COLUMN orders.total',
    'COMMENT public CONSTRAINT pos ON orders', 'ACL public TABLE orders',
    'SEQUENCE public orders_id_seq', 'SEQUENCE OWNED BY public orders_id_seq',
    'DEFAULT public customers id', 'DEFAULT public orders id',
    'TABLE DATA public customers', 'TABLE DATA public orders',
    'SEQUENCE SET public customers_id_seq', 'SEQUENCE SET public orders_id_seq',
    'CONSTRAINT public customers customers_email_key', 'CONSTRAINT public customers customers_pkey',
    'CONSTRAINT public orders orders_pkey', 'INDEX public customers_lower', 'INDEX public orders_cust',
    'COMMENT public INDEX orders_cust', 'TRIGGER public orders orders_touch', 'COMMENT public TRIGGER orders_touch ON orders',
    'FK CONSTRAINT public orders orders_customer_id_fkey',
  ]);
  assert.deepEqual(whyNot(plan.skipped), []);
  // The list file keeps the archive's order and the session settings.
  const lines = listFileText(plan).trim().split('\n');
  assert.deepEqual(lines.slice(0, 3).map((l) => l.split(' ').at(-2)), ['ENCODING', 'STDSTRINGS', 'SEARCHPATH']);
  const ids = lines.map((l) => Number(l.split(';')[0]));
  const order = toc.map((e) => e.dumpId);
  assert.deepEqual(ids, order.filter((id) => ids.includes(id)));
  // Neither the view on orders nor other.t2's FK to customers is part of these tables.
  assert.ok(!flat(plan.restored).some((o) => /VIEW|t2/.test(o)));
});

test('an FK to a table not restored is skipped and reported, with what hangs on it; with --no-owner no ACL', () => {
  const roots = resolveTables(toc, ['orders']);
  const plan = planTableRestore(toc, roots, new Set(), { noOwner: true });
  assert.deepEqual(whyNot(plan.skipped), [{
    object: 'FK CONSTRAINT public orders orders_customer_id_fkey',
    reason: 'needs TABLE public customers, which is neither restored nor in the target database',
  }]);
  assert.ok(flat(plan.restored).includes('TRIGGER public orders orders_touch'));
  assert.ok(!flat(plan.restored).some((o) => o.startsWith('ACL ')));
  // …unless the target has the referenced table and key: then the FK is restored.
  const present = new Set([byName('TABLE public customers'), byName('CONSTRAINT public customers customers_pkey')]);
  assert.ok(flat(planTableRestore(toc, roots, present).restored).includes('FK CONSTRAINT public orders orders_customer_id_fkey'));
});

test('supporting objects: restored when the target lacks them, kept (and reported) when it has them', () => {
  const t = resolveTables(toc, ['t']);
  assert.deepEqual(flat(planTableRestore(toc, t, new Set()).restored), [
    'SCHEMA - sales', 'TABLE sales t', 'SEQUENCE sales t_id_seq',
    'TABLE DATA sales t', 'SEQUENCE SET sales t_id_seq', 'CONSTRAINT sales t t_pkey',
  ]);
  const withSchema = planTableRestore(toc, t, new Set([byName('SCHEMA - sales')]));
  assert.ok(!flat(withSchema.restored).includes('SCHEMA - sales'));
  assert.deepEqual(whyNot(withSchema.skipped), [{ object: 'SCHEMA - sales', reason: 'already in the target database, kept as it is' }]);

  const roots = resolveTables(toc, ['public.customers', 'orders']);
  const kinds = Object.fromEntries(lookupsFor(toc, roots).map((l) => [`${l.kind} ${l.schema}.${l.name}`, l.dumpId]));
  assert.deepEqual(Object.keys(kinds).sort(), ['function public.touch()', 'type public.mood']);
  const kept = planTableRestore(toc, roots, new Set([byName('FUNCTION public touch()')]));
  assert.ok(!flat(kept.restored).includes('FUNCTION public touch()'));
  assert.ok(flat(kept.restored).includes('TRIGGER public orders orders_touch'));
});

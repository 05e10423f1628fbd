// A drill's checks judged on what the restored copy answered: pure functions, pinned by tests.
//
// - min_rows: a query answering one row of one number (`select count(*) …`) is read as that
//   number; any other answer as its number of rows.
// - equals: the first column of the first row, compared as text (`true`, `42`, `eu-west`).
// - max_age: the first value is a time (a Date from the driver, an ISO or `YYYY-MM-DD HH:MM:SS`
//   text — read as UTC when it names no zone, as SQLite writes CURRENT_TIMESTAMP — or Unix
//   seconds or milliseconds) at most max_age before the snapshot's time: the data was fresh
//   when it was backed up, which is the RPO proven from the data itself.
// - path (files jobs): absolute, or relative to one of the job's paths; min_size for a file.

import { isAbsolute, join } from 'node:path';
import { lstat } from 'node:fs/promises';
import { formatDurationMs } from '../../core/duration.ts';
import { parsePointInTime } from '../../core/point-in-time.ts';
import type { DrillCheck } from '../../config/types.ts';
import type { DrillCheckResult } from '../events.ts';

export type QueryCheck = Extract<DrillCheck, { query: string }>;
export type PathCheck = Extract<DrillCheck, { path: string }>;

export function isQueryCheck(c: DrillCheck): c is QueryCheck {
  return 'query' in c;
}

export function checkName(c: DrillCheck): string {
  return c.name ?? (isQueryCheck(c) ? c.query : c.path);
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return String(v);
}

/** A value read as a point in time; undefined when it is none. */
export function timeOf(v: unknown): Date | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
  const n = asNumber(v);
  if (n !== undefined) return new Date(Math.abs(n) >= 1e11 ? n : n * 1000);
  if (typeof v !== 'string') return undefined;
  // PostgreSQL's text form writes a whole-hour offset as `+00`, `-05`.
  const t = v.trim().replace(/(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?[+-]\d{2})$/, '$1:00');
  const zoned = /(z|[+-]\d{2}:?\d{2})$/i.test(t);
  return parsePointInTime(zoned ? t : `${t}Z`);
}

export function evaluateQuery(check: QueryCheck, rows: readonly unknown[][], snapshotTime: Date): DrillCheckResult {
  const parts: string[] = [];
  let ok = true;
  const first = rows[0]?.[0];
  if (check.minRows !== undefined) {
    const single = rows.length === 1 && rows[0]!.length === 1 ? asNumber(first) : undefined;
    const n = single ?? rows.length;
    const holds = n >= check.minRows;
    ok &&= holds;
    parts.push(`${n}${single === undefined ? ' rows' : ''} (${holds ? '' : 'expected '}at least ${check.minRows})`);
  }
  if (check.equals !== undefined) {
    const holds = rows.length > 0 && text(first) === String(check.equals);
    ok &&= holds;
    parts.push(rows.length === 0 ? `no rows (expected ${JSON.stringify(String(check.equals))})`
      : `${JSON.stringify(text(first))}${holds ? '' : ` (expected ${JSON.stringify(String(check.equals))})`}`);
  }
  if (check.maxAge !== undefined) {
    const at = rows.length > 0 ? timeOf(first) : undefined;
    if (!at) {
      ok = false;
      parts.push(rows.length === 0 || first === null ? 'no time to compare (no rows, or NULL)' : `${JSON.stringify(text(first))} is not a time`);
    } else {
      const age = snapshotTime.getTime() - at.getTime();
      const holds = age <= check.maxAge;
      ok &&= holds;
      parts.push(`newest ${at.toISOString()}, ${age < 0 ? `${formatDurationMs(-age)} after` : `${formatDurationMs(age)} before`} the snapshot ` +
        `(${holds ? '' : 'expected '}at most ${formatDurationMs(check.maxAge)})`);
    }
  }
  return { name: checkName(check), ok, detail: parts.join('; ') };
}

/** A check whose query failed (a missing table, a syntax error) did not hold. */
export function failedQuery(check: QueryCheck, err: unknown): DrillCheckResult {
  return { name: checkName(check), ok: false, detail: `the query failed: ${err instanceof Error ? err.message : String(err)}` };
}

/** A path check on a files drill restored into `dir` (the snapshot's absolute paths under it). */
export async function evaluatePath(check: PathCheck, dir: string, jobPaths: readonly string[]): Promise<DrillCheckResult> {
  const candidates = isAbsolute(check.path) ? [check.path] : jobPaths.map((p) => join(p, check.path));
  for (const original of candidates) {
    const st = await lstat(join(dir, original)).catch(() => undefined);
    if (!st) continue;
    if (check.minSize === undefined) return { name: checkName(check), ok: true, detail: `${original} exists` };
    const holds = st.isFile() && st.size >= check.minSize;
    return {
      name: checkName(check), ok: holds,
      detail: st.isFile() ? `${original}: ${st.size} bytes (${holds ? '' : 'expected '}at least ${check.minSize})` : `${original} is not a file`,
    };
  }
  return { name: checkName(check), ok: false, detail: `not in the snapshot (looked for ${candidates.join(', ')})` };
}

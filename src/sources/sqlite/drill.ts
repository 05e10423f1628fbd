// A SQLite drill's scratch file: opened read-only and proven whole by PRAGMA integrity_check
// (the restore checked it too, before the rename; this is the copy the checks then query).

import { rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { SourceError } from '../../errors.ts';
import type { DrillFacts } from '../descriptor.ts';
import { sqliteMessage } from './sqlite-source.ts';

function withDb<T>(path: string, what: string, fn: (db: DatabaseSync) => T): T {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    return fn(db);
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(`${what}: ${sqliteMessage(err)}`, null, '', { cause: err });
  } finally {
    try { db?.close(); } catch { /* already closed */ }
  }
}

export function openScratch(path: string): DrillFacts {
  return withDb(path, `drill: open ${path}`, (db) => {
    const problems = (db.prepare('PRAGMA integrity_check(10)').all() as Array<{ integrity_check: string }>)
      .map((r) => String(r.integrity_check)).filter((s) => s !== 'ok');
    if (problems.length) throw new SourceError(`drill: PRAGMA integrity_check of ${path} failed`, null, problems.join('\n'));
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").get() as { n: number };
    return { tables: Number(tables.n) };
  });
}

export function queryScratch(path: string, text: string): unknown[][] {
  return withDb(path, `drill: query ${path}`, (db) => {
    const st = db.prepare(text);
    st.setReturnArrays(true);
    return st.all() as unknown as unknown[][];
  });
}

export async function removeScratch(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(path + suffix, { force: true });
}

// A PostgreSQL drill's scratch database: opened (its user tables counted), queried by the
// drill's checks, and dropped — after the sessions still on it (an interrupted pg_restore, a
// cancelled check) are terminated, so an abort at any moment leaves no database behind.

import type { DrillFacts } from '../descriptor.ts';
import type { PgConnection } from './connection.ts';
import { quoteIdent, withPgClient } from './connection.ts';

export async function openScratch(conn: PgConnection, database: string, signal: AbortSignal): Promise<DrillFacts> {
  return withPgClient(conn, database, `drill: open database "${database}"`, signal, async (c) => {
    const r = await c.query<{ tables: string }>(`SELECT count(*) AS tables FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`);
    return { tables: Number(r.rows[0]!.tables) };
  });
}

export async function queryScratch(conn: PgConnection, database: string, text: string, signal: AbortSignal): Promise<unknown[][]> {
  // An abort closes the client; a statement still running on the server ends when dropScratch
  // terminates the database's sessions.
  return withPgClient(conn, database, `drill: query database "${database}"`, signal,
    async (c) => (await c.query({ text, rowMode: 'array' })).rows as unknown[][]);
}

/** Drops the scratch database; a few tries, as sessions being terminated take a moment to go. */
export async function dropScratch(conn: PgConnection, database: string): Promise<void> {
  let lastErr: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await withPgClient(conn, 'postgres', `drill: drop database "${database}"`, undefined, async (c) => {
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`);
      });
      return;
    } catch (err) {
      lastErr = err;
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
  throw lastErr;
}

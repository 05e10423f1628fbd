// A MySQL/MariaDB drill's scratch database: opened (its tables counted), queried by the drill's
// checks, and dropped — after the connections still using it (an interrupted import, a
// cancelled check) are killed, as DROP DATABASE would otherwise wait for their locks.

import type { DrillFacts } from '../descriptor.ts';
import type { MysqlConnection } from './connection.ts';
import { quoteIdent, withMysqlClient } from './connection.ts';

export async function openScratch(conn: MysqlConnection, database: string, signal: AbortSignal): Promise<DrillFacts> {
  return withMysqlClient(conn, `drill: open database \`${database}\``, signal, async (c) => {
    const [rows] = await c.query('SELECT count(*) AS tables FROM information_schema.tables WHERE table_schema = ?', [database]);
    return { tables: Number((rows as Array<{ tables: number }>)[0]!.tables) };
  });
}

export async function queryScratch(conn: MysqlConnection, database: string, text: string, signal: AbortSignal): Promise<unknown[][]> {
  return withMysqlClient(conn, `drill: query database \`${database}\``, signal, async (c) => {
    await c.query(`USE ${quoteIdent(database)}`);
    const [rows] = await c.query({ sql: text, rowsAsArray: true });
    return Array.isArray(rows) ? rows as unknown[][] : [];
  });
}

export async function dropScratch(conn: MysqlConnection, database: string): Promise<void> {
  await withMysqlClient(conn, `drill: drop database \`${database}\``, undefined, async (c) => {
    const [rows] = await c.query('SELECT id FROM information_schema.processlist WHERE db = ? AND id <> connection_id()', [database]);
    for (const { id } of rows as Array<{ id: number }>) await c.query(`KILL ${Number(id)}`).catch(() => {});
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`);
  });
}

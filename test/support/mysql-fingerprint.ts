// The state of a MariaDB database for comparing a restore with its source: per table its row
// count, CHECKSUM TABLE and SHOW CREATE; views, routines, triggers and events by definition.

export type Query = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

export async function mysqlFingerprint(q: Query, db: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const tables = await q<{ TABLE_NAME: string; TABLE_TYPE: string }>(
    `SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, [db]);
  for (const t of tables) {
    const id = `\`${db}\`.\`${t.TABLE_NAME.replace(/`/g, '``')}\``;
    if (t.TABLE_TYPE === 'VIEW') {
      // SHOW CREATE VIEW qualifies names with the database; the view itself refers to its own.
      out[`view ${t.TABLE_NAME}`] = (await q<Record<string, string>>(`SHOW CREATE VIEW ${id}`))[0]!['Create View']!
        .split(`\`${db}\`.`).join('');
      continue;
    }
    const [n] = await q<{ n: number }>(`SELECT COUNT(*) AS n FROM ${id}`);
    const [ck] = await q<{ Checksum: number }>(`CHECKSUM TABLE ${id} EXTENDED`);
    const create = (await q<Record<string, string>>(`SHOW CREATE TABLE ${id}`))[0]!['Create Table'];
    out[`table ${t.TABLE_NAME}`] = { rows: n!.n, checksum: ck!.Checksum, create };
  }
  for (const r of await q<{ ROUTINE_NAME: string; ROUTINE_TYPE: string }>(
    `SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1`, [db])) {
    const row = (await q<Record<string, string>>(`SHOW CREATE ${r.ROUTINE_TYPE} \`${db}\`.\`${r.ROUTINE_NAME}\``))[0]!;
    out[`${r.ROUTINE_TYPE} ${r.ROUTINE_NAME}`] = row[r.ROUTINE_TYPE === 'PROCEDURE' ? 'Create Procedure' : 'Create Function'];
  }
  for (const t of await q<{ TRIGGER_NAME: string }>(
    `SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1`, [db])) {
    out[`trigger ${t.TRIGGER_NAME}`] = (await q<Record<string, string>>(`SHOW CREATE TRIGGER \`${db}\`.\`${t.TRIGGER_NAME}\``))[0]!['SQL Original Statement'];
  }
  for (const e of await q<{ EVENT_NAME: string }>(
    `SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1`, [db])) {
    out[`event ${e.EVENT_NAME}`] = (await q<Record<string, string>>(`SHOW CREATE EVENT \`${db}\`.\`${e.EVENT_NAME}\``))[0]!['Create Event'];
  }
  return out;
}

// How we reach a MySQL/MariaDB server. The password goes to the command-line tools through a
// `--defaults-extra-file=/dev/fd/3`: an anonymous in-memory file the tool inherits, so no file
// holding it exists anywhere, even after Lifeboat is killed (argv is visible to every user via
// `ps`; MYSQL_PWD is deprecated by MySQL), and to the `mysql2` client through its config.
// Messages name user@host:port, never the password.

import mysql from 'mysql2/promise';
import { AbortedError, SourceError } from '../../errors.ts';
import { runTool, spawnTool } from '../process.ts';
import type { RunningTool, ToolSpec } from '../process.ts';
import { fdPath } from '../secret-fd.ts';

export interface MysqlConnection {
  host: string;
  port: number;
  user: string;
  password?: string;
}

export function describeServer(conn: MysqlConnection): string {
  return `${conn.host}:${conn.port}`;
}

export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** Escape a value for a MySQL option file (double-quoted, backslash escapes). */
function optionValue(v: string): string {
  return '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t') + '"';
}

/** Spawn a MySQL client tool with the connection's credentials (the password on a descriptor). */
export async function spawnMysqlTool(conn: MysqlConnection, spec: Omit<ToolSpec, 'args'> & { args: string[] }): Promise<RunningTool> {
  const pre: string[] = [];
  const fdFiles = [...(spec.fdFiles ?? [])];
  if (conn.password !== undefined) {
    // Must be the first option, or the client ignores it.
    pre.push(`--defaults-extra-file=${fdPath(fdFiles.length)}`);
    fdFiles.push(`[client]\npassword=${optionValue(conn.password)}\n`);
  }
  return spawnTool({
    ...spec,
    fdFiles,
    args: [...pre, `--host=${conn.host}`, `--port=${conn.port}`, `--user=${conn.user}`, '--protocol=TCP', ...spec.args],
    secrets: [...(spec.secrets ?? []), ...(conn.password ? [conn.password] : [])],
    env: { LC_MESSAGES: 'C', MYSQL_PWD: undefined, ...spec.env },
  });
}

/** The first of the candidate binaries that runs (`mariadb-dump`, then `mysqldump`). */
export async function findTool(candidates: string[], signal?: AbortSignal): Promise<{ command: string; version: string }> {
  let last: unknown;
  for (const command of candidates) {
    try {
      const out = await runTool({ label: `${command} --version`, command, args: ['--version'], signal });
      return { command, version: out.trim() };
    } catch (err) {
      last = err;
    }
  }
  throw new SourceError(`cannot run ${candidates.join(' or ')}: not found`, null, '',
    { hint: 'install the MariaDB/MySQL client tools or set the tool path in the job', cause: last });
}

/** Run `fn` with a `mysql2` connection, translating failures into a SourceError. */
export async function withMysqlClient<T>(
  conn: MysqlConnection,
  operation: string,
  signal: AbortSignal | undefined,
  fn: (c: mysql.Connection) => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw new AbortedError(`${operation}: interrupted`);
  let c: mysql.Connection;
  try {
    c = await mysql.createConnection({
      host: conn.host, port: conn.port, user: conn.user, password: conn.password,
      connectTimeout: 10_000, charset: 'utf8mb4',
    });
  } catch (err) {
    throw translateMysqlError(err, operation, conn);
  }
  c.on('error', () => {});
  const onAbort = (): void => c.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(c);
  } catch (err) {
    if (signal?.aborted) throw new AbortedError(`${operation}: interrupted`);
    throw translateMysqlError(err, operation, conn);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await c.end().catch(() => {});
  }
}

export function translateMysqlError(err: unknown, operation: string, conn: MysqlConnection): unknown {
  if (err instanceof SourceError || err instanceof AbortedError) return err;
  const e = err as { code?: string; message?: string };
  let message = e.message ?? String(err);
  if (conn.password) message = message.split(conn.password).join('***');
  let hint: string | undefined;
  switch (e.code) {
    case 'ECONNREFUSED': hint = 'is MySQL/MariaDB running and listening on this host and port?'; break;
    case 'ENOTFOUND': case 'EAI_AGAIN': hint = 'check the host name'; break;
    case 'ETIMEDOUT': hint = 'the server did not answer; check host, port and firewall'; break;
    case 'ER_ACCESS_DENIED_ERROR': hint = 'check the user and password (password, password_file)'; break;
    case 'ER_BAD_DB_ERROR': hint = 'check the database name'; break;
  }
  return new SourceError(`${operation} (${conn.user}@${describeServer(conn)}): ${message}`, null, '',
    { hint, cause: err, context: { code: e.code } });
}

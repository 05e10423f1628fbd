// How we reach a PostgreSQL server: libpq arguments and environment for the command-line
// tools, and a short-lived `pg` client for catalog questions (version, database list, is the
// target empty). The password reaches the tools as a libpq passfile on an inherited descriptor
// (PGPASSFILE=/dev/fd/3, an anonymous in-memory file: nothing on disk, nothing in the
// environment, nothing left when Lifeboat is killed) and the `pg` client through its config;
// never argv, never a message.

import pg from 'pg';
import { AbortedError, SourceError } from '../../errors.ts';
import { fdPath } from '../secret-fd.ts';

export interface PgConnection {
  host: string;
  port: number;
  user: string;
  password?: string;
}

/** libpq connection arguments shared by pg_dump, pg_dumpall, pg_restore and psql. */
export function pgArgs(conn: PgConnection): string[] {
  return ['--host', conn.host, '--port', String(conn.port), '--username', conn.user, '--no-password'];
}

/**
 * Environment for a child tool that gets `pgFdFiles(conn)` as its fdFiles: the passfile on
 * fd 3 (an inherited PGPASSWORD would win over it, so it goes); a connect timeout so an
 * unreachable host fails in seconds instead of hanging a job.
 */
export function pgEnv(conn: PgConnection): Record<string, string | undefined> {
  return {
    ...(conn.password !== undefined ? { PGPASSFILE: fdPath(0), PGPASSWORD: undefined } : {}),
    PGCONNECT_TIMEOUT: process.env.PGCONNECT_TIMEOUT ?? '10',
    // Tools' messages in English so the stderr tail is the same on every machine.
    LC_MESSAGES: 'C',
  };
}

/** The passfile (`*:*:*:*:password`, libpq's escapes) for fd 3, or nothing without a password. */
export function pgFdFiles(conn: PgConnection): string[] {
  if (conn.password === undefined) return [];
  return [`*:*:*:*:${conn.password.replace(/\\/g, '\\\\').replace(/:/g, '\\:')}\n`];
}

export function pgSecrets(conn: PgConnection): string[] {
  return conn.password ? [conn.password] : [];
}

export function describeServer(conn: PgConnection): string {
  return `${conn.host}:${conn.port}`;
}

/** Quote an identifier for SQL (`CREATE DATABASE "x"`). */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Quote a value for a libpq connection string (`dbname='a b'`). */
export function quoteConnValue(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Run `fn` with a connected client on `database`, translating connection failures into a
 * SourceError naming the operation and the server (never the password).
 */
export async function withPgClient<T>(
  conn: PgConnection,
  database: string,
  operation: string,
  signal: AbortSignal | undefined,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw new AbortedError(`${operation}: interrupted`);
  const client = new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database,
    connectionTimeoutMillis: 10_000,
    application_name: 'lifeboat',
  });
  // A connection-level error after connect must not crash the process; the query rejects.
  client.on('error', () => {});
  const onAbort = (): void => { void client.end().catch(() => {}); };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      await client.connect();
    } catch (err) {
      throw translatePgError(err, operation, conn, database);
    }
    try {
      return await fn(client);
    } catch (err) {
      if (signal?.aborted) throw new AbortedError(`${operation}: interrupted`);
      throw translatePgError(err, operation, conn, database);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await client.end().catch(() => {});
  }
}

/** Map a `pg` driver error to a SourceError with a clear message and hint. */
export function translatePgError(err: unknown, operation: string, conn: PgConnection, database: string): unknown {
  if (err instanceof SourceError || err instanceof AbortedError) return err;
  const e = err as { code?: string; message?: string };
  const where = `${conn.user}@${describeServer(conn)}/${database}`;
  let message = e.message ?? String(err);
  if (conn.password) message = message.split(conn.password).join('***');
  let hint: string | undefined;
  switch (e.code) {
    case 'ECONNREFUSED': hint = 'is PostgreSQL running and listening on this host and port?'; break;
    case 'ENOTFOUND': case 'EAI_AGAIN': hint = 'check the host name'; break;
    case '28P01': hint = 'check the password (password, password_file or PGPASSWORD)'; break;
    case '28000': hint = 'check the user name and pg_hba.conf'; break;
    case '3D000': hint = 'check the database name'; break;
  }
  return new SourceError(`${operation} (${where}): ${message}`, null, '', { hint, cause: err, context: { code: e.code } });
}

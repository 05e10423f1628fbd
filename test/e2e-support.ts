// Helpers for the end-to-end tests: run the real CLI (`node src/main.ts`) in a workspace with a
// lifeboat.yaml and a repository, count snapshots with the real restic, and compare databases.

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
export const MAIN = resolve(import.meta.dirname, '../src/main.ts');
export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
export const MY = { host: '127.0.0.1', port: 3306, user: 'root' };

export interface CliResult { code: number; stdout: string; stderr: string }

export interface Workspace {
  dir: string;
  repo: string;
  passwordFile: string;
  /** Runs `lifeboat ARGS` in the workspace (cwd: its lifeboat.yaml is the default config). */
  cli(args: string[], opts?: { env?: Record<string, string>; input?: string }): Promise<CliResult>;
  writeConfig(yaml: string): Promise<void>;
  snapshots(): Promise<Array<{ id: string; tags?: string[]; paths: string[] }>>;
  restic(args: string[]): Promise<string>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Runs of the CLI with a config are recorded in a history; the tests keep theirs out of /var/lib. */
export const TEST_STATE_DIR = join(tmpdir(), `lifeboat-test-state-${process.pid}`);
process.on('exit', () => rmSync(TEST_STATE_DIR, { recursive: true, force: true }));

export function runCli(args: string[], cwd: string, opts: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd, env: { ...process.env, LIFEBOAT_REPOSITORY: '', RESTIC_REPOSITORY: '', LIFEBOAT_STATE_DIR: TEST_STATE_DIR, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += String(d); });
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** A temp dir with a password file and an initialised repository `repo/`. */
export async function workspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-e2e-'));
  const repo = join(dir, 'repo');
  const passwordFile = join(dir, 'repo-password');
  await writeFile(passwordFile, 'e2e-secret-pw\n', { mode: 0o600 });
  const cli = (args: string[], opts?: { env?: Record<string, string>; input?: string }) => runCli(args, dir, opts);
  const init = await cli(['init', '--repo', repo], { env: { LIFEBOAT_PASSWORD_FILE: passwordFile } });
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  const resticCmd = async (args: string[]) =>
    (await run('restic', ['-r', repo, '--password-file', passwordFile, '--no-cache', ...args], { maxBuffer: 256 << 20 })).stdout;
  return {
    dir, repo, passwordFile, cli,
    writeConfig: (yaml) => writeFile(join(dir, 'lifeboat.yaml'), yaml),
    snapshots: async () => JSON.parse(await resticCmd(['snapshots', '--json'])) ?? [],
    restic: resticCmd,
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The repositories block every test config starts with. */
export function repoBlock(ws: Workspace): string {
  return `version: 1\nrepositories:\n  main:\n    location: ${ws.repo}\n    password_file: ${ws.passwordFile}\n`;
}

export async function pgQuery<T extends pg.QueryResultRow = Record<string, unknown>>(db: string, text: string): Promise<T[]> {
  const c = new pg.Client({ ...PG, database: db });
  await c.connect();
  try { return (await c.query<T>(text)).rows; } finally { await c.end(); }
}

export async function dropPgDatabases(names: string[]): Promise<void> {
  for (const db of names) await pgQuery('postgres', `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => {});
}

/** Row count and md5 of all rows in a stable order, for every user table; plus large objects. */
export async function pgFingerprint(db: string): Promise<Record<string, string>> {
  const tables = await pgQuery<{ t: string }>(db, `
    SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`);
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [r] = await pgQuery<{ n: string; h: string }>(db,
      `SELECT count(*) AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS h FROM ${t} x`);
    out[t] = `${r!.n} ${r!.h}`;
  }
  const [lo] = await pgQuery<{ h: string; n: string }>(db,
    `SELECT count(*) AS n, md5(coalesce(string_agg(oid::text || ':' || md5(lo_get(oid)), ',' ORDER BY oid), '')) AS h FROM pg_largeobject_metadata`);
  out['<large objects>'] = `${lo!.n} ${lo!.h}`;
  return out;
}

export async function pgSchemaDump(db: string, extra: string[] = []): Promise<string> {
  const { stdout } = await run('pg_dump', ['-h', PG.host, '-U', PG.user, '--schema-only', ...extra, db], { maxBuffer: 64 << 20 });
  // \restrict keys are random per run; nothing else in a single-database dump names the database.
  return stdout.split('\n').filter((l) => !/^\\(un)?restrict /.test(l)).join('\n');
}

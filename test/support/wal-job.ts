// A WAL job end to end for the recovery tests: a workspace with its repository and config (job
// `pg`, `wal: {enabled: true}`), a throw-away primary whose archive_command is the real
// `lifeboat wal-push`, and the data directories the test started, stopped on dispose.

import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { workspace, repoBlock, TEST_STATE_DIR, type Workspace } from '../e2e-support.ts';
import { asPostgres, grantToPostgres, PG_BIN, startPgCluster, type PgCluster } from './pg-cluster.ts';
import { selfCommandLine } from '../../src/app/self-command.ts';

export interface WalJob extends AsyncDisposable {
  ws: Workspace;
  primary: PgCluster;
  /** Data directories the test had Lifeboat start: stopped (immediate) on dispose. */
  started: string[];
}

/** `jobYaml`: more lines of the job's block (indented 4 spaces), e.g. its drill. */
export async function startWalJob(archiveTimeoutS: number, jobYaml = ''): Promise<WalJob> {
  const ws = await workspace();
  const cfg = join(ws.dir, 'lifeboat.yaml');
  await mkdir(TEST_STATE_DIR, { recursive: true });
  await grantToPostgres(TEST_STATE_DIR);
  const primary = await startPgCluster({
    noStart: true,
    archiveCommand: selfCommandLine(['--config', cfg, 'wal-push', '--job', 'pg', '%p']),
    archiveTimeout: `${archiveTimeoutS}s`,
    env: { LIFEBOAT_STATE_DIR: TEST_STATE_DIR },
  });
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n  pg:\n    source:\n      type: postgres\n      host: 127.0.0.1\n` +
    `      port: ${primary.port}\n      user: postgres\n      wal:\n        enabled: true\n    repositories: [main]\n${jobYaml}`);
  await grantToPostgres(ws.dir);
  await primary.start();
  const started: string[] = [];
  return {
    ws, primary, started,
    async [Symbol.asyncDispose]() {
      for (const dir of started) {
        const [cmd, args] = asPostgres(join(PG_BIN, 'pg_ctl'), ['stop', '-D', dir, '-m', 'immediate', '-w']);
        try { execFileSync(cmd, args, { stdio: 'ignore' }); } catch { /* not running */ }
      }
      await primary[Symbol.asyncDispose]();
      await ws[Symbol.asyncDispose]();
    },
  };
}

/** The ids of table t on a server Lifeboat started. */
export async function ids(port: number): Promise<number[]> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await c.connect();
  try {
    return (await c.query<{ id: number }>('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id);
  } finally {
    await c.end();
  }
}

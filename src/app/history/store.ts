// The run history: one row per run of a backup, copy, forget, prune, check or drill, in SQLite
// under the state directory. The daemon and the CLI (runs with a config) write it; `status`,
// the API, metrics and alerts read it. WAL mode and a busy timeout let a cron-started CLI run
// and the daemon write at the same time.

import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { LifeboatError } from '../../errors.ts';
import type { RunKind, RunStatus, RunTrigger } from '../events.ts';
import { migrate } from './schema.ts';
import { AlertStore } from './alerts-store.ts';

export const HISTORY_FILE = 'history.db';

/** A run as stored; `status` is `running` until the run finishes (or is found dead). */
export interface RunRecord {
  id: string;
  job?: string;
  repository?: string;
  kind: RunKind;
  trigger: RunTrigger;
  startedAt: Date;
  endedAt?: Date;
  status: RunStatus | 'running';
  snapshotId?: string;
  bytesAdded?: number;
  /** Size of what the run covered: the snapshot's bytes for a backup. */
  totalBytes?: number;
  files?: number;
  exitCode?: number;
  errorCode?: string;
  errorMessage?: string;
  host: string;
  pid: number;
  /** Kind-specific facts (copy counts, check damage, drill checks…), as recorded. */
  details?: Record<string, unknown>;
}

export interface RunQuery {
  job?: string;
  kind?: RunKind;
  status?: RunStatus | 'running';
  repository?: string;
  /** Runs started before this time (paging backwards). */
  before?: Date;
  since?: Date;
  limit?: number;
}

type Row = Record<string, SQLInputValue>;

const COLUMNS: Record<string, string> = {
  job: 'job', repository: 'repository', endedAt: 'ended_at', status: 'status', snapshotId: 'snapshot_id',
  bytesAdded: 'bytes_added', totalBytes: 'total_bytes', files: 'files', exitCode: 'exit_code',
  errorCode: 'error_code', errorMessage: 'error_message', details: 'details',
};

export class History {
  readonly file: string;
  /** Alert state and notification deliveries, in the same database. */
  readonly alerts: AlertStore;
  #db: DatabaseSync;

  constructor(file: string) {
    this.file = file;
    try {
      this.#db = new DatabaseSync(file);
      this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
    } catch (err) {
      throw new LifeboatError('error', `history ${file}: cannot open (${(err as Error).message})`, { cause: err });
    }
    migrate(this.#db, file);
    this.alerts = new AlertStore(this.#db);
  }

  static open(stateDir: string): History {
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new LifeboatError('error', `state directory ${stateDir}: cannot create (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
        cause: err, hint: 'set state_dir in the config to a writable directory',
      });
    }
    return new History(join(stateDir, HISTORY_FILE));
  }

  close(): void {
    this.#db.close();
  }

  start(run: Pick<RunRecord, 'id' | 'job' | 'repository' | 'kind' | 'trigger' | 'startedAt'> & { status?: RunStatus | 'running' }): void {
    this.#db.prepare(`INSERT INTO runs (id, job, repository, kind, trigger, started_at, status, host, pid)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      run.id, run.job ?? null, run.repository ?? null, run.kind, run.trigger, run.startedAt.getTime(),
      run.status ?? 'running', hostname(), process.pid);
  }

  /** Sets fields of a run; `details` is merged into what is there. */
  update(id: string, fields: Partial<Omit<RunRecord, 'id' | 'kind' | 'trigger' | 'startedAt' | 'host' | 'pid'>>): void {
    const sets: string[] = [];
    const values: SQLInputValue[] = [];
    for (const [key, value] of Object.entries(fields)) {
      const column = COLUMNS[key];
      if (!column || value === undefined) continue;
      if (key === 'details') {
        const old = this.get(id)?.details ?? {};
        values.push(JSON.stringify({ ...old, ...(value as object) }));
      } else {
        values.push(value instanceof Date ? value.getTime() : value as SQLInputValue);
      }
      sets.push(`${column} = ?`);
    }
    if (sets.length === 0) return;
    this.#db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  get(id: string): RunRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Newest first. */
  list(q: RunQuery = {}): RunRecord[] {
    const where: string[] = [];
    const values: SQLInputValue[] = [];
    const add = (sql: string, v: SQLInputValue) => { where.push(sql); values.push(v); };
    if (q.job !== undefined) add('job = ?', q.job);
    if (q.kind !== undefined) add('kind = ?', q.kind);
    if (q.status !== undefined) add('status = ?', q.status);
    if (q.repository !== undefined) add('repository = ?', q.repository);
    if (q.before !== undefined) add('started_at < ?', q.before.getTime());
    if (q.since !== undefined) add('started_at >= ?', q.since.getTime());
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`;
    return (this.#db.prepare(sql).all(...values, q.limit ?? 100) as Row[]).map(toRecord);
  }

  /** The newest run matching the query. */
  latest(q: Omit<RunQuery, 'limit'>): RunRecord | undefined {
    return this.list({ ...q, limit: 1 })[0];
  }

  /** Successful (or partial: a snapshot exists) backups of a job, newest first. */
  backups(job: string, q: { since?: Date; limit?: number } = {}): RunRecord[] {
    const where = ['job = ?', "kind = 'backup'", "status IN ('succeeded', 'partial')"];
    const values: SQLInputValue[] = [job];
    if (q.since) { where.push('ended_at >= ?'); values.push(q.since.getTime()); }
    return (this.#db.prepare(`SELECT * FROM runs WHERE ${where.join(' AND ')} ORDER BY ended_at DESC LIMIT ?`)
      .all(...values, q.limit ?? 1000) as Row[]).map(toRecord);
  }

  /** Counts per (job, kind, status), for counters that survive a restart. */
  counts(): Array<{ job: string | undefined; kind: RunKind; status: string; count: number }> {
    const rows = this.#db.prepare(`SELECT job, kind, status, sum(n) AS n FROM (
        SELECT coalesce(job, '') AS job, kind, status, count(*) AS n FROM runs GROUP BY 1, 2, 3
        UNION ALL SELECT job, kind, status, n FROM run_counts_removed)
      GROUP BY job, kind, status`).all() as Row[];
    return rows.map((r) => ({ job: r.job === '' ? undefined : String(r.job), kind: r.kind as RunKind, status: r.status as string, count: Number(r.n) }));
  }

  /**
   * Runs left `running` by a process of this host that no longer exists (killed, crashed) are
   * marked aborted; returns how many.
   */
  closeOrphans(isAlive: (pid: number) => boolean, at: Date): number {
    const rows = this.#db.prepare("SELECT id, pid FROM runs WHERE status = 'running' AND host = ?").all(hostname()) as Row[];
    let n = 0;
    for (const r of rows) {
      if (isAlive(Number(r.pid))) continue;
      this.update(String(r.id), { status: 'aborted', endedAt: at, errorCode: 'aborted', errorMessage: 'the process running it ended without finishing it' });
      n++;
    }
    return n;
  }

  /** Deletes runs that ended before `cutoff`; returns how many. */
  forgetBefore(cutoff: Date): number {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      // Their counts move to run_counts_removed, so counts() never goes down.
      this.#db.prepare(`INSERT INTO run_counts_removed (job, kind, status, n)
          SELECT coalesce(job, ''), kind, status, count(*) FROM runs WHERE status <> 'running' AND started_at < ? GROUP BY 1, 2, 3
        ON CONFLICT (job, kind, status) DO UPDATE SET n = n + excluded.n`).run(cutoff.getTime());
      const r = this.#db.prepare("DELETE FROM runs WHERE status <> 'running' AND started_at < ?").run(cutoff.getTime());
      this.#db.exec('COMMIT');
      return Number(r.changes);
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }
}

function toRecord(r: Row): RunRecord {
  const opt = <T>(v: SQLInputValue, f: (v: never) => T): T | undefined => (v === null || v === undefined ? undefined : f(v as never));
  const rec: RunRecord = {
    id: String(r.id), kind: r.kind as RunKind, trigger: r.trigger as RunTrigger, startedAt: new Date(Number(r.started_at)),
    status: r.status as RunRecord['status'], host: String(r.host), pid: Number(r.pid),
  };
  const fields: Partial<RunRecord> = {
    job: opt(r.job, String), repository: opt(r.repository, String), endedAt: opt(r.ended_at, (v: number) => new Date(Number(v))),
    snapshotId: opt(r.snapshot_id, String), bytesAdded: opt(r.bytes_added, Number), totalBytes: opt(r.total_bytes, Number),
    files: opt(r.files, Number), exitCode: opt(r.exit_code, Number), errorCode: opt(r.error_code, String),
    errorMessage: opt(r.error_message, String), details: opt(r.details, (v: string) => JSON.parse(v) as Record<string, unknown>),
  };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (rec as unknown as Record<string, unknown>)[k] = v;
  return rec;
}

// The run history's SQLite schema, versioned with `PRAGMA user_version` and migrated forward
// one step at a time, so a newer Lifeboat opens an older state directory and an older one
// refuses a newer database instead of misreading it.

import type { DatabaseSync } from 'node:sqlite';
import { LifeboatError } from '../../errors.ts';

/** Each entry moves the schema from version i to i + 1. Never edit a step once released. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     job TEXT,
     repository TEXT,
     kind TEXT NOT NULL,
     trigger TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     ended_at INTEGER,
     status TEXT NOT NULL,
     snapshot_id TEXT,
     bytes_added INTEGER,
     total_bytes INTEGER,
     files INTEGER,
     exit_code INTEGER,
     error_code TEXT,
     error_message TEXT,
     host TEXT NOT NULL,
     pid INTEGER NOT NULL,
     details TEXT
   );
   CREATE INDEX runs_job_started ON runs (job, started_at);
   CREATE INDEX runs_started ON runs (started_at);
   CREATE INDEX runs_status ON runs (status);`,
  // Alerts and their state (firing, resolved) survive restarts: a person gets one message when
  // an alert fires, reminders while it fires, one when it resolves, never the same one twice.
  // Every delivery attempt of every notification is recorded.
  `CREATE TABLE alerts (
     key TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     job TEXT,
     repository TEXT,
     state TEXT NOT NULL,
     message TEXT NOT NULL,
     details TEXT,
     fired_at INTEGER NOT NULL,
     resolved_at INTEGER,
     last_notified_at INTEGER
   );
   CREATE INDEX alerts_state ON alerts (state);
   CREATE TABLE deliveries (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     notification_id TEXT NOT NULL,
     channel TEXT NOT NULL,
     type TEXT NOT NULL,
     subject TEXT,
     attempt INTEGER NOT NULL,
     at INTEGER NOT NULL,
     ok INTEGER NOT NULL,
     status INTEGER,
     detail TEXT
   );
   CREATE INDEX deliveries_at ON deliveries (at);`,
  // Counts of runs whose rows history.keep removed: counters (lifeboat_job_runs_total) must
  // never go down.
  `CREATE TABLE run_counts_removed (
     job TEXT NOT NULL DEFAULT '',
     kind TEXT NOT NULL,
     status TEXT NOT NULL,
     n INTEGER NOT NULL,
     PRIMARY KEY (job, kind, status)
   );`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: DatabaseSync, file: string): void {
  const current = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  if (current > SCHEMA_VERSION) {
    throw new LifeboatError('error', `history ${file}: schema version ${current} is newer than this Lifeboat knows (${SCHEMA_VERSION})`, {
      hint: 'upgrade Lifeboat, or point state_dir at another directory',
    });
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw new LifeboatError('error', `history ${file}: migration to schema version ${v + 1} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}

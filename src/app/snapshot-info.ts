// What a snapshot says about itself, for every renderer (CLI table and JSON, API, dashboard):
// the job, engine and databases from its tags; its size and duration from restic's summary.

import type { Snapshot, SnapshotEntry } from '../repo/types.ts';

export interface SnapshotJobInfo {
  job?: string;
  engine?: string;
  databases: string[];
  /** Bytes of the dump(s). */
  size?: number;
  /** e.g. `12.3s`. */
  duration?: string;
  /** `<name>-version=` tags, e.g. { postgres: '16.4', 'pg-dump': '16.4' }. */
  versions: Record<string, string>;
}

/**
 * What a job's snapshot says of itself: job=, engine=, db= from its tags; size and duration from
 * restic's summary object (snapshots written before summaries carried size=/duration=/*-version= tags).
 */
export function jobInfo(snapshot: Snapshot): SnapshotJobInfo {
  const info: SnapshotJobInfo = { databases: [], versions: {} };
  for (const t of snapshot.tags ?? []) {
    const eq = t.indexOf('=');
    if (eq < 0) continue;
    const key = t.slice(0, eq);
    const value = t.slice(eq + 1);
    if (key === 'job') info.job = value;
    else if (key === 'engine') info.engine = value;
    else if (key === 'db') info.databases.push(value);
    else if (key === 'size' && /^\d+$/.test(value)) info.size = Number(value);
    else if (key === 'duration') info.duration = value;
    else if (key.endsWith('-version')) info.versions[key.slice(0, -'-version'.length)] = value;
  }
  const summary = snapshot.summary as { total_bytes_processed?: unknown; backup_start?: unknown; backup_end?: unknown } | undefined;
  if (typeof summary?.total_bytes_processed === 'number') info.size = summary.total_bytes_processed;
  if (typeof summary?.backup_start === 'string' && typeof summary.backup_end === 'string') {
    const ms = Date.parse(summary.backup_end) - Date.parse(summary.backup_start);
    if (Number.isFinite(ms) && ms >= 0) info.duration = `${(ms / 1000).toFixed(1)}s`;
  }
  return info;
}

/** restic's `snapshots --json` shape (every snapshot field, plus id and short_id) and our job info. */
export function snapshotJson(e: SnapshotEntry): Record<string, unknown> {
  const info = jobInfo(e.snapshot);
  const extra = info.job !== undefined || info.engine !== undefined ? { lifeboat: info } : {};
  return { ...e.snapshot, id: e.id, short_id: e.id.slice(0, 8), ...extra };
}

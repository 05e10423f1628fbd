// Alert state and delivery attempts, in the history database beside the runs.

import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { AlertName } from '../../notify/types.ts';

export interface AlertRecord {
  /** `name|job|repository|runKind`: one alert per rule and subject. */
  key: string;
  name: AlertName;
  job?: string;
  repository?: string;
  state: 'firing' | 'resolved';
  message: string;
  details: Record<string, unknown>;
  firedAt: Date;
  resolvedAt?: Date;
  lastNotifiedAt?: Date;
}

export interface DeliveryRecord {
  id?: number;
  notificationId: string;
  channel: string;
  /** Notification type: alert, run_finished, report, test… */
  type: string;
  /** e.g. `stale job orders firing`. */
  subject?: string;
  attempt: number;
  at: Date;
  ok: boolean;
  status?: number;
  detail?: string;
}

type Row = Record<string, SQLInputValue>;

export class AlertStore {
  #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  get(key: string): AlertRecord | undefined {
    const r = this.#db.prepare('SELECT * FROM alerts WHERE key = ?').get(key) as Row | undefined;
    return r ? toAlert(r) : undefined;
  }

  /** Firing ones first, newest first. */
  list(opts: { state?: 'firing' | 'resolved'; limit?: number } = {}): AlertRecord[] {
    const where = opts.state ? 'WHERE state = ?' : '';
    const args: SQLInputValue[] = opts.state ? [opts.state] : [];
    return (this.#db.prepare(`SELECT * FROM alerts ${where} ORDER BY state = 'firing' DESC, fired_at DESC LIMIT ?`).all(...args, opts.limit ?? 500) as Row[]).map(toAlert);
  }

  put(a: AlertRecord): void {
    this.#db.prepare(`INSERT INTO alerts (key, name, job, repository, state, message, details, fired_at, resolved_at, last_notified_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET state = excluded.state, message = excluded.message, details = excluded.details,
        fired_at = excluded.fired_at, resolved_at = excluded.resolved_at, last_notified_at = excluded.last_notified_at`).run(
      a.key, a.name, a.job ?? null, a.repository ?? null, a.state, a.message, JSON.stringify(a.details), a.firedAt.getTime(),
      a.resolvedAt?.getTime() ?? null, a.lastNotifiedAt?.getTime() ?? null);
  }

  recordDelivery(d: DeliveryRecord): void {
    this.#db.prepare(`INSERT INTO deliveries (notification_id, channel, type, subject, attempt, at, ok, status, detail)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      d.notificationId, d.channel, d.type, d.subject ?? null, d.attempt, d.at.getTime(), d.ok ? 1 : 0, d.status ?? null, d.detail ?? null);
  }

  deliveries(opts: { channel?: string; limit?: number } = {}): DeliveryRecord[] {
    const where = opts.channel ? 'WHERE channel = ?' : '';
    const args: SQLInputValue[] = opts.channel ? [opts.channel] : [];
    return (this.#db.prepare(`SELECT * FROM deliveries ${where} ORDER BY id DESC LIMIT ?`).all(...args, opts.limit ?? 200) as Row[]).map((r) => ({
      id: Number(r.id), notificationId: String(r.notification_id), channel: String(r.channel), type: String(r.type),
      ...(r.subject !== null ? { subject: String(r.subject) } : {}), attempt: Number(r.attempt), at: new Date(Number(r.at)), ok: r.ok === 1,
      ...(r.status !== null ? { status: Number(r.status) } : {}), ...(r.detail !== null ? { detail: String(r.detail) } : {}),
    }));
  }

  forgetDeliveriesBefore(cutoff: Date): void {
    this.#db.prepare('DELETE FROM deliveries WHERE at < ?').run(cutoff.getTime());
  }
}

function toAlert(r: Row): AlertRecord {
  return {
    key: String(r.key), name: r.name as AlertName, ...(r.job !== null ? { job: String(r.job) } : {}),
    ...(r.repository !== null ? { repository: String(r.repository) } : {}), state: r.state as AlertRecord['state'],
    message: String(r.message), details: r.details ? JSON.parse(String(r.details)) as Record<string, unknown> : {},
    firedAt: new Date(Number(r.fired_at)), ...(r.resolved_at !== null ? { resolvedAt: new Date(Number(r.resolved_at)) } : {}),
    ...(r.last_notified_at !== null ? { lastNotifiedAt: new Date(Number(r.last_notified_at)) } : {}),
  };
}

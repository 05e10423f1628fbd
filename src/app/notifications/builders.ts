// Notifications from what the app knows: a run (its events or its history record), an alert, a
// report, a test. Each gets a fresh id (a UUID: the webhook's X-Lifeboat-Delivery), the host
// name, and the dashboard URL of its subject when server.public_url is set.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { AlertNotice, Notification, ReportNotice, RunNotice } from '../../notify/types.ts';
import type { RunEvent } from '../events.ts';
import type { History, RunRecord } from '../history/store.ts';

export interface NotificationContext {
  /** Default: this machine's host name. */
  host?: string;
  /** `server.public_url` of the config. */
  publicUrl?: string;
  clock?: Clock;
  /** Default: randomUUID. */
  newId?: () => string;
}

type StartedEvent = Extract<RunEvent, { type: 'started' }>;
type FinishedEvent = Extract<RunEvent, { type: 'finished' }>;

function base(type: Notification['type'], ctx: NotificationContext): Notification {
  return {
    version: 1, type, id: (ctx.newId ?? randomUUID)(), at: (ctx.clock ?? systemClock).now().toISOString(), host: ctx.host ?? hostname(),
  };
}

/** `${publicUrl}/jobs/<job>` or `${publicUrl}/repositories/<name>`; the root without a subject. */
export function dashboardUrl(publicUrl: string | undefined, subject: { job?: string; repository?: string } = {}): string | undefined {
  if (!publicUrl) return undefined;
  const root = publicUrl.replace(/\/+$/, '');
  if (subject.job !== undefined) return `${root}/jobs/${encodeURIComponent(subject.job)}`;
  if (subject.repository !== undefined) return `${root}/repositories/${encodeURIComponent(subject.repository)}`;
  return `${root}/`;
}

function withUrl(n: Notification, ctx: NotificationContext, subject?: { job?: string; repository?: string }): Notification {
  const url = dashboardUrl(ctx.publicUrl, subject);
  return url ? { ...n, url } : n;
}

export function testNotification(host?: string, ctx: NotificationContext = {}): Notification {
  return withUrl(base('test', { ...ctx, ...(host !== undefined ? { host } : {}) }), ctx);
}

export function alertNotification(alert: AlertNotice, ctx: NotificationContext = {}): Notification {
  return withUrl({ ...base('alert', ctx), alert }, ctx, alert);
}

export function reportNotification(report: ReportNotice, ctx: NotificationContext = {}): Notification {
  return withUrl({ ...base('report', ctx), report }, ctx);
}

/** A finished run as it stands in the history. */
export function runNotice(record: RunRecord, lastSuccessAt?: Date): RunNotice {
  const notice: RunNotice = {
    runId: record.id, kind: record.kind, status: record.status, trigger: record.trigger, startedAt: record.startedAt.toISOString(),
  };
  if (record.job !== undefined) notice.job = record.job;
  if (record.repository !== undefined) notice.repository = record.repository;
  if (record.endedAt) {
    notice.endedAt = record.endedAt.toISOString();
    notice.durationMs = record.endedAt.getTime() - record.startedAt.getTime();
  }
  if (record.snapshotId !== undefined) notice.snapshotId = record.snapshotId;
  if (record.bytesAdded !== undefined) notice.bytesAdded = record.bytesAdded;
  if (record.totalBytes !== undefined) notice.totalBytes = record.totalBytes;
  if (record.errorCode !== undefined) notice.errorCode = record.errorCode;
  if (record.errorMessage !== undefined) notice.message = record.errorMessage;
  if (lastSuccessAt) notice.lastSuccessAt = lastSuccessAt.toISOString();
  return notice;
}

/** A finished run from its `finished` event alone (no history). */
export function runNoticeFromEvent(e: FinishedEvent, trigger?: string): RunNotice {
  const notice: RunNotice = {
    runId: e.runId, kind: e.kind, status: e.status, startedAt: new Date(e.at.getTime() - e.durationMs).toISOString(),
    endedAt: e.at.toISOString(), durationMs: e.durationMs,
  };
  if (trigger !== undefined) notice.trigger = trigger;
  if (e.job !== undefined) notice.job = e.job;
  if (e.repository !== undefined) notice.repository = e.repository;
  if (e.snapshotId !== undefined) notice.snapshotId = e.snapshotId;
  if (e.bytesAdded !== undefined) notice.bytesAdded = e.bytesAdded;
  if (e.bytesProcessed !== undefined) notice.totalBytes = e.bytesProcessed;
  if (e.status !== 'succeeded') {
    if (e.errorCode !== undefined) notice.errorCode = e.errorCode;
    if (e.message !== undefined) notice.message = e.message;
  }
  return notice;
}

/** When the job's backup last succeeded before `before` (a partial backup saved a snapshot: it counts). */
export function lastSuccessBefore(history: Pick<History, 'backups'>, job: string, before: Date, exceptRunId?: string): Date | undefined {
  for (const r of history.backups(job, { limit: 5 })) {
    if (r.id === exceptRunId || !r.endedAt) continue;
    if (r.endedAt.getTime() <= before.getTime()) return r.endedAt;
  }
  return undefined;
}

export function runFinishedNotification(run: RunNotice, ctx: NotificationContext = {}): Notification {
  return withUrl({ ...base('run_finished', ctx), run }, ctx, run);
}

export function runStartedNotification(e: StartedEvent, ctx: NotificationContext = {}): Notification {
  const run: RunNotice = { runId: e.runId, kind: e.kind, status: 'running', trigger: e.trigger, startedAt: e.at.toISOString() };
  if (e.job !== undefined) run.job = e.job;
  if (e.repository !== undefined) run.repository = e.repository;
  return withUrl({ ...base('run_started', ctx), run }, ctx, run);
}

/**
 * The notification a run event calls for: `started` → run_started, `finished` → run_finished
 * (from the history's record when there is one, else from the event; with the job's last success
 * before this run); other events → none. Subscribe it after the history recorder, so the record
 * is complete when `finished` arrives.
 */
export function notificationForEvent(e: RunEvent, ctx: NotificationContext & { history?: Pick<History, 'get' | 'backups'> } = {}): Notification | undefined {
  if (e.type === 'started') return runStartedNotification(e, ctx);
  if (e.type !== 'finished') return undefined;
  const record = ctx.history?.get(e.runId);
  const run = record && record.status !== 'running' ? runNotice(record) : runNoticeFromEvent(e, record?.trigger);
  if (e.job !== undefined && e.kind === 'backup' && e.status !== 'succeeded' && ctx.history) {
    const last = lastSuccessBefore(ctx.history, e.job, new Date(run.startedAt), e.runId);
    if (last) run.lastSuccessAt = last.toISOString();
  }
  return runFinishedNotification(run, ctx);
}

// Delivering one notification: to every channel that wants it, in parallel; each attempt with the
// channel's timeout; failed attempts tried again after 1 s, 4 s, 16 s… with jitter, unless the
// receiver refused for good (4xx other than 408/429, SMTP 5xx); every attempt recorded in the
// history with its answer redacted. `deliver` never throws: a channel that fails, throws or hangs
// never changes a run's outcome. The caller decides whether to wait: the daemon queues and goes
// on (DeliveryQueue), a CLI run waits up to a deadline before it exits (deliverWithin).

import { setTimeout as sleepFor } from 'node:timers/promises';
import { formatDurationMs } from '../../core/duration.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { recordSubject, truncate } from '../../notify/format.ts';
import type { Channel, DeliveryAnswer, Notification } from '../../notify/types.ts';
import type { DeliveryRecord } from '../history/alerts-store.ts';
import type { Redactor } from '../redact.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRIES = 3;
/** The first retry waits this long; each next one 4 times longer, up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;
const DETAIL_LIMIT = 500;

/** A channel with its delivery policy (createChannel sets both from the config). */
export type DeliveryChannel = Channel & { readonly timeoutMs?: number; readonly retries?: number };

export interface DeliveryRecorder {
  alerts: { recordDelivery(d: DeliveryRecord): void };
}

export interface DeliverOptions {
  /** Where attempts are recorded (History); none: not recorded. */
  history?: DeliveryRecorder;
  /** Removes secrets from the notification before it is sent and from every recorded answer. */
  redactor: Pick<Redactor, 'redact' | 'redactValue'>;
  /** Ends waiting and sending: the attempt under way is abandoned, no retry follows. */
  signal?: AbortSignal;
  clock?: Clock;
  /** The wait between attempts (tests pass one that returns at once). Rejects when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<unknown>;
  /** For the jitter, in [0, 1). */
  random?: () => number;
  /** Told when recording an attempt fails (the delivery goes on). */
  onRecordError?: (err: unknown) => void;
}

export interface ChannelOutcome {
  channel: string;
  type: string;
  ok: boolean;
  status?: number;
  /** The last answer, redacted. */
  detail?: string;
  attempts: number;
  permanent?: boolean;
}

export interface DeliveryReport {
  notificationId: string;
  type: Notification['type'];
  /** One per channel that wanted the notification, in the order given. */
  outcomes: ChannelOutcome[];
}

/** The wait before retry number `retry` (1-based): 1 s, 4 s, 16 s, 64 s→60 s, ±25 %. */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 4 ** (retry - 1));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** The longest a channel's delivery can take: every attempt timing out, every backoff at its longest. */
export function worstCaseMs(channel: Pick<DeliveryChannel, 'timeoutMs' | 'retries'>): number {
  const retries = channel.retries ?? DEFAULT_RETRIES;
  let total = (retries + 1) * (channel.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  for (let r = 1; r <= retries; r++) total += backoffMs(r, () => 1);
  return total;
}

export async function deliver(channels: readonly DeliveryChannel[], notification: Notification, opts: DeliverOptions): Promise<DeliveryReport> {
  const report: DeliveryReport = { notificationId: notification.id, type: notification.type, outcomes: [] };
  try {
    // What leaves the process is redacted, whoever built the notification.
    const safe = opts.redactor.redactValue(notification);
    const wanted = channels.filter((c) => {
      try { return c.wants(safe); } catch { return false; }
    });
    report.outcomes = await Promise.all(wanted.map((c) => deliverTo(c, safe, opts)));
  } catch (err) {
    // Only a bug gets here (a redactor or a recorder that throws); a delivery still never throws.
    opts.onRecordError?.(err);
  }
  return report;
}

/** deliver(), giving up (and recording so) when `ms` have passed. */
export function deliverWithin(ms: number, channels: readonly DeliveryChannel[], notification: Notification, opts: DeliverOptions): Promise<DeliveryReport> {
  const deadline = AbortSignal.timeout(ms);
  return deliver(channels, notification, { ...opts, signal: opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline });
}

async function deliverTo(channel: DeliveryChannel, n: Notification, opts: DeliverOptions): Promise<ChannelOutcome> {
  const clock = opts.clock ?? systemClock;
  const sleep = opts.sleep ?? ((ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal }));
  const outer = opts.signal ?? new AbortController().signal;
  const timeoutMs = channel.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retries = channel.retries ?? DEFAULT_RETRIES;
  const subject = recordSubject(n);
  const outcome: ChannelOutcome = { channel: channel.name, type: channel.type, ok: false, attempts: 0 };

  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    if (outer.aborted) {
      if (attempt === 1) {
        outcome.detail = `not sent: ${stopReason(outer)}`;
        record(opts, { notificationId: n.id, channel: channel.name, type: n.type, subject, attempt, at: clock.now(), ok: false, detail: outcome.detail });
      }
      break;
    }
    const answer = await attemptOnce(channel, n, timeoutMs, outer);
    const detail = answer.detail !== undefined ? truncate(opts.redactor.redact(answer.detail), DETAIL_LIMIT) : undefined;
    outcome.attempts = attempt;
    outcome.ok = answer.ok;
    if (answer.status !== undefined) outcome.status = answer.status;
    else delete outcome.status;
    if (detail !== undefined) outcome.detail = detail;
    else delete outcome.detail;
    if (answer.permanent) outcome.permanent = true;
    record(opts, {
      notificationId: n.id, channel: channel.name, type: n.type, subject, attempt, at: clock.now(), ok: answer.ok,
      ...(answer.status !== undefined ? { status: answer.status } : {}), ...(detail !== undefined ? { detail } : {}),
    });
    if (answer.ok || answer.permanent || attempt > retries) break;
    try {
      await sleep(backoffMs(attempt, opts.random), outer);
    } catch {
      break;
    }
  }
  return outcome;
}

/** One send with its own timeout; whatever happens becomes an answer. */
async function attemptOnce(channel: Channel, n: Notification, timeoutMs: number, outer: AbortSignal): Promise<DeliveryAnswer> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([outer, timeout]);
  try {
    const answer = await untilAborted(Promise.resolve().then(() => channel.send(n, signal)), signal);
    if (typeof answer?.ok !== 'boolean') return { ok: false, detail: 'the channel gave no answer' };
    return answer;
  } catch (err) {
    if (outer.aborted) return { ok: false, detail: `abandoned: ${stopReason(outer)}` };
    if (timeout.aborted) return { ok: false, detail: `timed out after ${formatDurationMs(timeoutMs)}` };
    return { ok: false, detail: `error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The promise, or a rejection as soon as the signal aborts (a channel that ignores its signal cannot hold us). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  p.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function stopReason(signal: AbortSignal): string {
  const reason = signal.reason as { name?: string } | undefined;
  return reason?.name === 'TimeoutError' ? 'deadline reached' : 'cancelled';
}

function record(opts: DeliverOptions, d: DeliveryRecord): void {
  if (!opts.history) return;
  try {
    opts.history.alerts.recordDelivery(d);
  } catch (err) {
    opts.onRecordError?.(err);
  }
}

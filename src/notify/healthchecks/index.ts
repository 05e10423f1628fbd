// A dead-man's switch: the monitoring service expects a ping after every backup and raises its
// own alarm when one is late or says "fail", so it also catches a Lifeboat that stopped running.
//
// healthchecks.io flavor (and self-hosted Healthchecks): a backup's start pings URL/start, its
// success URL, its failure URL/fail with the error as the body (shown in the check's log); the
// pings carry `rid`, a UUID made from the run id, so overlapping runs are timed apart. A test
// (and a report) goes to URL/log, which records an event without changing the check's state.
// Uptime Kuma flavor (a push monitor): URL?status=up|down&msg=…&ping=<duration ms>; it has no
// start or log ping. Only backup runs ping (not copy, forget, prune or check). Alerts ping only
// when `alerts` is in the channel's events: firing as a failure, resolved as a success.

import { createHash } from 'node:crypto';
import { defineChannel } from '../descriptor.ts';
import { describe, runOutcome, truncate } from '../format.ts';
import { httpSend } from '../http.ts';
import type { ChannelEvent } from '../wants.ts';
import type { DeliveryAnswer, Notification } from '../types.ts';

export type Flavor = 'healthchecks' | 'uptime-kuma';

/** healthchecks.io keeps the first 100 kB of a ping body; ours stay far below. */
const BODY_LIMIT = 10_000;
/** Uptime Kuma shows `msg` in a list: one short line. */
const KUMA_MSG_LIMIT = 200;

export interface Ping {
  method: 'GET' | 'POST';
  url: string;
  body?: string;
}

export function pingWanted(flavor: Flavor, events: readonly ChannelEvent[], n: Notification): boolean {
  switch (n.type) {
    case 'run_started':
      return flavor === 'healthchecks' && n.run?.kind === 'backup' && (events.includes('success') || events.includes('failure'));
    case 'run_finished': {
      const outcome = n.run?.kind === 'backup' ? runOutcome(n.run.status) : undefined;
      return outcome !== undefined && events.includes(outcome);
    }
    case 'alert':
      return events.includes('alerts');
    case 'test':
      return true;
    case 'report':
      return flavor === 'healthchecks';
    default:
      return false;
  }
}

/** The ping for a notification, or undefined when it has none. */
export function pingFor(flavor: Flavor, pingUrl: string, n: Notification): Ping | undefined {
  const d = describe(n);
  let kind: 'start' | 'success' | 'fail' | 'log';
  let body: string;
  if (n.type === 'run_started') {
    kind = 'start';
    body = '';
  } else if (n.type === 'run_finished' && n.run) {
    const failed = runOutcome(n.run.status) === 'failure';
    kind = failed ? 'fail' : 'success';
    body = [d.summary, ...d.facts.filter((f) => f.label !== 'What happened').map((f) => `${f.label}: ${f.value}`), ...(d.error ? [`Error: ${d.error}`] : [])].join('\n');
  } else if (n.type === 'alert' && n.alert) {
    kind = n.alert.state === 'resolved' ? 'success' : 'fail';
    body = `${d.headline}\n${n.alert.message}`;
  } else if (n.type === 'test') {
    kind = 'log';
    body = `${d.headline}: ${d.summary}`;
  } else if (n.type === 'report' && n.report) {
    kind = 'log';
    body = `${n.report.title}\n\n${n.report.text}`;
  } else return undefined;

  const url = new URL(pingUrl);
  if (flavor === 'uptime-kuma') {
    if (kind === 'start') return undefined;
    url.searchParams.set('status', kind === 'fail' ? 'down' : 'up');
    url.searchParams.set('msg', truncate(kind === 'fail' && d.error ? `${d.headline}: ${d.error}` : `${d.headline}`, KUMA_MSG_LIMIT));
    url.searchParams.set('ping', n.run?.durationMs !== undefined ? String(Math.round(n.run.durationMs)) : '');
    return { method: 'GET', url: url.toString() };
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${kind === 'success' ? '' : `/${kind}`}`;
  if (n.run && (n.type === 'run_started' || n.type === 'run_finished')) url.searchParams.set('rid', runUuid(n.run.runId));
  return { method: 'POST', url: url.toString(), body: truncate(body, BODY_LIMIT) };
}

/** A UUID (version 4 layout) derived from a run id, so a run's start and end pings match. */
export function runUuid(runId: string): string {
  const b = createHash('sha256').update(`lifeboat-run:${runId}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const healthchecks = defineChannel({
  type: 'healthchecks',
  create(config) {
    return {
      name: config.name,
      type: 'healthchecks',
      wants: (n) => pingWanted(config.flavor, config.events, n),
      async send(n, signal): Promise<DeliveryAnswer> {
        const ping = pingFor(config.flavor, config.pingUrl, n);
        if (!ping) return { ok: true, detail: 'nothing to ping for this notification' };
        const { body, ...answer } = await httpSend(ping.url, {
          method: ping.method,
          ...(ping.body !== undefined ? { body: ping.body, headers: { 'content-type': 'text/plain; charset=utf-8' } } : {}),
          signal,
        });
        // Uptime Kuma answers {"ok":false,"msg":"Monitor not found or not active."}, sometimes with 200.
        if (config.flavor === 'uptime-kuma' && answer.ok && body && /"ok"\s*:\s*false/.test(body)) {
          return { ...answer, ok: false, permanent: true };
        }
        return answer;
      },
    };
  },
});

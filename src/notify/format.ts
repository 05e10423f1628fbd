// What a notification says, independent of the channel: a headline, a one-line summary and a
// list of labelled facts. Slack, email and the healthchecks ping bodies render this; they build
// their messages from the notification alone, so nothing else (a config, a URL of ours) can end
// up in a message. Every text taken from the notification is untrusted: the channels escape it
// for their format (mrkdwn, HTML).

import { formatDurationMs } from '../core/duration.ts';
import type { AlertNotice, Notification, RunNotice } from './types.ts';

export type Tone = 'bad' | 'warn' | 'good' | 'info';

export interface Fact {
  label: string;
  value: string;
}

export interface Described {
  /** `FIRING stale: job orders`, `FAILED backup: job orders`, `Test notification from db1`. */
  headline: string;
  tone: Tone;
  /** A Unicode emoji for the state (Slack shows it in the header). */
  emoji: string;
  /** One line a person understands: the alert's message, the run's outcome. */
  summary: string;
  facts: Fact[];
  /** The error of a failed run, when there is one (kept apart: it can be long). */
  error?: string;
}

/** How a finished run counts for `events: [success, failure]`; a skipped run counts as neither. */
export function runOutcome(status: string): 'success' | 'failure' | undefined {
  if (status === 'succeeded') return 'success';
  // A partial backup missed files; an aborted run (a timeout, a stop) saved nothing: both need a look.
  if (status === 'failed' || status === 'partial' || status === 'aborted') return 'failure';
  return undefined;
}

const ALERT_WORD = { firing: 'FIRING', reminder: 'REMINDER', resolved: 'RESOLVED' } as const;
const ALERT_EMOJI = { firing: '\u{1F534}', reminder: '\u{1F514}', resolved: '\u2705' } as const;
const RUN_EMOJI = { success: '\u2705', failure: '\u274C', partial: '\u26A0\uFE0F', other: '\u2139\uFE0F' } as const;

/** `job orders`, `repository offsite`, `job orders, repository offsite`. */
export function subjectOf(x: { job?: string; repository?: string }): string {
  const parts = [x.job !== undefined ? `job ${x.job}` : '', x.repository !== undefined ? `repository ${x.repository}` : ''].filter(Boolean);
  return parts.join(', ');
}

export function describe(n: Notification): Described {
  if (n.type === 'alert' && n.alert) return describeAlert(n.alert, n.at);
  if ((n.type === 'run_finished' || n.type === 'run_started') && n.run) return describeRun(n.run, n.type, n.at);
  if (n.type === 'report' && n.report) {
    return { headline: n.report.title, tone: 'info', emoji: '\u{1F4CA}', summary: `${capitalize(n.report.period)}ly report from ${n.host}`, facts: [] };
  }
  if (n.type === 'test') {
    return {
      headline: `Test notification from ${n.host}`, tone: 'info', emoji: '\u{1F9EA}',
      summary: `This is a test from lifeboat on ${n.host}: this channel works.`, facts: [{ label: 'Host', value: n.host }],
    };
  }
  return { headline: `lifeboat ${n.type}`, tone: 'info', emoji: RUN_EMOJI.other, summary: `A ${n.type} notification from ${n.host}.`, facts: [] };
}

function describeAlert(a: AlertNotice, at: string): Described {
  const what = a.runKind ? `${a.name} (${a.runKind})` : a.name;
  const subject = subjectOf(a);
  const facts: Fact[] = [];
  if (a.job !== undefined) facts.push({ label: 'Job', value: a.job });
  if (a.repository !== undefined) facts.push({ label: 'Repository', value: a.repository });
  facts.push({ label: 'What happened', value: a.message });
  if (a.state === 'resolved') {
    const end = a.resolvedAt ?? at;
    facts.push({ label: 'Resolved', value: `${timeText(end)} (after ${since(a.firedAt, end)})` });
  } else {
    facts.push({ label: 'Firing since', value: `${timeText(a.firedAt)} (${since(a.firedAt, at)})` });
  }
  const details = detailsText(a.details);
  if (details) facts.push({ label: 'Details', value: details });
  return {
    headline: `${ALERT_WORD[a.state]} ${what}${subject ? `: ${subject}` : ''}`,
    tone: a.state === 'resolved' ? 'good' : a.state === 'reminder' ? 'warn' : 'bad',
    emoji: ALERT_EMOJI[a.state],
    summary: a.message,
    facts,
  };
}

function describeRun(r: RunNotice, type: 'run_finished' | 'run_started', at: string): Described {
  const subject = subjectOf(r);
  const facts: Fact[] = [];
  if (r.job !== undefined) facts.push({ label: 'Job', value: r.job });
  if (r.repository !== undefined) facts.push({ label: 'Repository', value: r.repository });
  if (type === 'run_started') {
    facts.push({ label: 'Started', value: timeText(r.startedAt) });
    return { headline: `STARTED ${r.kind}${subject ? `: ${subject}` : ''}`, tone: 'info', emoji: RUN_EMOJI.other, summary: `${r.kind} started`, facts };
  }
  const outcome = runOutcome(r.status);
  const word = r.status === 'succeeded' ? 'succeeded' : r.status === 'partial' ? 'partly failed' : r.status;
  const summary = `${capitalize(r.kind)}${r.job !== undefined ? ` of ${r.job}` : ''} ${word}${r.status === 'partial' ? ' (some files could not be read)' : ''}`;
  facts.push({ label: 'What happened', value: summary });
  const size = sizeText(r);
  if (size) facts.push({ label: 'Size', value: size });
  if (r.durationMs !== undefined) facts.push({ label: 'Duration', value: formatDurationMs(r.durationMs) });
  if (r.snapshotId !== undefined) facts.push({ label: 'Snapshot', value: r.snapshotId.slice(0, 8) });
  if (r.job !== undefined && r.kind === 'backup' && outcome !== 'success') {
    const reference = r.endedAt ?? at;
    facts.push({
      label: 'Last success',
      value: r.lastSuccessAt ? `${since(r.lastSuccessAt, reference)} ago (${timeText(r.lastSuccessAt)})` : 'never',
    });
  }
  if (r.trigger !== undefined) facts.push({ label: 'Trigger', value: r.trigger });
  const error = outcome === 'failure' && (r.message || r.errorCode) ? [r.errorCode, r.message].filter(Boolean).join(': ') : undefined;
  return {
    headline: `${r.status.toUpperCase()} ${r.kind}${subject ? `: ${subject}` : ''}`,
    tone: outcome === 'success' ? 'good' : r.status === 'partial' ? 'warn' : outcome === 'failure' ? 'bad' : 'info',
    emoji: outcome === 'success' ? RUN_EMOJI.success : r.status === 'partial' ? RUN_EMOJI.partial : outcome === 'failure' ? RUN_EMOJI.failure : RUN_EMOJI.other,
    summary,
    facts,
    ...(error ? { error } : {}),
  };
}

function sizeText(r: RunNotice): string | undefined {
  const parts: string[] = [];
  if (r.totalBytes !== undefined) parts.push(formatBytes(r.totalBytes));
  if (r.bytesAdded !== undefined) parts.push(`${formatBytes(r.bytesAdded)} added`);
  return parts.length ? parts.join(', ') : undefined;
}

/** `k=v, k=v` of an alert's figures, at most 8 of them. */
function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details ?? {})
    .filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object')
    .slice(0, 8)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

/** Bytes in binary units, as restic prints them: `1.234 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

/** `2026-05-01 02:00 UTC` */
export function timeText(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** How long from `from` to `to` (ISO times), roughly: `45s`, `12m`, `5.2h`, `3.1d`. */
export function since(from: string, to: string): string {
  const seconds = Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
  if (Number.isNaN(seconds)) return '?';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86_400).toFixed(1)}d`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** At most `max` UTF-16 units (Slack's and most limits count no finer), ending with `…` when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  // Never leave half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}\u2026`;
}

/** A short label for the delivery record: `stale job orders firing`, `backup job orders failed`. */
export function recordSubject(n: Notification): string {
  if (n.alert) return [n.alert.name, subjectOf(n.alert).replace(',', ''), n.alert.state].filter(Boolean).join(' ');
  if (n.run) return [n.run.kind, subjectOf(n.run).replace(',', ''), n.type === 'run_started' ? 'started' : n.run.status].filter(Boolean).join(' ');
  if (n.report) return n.report.title;
  return n.type;
}

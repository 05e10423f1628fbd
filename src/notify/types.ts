// The notification contract: what Lifeboat tells a person (an alert firing, reminded or
// resolved; a finished run; a report; a test message) and the channel that carries it (Slack,
// a signed webhook, email, a healthchecks.io-style ping). A channel sends one notification per
// call and says how the receiver answered; retries, timeouts and recording are the delivery
// layer's (app/notifications), so a failing channel never delays or fails a backup.

export type AlertName =
  | 'failed' | 'stale' | 'size_anomaly' | 'disk_low' | 'copy_behind' | 'check_failed' | 'drill_failed' | 'rto_exceeded';

export type AlertState = 'firing' | 'reminder' | 'resolved';

export interface AlertNotice {
  name: AlertName;
  state: AlertState;
  /** What the alert is about: a job, a repository, or both. */
  job?: string;
  repository?: string;
  /** For `failed`: which kind of run failed (backup, copy, check, prune, drill). */
  runKind?: string;
  /** One line a person understands, e.g. `newest backup is 5h old, RPO 4h`. Never a secret. */
  message: string;
  firedAt: string;
  resolvedAt?: string;
  /** Rule-specific figures (sizes, ages, free bytes…). */
  details: Record<string, unknown>;
}

export interface RunNotice {
  runId: string;
  job?: string;
  repository?: string;
  kind: string;
  status: string;
  trigger?: string;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  snapshotId?: string;
  bytesAdded?: number;
  totalBytes?: number;
  errorCode?: string;
  message?: string;
  /** When the job last succeeded (before this run), for "how long since the last success". */
  lastSuccessAt?: string;
}

export interface ReportNotice {
  period: 'day' | 'week' | 'month';
  title: string;
  text: string;
  markdown: string;
  html: string;
  json: unknown;
}

/** The versioned document a webhook receives as JSON (docs/notifications.md). */
export interface Notification {
  version: 1;
  /** `run_started` only reaches channels that ping on start (healthchecks). */
  type: 'alert' | 'run_started' | 'run_finished' | 'report' | 'test';
  id: string;
  at: string;
  host: string;
  alert?: AlertNotice;
  run?: RunNotice;
  report?: ReportNotice;
  /** The dashboard page about the subject, when server.public_url is set. */
  url?: string;
}

export interface DeliveryAnswer {
  ok: boolean;
  /** HTTP status, SMTP reply code… */
  status?: number;
  /** The receiver's answer, shortened; never a secret of ours (the delivery layer redacts). */
  detail?: string;
  /** A permanent refusal (4xx other than 408/429, a rejected address) is not retried. */
  permanent?: boolean;
}

export interface Channel {
  readonly name: string;
  readonly type: string;
  /** Which notifications this channel wants (by Notification.type and run status). */
  wants(n: Notification): boolean;
  send(n: Notification, signal: AbortSignal): Promise<DeliveryAnswer>;
}

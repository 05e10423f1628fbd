// `lifeboat notify test`: a test notification to every configured channel (or one), waiting for
// each one's answer (with its retries) up to a deadline, every attempt recorded in the history.

import { hostname } from 'node:os';
import { ConfigError } from '../../errors.ts';
import type { LoadedConfig } from '../../config/types.ts';
import { Redactor } from '../redact.ts';
import { testNotification } from './builders.ts';
import { notificationChannels } from './channels.ts';
import { deliverWithin, worstCaseMs, type DeliverOptions, type DeliveryRecorder, type DeliveryReport } from './delivery.ts';

/** However the channels are configured, a person waits at most this long. */
const MAX_WAIT_MS = 5 * 60_000;

export interface TestNotificationOptions {
  channel?: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  history?: DeliveryRecorder;
  host?: string;
  sleep?: DeliverOptions['sleep'];
}

export async function sendTestNotification(config: LoadedConfig, opts: TestNotificationOptions): Promise<DeliveryReport> {
  if (config.notifications.length === 0) {
    throw new ConfigError(`${config.file}: no notification channels`, [], { hint: 'add one under notifications: (see docs/notifications.md)' });
  }
  const redactor = new Redactor(config.secrets, opts.env);
  const channels = notificationChannels(config, redactor, opts.channel !== undefined ? [opts.channel] : undefined);
  const n = testNotification(opts.host ?? hostname(), { ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}) });
  const deadline = Math.min(MAX_WAIT_MS, Math.max(...channels.map(worstCaseMs)) + 1000);
  return deliverWithin(deadline, channels, n, {
    redactor, signal: opts.signal,
    ...(opts.history ? { history: opts.history } : {}), ...(opts.sleep ? { sleep: opts.sleep } : {}),
  });
}

// A generic webhook: the Notification document as JSON (docs/notifications.md), POSTed with
// headers that say what it is (X-Lifeboat-Event, X-Lifeboat-Delivery: the notification's id,
// the same on every attempt, so a receiver can drop duplicates) and, when a secret is set, an
// HMAC-SHA256 signature over `timestamp.body` (X-Lifeboat-Timestamp, X-Lifeboat-Signature), as
// Stripe and Slack sign theirs: the receiver checks the signature and refuses old timestamps.

import { createHmac } from 'node:crypto';
import { defineChannel } from '../descriptor.ts';
import { httpSend, USER_AGENT } from '../http.ts';
import { wantedByEvents } from '../wants.ts';
import type { Notification } from '../types.ts';

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`). */
export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The request a webhook receives; `now` in ms (each attempt is signed afresh). */
export function webhookRequest(n: Notification, opts: { secret?: string; headers?: Record<string, string>; now?: number }): {
  headers: Record<string, string>;
  body: string;
} {
  const body = JSON.stringify(n);
  // Configured headers first: Lifeboat's own cannot be replaced by them.
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  headers['content-type'] = 'application/json';
  headers['user-agent'] = USER_AGENT;
  headers['x-lifeboat-event'] = n.type;
  headers['x-lifeboat-delivery'] = n.id;
  if (opts.secret) {
    const timestamp = Math.floor((opts.now ?? Date.now()) / 1000);
    headers['x-lifeboat-timestamp'] = String(timestamp);
    headers['x-lifeboat-signature'] = signature(opts.secret, timestamp, body);
  }
  return { headers, body };
}

export const webhook = defineChannel({
  type: 'webhook',
  create(config) {
    return {
      name: config.name,
      type: 'webhook',
      wants: (n) => wantedByEvents(config.events, n),
      async send(n, signal) {
        const { headers, body } = webhookRequest(n, { ...(config.secret ? { secret: config.secret } : {}), headers: config.headers });
        const { body: _body, ...answer } = await httpSend(config.url, { method: 'POST', headers, body, signal });
        return answer;
      },
    };
  },
});

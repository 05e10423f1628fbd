// The `notifications:` block of lifeboat.yaml: one schema per channel type. Config composes
// these; the channels themselves (registry.ts) are loaded only when something is sent.
// Secret-bearing fields (webhook_url, url, secret, password, ping_url) each also take a
// `…_file` variant, read when the config loads.

import { z } from 'zod';
import { duration, nonEmpty, port, section } from '../config/fields.ts';

const events = z
  .array(z.enum(['alerts', 'success', 'failure']))
  .min(1)
  .default(['alerts'])
  .describe('What the channel receives: alerts (firing, reminders, resolved), and every finished run that succeeded or failed.');

const delivery = {
  events,
  timeout: duration.prefault('10s').describe('Time allowed for one attempt.'),
  retries: z.number().int().min(0).max(10).default(3).describe('Attempts after the first one, with backoff.'),
};

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const slack = section({
  type: z.literal('slack'),
  webhook_url: httpUrl.describe('Slack incoming-webhook URL. Prefer webhook_url_file or ${ENV}.'),
  webhook_url_file: nonEmpty.optional(),
  ...delivery,
});

const webhook = section({
  type: z.literal('webhook'),
  url: httpUrl.describe('Receives the event as a JSON POST (docs/notifications.md).'),
  url_file: nonEmpty.optional(),
  secret: z.string().min(16, { error: 'use at least 16 characters' }).optional().describe('Signs each body: X-Lifeboat-Signature: sha256=HMAC-SHA256(secret, timestamp.body).'),
  secret_file: nonEmpty.optional(),
  headers: z.record(z.string(), z.string()).default({}).describe('Extra request headers.'),
  ...delivery,
});

const email = section({
  type: z.literal('email'),
  smtp: section({
    host: nonEmpty,
    port: port.default(587),
    security: z.enum(['starttls', 'tls', 'none']).default('starttls').describe('starttls (port 587), tls (465), or none (local relays only).'),
    user: nonEmpty.optional(),
    password: z.string().optional(),
    password_file: nonEmpty.optional(),
  }),
  from: z.email(),
  to: z.array(z.email()).min(1),
  ...delivery,
});

const healthchecks = section({
  type: z.literal('healthchecks'),
  ping_url: httpUrl.describe('healthchecks.io check URL (…/<uuid>) or an Uptime Kuma push URL.'),
  ping_url_file: nonEmpty.optional(),
  flavor: z.enum(['healthchecks', 'uptime-kuma']).default('healthchecks')
    .describe('healthchecks: pings URL/start, URL, URL/fail. uptime-kuma: URL?status=up|down&msg=…'),
  ...delivery,
  events: z.array(z.enum(['alerts', 'success', 'failure'])).default(['success', 'failure'])
    .describe('A dead-man\'s switch: pinged on run start, success and failure.'),
});

export const channelSchema = z.discriminatedUnion('type', [slack, webhook, email, healthchecks]);
export type ChannelConfig = z.output<typeof channelSchema>;
export type ChannelType = ChannelConfig['type'];

// The only list of notification channel types. A channel is built from its config when a
// notification is about to be sent; the email channel imports nodemailer only when it sends.

import type { ChannelDescriptor, NamedChannelConfig } from './descriptor.ts';
import type { ChannelType } from './schemas.ts';
import type { Channel } from './types.ts';
import { slack } from './slack/index.ts';
import { webhook } from './webhook/index.ts';
import { email } from './email/index.ts';
import { healthchecks } from './healthchecks/index.ts';

export type { NamedChannelConfig };

const CHANNELS: { [T in ChannelType]: ChannelDescriptor<T> } = { slack, webhook, email, healthchecks };

/** A channel with its delivery policy from the config (timeout per attempt, retries). */
export interface ConfiguredChannel extends Channel {
  readonly timeoutMs: number;
  readonly retries: number;
}

export function createChannel(config: NamedChannelConfig): ConfiguredChannel {
  const descriptor = CHANNELS[config.type] as ChannelDescriptor<ChannelType>;
  const channel = descriptor.create(config as never);
  return Object.assign(channel, { timeoutMs: config.timeout, retries: config.retries });
}

/** Header names whose values are credentials (Authorization, X-Api-Key, X-Auth-Token…). */
const SECRET_HEADER = /authorization|cookie|token|secret|key|auth|password|signature/i;

/**
 * Values of a channel's config that must never be shown: its URL (a Slack webhook's or a ping
 * URL's path is the credential), secret and password, and webhook headers that carry
 * credentials. The config loader collects most of them already; this adds the headers.
 */
export function channelSecrets(config: NamedChannelConfig): string[] {
  switch (config.type) {
    case 'slack': return urlSecrets(config.webhookUrl);
    case 'webhook': return [...urlSecrets(config.url), ...(config.secret ? [config.secret] : []), ...Object.entries(config.headers).filter(([k]) => SECRET_HEADER.test(k)).flatMap(([, v]) => credentialParts(v))];
    case 'email': return config.smtp.password ? [config.smtp.password] : [];
    case 'healthchecks': return urlSecrets(config.pingUrl);
  }
}

/** `Bearer abc…` is redacted whole and as its token alone. */
function credentialParts(value: string): string[] {
  const token = value.trim().split(/\s+/).at(-1) ?? '';
  return token !== value && token.length >= 8 ? [value, token] : [value];
}

/**
 * A URL whose path is its credential (Slack's /services/T…/B…/<token>, a ping UUID, a push token)
 * can come back in pieces: a receiver echoing the path, an error naming the token. Redacted are
 * the URL, its path and query, and each token-like part of them (8+ characters with a digit).
 */
function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const parts = [url, `${parsed.pathname}${parsed.search}`, parsed.pathname];
  for (const piece of [...parsed.pathname.split('/'), ...parsed.searchParams.values()]) {
    if (piece.length >= 8 && /\d/.test(piece)) parts.push(piece);
  }
  return [...new Set(parts.filter((p) => p.length >= 8 && p !== '/'))];
}

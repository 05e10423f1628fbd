// The registry builds every channel type from its config, with the delivery policy attached, and
// names the values that must be redacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelSecrets, createChannel } from './registry.ts';

const policy = { events: ['alerts' as const], timeout: 5000, retries: 2 };

test('registry: every channel type, with its timeout and retries', () => {
  const channels = [
    createChannel({ name: 's', type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/X', ...policy }),
    createChannel({ name: 'w', type: 'webhook', url: 'https://example.net/h', headers: {}, ...policy }),
    createChannel({ name: 'e', type: 'email', smtp: { host: 'h', port: 587, security: 'starttls' }, from: 'a@b.c', to: ['d@e.f'], ...policy }),
    createChannel({ name: 'h', type: 'healthchecks', pingUrl: 'https://hc-ping.com/x', flavor: 'healthchecks', ...policy }),
  ];
  assert.deepEqual(channels.map((c) => [c.name, c.type, c.timeoutMs, c.retries]), [
    ['s', 'slack', 5000, 2], ['w', 'webhook', 5000, 2], ['e', 'email', 5000, 2], ['h', 'healthchecks', 5000, 2],
  ]);
});

test('registry: the secrets of a channel include credential headers, not ordinary ones', () => {
  assert.deepEqual(channelSecrets({
    name: 'w', type: 'webhook', url: 'https://example.net/h?k=1', secret: 'whsec-0123456789abcdef',
    headers: { Authorization: 'Bearer tok-0123456789', 'X-Api-Key': 'key-abcdef', 'X-Team': 'ops' }, ...policy,
  }), ['https://example.net/h?k=1', 'whsec-0123456789abcdef', 'Bearer tok-0123456789', 'tok-0123456789', 'key-abcdef']);
  assert.deepEqual(channelSecrets({ name: 'e', type: 'email', smtp: { host: 'h', port: 25, security: 'none', user: 'u', password: 'pw-123456' }, from: 'a@b.c', to: ['d@e.f'], ...policy }), ['pw-123456']);
});

test('registry: a URL whose path is the credential is redacted in pieces too', () => {
  assert.deepEqual(channelSecrets({ name: 's', type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T024BE7LD/B08QW3N1Z/xoxAbCdEf0123456789ab', ...policy }), [
    'https://hooks.slack.com/services/T024BE7LD/B08QW3N1Z/xoxAbCdEf0123456789ab', '/services/T024BE7LD/B08QW3N1Z/xoxAbCdEf0123456789ab',
    'T024BE7LD', 'B08QW3N1Z', 'xoxAbCdEf0123456789ab',
  ]);
  assert.deepEqual(channelSecrets({ name: 'k', type: 'healthchecks', pingUrl: 'https://kuma.example.net/api/push/Qx7Rt2Lm9P?status=up&msg=OK&ping=', flavor: 'uptime-kuma', ...policy }), [
    'https://kuma.example.net/api/push/Qx7Rt2Lm9P?status=up&msg=OK&ping=', '/api/push/Qx7Rt2Lm9P?status=up&msg=OK&ping=', '/api/push/Qx7Rt2Lm9P', 'Qx7Rt2Lm9P',
  ]);
});

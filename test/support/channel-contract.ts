// What every notification channel does, whatever it talks to (Slack, a webhook, SMTP, a ping
// service): a test notification reaches the receiver; a receiver that fails for now is an answer
// that is not ok and not permanent; one that refuses for good is permanent; a receiver that hangs
// is given up when the signal aborts (the send rejects with the signal's reason); and the channel
// wants test notifications. Each channel's test file runs it against its real receiver.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel } from '../../src/notify/types.ts';
import type { Mode } from './notify-receivers.ts';
import { testNotice } from './notifications.ts';

export interface ContractSubject {
  channel: Channel;
  setMode(mode: Mode): void;
  /** How many notifications the receiver took in (accepted or refused). */
  received(): number;
  close(): Promise<void>;
}

export function channelContract(label: string, setup: () => Promise<ContractSubject>): void {
  async function withSubject(fn: (s: ContractSubject) => Promise<void>): Promise<void> {
    const s = await setup();
    try { await fn(s); } finally { await s.close(); }
  }

  test(`${label}: contract: a test notification is delivered`, () => withSubject(async (s) => {
    assert.equal(s.channel.wants(testNotice()), true);
    const answer = await s.channel.send(testNotice(), AbortSignal.timeout(10_000));
    assert.equal(answer.ok, true, answer.detail);
    assert.notEqual(answer.permanent, true);
    assert.equal(s.received(), 1);
  }));

  test(`${label}: contract: a failure for now is not ok and not permanent`, () => withSubject(async (s) => {
    s.setMode('transient');
    const answer = await s.channel.send(testNotice(), AbortSignal.timeout(10_000));
    assert.equal(answer.ok, false);
    assert.notEqual(answer.permanent, true);
    assert.ok(answer.detail, 'a failure says why');
  }));

  test(`${label}: contract: a refusal is permanent`, () => withSubject(async (s) => {
    s.setMode('permanent');
    const answer = await s.channel.send(testNotice(), AbortSignal.timeout(10_000));
    assert.equal(answer.ok, false);
    assert.equal(answer.permanent, true, answer.detail);
    assert.ok(answer.status !== undefined && answer.status >= 400, `status ${answer.status}`);
  }));

  test(`${label}: contract: a hanging receiver is given up when the signal aborts`, () => withSubject(async (s) => {
    s.setMode('hang');
    const t0 = Date.now();
    await assert.rejects(s.channel.send(testNotice(), AbortSignal.timeout(300)), (err: Error) => err.name === 'TimeoutError');
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  }));
}

// The Slack channel: every message shape passes the Block Kit rules (block-kit.ts), hostile
// texts are escaped and cut, and a real HTTP receiver standing in for Slack gets the payload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelContract } from '../../../test/support/channel-contract.ts';
import { httpReceiver } from '../../../test/support/notify-receivers.ts';
import { alert, allShapes, run, started, report, testNotice } from '../../../test/support/notifications.ts';
import { slack } from './index.ts';
import { validateBlockKit } from './block-kit.ts';
import { slackMessage } from './message.ts';

function slackChannel(url: string, events: Array<'alerts' | 'success' | 'failure'> = ['alerts']) {
  return slack.create({ name: 'ops', type: 'slack', webhookUrl: url, events, timeout: 10_000, retries: 3 });
}

channelContract('slack', async () => {
  const r = await httpReceiver();
  return { channel: slackChannel(`${r.url}/services/T000/B000/XXXX`), setMode: (m) => { r.mode = m; }, received: () => r.requests.length, close: () => r.close() };
});

for (const [label, n] of allShapes()) {
  test(`slack: ${label}: the message passes the Block Kit rules`, () => {
    const payload = slackMessage(n);
    assert.deepEqual(validateBlockKit(payload), []);
    assert.ok(payload.text.length > 0);
  });
}

test('slack: wording and emoji per state; facts in the fields', () => {
  const header = (n: Parameters<typeof slackMessage>[0]) => (slackMessage(n).blocks[0] as { text: { text: string } }).text.text;
  assert.equal(header(alert('firing')), '\u{1F534} FIRING stale: job orders');
  assert.equal(header(alert('reminder')), '\u{1F514} REMINDER stale: job orders');
  assert.equal(header(alert('resolved')), '\u2705 RESOLVED stale: job orders');
  assert.equal(header(run('succeeded')), '\u2705 SUCCEEDED backup: job orders, repository offsite');
  assert.equal(header(run('failed')), '\u274C FAILED backup: job orders, repository offsite');
  const failed = JSON.stringify(slackMessage(run('failed')));
  for (const fact of ['*Job*\\norders', '*What happened*', '*Error*\\nsource: pg_dump exited', '*Size*\\n5.00 GiB, 70.0 MiB added', '*Duration*\\n10m0s', '*Last success*\\n24.0h ago']) {
    assert.ok(failed.includes(fact), `${fact} in ${failed}`);
  }
  assert.match(failed, /<https:\/\/lifeboat\.example\.net\/jobs\/orders\|Open in Lifeboat/);
  assert.match(failed, /<!date\^1777601400\^\{date_short_pretty\} at \{time\}\|2026-05-01 02:10 UTC>/);
  assert.match(JSON.stringify(slackMessage(alert('resolved'))), /after 70m/);
});

test('slack: hostile text is escaped: no mention, no forged link, no raw markup', () => {
  const payload = slackMessage(run('failed', { job: '<!channel>', message: 'a <https://evil.example|click> & b' }));
  // Slack parses mrkdwn (and the fallback text); plain_text (the header) is shown as it is.
  const mrkdwnTexts: string[] = [payload.text];
  JSON.stringify(payload, (_k, v: unknown) => {
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'mrkdwn') mrkdwnTexts.push((v as { text: string }).text);
    return v;
  });
  const text = mrkdwnTexts.join('\n');
  assert.equal((payload.blocks[0] as { text: { text: string } }).text.text, '\u274C FAILED backup: job <!channel>, repository offsite');
  assert.ok(!text.includes('<!channel>'));
  assert.ok(!text.includes('<https://evil'));
  assert.ok(text.includes('&lt;!channel&gt;'));
  assert.ok(text.includes('a &lt;https://evil.example|click&gt; &amp; b'));
  // A cut never leaves half an entity behind.
  const cut = slackMessage(run('failed', { message: '&'.repeat(5000) }));
  assert.deepEqual(validateBlockKit(cut), []);
  assert.doesNotMatch(JSON.stringify(cut), /&a?m?p?\u2026/);
});

test('slack: a long report is split into sections within 50 blocks', () => {
  const payload = slackMessage(report(3000));
  assert.deepEqual(validateBlockKit(payload), []);
  assert.equal(payload.blocks.length, 50);
  assert.match(JSON.stringify(payload.blocks.at(-3)), /more part\(s\) of the report left out/);
});

test('slack: validateBlockKit reports the rules a payload breaks', () => {
  const bad = {
    blocks: [
      { type: 'header', text: { type: 'mrkdwn', text: 'x'.repeat(151) } },
      { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'y'.repeat(2001) })) },
      { type: 'section', text: { type: 'plain_text', text: '', verbatim: true } },
      { type: 'section' },
      { type: 'context', elements: [] },
      { type: 'image', image_url: 'https://x', alt_text: 'x' },
      { type: 'divider', block_id: 'a' },
      { type: 'divider', block_id: 'a' },
      ...Array.from({ length: 45 }, () => ({ type: 'divider' })),
    ],
  };
  const problems = validateBlockKit(bad);
  for (const expected of [
    'text: a fallback text is required',
    'blocks: 53 blocks, at most 50',
    'blocks[0].text.type: must be plain_text',
    'blocks[0].text.text: 151 characters, at most 150',
    'blocks[1].fields: 11 fields, at most 10',
    'blocks[1].fields[0].text: 2001 characters, at most 2000',
    'blocks[2].text.text: must not be empty',
    'blocks[2].text.verbatim: only a boolean, only on mrkdwn',
    'blocks[3]: needs text or fields',
    'blocks[4].elements: expected a non-empty array',
    'blocks[5].type: unexpected block type "image"',
    'blocks[7].block_id: must be unique in the message',
  ]) assert.ok(problems.includes(expected), `${expected} missing from:\n${problems.join('\n')}`);
});

test('slack: posts the message as JSON to the webhook; wants per events', async () => {
  await using r = await httpReceiver();
  const channel = slackChannel(`${r.url}/services/T000/B000/XXXX`, ['alerts', 'failure']);
  const answer = await channel.send(alert('firing'), AbortSignal.timeout(5000));
  assert.deepEqual(answer, { ok: true, status: 200, detail: '200 OK: ok' });
  const req = r.requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/services/T000/B000/XXXX');
  assert.match(String(req.headers['content-type']), /^application\/json/);
  assert.match(String(req.headers['user-agent']), /^lifeboat\//);
  assert.deepEqual(validateBlockKit(JSON.parse(req.body)), []);

  assert.equal(channel.wants(alert('resolved')), true);
  assert.equal(channel.wants(run('failed')), true);
  assert.equal(channel.wants(run('partial')), true);
  assert.equal(channel.wants(run('succeeded')), false);
  assert.equal(channel.wants(run('skipped')), false);
  assert.equal(channel.wants(started()), false);
  assert.equal(channel.wants(report()), true);
  assert.equal(channel.wants(testNotice()), true);
});

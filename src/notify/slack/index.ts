// Slack, through an incoming webhook: one POST of a Block Kit message (message.ts). Slack answers
// 200 `ok`, or 400 invalid_payload, 403 action_prohibited, 404 channel_not_found, 410
// channel_is_archived (permanent), 429 and 5xx (worth another attempt). The webhook URL is the
// secret: it never appears in an answer.

import { defineChannel } from '../descriptor.ts';
import { httpSend } from '../http.ts';
import { wantedByEvents } from '../wants.ts';
import { slackMessage } from './message.ts';

export const slack = defineChannel({
  type: 'slack',
  create(config) {
    return {
      name: config.name,
      type: 'slack',
      wants: (n) => wantedByEvents(config.events, n),
      async send(n, signal) {
        const answer = await httpSend(config.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(slackMessage(n)),
          signal,
        });
        const { body: _body, ...rest } = answer;
        return rest;
      },
    };
  },
});

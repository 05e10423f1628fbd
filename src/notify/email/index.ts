// Email over SMTP. The message (message.ts) is built here; nodemailer (transport.ts) is imported
// when the channel first sends, so loading the config or sending to Slack never loads it.

import type { ConnectionOptions } from 'node:tls';
import { defineChannel, type NamedChannelConfig } from '../descriptor.ts';
import { wantedByEvents } from '../wants.ts';
import type { Channel } from '../types.ts';
import { emailMessage } from './message.ts';

export interface EmailChannelOptions {
  /** TLS options for the SMTP connection (tests: the CA of a self-signed server certificate). */
  tls?: ConnectionOptions;
}

export function createEmailChannel(config: NamedChannelConfig<'email'>, opts: EmailChannelOptions = {}): Channel {
  return {
    name: config.name,
    type: 'email',
    wants: (n) => wantedByEvents(config.events, n),
    async send(n, signal) {
      const { sendMail } = await import('./transport.ts');
      return sendMail({
        smtp: config.smtp,
        from: config.from,
        to: config.to,
        message: emailMessage(n),
        headers: { 'X-Lifeboat-Event': n.type, 'X-Lifeboat-Delivery': n.id },
        ...(opts.tls ? { tls: opts.tls } : {}),
      }, signal);
    },
  };
}

export const email = defineChannel({ type: 'email', create: (config) => createEmailChannel(config) });

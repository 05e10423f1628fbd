// From the config to channels ready to deliver: each built by the registry with its timeout and
// retries, and its secrets (URLs, passwords, credential headers) added to the redactor before
// anything is sent, so no answer or error can show them.

import { NotFoundError } from '../../errors.ts';
import type { Config } from '../../config/types.ts';
import { channelSecrets, createChannel, type ConfiguredChannel } from '../../notify/registry.ts';
import type { Redactor } from '../redact.ts';

/** The configured channels (all, or those named, in the order named); unknown names are an error. */
export function notificationChannels(config: Pick<Config, 'notifications'>, redactor: Pick<Redactor, 'add'>, names?: readonly string[]): ConfiguredChannel[] {
  const configs = names === undefined ? config.notifications : names.map((name) => {
    const found = config.notifications.find((c) => c.name === name);
    if (!found) {
      const known = config.notifications.map((c) => c.name);
      throw new NotFoundError(`notification channel ${name}: no such channel in the config`, {
        hint: known.length ? `channels: ${known.join(', ')}` : 'the config defines no channels under notifications:',
      });
    }
    return found;
  });
  return configs.map((c) => {
    for (const secret of channelSecrets(c)) redactor.add(secret);
    return createChannel(c);
  });
}


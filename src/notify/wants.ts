// Which notifications a channel receives, from its `events:` (alerts, success, failure). Reports
// and tests go to every channel they are addressed to; `run_started` only to channels that ping
// on start (healthchecks), which decide that themselves.

import { runOutcome } from './format.ts';
import type { Notification } from './types.ts';

export type ChannelEvent = 'alerts' | 'success' | 'failure';

export function wantedByEvents(events: readonly ChannelEvent[], n: Notification): boolean {
  switch (n.type) {
    case 'alert':
      return events.includes('alerts');
    case 'run_finished': {
      const outcome = n.run ? runOutcome(n.run.status) : undefined;
      return outcome !== undefined && events.includes(outcome);
    }
    case 'report':
    case 'test':
      return true;
    default:
      return false;
  }
}

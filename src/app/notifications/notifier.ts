// Who hears what, wired to the run events: finished runs (and starts, for dead-man's switches)
// go to the channels of their job; after every finished run, and on a timer in the daemon, the
// alert rules are evaluated and their transitions (firing, reminder, resolved) sent. The daemon
// delivers in the background (a bounded queue: a run never waits for Slack); a CLI run collects
// and delivers before it exits, within a deadline.

import { hostname } from 'node:os';
import type { LoadedConfig } from '../../config/types.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Notification } from '../../notify/types.ts';
import { AlertEngine, channelsFor } from '../alerts/engine.ts';
import type { RunEvent } from '../events.ts';
import type { History } from '../history/store.ts';
import type { Logger } from '../logger.ts';
import type { Redactor } from '../redact.ts';
import { alertNotification, notificationForEvent, reportNotification } from './builders.ts';
import { notificationChannels } from './channels.ts';
import { deliverWithin, type DeliveryChannel } from './delivery.ts';
import { DeliveryQueue } from './queue.ts';
import type { ReportNotice } from '../../notify/types.ts';

export interface NotifierOptions {
  config: () => LoadedConfig;
  history: History;
  redactor: Redactor;
  clock?: Clock;
  log?: Logger;
  /** `background`: the daemon's queue; `collect`: a CLI run's, delivered by flush(). */
  mode: 'background' | 'collect';
}

export class Notifier {
  readonly alerts: AlertEngine;
  #opts: NotifierOptions;
  #queue: DeliveryQueue | undefined;
  #collected: Array<{ channels: DeliveryChannel[]; n: Notification }> = [];
  #evaluating: Promise<void> = Promise.resolve();

  constructor(opts: NotifierOptions) {
    this.#opts = opts;
    this.alerts = new AlertEngine({ history: opts.history, config: opts.config, clock: opts.clock ?? systemClock });
    if (opts.mode === 'background') {
      this.#queue = new DeliveryQueue({
        history: opts.history, redactor: opts.redactor, clock: opts.clock ?? systemClock,
        onDelivered: (r) => {
          for (const o of r.outcomes) {
            if (!o.ok) opts.log?.warn({ channel: o.channel, type: r.type, attempts: o.attempts, status: o.status, detail: o.detail }, 'notification not delivered');
          }
        },
      });
    }
  }

  /** The event subscriber: run notifications, and an alert evaluation after each finished run. */
  subscriber(): (e: RunEvent) => void {
    return (e) => {
      if (e.type === 'started' && e.skipped) return; // no /start ping for a run that never ran
      if (e.type === 'started' || e.type === 'finished') {
        const config = this.#opts.config();
        const n = notificationForEvent(e, { history: this.#opts.history, publicUrl: config.server.publicUrl, host: hostname(), ...(this.#opts.clock ? { clock: this.#opts.clock } : {}) });
        if (n) this.#send(channelsFor(config, e.job, e.repository), n);
      }
      // After a run, and before a backup (disk low must fire before the backup fills the disk).
      if (e.type === 'finished' || (e.type === 'started' && e.kind === 'backup')) void this.evaluateAlerts();
    };
  }

  /** Evaluates the rules and sends each transition; evaluations never overlap. */
  evaluateAlerts(): Promise<void> {
    this.#evaluating = this.#evaluating.then(async () => {
      try {
        const config = this.#opts.config();
        for (const t of await this.alerts.evaluate()) {
          this.#opts.log?.[t.notice.state === 'resolved' ? 'info' : 'warn']({ alert: t.notice.name, state: t.notice.state, job: t.notice.job, repository: t.notice.repository }, t.notice.message);
          this.#send(t.channels, alertNotification(t.notice, { publicUrl: config.server.publicUrl }));
        }
      } catch (err) {
        this.#opts.log?.error({ err }, 'alert evaluation failed');
      }
    });
    return this.#evaluating;
  }

  sendReport(report: ReportNotice, channels: readonly string[]): void {
    this.#send(channels, reportNotification(report, { publicUrl: this.#opts.config().server.publicUrl }));
  }

  #send(names: readonly string[], n: Notification): void {
    if (names.length === 0) return;
    let channels: DeliveryChannel[];
    try {
      channels = notificationChannels(this.#opts.config(), this.#opts.redactor, names).filter((c) => c.wants(n));
    } catch (err) {
      this.#opts.log?.error({ err }, 'notification channels could not be built');
      return;
    }
    if (channels.length === 0) return;
    if (this.#queue) this.#queue.push(channels, n);
    else this.#collected.push({ channels, n });
  }

  /** CLI: waits for pending evaluations, then delivers what was collected, all within `ms`. */
  async flush(ms: number): Promise<void> {
    await this.#evaluating;
    const deadline = Date.now() + ms;
    const items = this.#collected.splice(0);
    await Promise.all(items.map(({ channels, n }) => deliverWithin(Math.max(1, deadline - Date.now()), channels, n, {
      history: this.#opts.history, redactor: this.#opts.redactor,
    })));
  }

  async close(graceMs: number): Promise<void> {
    await this.#evaluating;
    await this.#queue?.close(graceMs);
  }
}

// The daemon's outbox: notifications are delivered in the background, a few at a time, so a run
// never waits for Slack or an SMTP server. The queue is bounded: when a channel hangs and
// notifications pile up past the limit, new ones are dropped (and the drop is recorded) rather
// than memory growing without end. On shutdown, close() gives the deliveries under way a last
// moment, then abandons them.

import { systemClock } from '../../core/clock.ts';
import { recordSubject } from '../../notify/format.ts';
import type { Notification } from '../../notify/types.ts';
import { deliver, type DeliverOptions, type DeliveryChannel, type DeliveryReport } from './delivery.ts';

export interface DeliveryQueueOptions extends Omit<DeliverOptions, 'signal'> {
  /** Notifications waiting or under way at most (default 100). */
  limit?: number;
  /** Notifications delivered at once (default 4). */
  concurrency?: number;
  /** Told about each finished delivery (logs, metrics). */
  onDelivered?: (report: DeliveryReport) => void;
}

interface Item {
  channels: readonly DeliveryChannel[];
  notification: Notification;
}

export class DeliveryQueue {
  #opts: DeliveryQueueOptions;
  #waiting: Item[] = [];
  #running = new Set<Promise<void>>();
  #stop = new AbortController();
  #closed = false;

  constructor(opts: DeliveryQueueOptions) {
    this.#opts = opts;
  }

  /** Waiting and under way. */
  get size(): number {
    return this.#waiting.length + this.#running.size;
  }

  /** Queues a notification; false when it was dropped (the queue is full or closed). */
  push(channels: readonly DeliveryChannel[], notification: Notification): boolean {
    if (this.#closed || this.size >= (this.#opts.limit ?? 100)) {
      this.#recordDrop(channels, notification, this.#closed ? 'dropped: shutting down' : 'dropped: too many notifications waiting');
      return false;
    }
    this.#waiting.push({ channels, notification });
    this.#pump();
    return true;
  }

  /** Stops taking notifications; waits up to `graceMs` for those queued, then abandons the rest. */
  async close(graceMs: number): Promise<void> {
    this.#closed = true;
    const idle = (async () => {
      while (this.size > 0) await Promise.race(this.#running);
    })();
    const timer = setTimeout(() => this.#stop.abort(new DOMException('shutting down', 'AbortError')), graceMs);
    try {
      await idle;
    } finally {
      clearTimeout(timer);
    }
  }

  #pump(): void {
    while (this.#running.size < (this.#opts.concurrency ?? 4) && this.#waiting.length > 0) {
      const item = this.#waiting.shift()!;
      const p: Promise<void> = deliver(item.channels, item.notification, { ...this.#opts, signal: this.#stop.signal })
        .then((report) => { try { this.#opts.onDelivered?.(report); } catch { /* a listener never stops the queue */ } })
        .finally(() => {
          this.#running.delete(p);
          this.#pump();
        });
      this.#running.add(p);
    }
  }

  #recordDrop(channels: readonly DeliveryChannel[], n: Notification, detail: string): void {
    const history = this.#opts.history;
    if (!history) return;
    const at = (this.#opts.clock ?? systemClock).now();
    for (const c of channels) {
      let wanted = false;
      try { wanted = c.wants(n); } catch { /* not wanted */ }
      if (!wanted) continue;
      try {
        history.alerts.recordDelivery({ notificationId: n.id, channel: c.name, type: n.type, subject: this.#opts.redactor.redact(recordSubject(n)), attempt: 0, at, ok: false, detail });
      } catch (err) {
        this.#opts.onRecordError?.(err);
      }
    }
  }
}

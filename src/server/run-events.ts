// GET /api/v1/runs/{id}/events: a run's events as server-sent events, as they happen, ending
// with `finished` (then the server closes the stream: a browser's EventSource should close
// itself on `finished`, or it reconnects and gets that `finished` again).
//
// - A run that is over: one `finished` rebuilt from its history record.
// - A client that joins a running run gets `started` rebuilt from the record first, so every
//   stream reads started … finished.
// - Progress is throttled to one event per `progressIntervalMs` (the newest wins); any other
//   event first flushes the pending progress, so order is kept.
// - Runs of another process (a CLI run sharing the history) have no live events here: the
//   history is polled and their `finished` is sent when the record says so. A queued run that
//   never started (the runner stopped) gets a `finished` with status aborted.
// - A comment line every `heartbeatMs` keeps proxies from closing an idle stream.

import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { RunEvent } from '../app/events.ts';
import type { Services } from '../app/services.ts';
import { NotFoundError } from '../errors.ts';
import { eventJson, finishedFromRecord, startedFromRecord } from './json.ts';

export interface RunStreamOptions {
  progressIntervalMs?: number;
  pollMs?: number;
  heartbeatMs?: number;
}

type Data = Record<string, unknown>;

export function runEventStream(c: Context, services: Services, id: string, closing: AbortSignal, opts: RunStreamOptions = {}): Response {
  const progressEvery = opts.progressIntervalMs ?? 250;
  const pollEvery = opts.pollMs ?? 1000;
  const beatEvery = opts.heartbeatMs ?? 15_000;
  const queue: RunEvent[] = [];
  let pending: RunEvent | undefined;
  let wake: (() => void) | undefined;
  const notify = () => { const w = wake; wake = undefined; w?.(); };
  // Subscribe before reading the history: nothing can slip between the two (both synchronous).
  const unsubscribe = services.events.subscribe((e) => {
    if (e.runId !== id) return;
    if (e.type === 'progress') {
      pending = e;
    } else {
      if (pending) queue.push(pending);
      pending = undefined;
      queue.push(e);
    }
    notify();
  });
  const record = services.history.get(id);
  const active = services.runner.active().find((t) => t.runId === id);
  if (!record && !active) {
    unsubscribe();
    throw new NotFoundError(`run ${id}: no such run`, { hint: 'run IDs are listed by GET /api/v1/runs' });
  }

  return streamSSE(c, async (stream) => {
    let seq = 0;
    const send = (event: string, data: Data) =>
      stream.writeSSE({ event, id: String(seq++), data: services.redactor.redact(JSON.stringify(data)) });
    const gone = new AbortController();
    stream.onAbort(() => gone.abort());
    const stop = AbortSignal.any([closing, gone.signal]);
    try {
      if (record && record.status !== 'running') return void await send('finished', finishedFromRecord(record));
      if (record && !queue.some((e) => e.type === 'started')) await send('started', startedFromRecord(record));

      /** The end of a run this process has no live events for: from the history, or a queued run that vanished. */
      const fallback = (): Data | undefined => {
        const r = services.history.get(id);
        if (r && r.status !== 'running') return finishedFromRecord(r);
        if (r || services.runner.active().some((t) => t.runId === id)) return undefined;
        return {
          type: 'finished', run_id: id, ...(active?.job ? { job: active.job } : {}), at: services.clock.now().toISOString(),
          kind: active?.kind ?? 'backup', status: 'aborted', duration_ms: 0, exit_code: 130, error_code: 'aborted',
          message: 'the run was cancelled before it started',
        };
      };

      let lastProgress = -Infinity;
      let lastPoll = performance.now();
      let lastBeat = performance.now();
      while (!stop.aborted) {
        const e = queue.shift();
        if (e) {
          await send(e.type, eventJson(e));
          if (e.type === 'finished') return;
          continue;
        }
        const now = performance.now();
        if (pending && now - lastProgress >= progressEvery) {
          const p = pending;
          pending = undefined;
          lastProgress = now;
          await send('progress', eventJson(p));
          continue;
        }
        if (now - lastPoll >= pollEvery) {
          lastPoll = now;
          const end = fallback();
          if (end) return void await send('finished', end);
        }
        if (now - lastBeat >= beatEvery) {
          lastBeat = now;
          await stream.write(': keep-alive\n\n');
        }
        const due = Math.min(pending ? lastProgress + progressEvery : Infinity, lastPoll + pollEvery, lastBeat + beatEvery);
        await sleepUntilWoken(Math.max(0, due - performance.now()), stop, (w) => { wake = w; });
      }
    } catch (err) {
      // Not rethrown: hono would write the raw message into the stream, past the redactor.
      services.log.warn({ err, run: id }, 'run event stream failed');
    } finally {
      unsubscribe();
    }
  });
}

function sleepUntilWoken(ms: number, signal: AbortSignal, setWake: (w: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    setWake(done);
  });
}

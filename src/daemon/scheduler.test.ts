import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler, type Timers } from './scheduler.ts';

function fakeTime(start: string) {
  let now = new Date(start);
  const pending: Array<{ at: number; fn: () => void; id: number }> = [];
  let id = 0;
  const timers: Timers = {
    set: (fn, ms) => { pending.push({ at: now.getTime() + ms, fn, id: ++id }); return id; },
    clear: (h) => { const i = pending.findIndex((p) => p.id === h); if (i >= 0) pending.splice(i, 1); },
  };
  return {
    clock: { now: () => now },
    timers,
    /** Moves time forward, running timers as they come due. */
    advance(ms: number) {
      const end = now.getTime() + ms;
      for (;;) {
        pending.sort((a, b) => a.at - b.at);
        const p = pending[0];
        if (!p || p.at > end) break;
        pending.shift();
        now = new Date(Math.max(now.getTime(), p.at));
        p.fn();
      }
      now = new Date(end);
    },
    jump(ms: number) { now = new Date(now.getTime() + ms); },
  };
}

test('cron with seconds and intervals fire at their times', () => {
  const t = fakeTime('2026-11-20T10:00:00.500Z');
  const fired: string[] = [];
  const s = new Scheduler({ clock: t.clock, timers: t.timers });
  s.set([
    { key: 'pg', schedule: { kind: 'cron', expression: '*/5 * * * * *', timezone: 'UTC' }, fire: (at) => fired.push(`pg ${at.toISOString().slice(11, 19)}`) },
    { key: 'files', schedule: { kind: 'interval', everyMs: 7000 }, fire: (at) => fired.push(`files ${at.toISOString().slice(11, 19)}`) },
  ]);
  s.start();
  t.advance(15_000);
  assert.deepEqual(fired, ['pg 10:00:05', 'files 10:00:07', 'pg 10:00:10', 'files 10:00:14', 'pg 10:00:15']);
});

test('a slot missed while the process slept fires once; a daily job at 02:15 in its zone', () => {
  const t = fakeTime('2026-11-20T00:00:00Z');
  const fired: string[] = [];
  const s = new Scheduler({ clock: t.clock, timers: t.timers });
  s.set([{ key: 'pg', schedule: { kind: 'cron', expression: '15 2 * * *', timezone: 'Europe/Berlin' }, fire: (at) => fired.push(at.toISOString()) }]);
  assert.equal(s.upcoming()[0]!.next!.toISOString(), '2026-11-20T01:15:00.000Z');
  s.start();
  t.jump(3 * 86_400_000); // asleep for three days: the timer is late
  t.advance(60_000);
  assert.equal(fired.length, 1);
  assert.equal(s.upcoming()[0]!.next!.toISOString(), '2026-11-23T01:15:00.000Z');
});

test('a reload keeps the next time of unchanged entries and drops removed ones', () => {
  const t = fakeTime('2026-11-20T10:00:00Z');
  const s = new Scheduler({ clock: t.clock, timers: t.timers });
  const fire = () => {};
  s.set([{ key: 'a', schedule: { kind: 'interval', everyMs: 60_000 }, fire }, { key: 'b', schedule: { kind: 'interval', everyMs: 60_000 }, fire }]);
  t.jump(30_000);
  s.set([{ key: 'a', schedule: { kind: 'interval', everyMs: 60_000 }, fire }]);
  assert.deepEqual(s.upcoming().map((u) => [u.key, u.next!.toISOString()]), [['a', '2026-11-20T10:01:00.000Z']]);
});

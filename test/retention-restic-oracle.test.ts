// Oracle: the same snapshot list in a real restic repository, and for each policy the keep
// set, reasons and counters of `restic forget --dry-run --json` must equal applyRetention's.
// Snapshots are made with `restic backup --time` (a tiny directory, in parallel); one host's
// snapshots are made under TZ=America/New_York so they carry -05:00/-04:00 offsets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot, SnapshotEntry, SnapshotId } from '../src/repo/types.ts';
import { applyRetention, type GroupBy, type RetentionGroup } from '../src/core/retention.ts';
import { policyFromFlags, type RetentionFlag } from '../src/core/retention-schema.ts';
import { cheapenKey, inParallel, restic, type ResticEnv } from './retention-restic-helpers.ts';

interface Plan { time: string; host: string; dir: 'a' | 'b'; tags: string[]; tz?: string }

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function fmt(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function plan(): Plan[] {
  const out: Plan[] = [];
  const day = 86_400_000;
  // alpha: every 4 days for 14 months with drifting hours, an hourly-ish burst, year edges.
  for (let t = Date.parse('2023-01-01T03:00:00Z'), i = 0; t <= Date.parse('2024-02-29T03:00:00Z'); t += 4 * day, i++) {
    out.push({ time: fmt(t + (i % 5) * 3_600_000), host: 'alpha', dir: 'a', tags: ['job=db'] });
  }
  for (let h = 0; h < 24; h += 2) out.push({ time: `2024-02-27 ${pad(h)}:15:00`, host: 'alpha', dir: 'a', tags: ['job=db'] });
  for (const time of ['2022-12-31 23:30:00', '2023-01-01 00:30:00', '2021-01-02 12:00:00', '2021-01-04 12:00:00']) {
    out.push({ time, host: 'alpha', dir: 'a', tags: ['job=db'] });
  }
  out.push({ time: '2024-01-15 12:00:00', host: 'alpha', dir: 'a', tags: ['job=db'] }, { time: '2024-01-15 12:00:00', host: 'alpha', dir: 'a', tags: ['job=db'] });
  out.push({ time: '2023-06-15 11:00:00', host: 'alpha', dir: 'a', tags: ['job=db', 'latest'] });
  out.push({ time: '2023-09-09 09:09:09', host: 'alpha', dir: 'a', tags: ['job=db', 'manual'] });
  out.push({ time: '2031-01-01 00:00:00', host: 'alpha', dir: 'a', tags: ['job=db'] }); // clock skew: in the future
  for (const time of ['2023-03-01 10:00:00', '2023-08-01 10:00:00', '2024-01-01 10:00:00', '2024-02-01 10:00:00', '2024-02-28 10:00:00']) {
    out.push({ time, host: 'alpha', dir: 'b', tags: ['job=files'] });
  }
  // beta: daily at 22:00 for 46 days, one tie.
  for (let t = Date.parse('2024-01-01T22:00:00Z'); t <= Date.parse('2024-02-15T22:00:00Z'); t += day) {
    out.push({ time: fmt(t), host: 'beta', dir: 'a', tags: ['job=db', ...(t === Date.parse('2024-02-15T22:00:00Z') ? ['latest'] : [])] });
  }
  out.push({ time: '2024-02-10 22:00:00', host: 'beta', dir: 'a', tags: ['job=db'] });
  // gamma: New York wall clock around midnight, DST changes and the year end.
  for (const time of ['2024-03-09 23:30:00', '2024-03-10 00:30:00', '2024-03-10 01:30:00', '2024-03-10 03:30:00', '2024-03-10 23:59:00',
    '2024-03-11 00:01:00', '2024-11-02 23:00:00', '2024-11-03 01:30:00', '2024-11-03 23:30:00', '2024-11-04 00:30:00',
    '2024-12-29 23:00:00', '2024-12-31 23:30:00', '2025-01-01 00:30:00', '2025-01-05 20:00:00']) {
    out.push({ time, host: 'gamma', dir: 'a', tags: ['job=db'], tz: 'America/New_York' });
  }
  return out;
}

const POLICIES: Array<{ flags: Partial<Record<RetentionFlag, string | string[]>>; groupBy: GroupBy[] }> = [
  { flags: { 'keep-daily': '30' }, groupBy: ['host', 'paths'] },
  { flags: { 'keep-within': '30d' }, groupBy: ['host', 'paths'] },
  { flags: { 'keep-daily': '7', 'keep-weekly': '4', 'keep-monthly': '12' }, groupBy: ['host', 'paths'] },
  { flags: { 'keep-last': '1', 'keep-tag': 'latest', 'keep-yearly': '3' }, groupBy: ['host', 'paths'] },
  { flags: { 'keep-hourly': '10', 'keep-within-hourly': '5d', 'keep-within-daily': '2m', 'keep-within-weekly': '6m', 'keep-within-monthly': '1y', 'keep-within-yearly': '5y' }, groupBy: ['host', 'paths'] },
  { flags: { 'keep-last': '3', 'keep-weekly': '10' }, groupBy: ['host', 'tags'] },
  { flags: { 'keep-monthly': '6', 'keep-weekly': '3' }, groupBy: [] },
  { flags: { 'keep-tag': ['manual', 'job=db,latest'], 'keep-within': '1y2m3d4h' }, groupBy: ['host'] },
  { flags: { 'keep-hourly': '5', 'keep-daily': '5', 'keep-weekly': '5', 'keep-monthly': '5', 'keep-yearly': '5' }, groupBy: ['paths'] },
  { flags: { 'keep-within': '1m', 'keep-daily': '3' }, groupBy: ['host', 'paths'] },
];

interface ResticGroup {
  host: string;
  paths: string[] | null;
  tags: string[] | null;
  keep: Array<Snapshot & { id: string }> | null;
  remove: Array<Snapshot & { id: string }> | null;
  reasons: Array<{ snapshot: Snapshot & { id: string }; matches: string[]; counters: Record<string, number> }> | null;
}

function canonicalKey(host: string | undefined, paths: string[] | null | undefined, tags: string[] | null | undefined, groupBy: GroupBy[]): string {
  return JSON.stringify({
    host: groupBy.includes('host') ? host ?? '' : undefined,
    paths: groupBy.includes('paths') ? [...(paths ?? [])].sort() : undefined,
    tags: groupBy.includes('tags') ? [...(tags ?? [])].sort() : undefined,
  });
}

/** Order-free view of a group. Tied snapshots are interchangeable, so compare by content. */
function view(times: string[], kept: Array<{ time: string; tags: string[]; matches: string[]; counters: Record<string, number> }>, removed: Array<{ time: string; tags: string[] }>) {
  const sig = (s: { time: string; tags: string[] }) => `${s.time} [${[...s.tags].sort().join(',')}]`;
  return {
    kept: kept.map((k) => `${sig(k)} ${k.matches.join('; ')} ${JSON.stringify(Object.fromEntries(Object.entries(k.counters).filter(([, v]) => v !== 0)))}`).sort(),
    removed: removed.map(sig).sort(),
    times,
  };
}

test('applyRetention equals restic forget --dry-run --json on a real repository', { timeout: 240_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-retention-oracle-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const r: ResticEnv = {
    repo: join(dir, 'repo'),
    env: { ...process.env, RESTIC_REPOSITORY: join(dir, 'repo'), RESTIC_PASSWORD: 'oracle-pw', RESTIC_CACHE_DIR: join(dir, 'cache'), TZ: 'UTC' },
  };
  for (const d of ['a', 'b']) {
    await mkdir(join(dir, d));
    await writeFile(join(dir, d, 'file'), `data ${d}\n`);
  }
  const started = Date.now();
  await restic(r, ['init', '-q']);
  await cheapenKey(r.repo, 'oracle-pw');
  const snapshotsPlan = plan();
  // Concurrent restic processes on one repository race on each other's lock files and back
  // off for seconds. So each worker backs up serially into its own copy of the repository
  // (same key and config), and the copies' snapshot, index and pack files are merged after.
  const workers = 4;
  await inParallel([...Array(workers).keys()], workers, async (w) => {
    const copy: ResticEnv = { repo: join(dir, `repo-${w}`), env: { ...r.env, RESTIC_REPOSITORY: join(dir, `repo-${w}`), RESTIC_CACHE_DIR: join(dir, `cache-${w}`) } };
    await cp(r.repo, copy.repo, { recursive: true });
    for (const p of snapshotsPlan.filter((_, i) => i % workers === w)) {
      const args = ['backup', '-q', '--time', p.time, '--host', p.host, ...p.tags.flatMap((tag) => ['--tag', tag]), join(dir, p.dir)];
      await restic(copy, args, p.tz ? { TZ: p.tz } : {});
    }
    for (const sub of ['snapshots', 'index', 'data']) await cp(join(copy.repo, sub), join(r.repo, sub), { recursive: true });
  });
  const made = Date.now() - started;

  const listed = JSON.parse(await restic(r, ['snapshots', '--json', '--no-lock'])) as Array<Snapshot & { id: string; short_id: string }>;
  assert.equal(listed.length, snapshotsPlan.length);
  assert.ok(listed.some((s) => s.time.endsWith('-05:00')) && listed.some((s) => s.time.endsWith('-04:00')), 'gamma carries New York offsets');
  const entries: SnapshotEntry[] = listed.map(({ id, short_id: _short, ...snapshot }) => ({ id: id as SnapshotId, snapshot }));

  let compared = 0;
  let keptTotal = 0;
  const oracle = await Promise.all(POLICIES.map(async ({ flags, groupBy }) => {
    const args = ['forget', '--dry-run', '--no-lock', '--json', '--group-by', groupBy.join(',')];
    for (const [flag, value] of Object.entries(flags)) for (const v of [value].flat()) args.push(`--${flag}`, v);
    return { args, groups: JSON.parse(await restic(r, args)) as ResticGroup[] };
  }));
  for (const [i, { flags, groupBy }] of POLICIES.entries()) {
    const { args, groups: theirs } = oracle[i]!;
    const ours: RetentionGroup[] = applyRetention(entries, policyFromFlags(flags), { groupBy, now: new Date() });
    assert.equal(ours.length, theirs.length, `${args.join(' ')}: number of groups`);
    const byKey = new Map(ours.map((g) => [canonicalKey(g.key.host, g.key.paths, g.key.tags, groupBy), g]));
    for (const their of theirs) {
      const key = canonicalKey(their.host, their.paths, their.tags, groupBy);
      const our = byKey.get(key);
      assert.ok(our, `${args.join(' ')}: group ${key} missing`);
      const theirView = view([], (their.reasons ?? []).map((x) => ({ time: x.snapshot.time, tags: x.snapshot.tags ?? [], matches: x.matches, counters: x.counters })),
        (their.remove ?? []).map((s) => ({ time: s.time, tags: s.tags ?? [] })));
      const ourView = view([], our.reasons.map((x) => ({ time: x.entry.snapshot.time, tags: x.entry.snapshot.tags ?? [], matches: x.matches, counters: { ...x.counters } })),
        our.remove.map((e) => ({ time: e.snapshot.time, tags: e.snapshot.tags ?? [] })));
      assert.deepEqual(ourView, theirView, `${args.join(' ')}: group ${key}`);
      // Exact IDs wherever restic's choice is determined (no other snapshot at the same instant).
      const timeCount = new Map<string, number>();
      for (const e of our.decisions) timeCount.set(e.entry.snapshot.time, (timeCount.get(e.entry.snapshot.time) ?? 0) + 1);
      const unique = (s: { time: string }) => timeCount.get(s.time) === 1;
      assert.deepEqual(our.keep.filter((e) => unique(e.snapshot)).map((e) => e.id).sort(),
        (their.keep ?? []).filter(unique).map((s) => s.id).sort(), `${args.join(' ')}: kept IDs of group ${key}`);
      compared += our.decisions.length;
      keptTotal += our.keep.length;
    }
  }
  t.diagnostic(`snapshots=${entries.length} made in ${made} ms; policies=${POLICIES.length}; decisions compared=${compared}; kept=${keptTotal} removed=${compared - keptTotal}`);
});

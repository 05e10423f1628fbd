// `snapshots --all-repos [--job NAME]`: one row per snapshot, one column per repository of the
// config (or of the job), showing the snapshot's ID in each repository that holds a copy.

import { count } from '../progress.ts';
import type { CommandContext } from '../command.ts';
import { locateConfigSnapshots } from '../../app/snapshot-locations.ts';
import type { SnapshotFilter } from '../../app/snapshots.ts';
import { loadConfigFor } from '../job-access.ts';

export async function runAllRepos(ctx: CommandContext, filter: SnapshotFilter, jobName: string | undefined): Promise<number> {
  const found = await locateConfigSnapshots(await loadConfigFor(ctx), jobName, filter, ctx.signal);
  const names = found.repositories.map((r) => r.name);
  ctx.json({
    repositories: found.repositories,
    snapshots: found.snapshots.map((s) => ({
      ...s.snapshot, id: s.id, short_id: s.id.slice(0, 8),
      repositories: Object.fromEntries(names.map((n) => [n, s.holders[n] ?? null])),
    })),
  });
  if (!ctx.global.json) {
    const header = ['ID', 'Time', 'Host', 'Tags', ...names];
    const rows = found.snapshots.map((s) => [
      s.id.slice(0, 8), s.snapshot.time.replace('T', ' ').slice(0, 19), s.snapshot.hostname ?? '',
      (s.snapshot.tags ?? []).filter((t) => !/^(duration|size)=|-version=/.test(t)).join(','),
      ...names.map((n) => (s.holders[n] ? s.holders[n]!.slice(0, 8) : (found.repositories.find((r) => r.name === n)!.ok ? '-' : '?'))),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    ctx.out(line(header));
    ctx.out('-'.repeat(widths.reduce((a, w) => a + w + 2, -2)));
    for (const r of rows) ctx.out(line(r));
    ctx.out('-'.repeat(widths.reduce((a, w) => a + w + 2, -2)));
    ctx.say(`${count(found.snapshots.length, 'snapshot')}; a column shows the snapshot's ID in that repository, - if it has no copy`);
    for (const r of found.repositories) {
      ctx.say(r.ok ? `  ${r.name}: ${r.location}, ${count(r.count, 'snapshot')}` : `  ${r.name}: ${r.location}: cannot list (?): ${r.error}`);
    }
  }
  const failed = found.repositories.filter((r) => !r.ok).length;
  for (const r of found.repositories) if (!r.ok) ctx.io.stderr.write(`lifeboat: repository ${r.name}: ${r.error}\n`);
  return failed === 0 ? 0 : failed === found.repositories.length ? 1 : 3;
}

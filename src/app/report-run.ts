// `lifeboat report` and the daemon's scheduled reports: the report of a period, with the
// repositories' current sizes read when asked (for the cost estimate).

import type { Config } from '../config/types.ts';
import type { Clock } from '../core/clock.ts';
import type { History } from './history/store.ts';
import { buildReport, type Report, type ReportPeriod } from './report.ts';
import { repositoryStatus } from './status.ts';

export async function makeReport(
  config: Config, history: History, period: ReportPeriod, opts: { readRepositories: boolean; signal: AbortSignal; clock?: Clock },
): Promise<Report> {
  const sizes = new Map<string, number>();
  if (opts.readRepositories) {
    const statuses = await Promise.all(config.repositories.map((r) => repositoryStatus(config, r, history, { readRepositories: true, signal: opts.signal })));
    for (const s of statuses) if (s.sizeBytes !== undefined) sizes.set(s.name, s.sizeBytes);
  }
  return buildReport(config, history, period, { ...(opts.clock ? { clock: opts.clock } : {}), sizes });
}

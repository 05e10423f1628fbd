// Daily, weekly and monthly reports: per job the runs, successes and failures, the achieved
// RPO (largest gap between successes in the period), size and duration trends; per repository
// its growth and a monthly cost estimate from its size and the price per GiB you set. Built
// from the run history (and the repositories' sizes when read), rendered as text, Markdown,
// HTML (with a small inline SVG chart per job) or JSON.

import type { Config } from '../config/types.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { History, RunRecord } from './history/store.ts';
import { fmtBytes, fmtSeconds } from './alerts/rules.ts';

export type ReportPeriod = 'day' | 'week' | 'month';
export type ReportFormat = 'text' | 'markdown' | 'html' | 'json';

const PERIOD_MS: Record<ReportPeriod, number> = { day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 };
const GIB = 1024 ** 3;

export interface JobReport {
  job: string;
  runs: number;
  succeeded: number;
  failed: number;
  skipped: number;
  /** Largest gap between consecutive successes within the period (or from the period's start / to its end). */
  achievedRpoSeconds?: number;
  rpoTargetSeconds?: number;
  /** Successful backups, oldest first: when, size, duration. */
  points: Array<{ at: string; bytes: number; seconds: number }>;
  sizeChangePercent?: number;
  lastError?: string;
}

export interface RepositoryReport {
  repository: string;
  /** Bytes added by backups and copies in the period, less what prunes freed. */
  growthBytes: number;
  sizeBytes?: number;
  pricePerGibMonth?: number;
  monthlyCost?: number;
}

export interface Report {
  period: ReportPeriod;
  from: string;
  to: string;
  jobs: JobReport[];
  repositories: RepositoryReport[];
}

export function buildReport(config: Config, history: History, period: ReportPeriod, opts: { clock?: Clock; sizes?: ReadonlyMap<string, number> } = {}): Report {
  const to = (opts.clock ?? systemClock).now();
  const from = new Date(to.getTime() - PERIOD_MS[period]);
  const runs = history.list({ since: from, limit: 100_000 }).filter((r) => r.startedAt <= to);
  const jobs = config.jobs.map((job): JobReport => {
    const mine = runs.filter((r) => r.job === job.name && r.kind === 'backup');
    const ok = mine.filter((r) => r.status === 'succeeded' || r.status === 'partial').sort(byEnd);
    const points = ok.map((r) => ({ at: r.endedAt!.toISOString(), bytes: r.totalBytes ?? 0, seconds: ((r.endedAt!.getTime() - r.startedAt.getTime()) / 1000) }));
    const failed = mine.filter((r) => r.status === 'failed' || r.status === 'aborted');
    const ends = [from.getTime(), ...ok.map((r) => r.endedAt!.getTime()), to.getTime()];
    let gap = 0;
    for (let i = 1; i < ends.length; i++) gap = Math.max(gap, ends[i]! - ends[i - 1]!);
    const first = points[0]?.bytes;
    const last = points.at(-1)?.bytes;
    return {
      job: job.name, runs: mine.length, succeeded: ok.length, failed: failed.length, skipped: mine.filter((r) => r.status === 'skipped').length,
      // Without any success the whole period is the gap.
      achievedRpoSeconds: gap / 1000,
      ...(job.rpo !== undefined ? { rpoTargetSeconds: job.rpo / 1000 } : {}),
      points,
      ...(first && last !== undefined ? { sizeChangePercent: Number((((last - first) / first) * 100).toFixed(1)) } : {}),
      ...(failed.length ? { lastError: failed.sort(byEnd).at(-1)!.errorMessage ?? failed.at(-1)!.errorCode } : {}),
    };
  });
  const repositories = config.repositories.map((repo): RepositoryReport => {
    const added = runs.filter((r) => (r.kind === 'backup' || r.kind === 'copy') && r.repository === repo.name && r.status !== 'failed')
      .reduce((n, r) => n + (r.bytesAdded ?? 0), 0);
    const freed = runs.filter((r) => r.kind === 'prune' && r.repository === repo.name)
      .reduce((n, r) => n + Number(r.details?.bytesFreed ?? 0), 0);
    const size = opts.sizes?.get(repo.name);
    const price = repo.pricePerGibMonth;
    return {
      repository: repo.name, growthBytes: added - freed,
      ...(size !== undefined ? { sizeBytes: size } : {}),
      ...(price !== undefined ? { pricePerGibMonth: price } : {}),
      ...(size !== undefined && price !== undefined ? { monthlyCost: Number(((size / GIB) * price).toFixed(2)) } : {}),
    };
  });
  return { period, from: from.toISOString(), to: to.toISOString(), jobs, repositories };
}

function byEnd(a: RunRecord, b: RunRecord): number {
  return (a.endedAt?.getTime() ?? 0) - (b.endedAt?.getTime() ?? 0);
}

export function reportTitle(r: Report): string {
  const failed = r.jobs.reduce((n, j) => n + j.failed, 0);
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `Lifeboat ${r.period === 'day' ? 'daily' : `${r.period}ly`} report ${r.to.slice(0, 10)}: ${plural(r.jobs.length, 'job')}, ${plural(failed, 'failed run')}`;
}

export function renderReport(r: Report, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(r, null, 2)}\n`;
  if (format === 'html') return renderHtml(r);
  const md = format === 'markdown';
  const lines: string[] = [md ? `# ${reportTitle(r)}` : reportTitle(r), '', `${r.from.slice(0, 16).replace('T', ' ')} – ${r.to.slice(0, 16).replace('T', ' ')} UTC`, ''];
  lines.push(md ? '| Job | Runs | OK | Failed | Achieved RPO | Target | Last size | Trend |' : 'Jobs:');
  if (md) lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const j of r.jobs) {
    const cells = [j.job, String(j.runs), String(j.succeeded), String(j.failed), rpo(j), j.rpoTargetSeconds !== undefined ? fmtSeconds(j.rpoTargetSeconds) : '-',
      j.points.length ? fmtBytes(j.points.at(-1)!.bytes) : '-', j.sizeChangePercent !== undefined ? `${j.sizeChangePercent >= 0 ? '+' : ''}${j.sizeChangePercent}%` : '-'];
    lines.push(md ? `| ${cells.join(' | ')} |` : `  ${cells[0]}: ${cells[1]} runs, ${cells[2]} ok, ${cells[3]} failed; achieved RPO ${cells[4]} (target ${cells[5]}); last size ${cells[6]} (${cells[7]})`);
  }
  const errors = r.jobs.filter((j) => j.lastError);
  if (errors.length) {
    lines.push('', md ? '**Last errors**' : 'Last errors:');
    for (const j of errors) lines.push(md ? `- ${escapeMd(j.job)}: ${escapeMd(j.lastError!)}` : `  ${j.job}: ${j.lastError}`);
  }
  lines.push('', md ? '| Repository | Growth | Size | Cost / month |' : 'Repositories:');
  if (md) lines.push('|---|---:|---:|---:|');
  for (const p of r.repositories) {
    const cells = [p.repository, signedBytes(p.growthBytes), p.sizeBytes !== undefined ? fmtBytes(p.sizeBytes) : '-', p.monthlyCost !== undefined ? `${p.monthlyCost.toFixed(2)}` : '-'];
    lines.push(md ? `| ${cells.join(' | ')} |` : `  ${cells[0]}: growth ${cells[1]}, size ${cells[2]}, cost/month ${cells[3]}`);
  }
  return `${lines.join('\n')}\n`;
}

function rpo(j: JobReport): string {
  return j.achievedRpoSeconds !== undefined ? fmtSeconds(j.achievedRpoSeconds) : '-';
}

function signedBytes(n: number): string {
  return `${n < 0 ? '-' : '+'}${fmtBytes(Math.abs(n))}`;
}

function escapeMd(s: string): string {
  return s.replace(/[|\\`*_]/g, (c) => `\\${c}`).replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A small line chart of a job's sizes (and durations, dashed) as inline SVG. */
export function sparkline(points: JobReport['points'], width = 160, height = 32): string {
  if (points.length < 2) return '';
  const line = (values: number[], dashed: boolean) => {
    const max = Math.max(...values) || 1;
    const min = Math.min(...values);
    const span = max - min || 1;
    const d = values.map((v, i) => `${((i / (values.length - 1)) * (width - 2) + 1).toFixed(1)},${(height - 1 - ((v - min) / span) * (height - 2)).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${dashed ? '#999' : '#2a7ae2'}" stroke-width="1.5"${dashed ? ' stroke-dasharray="3 2"' : ''} points="${d}"/>`;
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="size and duration trend">` +
    `${line(points.map((p) => p.bytes), false)}${line(points.map((p) => p.seconds), true)}</svg>`;
}

function renderHtml(r: Report): string {
  const e = escapeHtml;
  const rows = r.jobs.map((j) => `<tr><td>${e(j.job)}</td><td>${j.runs}</td><td>${j.succeeded}</td><td${j.failed ? ' style="color:#c00"' : ''}>${j.failed}</td>` +
    `<td>${e(rpo(j))}</td><td>${j.rpoTargetSeconds !== undefined ? e(fmtSeconds(j.rpoTargetSeconds)) : '-'}</td>` +
    `<td>${j.points.length ? e(fmtBytes(j.points.at(-1)!.bytes)) : '-'}</td><td>${sparkline(j.points)}</td></tr>` +
    (j.lastError ? `<tr><td></td><td colspan="7" style="color:#c00">last error: ${e(j.lastError)}</td></tr>` : '')).join('\n');
  const repos = r.repositories.map((p) => `<tr><td>${e(p.repository)}</td><td>${e(signedBytes(p.growthBytes))}</td>` +
    `<td>${p.sizeBytes !== undefined ? e(fmtBytes(p.sizeBytes)) : '-'}</td><td>${p.monthlyCost !== undefined ? p.monthlyCost.toFixed(2) : '-'}</td></tr>`).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${e(reportTitle(r))}</title></head><body style="font-family:system-ui,sans-serif">
<h1>${e(reportTitle(r))}</h1><p>${e(r.from)} – ${e(r.to)}</p>
<table border="1" cellpadding="4" cellspacing="0"><tr><th>Job</th><th>Runs</th><th>OK</th><th>Failed</th><th>Achieved RPO</th><th>Target</th><th>Last size</th><th>Size and duration</th></tr>
${rows}
</table>
<h2>Repositories</h2>
<table border="1" cellpadding="4" cellspacing="0"><tr><th>Repository</th><th>Growth</th><th>Size</th><th>Cost / month</th></tr>
${repos}
</table></body></html>
`;
}

// `lifeboat status [--json]`: per job its schedule, next run, last run, last success and age
// against the RPO (BREACHED when older), snapshots and size; per repository its size, free
// space and last check. Reads the run history and the repositories; no daemon needed.

import type { Command } from '../command.ts';
import { loadConfigFor } from '../job-access.ts';
import { tryOpenHistory } from '../../app/history/open.ts';
import { computeStatus, type JobStatus, type RepositoryStatus } from '../../app/status.ts';
import type { RunRecord } from '../../app/history/store.ts';
import { formatBytes } from '../progress.ts';
import { printTable } from './snapshots.ts';
import { standbyReport } from '../../app/pitr/standby-report.ts';
import type { StandbyStatus } from '../../app/pitr/standby.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show each job\'s last backup against its RPO, and each repository\'s state',
  usage: [
    'Usage: lifeboat [--config FILE] status [--no-repositories] [--json]',
    '',
    'Per job: schedule and next run, last run and its status, last success and its age against',
    'the job\'s rpo (default twice the schedule\'s period; BREACHED when older), the snapshot',
    'count and latest size; the largest gap between backups over 30 days (achieved RPO); the last',
    'restore drill and the RTO it achieved against the job\'s rto. Per repository: size, free space',
    '(local), last check.',
    'Works with or without a running daemon: it reads the run history in state_dir.',
    'Per standby built by `lifeboat standby`: its state and replay lag (0 when it has replayed the',
    'newest WAL segment archived; else now minus the commit time of the last transaction replayed).',
    '  --no-repositories   do not open the repositories (no snapshot counts or sizes, no standbys; fast, no passwords)',
  ].join('\n'),
  options: { 'no-repositories': { type: 'boolean' } },
  async run(ctx, { values }) {
    const config = await loadConfigFor(ctx);
    const { history, warning } = tryOpenHistory(config, ctx.io.env);
    if (warning) ctx.io.stderr.write(`lifeboat: warning: ${warning}\n`);
    try {
      const readRepositories = values['no-repositories'] !== true;
      const report = await computeStatus(config, history, { readRepositories, signal: ctx.signal });
      const standbys = readRepositories ? await standbyReport(config, ctx.io.env, ctx.signal) : [];
      ctx.json({
        at: report.at.toISOString(),
        jobs: report.jobs.map(jobJson),
        repositories: report.repositories.map(repositoryJson),
        standbys: standbys.map(standbyJson),
      });
      if (ctx.global.json) return report.jobs.some((j) => j.rpoBreached) ? 1 : 0;
      ctx.out('Jobs');
      printTable(ctx.out, ['Job', 'Type', 'Schedule', 'Next run', 'Last run', 'Last success', 'Age', 'RPO', 'Worst gap', 'Last drill', 'RTO', 'Snapshots', 'Size'],
        report.jobs.map((j) => [
          j.name, j.type, j.schedule ?? '-', j.nextRun ? when(j.nextRun) : '-',
          j.lastRun ? `${j.lastRun.status} ${when(j.lastRun.startedAt)}` : 'never',
          j.lastSuccess?.endedAt ? when(j.lastSuccess.endedAt) : 'never',
          j.ageSeconds !== undefined ? age(j.ageSeconds) : '-',
          j.rpoSeconds !== undefined ? `${age(j.rpoSeconds)}${j.rpoBreached ? ' BREACHED' : ''}` : '-',
          j.worstGapSeconds !== undefined ? age(j.worstGapSeconds) : '-',
          j.lastDrill ? `${j.lastDrill.passed ? 'passed' : 'FAILED'} ${when(j.lastDrill.run.startedAt)}` : 'never',
          `${j.achievedRtoSeconds !== undefined ? age(j.achievedRtoSeconds) : '-'}/${j.rtoSeconds !== undefined ? age(j.rtoSeconds) : '-'}` +
            (j.lastDrill?.rtoExceeded ? ' EXCEEDED' : ''),
          j.snapshots !== undefined ? String(j.snapshots) : j.snapshotsError ? '?' : '-',
          j.latestSize !== undefined ? formatBytes(j.latestSize) : '-',
        ]));
      ctx.out('');
      ctx.out('Repositories');
      printTable(ctx.out, ['Repository', 'Location', 'Size', 'Free', 'Last check'], report.repositories.map((r) => [
        r.name, r.location, r.sizeBytes !== undefined ? formatBytes(r.sizeBytes) : '-',
        r.freeBytes !== undefined ? formatBytes(r.freeBytes) : '-',
        r.lastCheck ? `${r.lastCheck.status} ${when(r.lastCheck.startedAt)}` : 'never',
      ]));
      if (standbys.length > 0) {
        ctx.out('');
        ctx.out('Standbys');
        printTable(ctx.out, ['Job', 'Data dir', 'Port', 'State', 'Replay lag', 'Last replayed commit', 'Replayed up to'], standbys.map((s) => [
          s.record.job, s.record.dataDir, String(s.record.port),
          s.state === 'promoted' && s.record.timeline ? `promoted (timeline ${s.record.timeline})` : s.state,
          s.lagSeconds !== undefined ? `${age(s.lagSeconds)}${s.caughtUp ? ' (caught up)' : ''}` : '-',
          s.lastReplayedCommit ? when(s.lastReplayedCommit) : '-', s.replayLsn ?? '-',
        ]));
      }
      for (const s of standbys) if (s.error) ctx.io.stderr.write(`lifeboat: standby ${s.record.dataDir}: ${s.error}\n`);
      for (const r of report.repositories) if (r.error) ctx.io.stderr.write(`lifeboat: repository ${r.name}: ${r.error}\n`);
      for (const j of report.jobs) if (j.snapshotsError) ctx.io.stderr.write(`lifeboat: job ${j.name}: ${j.snapshotsError}\n`);
      const breached = report.jobs.filter((j) => j.rpoBreached);
      for (const j of report.jobs) if (j.walAgeSeconds !== undefined) ctx.out(`job ${j.name}: newest archived WAL ${age(j.walAgeSeconds)} old (the RPO is measured against it)`);
      for (const j of breached) {
        const what = j.walAgeSeconds !== undefined ? `newest archived WAL ${age(j.walAgeSeconds)} old`
          : j.lastSuccess ? `last success ${age(j.ageSeconds!)} ago` : 'no successful backup';
        ctx.io.stderr.write(`lifeboat: job ${j.name}: RPO BREACHED: ${what}, target ${age(j.rpoSeconds!)}\n`);
      }
      // Like a monitoring check: non-zero when a job is behind its RPO.
      return breached.length > 0 ? 1 : 0;
    } finally {
      history?.close();
    }
  },
};

function when(d: Date): string {
  return d.toISOString().replace('T', ' ').slice(0, 16);
}

function age(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86400).toFixed(1)}d`;
}

function runJson(r: RunRecord | undefined): Record<string, unknown> | null {
  if (!r) return null;
  return {
    id: r.id, kind: r.kind, status: r.status, trigger: r.trigger, started_at: r.startedAt.toISOString(),
    ended_at: r.endedAt?.toISOString() ?? null, snapshot_id: r.snapshotId ?? null, total_bytes: r.totalBytes ?? null,
    bytes_added: r.bytesAdded ?? null, error_code: r.errorCode ?? null, error_message: r.errorMessage ?? null,
  };
}

function standbyJson(s: StandbyStatus): Record<string, unknown> {
  return {
    job: s.record.job, data_dir: s.record.dataDir, port: s.record.port, state: s.state, replay_lag_seconds: s.lagSeconds ?? null,
    caught_up: s.caughtUp ?? null, replay_lsn: s.replayLsn ?? null, last_replayed_commit: s.lastReplayedCommit?.toISOString() ?? null,
    newest_archived: s.newestArchived ?? null, promoted_at: s.record.promotedAt ?? null, timeline: s.record.timeline ?? null, error: s.error ?? null,
  };
}

function jobJson(j: JobStatus): Record<string, unknown> {
  return {
    name: j.name, type: j.type, repositories: j.repositories, schedule: j.schedule ?? null, next_run: j.nextRun?.toISOString() ?? null,
    last_run: runJson(j.lastRun), last_success: runJson(j.lastSuccess), age_seconds: j.ageSeconds ?? null,
    rpo_seconds: j.rpoSeconds ?? null, rpo_breached: j.rpoBreached, worst_gap_seconds: j.worstGapSeconds ?? null,
    rto_seconds: j.rtoSeconds ?? null, achieved_rto_seconds: j.achievedRtoSeconds ?? null,
    last_drill: j.lastDrill ? { ...runJson(j.lastDrill.run), passed: j.lastDrill.passed, rto_seconds: j.lastDrill.rtoSeconds ?? null,
      rto_exceeded: j.lastDrill.rtoExceeded, failed_check: j.lastDrill.failedCheck ?? null } : null,
    last_drill_success: runJson(j.lastDrillSuccess), snapshots: j.snapshots ?? null, latest_size: j.latestSize ?? null, running: j.running,
    ...(j.walArchivedAt ? { wal_archived_at: j.walArchivedAt.toISOString(), wal_age_seconds: j.walAgeSeconds } : {}),
  };
}

function repositoryJson(r: RepositoryStatus): Record<string, unknown> {
  return {
    name: r.name, location: r.location, kind: r.kind, size_bytes: r.sizeBytes ?? null, free_bytes: r.freeBytes ?? null,
    total_bytes: r.totalBytes ?? null, last_check: runJson(r.lastCheck), last_check_success: runJson(r.lastCheckSuccess), error: r.error ?? null,
  };
}

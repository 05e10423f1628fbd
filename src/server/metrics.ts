// Prometheus metrics for GET /metrics, in the server's own prom-client Registry (never the
// global one). Values are computed at scrape time by collect() callbacks from the run history,
// the runner and the status computation, so they are right after a restart and agree with the
// API. Label values are config names, kinds and statuses only: bounded by the config.
//
// - Counts come from History.counts(). Deleting old runs (history.keep) would make a count
//   drop, which Prometheus reads as a counter reset; the drop is carried as an offset for the
//   life of the process, so `lifeboat_job_runs_total` only ever rises between restarts.
// - `lifeboat_job_duration_seconds` observes each `finished` event live. At start it is
//   seeded with the durations of each job's newest finished runs (SEED_RUNS per job and kind),
//   so its quantiles are meaningful right after a restart; like any histogram it starts
//   afresh with the process.
// - Repository sizes need a listing of the repository: cached, read at most once per
//   REPOSITORY_TTL_MS, marked stale when a backup, copy, forget or prune of it finishes, and
//   read again by the next scrape (which waits up to REPOSITORY_WAIT_MS for a fresh value,
//   then serves the previous one while the read goes on). A repository that cannot be read
//   has no series; why is logged, never exported.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { readRepositorySize } from '../app/api-queries.ts';
import { standbyReport } from '../app/pitr/standby-report.ts';
import type { RunEvent } from '../app/events.ts';
import type { RunRecord } from '../app/history/store.ts';
import type { Services } from '../app/services.ts';
import type { StatusReport } from '../app/status.ts';
import { walFreshnessAll, type WalFreshness } from '../app/wal/freshness.ts';
import { VERSION } from '../version.ts';

export const REPOSITORY_TTL_MS = 5 * 60_000;
export const REPOSITORY_WAIT_MS = 5_000;
const REPOSITORY_READ_TIMEOUT_MS = 2 * 60_000;
const SEED_RUNS = 20;
/** Seconds: backups take from seconds to many hours. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 86_400];
/** Kinds of run that change what a repository holds. */
const WRITES_REPOSITORY = new Set(['backup', 'copy', 'forget', 'prune']);

export interface ServerMetrics {
  registry: Registry;
  contentType: string;
  /** The exposition text; one status computation shared by every metric of the scrape. */
  render(): Promise<string>;
  close(): Promise<void>;
}

export interface MetricsOptions {
  repositoryTtlMs?: number;
  repositoryWaitMs?: number;
}

interface Scrape {
  status: StatusReport;
  /** WAL jobs' archive freshness (cached in app/wal/freshness.ts). */
  wal: Map<string, WalFreshness>;
  at: number;
  counts: Map<string, { job: string; kind: string; status: string; count: number }>;
  repositoryBytes: Map<string, number>;
}

export function createMetrics(services: Services, opts: MetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lifeboat_' });
  const closing = new AbortController();
  const sizes = new RepositorySizes(services, opts.repositoryTtlMs ?? REPOSITORY_TTL_MS, opts.repositoryWaitMs ?? REPOSITORY_WAIT_MS, closing.signal);
  const monotonic = new MonotonicCounts();

  let current: Promise<Scrape> | undefined;
  const scrape = (): Promise<Scrape> => current ?? takeScrape();
  async function takeScrape(): Promise<Scrape> {
    const config = services.config();
    const status = await services.status({ readRepositories: false, signal: closing.signal });
    const jobs = new Set(config.jobs.map((j) => j.name));
    const counts = new Map<string, { job: string; kind: string; status: string; count: number }>();
    for (const c of services.history.counts()) {
      // Jobs of the config only (bounded labels); `running` is the gauge's business, not a count.
      if (c.job === undefined || !jobs.has(c.job) || c.status === 'running') continue;
      const key = `${c.job}\0${c.kind}\0${c.status}`;
      counts.set(key, { job: c.job, kind: c.kind, status: c.status, count: monotonic.value(key, c.count) });
    }
    const [repositoryBytes, wal] = await Promise.all([
      sizes.read(config.repositories.map((r) => r.name)),
      walFreshnessAll(config, closing.signal).catch(() => new Map<string, WalFreshness>()),
    ]);
    return { status, counts, repositoryBytes, wal, at: Date.now() };
  }

  const seconds = (d: Date | undefined) => (d ? d.getTime() / 1000 : undefined);
  /** A gauge with one series per job, set from the scrape. */
  function jobGauge(name: string, help: string, value: (j: StatusReport['jobs'][number]) => number | undefined): void {
    new Gauge({
      name, help, labelNames: ['job'], registers: [registry],
      async collect() {
        const s = await scrape();
        this.reset();
        for (const j of s.status.jobs) {
          const v = value(j);
          if (v !== undefined) this.set({ job: j.name }, v);
        }
      },
    });
  }
  function repositoryGauge(name: string, help: string, value: (r: StatusReport['repositories'][number], s: Scrape) => number | undefined): void {
    new Gauge({
      name, help, labelNames: ['repository'], registers: [registry],
      async collect() {
        const s = await scrape();
        this.reset();
        for (const r of s.status.repositories) {
          const v = value(r, s);
          if (v !== undefined) this.set({ repository: r.name }, v);
        }
      },
    });
  }

  new Gauge({ name: 'lifeboat_build_info', help: 'Always 1; the version of Lifeboat serving these metrics.', labelNames: ['version'], registers: [registry] })
    .set({ version: VERSION }, 1);

  jobGauge('lifeboat_job_last_success_timestamp_seconds', 'When the newest backup that saved a snapshot (succeeded or partial) ended, Unix time.',
    (j) => seconds(j.lastSuccess?.endedAt));
  jobGauge('lifeboat_job_last_run_timestamp_seconds', 'When the newest backup run started, whatever its outcome, Unix time.',
    (j) => seconds(j.lastRun?.startedAt));
  jobGauge('lifeboat_job_added_bytes', 'Bytes the newest successful backup added to the repository (after deduplication).',
    (j) => j.lastSuccess?.bytesAdded);
  jobGauge('lifeboat_job_snapshot_bytes', 'Size of the data the newest successful backup covered.', (j) => j.lastSuccess?.totalBytes);
  jobGauge('lifeboat_job_rpo_seconds', "The job's RPO target: its rpo, else twice its schedule's period.", (j) => j.rpoSeconds);
  jobGauge('lifeboat_drill_last_success_timestamp_seconds', "When the job's newest restore drill that passed its checks ended, Unix time.",
    (j) => seconds(j.lastDrillSuccess?.endedAt));
  jobGauge('lifeboat_drill_rto_seconds', "The RTO the job's newest drill achieved: from its start until the restored data answered the checks.",
    (j) => j.achievedRtoSeconds);
  jobGauge('lifeboat_job_rto_target_seconds', "The job's RTO target (its rto).", (j) => j.rtoSeconds);
  jobGauge('lifeboat_job_running', "1 while the job's cycle (backup, copies, retention) is queued or running in this process.", (j) => (j.running ? 1 : 0));

  // Continuous archiving (docs/wal.md): when the newest WAL file was acknowledged (stored in
  // every repository of the job), and its age at scrape time — the archive lag: at most this
  // much of the server's committed history would be lost with the server right now.
  for (const [name, help, value] of [
    ['lifeboat_wal_last_archived_timestamp_seconds', 'When the newest WAL file of the job was acknowledged to PostgreSQL (stored in every repository of the job), Unix time.',
      (f: WalFreshness) => seconds(f.lastArchivedAt)],
    ['lifeboat_wal_archive_lag_seconds', 'Age of the newest archived WAL file at scrape time: the commits at risk if the server were lost now (grows on an idle server too).',
      (f: WalFreshness, at: number) => (f.lastArchivedAt ? Math.max(0, (at - f.lastArchivedAt.getTime()) / 1000) : undefined)],
  ] as const) {
    new Gauge({
      name, help, labelNames: ['job'], registers: [registry],
      async collect() {
        const s = await scrape();
        this.reset();
        for (const [job, f] of s.wal) {
          const v = value(f, s.at);
          if (v !== undefined) this.set({ job }, v);
        }
      },
    });
  }

  new Gauge({
    name: 'lifeboat_standby_replay_lag_seconds',
    help: "Replay lag of the job's standbys built by `lifeboat standby` (the largest if several): 0 when a standby has replayed the newest archived WAL segment, else now minus the commit time of the last transaction it replayed.",
    labelNames: ['job'], registers: [registry],
    async collect() {
      this.reset();
      // Only standbys registered in the state directory: none, no repository is opened.
      const lags = new Map<string, number>();
      // An unreadable registry loses this gauge for the scrape, never the whole scrape.
      const standbys = await standbyReport(services.config(), services.env, closing.signal).catch(() => []);
      for (const s of standbys) {
        if (s.state === 'replaying' && s.lagSeconds !== undefined) lags.set(s.record.job, Math.max(lags.get(s.record.job) ?? 0, s.lagSeconds));
      }
      for (const [job, lag] of lags) this.set({ job }, lag);
    },
  });

  new Counter({
    name: 'lifeboat_job_runs_total', help: 'Finished runs of a job by kind (backup, copy, forget…) and status, from the run history.',
    labelNames: ['job', 'kind', 'status'], registers: [registry],
    async collect() {
      const s = await scrape();
      this.reset();
      for (const c of s.counts.values()) this.inc({ job: c.job, kind: c.kind, status: c.status }, c.count);
    },
  });

  const durations = new Histogram({
    name: 'lifeboat_job_duration_seconds', help: "Wall time of a job's finished runs by kind (seeded from the history at start).",
    labelNames: ['job', 'kind'], buckets: DURATION_BUCKETS, registers: [registry],
  });
  seedDurations(services, durations);
  const unsubscribe = services.events.subscribe((e) => {
    if (e.type !== 'finished') return;
    if (e.job !== undefined && e.status !== 'skipped' && services.config().jobs.some((j) => j.name === e.job)) {
      durations.observe({ job: e.job, kind: e.kind }, e.durationMs / 1000);
    }
    if (e.repository !== undefined && WRITES_REPOSITORY.has(e.kind)) sizes.invalidate(e.repository);
  });

  new Gauge({
    name: 'lifeboat_alert_firing', help: 'Alerts firing now, 1 per job (or repository) and alert name.',
    labelNames: ['job', 'repository', 'alert'], registers: [registry],
    collect() {
      this.reset();
      // Only the labels that apply: {job, alert} for a job's, {repository, alert} for a repository's.
      for (const a of services.history.alerts.list({ state: 'firing' })) {
        this.set({ alert: a.name, ...(a.job !== undefined ? { job: a.job } : {}), ...(a.repository !== undefined ? { repository: a.repository } : {}) }, 1);
      }
    },
  });

  repositoryGauge('lifeboat_repository_bytes', 'Bytes of the pack, index and snapshot files of a repository (read at most every 5 minutes).',
    (r, s) => s.repositoryBytes.get(r.name));
  repositoryGauge('lifeboat_repository_free_bytes', 'Free bytes of the filesystem holding a local repository.', (r) => r.freeBytes);
  repositoryGauge('lifeboat_repository_check_last_success_timestamp_seconds', "When the repository's newest successful check ended, Unix time.",
    (r) => seconds(r.lastCheckSuccess?.endedAt));

  return {
    registry,
    contentType: registry.contentType,
    async render() {
      const mine = takeScrape();
      current = mine;
      try {
        await mine;
        return await registry.metrics();
      } finally {
        if (current === mine) current = undefined;
      }
    },
    async close() {
      unsubscribe();
      closing.abort();
      await sizes.settled();
    },
  };
}

function seedDurations(services: Services, h: Histogram<'job' | 'kind'>): void {
  for (const job of services.config().jobs) {
    const byKind = new Map<string, RunRecord[]>();
    // Newest first; a generous page so a chatty kind (copies) leaves room for the others.
    for (const r of services.history.list({ job: job.name, limit: SEED_RUNS * 8 })) {
      if (!r.endedAt || r.status === 'running' || r.status === 'skipped') continue;
      const list = byKind.get(r.kind) ?? [];
      if (list.length < SEED_RUNS) list.push(r);
      byKind.set(r.kind, list);
    }
    for (const [kind, runs] of byKind) {
      for (const r of runs) h.observe({ job: job.name, kind }, Math.max(0, r.endedAt!.getTime() - r.startedAt.getTime()) / 1000);
    }
  }
}

/** Counts that only rise while the process lives: a drop (old runs deleted) becomes an offset. */
class MonotonicCounts {
  #last = new Map<string, { count: number; offset: number }>();

  value(key: string, count: number): number {
    const prev = this.#last.get(key) ?? { count: 0, offset: 0 };
    const offset = prev.offset + Math.max(0, prev.count - count);
    this.#last.set(key, { count, offset });
    return count + offset;
  }
}

/** Each repository's size, read at most once per TTL, read again when a run changed it. */
class RepositorySizes {
  #services: Services;
  #ttlMs: number;
  #waitMs: number;
  #signal: AbortSignal;
  #entries = new Map<string, { bytes?: number; readAt: number; stale: boolean; reading?: Promise<void> }>();

  constructor(services: Services, ttlMs: number, waitMs: number, signal: AbortSignal) {
    this.#services = services;
    this.#ttlMs = ttlMs;
    this.#waitMs = waitMs;
    this.#signal = signal;
  }

  invalidate(name: string): void {
    const e = this.#entries.get(name);
    if (e) e.stale = true;
  }

  /** The known sizes, refreshing those due; waits a little for reads so a fresh value is served when it comes quickly. */
  async read(names: string[]): Promise<Map<string, number>> {
    const waits: Array<Promise<void>> = [];
    for (const name of names) {
      let e = this.#entries.get(name);
      if (!e) this.#entries.set(name, (e = { readAt: -Infinity, stale: true }));
      if (!e.reading && (e.stale || performance.now() - e.readAt >= this.#ttlMs)) e.reading = this.#refresh(name, e);
      if (e.reading) waits.push(e.reading);
    }
    if (waits.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(waits), new Promise<void>((r) => { timer = setTimeout(r, this.#waitMs); })]);
      clearTimeout(timer);
    }
    const out = new Map<string, number>();
    for (const name of names) {
      const bytes = this.#entries.get(name)?.bytes;
      if (bytes !== undefined) out.set(name, bytes);
    }
    return out;
  }

  async #refresh(name: string, e: { bytes?: number; readAt: number; stale: boolean; reading?: Promise<void> }): Promise<void> {
    e.stale = false;
    try {
      const signal = AbortSignal.any([this.#signal, AbortSignal.timeout(REPOSITORY_READ_TIMEOUT_MS)]);
      const r = await readRepositorySize(this.#services.config(), name, signal);
      if (r.sizeBytes !== undefined) e.bytes = r.sizeBytes;
      else if (r.error !== undefined) this.#services.log.warn({ repository: name, error: r.error }, 'metrics: repository size not read');
    } catch (err) {
      // A repository removed from the config by a reload, or an unexpected failure.
      e.bytes = undefined;
      this.#services.log.warn({ repository: name, err }, 'metrics: repository size not read');
    } finally {
      // A failed read counts too: a broken repository is not listed on every scrape.
      e.readAt = performance.now();
      e.reading = undefined;
    }
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#entries.values()].map((e) => e.reading));
  }
}

// The long-lived process's shared services — the loaded config (swapped on reload), the run
// history, the event bus, the runner, the clock, the logger and the redactor — and the tasks
// it submits: a job's cycle, a repository's prune or check. The daemon's scheduler and the
// HTTP API both work through this object, so "run now" from the dashboard is exactly the run
// the schedule makes.

import type { LoadedConfig } from '../config/types.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { parseReadDataSubset } from './check.ts';
import { parseMaxUnused } from './prune.ts';
import { loadConfigFile } from './config-file.ts';
import { requireJob } from './config-access.ts';
import { EventBus, type RunEvent, type RunTrigger } from './events.ts';
import { historyRecorder } from './history/recorder.ts';
import { History } from './history/store.ts';
import { runJobCycle } from './job-cycle.ts';
import type { Logger } from './logger.ts';
import { runRepositoryCheck, runRepositoryPrune } from './maintenance.ts';
import { runDrill } from './drill/run-drill.ts';
import { writeRunbookCopy } from './runbook/copy.ts';
import { Redactor } from './redact.ts';
import { Runner, type SubmitResult } from './runner.ts';
import { stateDirFor } from './state-dir.ts';
import { computeStatus, type StatusReport } from './status.ts';
import { NotFoundError } from '../errors.ts';
import { Notifier } from './notifications/notifier.ts';
import { makeReport } from './report-run.ts';
import { ReplicationSupervisor } from './sqlite-wal/supervisor.ts';
import { renderReport, reportTitle, type ReportPeriod } from './report.ts';

export interface ServicesOptions {
  configFile: string;
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Builds the logger once the config's secrets are known. */
  makeLogger: (redactor: Redactor) => Logger;
}

export class Services {
  readonly configFile: string;
  readonly env: NodeJS.ProcessEnv;
  readonly clock: Clock;
  readonly redactor: Redactor;
  readonly log: Logger;
  readonly events: EventBus;
  readonly history: History;
  readonly runner: Runner;
  readonly notifier: Notifier;
  /** SQLite jobs with `replicate:` ship their WAL continuously while the daemon runs. */
  readonly replication: ReplicationSupervisor;
  #config: LoadedConfig;

  private constructor(opts: ServicesOptions, config: LoadedConfig) {
    this.configFile = opts.configFile;
    this.env = opts.env;
    this.clock = opts.clock ?? systemClock;
    this.#config = config;
    this.redactor = new Redactor(config.secrets, opts.env);
    this.log = opts.makeLogger(this.redactor);
    this.events = new EventBus((err, e) => this.log.error({ err, event: e.type, run: e.runId }, 'event subscriber failed'));
    this.history = History.open(stateDirFor(config, opts.env));
    this.events.subscribe(historyRecorder(this.history, (t) => this.redactor.redact(t)));
    this.events.subscribe((e) => this.#logEvent(e));
    // After the recorder: a run's notification is built from its complete record.
    this.notifier = new Notifier({ config: () => this.#config, history: this.history, redactor: this.redactor, clock: this.clock, log: this.log, mode: 'background' });
    this.events.subscribe(this.notifier.subscriber());
    this.replication = new ReplicationSupervisor({ log: this.log, clock: this.clock });
    this.runner = new Runner({
      events: this.events, clock: this.clock, concurrency: config.defaults.concurrency,
      onError: (err, task) => this.log.debug({ err, task: task.key }, 'run ended with an error'),
    });
  }

  static async create(opts: ServicesOptions): Promise<Services> {
    return new Services(opts, await loadConfigFile(opts.configFile, opts.env));
  }

  config(): LoadedConfig {
    return this.#config;
  }

  /** Loads the config file again; on success it replaces the running one (throws the ConfigError otherwise). */
  async reload(): Promise<LoadedConfig> {
    const next = await loadConfigFile(this.configFile, this.env);
    for (const s of next.secrets) this.redactor.add(s);
    this.#config = next;
    this.runner.setConcurrency(next.defaults.concurrency);
    return next;
  }

  submitJob(name: string, trigger: RunTrigger): SubmitResult {
    const config = this.#config;
    const job = requireJob(config, name);
    return this.runner.submit({
      key: `backup:${name}`, kind: 'backup', job: name, repository: job.repositories[0], trigger,
      repositories: { shared: job.repositories },
      run: ({ runId, signal }) => runJobCycle(config, name, { signal, events: this.events, clock: this.clock, trigger, runId }),
    });
  }

  /** A restore drill of the job's newest snapshot; reads its primary repository beside backups. */
  submitDrill(name: string, trigger: RunTrigger): SubmitResult {
    const config = this.#config;
    const job = requireJob(config, name);
    return this.runner.submit({
      key: `drill:${name}`, kind: 'drill', job: name, repository: job.repositories[0], trigger,
      repositories: { shared: [job.repositories[0]!] },
      run: ({ runId, signal }) => runDrill(config, name, { signal, events: this.events, clock: this.clock, trigger, runId }),
    });
  }

  submitPrune(repository: string, trigger: RunTrigger): SubmitResult {
    const config = this.#config;
    const repo = this.#repository(repository);
    const maxUnused = repo.prune?.maxUnused !== undefined ? parseMaxUnused(repo.prune.maxUnused) : undefined;
    return this.runner.submit({
      key: `prune:${repository}`, kind: 'prune', repository, trigger, repositories: { exclusive: [repository] },
      run: ({ runId, signal }) => runRepositoryPrune(config, repository, { ...(maxUnused ? { maxUnused } : {}) },
        { events: this.events, clock: this.clock, trigger, runId, signal }),
    });
  }

  submitCheck(repository: string, trigger: RunTrigger): SubmitResult {
    const config = this.#config;
    const repo = this.#repository(repository);
    const subset = repo.check?.readDataSubset !== undefined ? parseReadDataSubset(repo.check.readDataSubset) : undefined;
    return this.runner.submit({
      key: `check:${repository}`, kind: 'check', repository, trigger, repositories: { shared: [repository] },
      run: ({ runId, signal }) => runRepositoryCheck(config, repository, { ...(subset ? { readDataSubset: subset } : {}) },
        { events: this.events, clock: this.clock, trigger, runId, signal }),
    });
  }

  /** Writes state_dir/runbook.md from the config and the live state; returns its path. */
  writeRunbook(signal: AbortSignal): Promise<string> {
    return writeRunbookCopy(this.#config, this.history, stateDirFor(this.#config, this.env), this.clock.now(), signal);
  }

  /** Builds the report of a period and sends it to `channels`. */
  async sendReport(period: ReportPeriod, channels: readonly string[], signal: AbortSignal): Promise<void> {
    const report = await makeReport(this.#config, this.history, period, { readRepositories: true, signal, clock: this.clock });
    this.notifier.sendReport({
      period, title: reportTitle(report), text: renderReport(report, 'text'), markdown: renderReport(report, 'markdown'),
      html: renderReport(report, 'html'), json: report,
    }, channels);
  }

  status(opts: { readRepositories?: boolean; signal: AbortSignal }): Promise<StatusReport> {
    const running = new Set(this.runner.active().filter((t) => t.kind === 'backup' && t.job).map((t) => t.job!));
    return computeStatus(this.#config, this.history, { ...opts, clock: this.clock, running });
  }

  #repository(name: string) {
    const repo = this.#config.repositories.find((r) => r.name === name);
    if (!repo) throw new NotFoundError(`repository ${name}: no such repository in the config`);
    return repo;
  }

  /** One log line per run start and end, carrying job and run ID. */
  #logEvent(e: RunEvent): void {
    const fields = { run: e.runId, ...(e.job ? { job: e.job } : {}), ...(e.repository ? { repository: e.repository } : {}) };
    if (e.type === 'started') this.log.info({ ...fields, kind: e.kind, trigger: e.trigger }, `${e.kind} started`);
    else if (e.type === 'finished') {
      const level = e.status === 'failed' ? 'error' : e.status === 'aborted' || e.status === 'partial' ? 'warn' : 'info';
      this.log[level]({
        ...fields, kind: e.kind, status: e.status, duration_ms: e.durationMs,
        ...(e.snapshotId ? { snapshot: e.snapshotId } : {}), ...(e.bytesAdded !== undefined ? { bytes_added: e.bytesAdded } : {}),
        ...(e.errorCode && e.status !== 'succeeded' ? { error_code: e.errorCode, error: e.message } : {}),
      }, `${e.kind} ${e.status}`);
    }
  }

  /** Delivers what is queued (within `graceMs`), then closes the history. */
  async close(graceMs = 5000): Promise<void> {
    await this.notifier.close(graceMs);
    this.history.close();
  }
}

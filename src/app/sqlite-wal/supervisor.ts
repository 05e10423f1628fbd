// The daemon's continuous replication: one replication loop per SQLite job with `replicate:`,
// started with the daemon, restarted after a failure (a new generation, after a pause), brought
// in line with the config on reload (a job whose settings changed starts again), stopped with
// the daemon.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../config/types.ts';
import type { Clock } from '../../core/clock.ts';
import { replicatedJobNames, runSqliteReplication } from './replicator.ts';

const RETRY_MS = 10_000;

export interface SupervisorLog {
  info(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

interface Running { key: string; controller: AbortController; done: Promise<void> }

export class ReplicationSupervisor {
  readonly #log: SupervisorLog;
  readonly #clock: Clock | undefined;
  readonly #running = new Map<string, Running>();

  constructor(opts: { log: SupervisorLog; clock?: Clock }) {
    this.#log = opts.log;
    this.#clock = opts.clock;
  }

  /** Starts what the config asks for and is not running; stops what it no longer asks for. */
  async sync(config: Config): Promise<void> {
    const wanted = new Map(replicatedJobNames(config).map((name) => [name, JSON.stringify([config.jobs.find((j) => j.name === name), config.repositories])]));
    for (const [name, r] of [...this.#running]) {
      if (wanted.get(name) !== r.key) await this.#stopOne(name);
    }
    for (const [name, key] of wanted) {
      if (!this.#running.has(name)) this.#startOne(config, name, key);
    }
  }

  jobs(): string[] {
    return [...this.#running.keys()];
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((n) => this.#stopOne(n)));
  }

  #startOne(config: Config, job: string, key: string): void {
    const controller = new AbortController();
    const { signal } = controller;
    const log = (line: string) => this.#log.info({ job }, line);
    const done = (async () => {
      while (!signal.aborted) {
        this.#log.info({ job }, 'sqlite replication started');
        try {
          await runSqliteReplication({ config, job, signal, log, ...(this.#clock ? { clock: this.#clock } : {}) });
        } catch (err) {
          if (signal.aborted) break;
          this.#log.error({ job, err }, `sqlite replication failed; starting again in ${RETRY_MS / 1000} s`);
          await sleep(RETRY_MS, undefined, { signal }).catch(() => {});
        }
      }
      this.#log.info({ job }, 'sqlite replication stopped');
    })();
    this.#running.set(job, { key, controller, done });
  }

  async #stopOne(job: string): Promise<void> {
    const r = this.#running.get(job);
    if (!r) return;
    r.controller.abort();
    await r.done;
    this.#running.delete(job);
  }
}

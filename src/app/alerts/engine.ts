// The alert state machine: the rules say what should be firing now; the stored state says what
// a person has been told. A new condition fires (one message), a lasting one is reminded every
// repeat_interval, one that went away resolves (one message). State lives in the history
// database, so a daemon restart neither forgets a firing alert nor announces it twice.

import { statfs } from 'node:fs/promises';
import type { Config } from '../../config/types.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { AlertNotice, AlertState } from '../../notify/types.ts';
import { parseLocation } from '../../storage/location.ts';
import type { AlertRecord } from '../history/alerts-store.ts';
import type { History } from '../history/store.ts';
import { walFreshnessAll, type WalFreshness } from '../wal/freshness.ts';
import { evaluateRules, tuningFor, type AlertCondition, type DiskFacts } from './rules.ts';

export interface AlertTransition {
  notice: AlertNotice;
  /** Channel names of the jobs concerned (a repository's: of the jobs using it), else defaults.notify. */
  channels: string[];
}

export interface AlertEngineOptions {
  history: History;
  config: () => Config;
  clock?: Clock;
  /** Reads the free space of local repositories (tests pass a fixed answer). */
  disk?: (config: Config) => Promise<DiskFacts>;
}

export class AlertEngine {
  #history: History;
  #config: () => Config;
  #clock: Clock;
  #disk: (config: Config) => Promise<DiskFacts>;
  #busy: Promise<AlertTransition[]> | undefined;

  constructor(opts: AlertEngineOptions) {
    this.#history = opts.history;
    this.#config = opts.config;
    this.#clock = opts.clock ?? systemClock;
    this.#disk = opts.disk ?? factsWithWal;
  }

  /** Evaluates every rule and returns what to tell whom. Calls never overlap. */
  evaluate(): Promise<AlertTransition[]> {
    const run = (this.#busy ?? Promise.resolve([])).catch(() => []).then(() => this.#evaluate());
    this.#busy = run;
    return run;
  }

  async #evaluate(): Promise<AlertTransition[]> {
    const config = this.#config();
    const now = this.#clock.now();
    const conditions = evaluateRules(config, this.#history, await this.#disk(config), now);
    const store = this.#history.alerts;
    const out: AlertTransition[] = [];
    const live = new Set<string>();
    for (const c of conditions) {
      live.add(c.key);
      const old = store.get(c.key);
      const repeat = tuningFor(config, config.jobs.find((j) => j.name === c.job)).repeatIntervalMs;
      if (!old || old.state === 'resolved') {
        const rec: AlertRecord = { key: c.key, name: c.name, ...subject(c), state: 'firing', message: c.message, details: c.details, firedAt: now, lastNotifiedAt: now };
        store.put(rec);
        out.push(this.#transition(config, rec, 'firing', c));
      } else if (now.getTime() - (old.lastNotifiedAt ?? old.firedAt).getTime() >= repeat) {
        const rec: AlertRecord = { ...old, message: c.message, details: c.details, lastNotifiedAt: now };
        store.put(rec);
        out.push(this.#transition(config, rec, 'reminder', c));
      } else {
        store.put({ ...old, message: c.message, details: c.details });
      }
    }
    for (const old of store.list({ state: 'firing' })) {
      if (live.has(old.key)) continue;
      const rec: AlertRecord = { ...old, state: 'resolved', resolvedAt: now, lastNotifiedAt: now };
      store.put(rec);
      out.push(this.#transition(config, rec, 'resolved'));
    }
    return out;
  }

  #transition(config: Config, rec: AlertRecord, state: AlertState, c?: AlertCondition): AlertTransition {
    const runKind = c?.runKind ?? rec.key.split('|')[3] ?? '';
    const notice: AlertNotice = {
      name: rec.name, state, ...subject(rec), ...(runKind ? { runKind } : {}),
      message: state === 'resolved' ? `resolved: ${rec.message}` : rec.message,
      firedAt: rec.firedAt.toISOString(), ...(rec.resolvedAt ? { resolvedAt: rec.resolvedAt.toISOString() } : {}),
      details: rec.details,
    };
    return { notice, channels: channelsFor(config, rec.job, rec.repository) };
  }
}

function subject(c: { job?: string; repository?: string }): { job?: string; repository?: string } {
  return { ...(c.job !== undefined ? { job: c.job } : {}), ...(c.repository !== undefined ? { repository: c.repository } : {}) };
}

/** Who hears about a job or a repository. */
export function channelsFor(config: Config, job?: string, repository?: string): string[] {
  const jobs = job !== undefined
    ? config.jobs.filter((j) => j.name === job)
    : config.jobs.filter((j) => repository !== undefined && j.repositories.includes(repository));
  const names = new Set<string>();
  for (const j of jobs) for (const n of j.notify ?? config.defaults.notify) names.add(n);
  if (jobs.length === 0) for (const n of config.defaults.notify) names.add(n);
  return [...names];
}

/** Free space of local repositories, and the archive freshness of WAL jobs. */
async function factsWithWal(config: Config): Promise<DiskFacts> {
  const [disk, wal] = await Promise.all([localDiskFacts(config), walFreshnessAll(config).catch(() => new Map<string, WalFreshness>())]);
  const walArchivedAt = new Map<string, Date>();
  for (const [job, f] of wal) if (f.lastArchivedAt) walArchivedAt.set(job, f.lastArchivedAt);
  return { ...disk, walArchivedAt };
}

/** Free space of each local repository's filesystem (a missing folder is simply left out). */
export async function localDiskFacts(config: Config): Promise<DiskFacts> {
  const free = new Map<string, { freeBytes: number; totalBytes: number }>();
  await Promise.all(config.repositories.map(async (r) => {
    try {
      const loc = parseLocation(r.location);
      if (loc.kind !== 'local') return;
      const fs = await statfs(loc.path);
      free.set(r.name, { freeBytes: Number(fs.bavail) * Number(fs.bsize), totalBytes: Number(fs.blocks) * Number(fs.bsize) });
    } catch {
      // Unreachable or not yet created: other alerts (a failed backup) say so.
    }
  }));
  return { free };
}

// The config file and `--job NAME` as the CLI finds them: --config, LIFEBOAT_CONFIG or
// ./lifeboat.yaml; the job's primary repository unless --repo / LIFEBOAT_REPOSITORY names one.

import { configFileFrom, loadConfigFile, type LoadedConfig } from '../app/config-file.ts';
import { jobAccess, type JobAccess } from '../app/job-access.ts';
import { repositoryFromEnv } from '../app/password.ts';
import { accessFromContext } from './access.ts';
import type { CommandContext } from './command.ts';
import type { EventBus } from '../app/events.ts';
import { tryOpenHistory } from '../app/history/open.ts';
import type { History } from '../app/history/store.ts';
import { historyRecorder } from '../app/history/recorder.ts';
import { Redactor } from '../app/redact.ts';

export type { JobAccess };

export function loadConfigFor(ctx: CommandContext): Promise<LoadedConfig> {
  return loadConfigFile(configFileFrom(ctx.global.config, ctx.io.env), ctx.io.env);
}

export async function accessForJob(ctx: CommandContext, jobName: string): Promise<JobAccess> {
  const config = await loadConfigFor(ctx);
  // An empty LIFEBOAT_REPOSITORY counts as not given.
  const explicit = repositoryFromEnv(ctx.global.repo, ctx.io.env) ? accessFromContext(ctx) : undefined;
  return jobAccess(config, jobName, explicit, ctx.signal);
}

/** Records the runs of a command with a config in the history (a warning if it can't). */
export function recordRuns(ctx: CommandContext, config: LoadedConfig, events: EventBus): Disposable & { history?: History } {
  const { history, warning } = tryOpenHistory(config, ctx.io.env);
  if (!history) {
    if (warning) ctx.io.stderr.write(`lifeboat: warning: ${warning}\n`);
    return { [Symbol.dispose]() {} };
  }
  const redactor = new Redactor(config.secrets, ctx.io.env);
  const unsubscribe = events.subscribe(historyRecorder(history, (t) => redactor.redact(t)));
  return { history, [Symbol.dispose]() { unsubscribe(); history.close(); } };
}

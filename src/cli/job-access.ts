// The config file and `--job NAME` as the CLI finds them: --config, LIFEBOAT_CONFIG or
// ./lifeboat.yaml; the job's primary repository unless --repo / LIFEBOAT_REPOSITORY names one.

import { configFileFrom, loadConfigFile, type LoadedConfig } from '../app/config-file.ts';
import { jobAccess, type JobAccess } from '../app/job-access.ts';
import { repositoryFromEnv } from '../app/password.ts';
import { accessFromContext, warnTo } from './access.ts';
import type { CommandContext } from './command.ts';
import type { EventBus } from '../app/events.ts';
import { tryOpenHistory } from '../app/history/open.ts';
import type { History } from '../app/history/store.ts';
import { historyRecorder } from '../app/history/recorder.ts';
import { Redactor } from '../app/redact.ts';
import { Notifier } from '../app/notifications/notifier.ts';

export type { JobAccess };

export function loadConfigFor(ctx: CommandContext): Promise<LoadedConfig> {
  return loadConfigFile(configFileFrom(ctx.global.config, ctx.io.env), ctx.io.env);
}

export async function accessForJob(ctx: CommandContext, jobName: string): Promise<JobAccess> {
  const config = await loadConfigFor(ctx);
  // An empty LIFEBOAT_REPOSITORY counts as not given.
  const explicit = repositoryFromEnv(ctx.global.repo, ctx.io.env) ? accessFromContext(ctx) : undefined;
  const found = await jobAccess(config, jobName, explicit, ctx.signal);
  return { ...found, access: { ...found.access, warn: warnTo(ctx) } };
}

/**
 * For a command that runs jobs with a config: records its runs in the history, sends their
 * notifications and the alerts they raise or resolve (delivered before the command exits, within
 * NOTIFY_DEADLINE_MS). A history that cannot be opened is a warning, never a failed backup.
 */
export function observeRuns(ctx: CommandContext, config: LoadedConfig, events: EventBus): AsyncDisposable & { history?: History } {
  const { history, warning } = tryOpenHistory(config, ctx.io.env);
  if (!history) {
    if (warning) ctx.io.stderr.write(`lifeboat: warning: ${warning}\n`);
    return { async [Symbol.asyncDispose]() {} };
  }
  const redactor = new Redactor(config.secrets, ctx.io.env);
  const offRecorder = events.subscribe(historyRecorder(history, (t) => redactor.redact(t)));
  const notifier = new Notifier({ config: () => config, history, redactor, mode: 'collect' });
  const offNotifier = events.subscribe(notifier.subscriber());
  return {
    history,
    async [Symbol.asyncDispose]() {
      offRecorder();
      offNotifier();
      try {
        await notifier.flush(NOTIFY_DEADLINE_MS);
      } finally {
        history.close();
      }
    },
  };
}

const NOTIFY_DEADLINE_MS = 15_000;

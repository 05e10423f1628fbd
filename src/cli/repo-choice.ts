// Which repository a command works on: --repo (or LIFEBOAT_REPOSITORY) with a password flag or
// variable, as restic; or, from the config, `--job NAME` (the job's primary repository, and its
// snapshots only) or `--repository NAME`. The config is loaded only when one of those is given.

import { UsageError } from '../errors.ts';
import type { RepositoryAccess } from '../app/repository-access.ts';
import { accessFromContext, snapshotFilterFrom, warnTo } from './access.ts';
import type { CommandContext } from './command.ts';
import type { SnapshotFilter } from '../app/snapshots.ts';

export const REPOSITORY_CHOICE_OPTIONS = {
  job: { type: 'string' },
  repository: { type: 'string' },
} as const;

export const REPOSITORY_CHOICE_USAGE = [
  '      --job NAME          the repository of job NAME in the config (its snapshots only)',
  '      --repository NAME   the repository NAME of the config (instead of --repo and a password)',
];

export interface ChosenRepository {
  access: RepositoryAccess;
  /** --job NAME, when given: commands narrow their snapshots to the job's. */
  job?: string;
}

export async function chooseRepository(ctx: CommandContext, values: Record<string, unknown>): Promise<ChosenRepository> {
  const job = values.job as string | undefined;
  const name = values.repository as string | undefined;
  if (job !== undefined && name !== undefined) throw new UsageError('--job and --repository exclude each other');
  if (job !== undefined) {
    const { accessForJob } = await import('./job-access.ts');
    return { access: (await accessForJob(ctx, job)).access, job };
  }
  if (name !== undefined) {
    if (ctx.global.repo !== undefined) throw new UsageError('--repo and --repository exclude each other (--repository names a repository of the config)');
    const { loadConfigFor } = await import('./job-access.ts');
    const { namedRepositoryAccess } = await import('../app/named-repository.ts');
    const access = await namedRepositoryAccess(await loadConfigFor(ctx), name, ctx.signal);
    return { access: { ...access, warn: warnTo(ctx), ...(ctx.global.retryLockMs ? { retryLockMs: ctx.global.retryLockMs } : {}) } };
  }
  return { access: accessFromContext(ctx) };
}

/** The snapshot filter of --host/--tag/--path, narrowed to the job's snapshots with --job. */
export function chosenFilter(values: Record<string, unknown>, chosen: ChosenRepository): SnapshotFilter | undefined {
  return snapshotFilterFrom(values, chosen.job);
}

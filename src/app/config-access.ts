// From the config to the app layer: how to open a configured repository (location, password,
// S3 options, lock patience) and how to find a job by name. Shared by every use-case that
// takes `--job` or `--repository`, the daemon and the HTTP API.

import { ConfigError, NotFoundError } from '../errors.ts';
import { findJob, readPassword } from '../config/index.ts';
import type { Config, JobConfig, RepositoryConfig } from '../config/types.ts';
import type { OpenStorageOptions } from '../storage/location.ts';
import type { RepositoryAccess } from './repository-access.ts';

/** How long a job waits for a lock when the config sets no `defaults.retry_lock`. */
export const JOB_RETRY_LOCK_MS = 10 * 60_000;

/** Storage options for a configured repository (S3 settings and credentials). */
export function storageOptionsFor(repo: RepositoryConfig): OpenStorageOptions | undefined {
  const s3 = repo.s3;
  if (!s3) return undefined;
  const sse = s3.sse === 'aws:kms' ? { type: 'aws:kms' as const, kmsKeyId: s3.kmsKeyId }
    : s3.sse === 'AES256' ? { type: 'AES256' as const } : undefined;
  if ((s3.accessKeyId === undefined) !== (s3.secretAccessKey === undefined)) {
    throw new ConfigError(`repository ${repo.name}: s3 needs both access_key_id and secret_access_key, or neither`);
  }
  const opts: NonNullable<OpenStorageOptions['s3']> = {};
  if (s3.endpoint !== undefined) opts.endpoint = s3.endpoint;
  if (s3.region !== undefined) opts.region = s3.region;
  if (s3.pathStyle !== undefined) opts.forcePathStyle = s3.pathStyle;
  if (s3.storageClass !== undefined) opts.storageClass = s3.storageClass;
  if (sse) opts.sse = sse;
  if (s3.accessKeyId !== undefined) opts.credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey! };
  return { s3: opts };
}

/**
 * How to open a configured repository. A `password_command` runs here (when the repository is
 * about to be opened, as restic does), never at config load.
 */
export async function repositoryAccessFor(config: Config, repo: RepositoryConfig, signal?: AbortSignal): Promise<RepositoryAccess> {
  const password = await readPassword(repo.password, signal);
  const storageOptions = storageOptionsFor(repo);
  return {
    location: repo.location,
    password: { kind: 'value', value: password },
    ...(storageOptions ? { storageOptions } : {}),
    // Unattended jobs wait for a running prune rather than fail (restic's CLI default is 0).
    retryLockMs: config.defaults.retryLock ?? JOB_RETRY_LOCK_MS,
  };
}

export function requireJob(config: Config, name: string): JobConfig {
  const job = findJob(config, name);
  if (!job) {
    const names = config.jobs.map((j) => j.name);
    throw new NotFoundError(`job ${name}: no such job in the config`, {
      hint: names.length ? `jobs: ${names.join(', ')}` : 'the config defines no jobs',
    });
  }
  return job;
}

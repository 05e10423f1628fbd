// The loaded configuration as the rest of Lifeboat sees it: camelCase, defaults applied,
// durations in milliseconds, secrets resolved (except password_command, run on use).

import type { Milliseconds, RetentionDuration } from './duration.ts';
import type { PasswordSource } from './secrets.ts';

export type { Milliseconds, RetentionDuration, PasswordSource };

export interface S3Options {
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  storageClass?: string;
  sse?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  accessKeyId?: string;
  /** From secret_access_key or secret_access_key_file. */
  secretAccessKey?: string;
}

export interface RepositoryConfig {
  name: string;
  /** As written: a path, `local:PATH` or `s3:http(s)://host/bucket/prefix`. */
  location: string;
  password: PasswordSource;
  s3?: S3Options;
}

export interface PostgresSourceConfig {
  type: 'postgres';
  host: string;
  port: number;
  user: string;
  /** From password or password_file; pass via PGPASSWORD/passfile, never argv. */
  password?: string;
  databases: string[] | 'all';
  /** Dump roles and tablespaces with pg_dumpall --globals-only. */
  globals: boolean;
  pgDumpPath?: string;
  pgDumpallPath?: string;
  extraArgs: string[];
}

export interface MysqlSourceConfig {
  type: 'mysql';
  host: string;
  port: number;
  user: string;
  password?: string;
  databases: string[] | 'all';
  mysqldumpPath?: string;
  extraArgs: string[];
}

export interface SqliteSourceConfig {
  type: 'sqlite';
  path: string;
}

export interface RedisSourceConfig {
  type: 'redis';
  host: string;
  port: number;
  username?: string;
  password?: string;
  rdbPath?: string;
}

export interface FilesSourceConfig {
  type: 'files';
  paths: string[];
  exclude: string[];
}

export interface CommandSourceConfig {
  type: 'command';
  /** argv, run without a shell. */
  command: string[];
  /** Name of the stored file inside the snapshot. */
  filename: string;
}

export type SourceConfig =
  | PostgresSourceConfig
  | MysqlSourceConfig
  | SqliteSourceConfig
  | RedisSourceConfig
  | FilesSourceConfig
  | CommandSourceConfig;

export interface HooksConfig {
  /** argv run before the backup; a failure aborts the job. */
  before?: string[];
  /** argv run after the backup, also when it failed. */
  after?: string[];
  timeout?: Milliseconds;
}

/**
 * restic forget's policy; counts of -1 mean "keep all" ("unlimited" in the file). Shaped to be
 * structurally the RetentionPolicy of src/core/retention.ts, so it can be passed straight on.
 */
export interface RetentionPolicy {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  keepWithin?: RetentionDuration;
  keepWithinHourly?: RetentionDuration;
  keepWithinDaily?: RetentionDuration;
  keepWithinWeekly?: RetentionDuration;
  keepWithinMonthly?: RetentionDuration;
  keepWithinYearly?: RetentionDuration;
  /** Tag sets: a snapshot carrying every tag of one set is kept ("a,b" in the file = [a, b]). */
  keepTags?: string[][];
}

export interface JobConfig {
  name: string;
  source: SourceConfig;
  /** Repository names; the first is the primary, the others receive copies. */
  repositories: string[];
  tags: string[];
  hooks?: HooksConfig;
  /** The job's own timeout, else defaults.timeout. */
  timeout?: Milliseconds;
  /** Cron expression, validated by the scheduler. */
  schedule?: string;
  retention?: RetentionPolicy;
  /** Variables set for the job's programs (dump tools, command, hooks). */
  env?: Record<string, string>;
  /** Variables of Lifeboat's environment passed on although withheld by default (see sources/child-env.ts). */
  passEnv?: string[];
}

export interface Config {
  version: 1;
  defaults: { retryLock?: Milliseconds; timeout?: Milliseconds };
  /** In file order. Look up with findRepository(). */
  repositories: RepositoryConfig[];
  /** In file order. Look up with findJob(). */
  jobs: JobConfig[];
}

export interface LoadedConfig extends Config {
  /** The file it came from, for messages. */
  file: string;
  /** Every resolved secret value, for the log sanitizer to redact. */
  secrets: string[];
}

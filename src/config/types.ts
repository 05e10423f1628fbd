// The loaded configuration as the rest of Lifeboat sees it: camelCase, defaults applied,
// durations in milliseconds, secrets resolved (except password_command, run on use). Every type
// here is the output of the zod schemas (schema.ts, and each source engine's own schema in
// src/sources/<engine>/index.ts): nothing is written twice.

import type { z } from 'zod';
import type { configSchema } from './schema.ts';
import type { Milliseconds, RetentionDuration } from './duration.ts';
import type { PasswordSource } from './password.ts';
import type { SecretOrigin } from './secrets.ts';

export type { Milliseconds, RetentionDuration, PasswordSource, SecretOrigin };
export type { Schedule, CronSchedule, IntervalSchedule } from '../core/schedule.ts';
export type {
  SourceConfig, SourceType, PostgresSourceConfig, MysqlSourceConfig, SqliteSourceConfig, RedisSourceConfig,
  FilesSourceConfig, CommandSourceConfig,
} from '../sources/registry.ts';

export type Config = z.output<typeof configSchema>;
/** A repository, in file order; look up with findRepository(). */
export type RepositoryConfig = Config['repositories'][number];
export type S3Options = NonNullable<RepositoryConfig['s3']>;
/** A job, in file order; look up with findJob(). Its `timeout` is its own, else defaults.timeout. */
export type JobConfig = Config['jobs'][number];
export type HooksConfig = NonNullable<JobConfig['hooks']>;
/**
 * restic forget's policy; counts of -1 mean "keep all" ("unlimited" in the file). Structurally
 * the RetentionPolicy of src/core/retention.ts, so it can be passed straight on.
 */
export type RetentionPolicy = NonNullable<JobConfig['retention']>;

export type LoadedConfig = Config & {
  /** The file it came from, for messages. */
  file: string;
  /** Every resolved secret value, for the log sanitizer to redact. */
  secrets: string[];
  /** Where each secret came from (file, variables, the config itself), by its path as written: `jobs.orders.source.password`. */
  secretOrigins: Record<string, SecretOrigin>;
};
export type DrillConfig = NonNullable<JobConfig['drill']>;
export type DrillCheck = DrillConfig['checks'][number];
export type Contact = Config['contacts'][number];

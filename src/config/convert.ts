// Validated snake_case input → the camelCase Config the rest of Lifeboat uses.

import { parseDuration, parseRetentionDuration, type RetentionDuration } from './duration.ts';
import type { RawConfig, RawJob, RawRepository, RawSource } from './schema.ts';
import type { Config, JobConfig, RepositoryConfig, RetentionPolicy, SourceConfig } from './types.ts';

// The schema's pattern already guarantees the syntax; an absurdly large value means "no limit".
function ms(text: string): number;
function ms(text: string | undefined): number | undefined;
function ms(text: string | undefined): number | undefined {
  return text === undefined ? undefined : (parseDuration(text) ?? Number.MAX_SAFE_INTEGER);
}

function span(text: string | undefined): RetentionDuration | undefined {
  return text === undefined ? undefined : parseRetentionDuration(text);
}

/** Drops keys whose value is undefined, so optional fields are absent rather than undefined. */
function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as Array<keyof T>) if (obj[key] === undefined) delete obj[key];
  return obj;
}

function repository(name: string, r: RawRepository): RepositoryConfig {
  const password = r.password_command !== undefined
    ? { kind: 'command' as const, command: r.password_command }
    : { kind: 'value' as const, value: r.password ?? '' };
  const s3 = r.s3 && compact({
    endpoint: r.s3.endpoint,
    region: r.s3.region,
    pathStyle: r.s3.path_style,
    storageClass: r.s3.storage_class,
    sse: r.s3.sse,
    kmsKeyId: r.s3.kms_key_id,
    accessKeyId: r.s3.access_key_id,
    secretAccessKey: r.s3.secret_access_key,
  });
  return compact({ name, location: r.location, password, s3 });
}

function source(s: RawSource): SourceConfig {
  switch (s.type) {
    case 'postgres':
      return compact({
        type: s.type, host: s.host, port: s.port, user: s.user, password: s.password,
        databases: s.databases, globals: s.globals, pgDumpPath: s.pg_dump_path,
        pgDumpallPath: s.pg_dumpall_path, extraArgs: s.extra_args,
      });
    case 'mysql':
      return compact({
        type: s.type, host: s.host, port: s.port, user: s.user, password: s.password,
        databases: s.databases, mysqldumpPath: s.mysqldump_path, extraArgs: s.extra_args,
      });
    case 'sqlite':
      return { type: s.type, path: s.path };
    case 'redis':
      return compact({
        type: s.type, host: s.host, port: s.port, username: s.username, password: s.password,
        rdbPath: s.rdb_path,
      });
    case 'files':
      return { type: s.type, paths: s.paths, exclude: s.exclude };
    case 'command':
      return { type: s.type, command: s.command, filename: s.filename };
  }
}

function count(v: number | 'unlimited' | undefined): number | undefined {
  return v === 'unlimited' ? -1 : v;
}

function retention(r: NonNullable<RawJob['retention']>): RetentionPolicy {
  return compact({
    keepLast: count(r.keep_last),
    keepHourly: count(r.keep_hourly),
    keepDaily: count(r.keep_daily),
    keepWeekly: count(r.keep_weekly),
    keepMonthly: count(r.keep_monthly),
    keepYearly: count(r.keep_yearly),
    keepWithin: span(r.keep_within),
    keepWithinHourly: span(r.keep_within_hourly),
    keepWithinDaily: span(r.keep_within_daily),
    keepWithinWeekly: span(r.keep_within_weekly),
    keepWithinMonthly: span(r.keep_within_monthly),
    keepWithinYearly: span(r.keep_within_yearly),
    keepTags: r.keep_tags?.map((set) => (typeof set === 'string' ? set.split(',').map((t) => t.trim()) : set)),
  });
}

export function toConfig(raw: RawConfig): Config {
  const defaults = compact({ retryLock: ms(raw.defaults.retry_lock), timeout: ms(raw.defaults.timeout) });
  const jobs = Object.entries(raw.jobs).map(([name, j]): JobConfig => compact({
    name,
    source: source(j.source),
    repositories: j.repositories,
    tags: j.tags,
    hooks: j.hooks && compact({ before: j.hooks.before, after: j.hooks.after, timeout: ms(j.hooks.timeout) }),
    timeout: ms(j.timeout) ?? defaults.timeout,
    schedule: j.schedule,
    retention: j.retention && retention(j.retention),
    env: j.env,
    passEnv: j.pass_env,
  }));
  return {
    version: raw.version,
    defaults,
    repositories: Object.entries(raw.repositories).map(([name, r]) => repository(name, r)),
    jobs,
  };
}

// The one definition of lifeboat.yaml (snake_case, as written). Validation, the TypeScript input
// types and the published JSON Schema all come from here, so they cannot drift apart.
// Checks that need the whole document (job → repository references, "exactly one password
// source", name syntax) live in semantics.ts so they run even when other parts are broken.

import { z } from 'zod';
import { DURATION_PATTERN, RETENTION_DURATION_PATTERN } from './duration.ts';

export const NAME_PATTERN = '^[a-z0-9][a-z0-9._-]*$';

/** Keys whose values are secrets; each also has a `<key>_file` variant read from disk. */
export const SECRET_KEYS = ['password', 'secret_access_key'] as const;

const duration = z
  .string()
  .regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration such as 30s, 5m, 1h30m or 7d' })
  .describe('A duration: integer + unit (ms, s, m, h, d, w), combinable, e.g. 30s, 5m, 1h30m, 7d.');

const nonEmpty = z.string().min(1, { error: 'must not be empty' });
const argv = z.array(nonEmpty).min(1, { error: 'must list the program and its arguments' })
  .describe('A command as an argv list, run without a shell, e.g. [systemctl, stop, app].');
const port = z.number().int().min(1).max(65535);
const secret = (what: string) => ({
  password: z.string().optional().describe(`${what} password. Prefer password_file or \${VAR}.`),
  password_file: nonEmpty.optional().describe(`File holding the ${what} password (trailing newline trimmed).`),
});
const databases = z
  .union([z.literal('all'), z.array(nonEmpty).min(1, { error: 'must list at least one database, or be "all"' })], {
    error: 'expected "all" or a list of database names',
  })
  .default('all')
  .describe('Databases to dump: a list of names, or "all" (default).');

const s3Options = z.strictObject({
  endpoint: nonEmpty.optional().describe('Endpoint URL; overrides the host in the location.'),
  region: nonEmpty.optional(),
  path_style: z.boolean().optional().describe('Path-style addressing (http://host/bucket), needed by most non-AWS servers.'),
  storage_class: nonEmpty.optional().describe('e.g. STANDARD, STANDARD_IA, GLACIER_IR'),
  sse: z.enum(['AES256', 'aws:kms']).optional().describe('Server-side encryption.'),
  kms_key_id: nonEmpty.optional(),
  access_key_id: nonEmpty.optional().describe('Defaults to the standard AWS credential chain.'),
  secret_access_key: z.string().optional(),
  secret_access_key_file: nonEmpty.optional(),
});

export const repositorySchema = z
  .strictObject({
    location: nonEmpty.describe('A local path, local:PATH, or s3:http(s)://host/bucket/prefix (restic syntax).'),
    password: z.string().optional().describe('Repository password. Exactly one of password, password_file, password_command.'),
    password_file: nonEmpty.optional(),
    password_command: argv.optional().describe('Command printing the password on stdout (argv list).'),
    s3: s3Options.optional(),
  })
  .describe('A restic-format repository.');

const postgres = z.strictObject({
  type: z.literal('postgres'),
  host: nonEmpty.describe('Host name, IP address, or a Unix socket directory.'),
  port: port.default(5432),
  user: nonEmpty,
  ...secret('database'),
  databases,
  globals: z.boolean().default(true).describe('Also dump roles and tablespaces (pg_dumpall --globals-only).'),
  pg_dump_path: nonEmpty.optional(),
  pg_dumpall_path: nonEmpty.optional(),
  extra_args: z.array(nonEmpty).default([]).describe('Extra pg_dump arguments (never put a password here).'),
});

const mysql = z.strictObject({
  type: z.literal('mysql'),
  host: nonEmpty,
  port: port.default(3306),
  user: nonEmpty,
  ...secret('database'),
  databases,
  mysqldump_path: nonEmpty.optional().describe('mariadb-dump or mysqldump; found on PATH by default.'),
  extra_args: z.array(nonEmpty).default([]),
});

const sqlite = z.strictObject({
  type: z.literal('sqlite'),
  path: nonEmpty.describe('The database file; copied consistently while in use.'),
});

const redis = z.strictObject({
  type: z.literal('redis'),
  host: nonEmpty,
  port: port.default(6379),
  username: nonEmpty.optional().describe('ACL user (Redis 6+).'),
  ...secret('Redis'),
  rdb_path: nonEmpty.optional().describe('Local dump.rdb to read after BGSAVE instead of streaming via SYNC.'),
});

const files = z.strictObject({
  type: z.literal('files'),
  paths: z.array(nonEmpty).min(1, { error: 'must list at least one path' }),
  exclude: z.array(nonEmpty).default([]).describe('Glob patterns to skip.'),
});

const command = z.strictObject({
  type: z.literal('command'),
  command: argv.describe('Program whose stdout is stored (argv list, no shell).'),
  filename: z
    .string()
    .regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\0]+$/, { error: 'expected a relative file name without . or .. segments' })
    .describe('Name of the stored file inside the snapshot.'),
});

export const sourceSchema = z.discriminatedUnion('type', [postgres, mysql, sqlite, redis, files, command]);

const keepCount = z
  .union([z.number().int().min(-1), z.literal('unlimited')], { error: 'expected a whole number (-1 = all) or "unlimited"' })
  .optional()
  .describe('How many buckets to keep; -1 or "unlimited" keeps every bucket.');
const keepWithin = z
  .string()
  .regex(new RegExp(RETENTION_DURATION_PATTERN), { error: 'expected a span such as 30d, 1y6m or 2d12h (m = months)' })
  .refine((s) => s !== '', { error: 'must not be empty' })
  .optional()
  .describe("restic's keep-within span: <n>y <n>m(onths) <n>d <n>h, e.g. 1y6m, 30d.");

const retention = z.strictObject({
  keep_last: keepCount,
  keep_hourly: keepCount,
  keep_daily: keepCount,
  keep_weekly: keepCount,
  keep_monthly: keepCount,
  keep_yearly: keepCount,
  keep_within: keepWithin,
  keep_within_hourly: keepWithin,
  keep_within_daily: keepWithin,
  keep_within_weekly: keepWithin,
  keep_within_monthly: keepWithin,
  keep_within_yearly: keepWithin,
  keep_tags: z
    .array(z.union([
      z.string().regex(/^[^,]+(,[^,]+)*$/, { error: 'expected tags separated by commas, e.g. "a,b"' }),
      z.array(nonEmpty).min(1, { error: 'must list at least one tag' }),
    ], { error: 'expected "a,b" or a list of tags' }))
    .optional()
    .describe('Tag sets: a snapshot carrying every tag of one set is kept. "a,b" or [a, b].'),
});

const hooks = z.strictObject({
  before: argv.optional().describe('Run before the backup; failure aborts the job.'),
  after: argv.optional().describe('Run after the backup, also when it failed.'),
  timeout: duration.optional(),
});

export const jobSchema = z.strictObject({
  source: sourceSchema,
  repositories: z
    .array(nonEmpty)
    .min(1, { error: 'must name at least one repository' })
    .describe('Repository names; the first is the primary, the others receive copies.'),
  tags: z.array(nonEmpty).default([]),
  hooks: hooks.optional(),
  timeout: duration.optional(),
  schedule: nonEmpty.optional().describe('Cron expression, e.g. "0 3 * * *".'),
  retention: retention.optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' }), z.string())
    .optional()
    .describe('Variables set for the job\'s programs (dump tools, command, hooks), e.g. {TZ: UTC}; ${VAR} works in values.'),
  pass_env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' }))
    .optional()
    .describe('Variables of Lifeboat\'s environment passed on to the job\'s programs even though Lifeboat withholds them (LIFEBOAT_*, RESTIC_*, cloud credentials such as AWS_SECRET_ACCESS_KEY).'),
});

const defaults = z.strictObject({
  retry_lock: duration.optional().describe('How long to wait for a locked repository (default: fail at once).'),
  timeout: duration.optional().describe('Timeout for jobs that set none.'),
});

// Names are checked in semantics.ts, not by the record's key schema: zod skips a record value
// whose key fails, and we want every problem inside a badly named job reported too.
export const repositoriesSchema = z.record(z.string(), repositorySchema);
export const jobsSchema = z.record(z.string(), jobSchema);

export const configSchema = z
  .strictObject({
    version: z.literal(1).default(1).describe('Config format version.'),
    defaults: defaults.default({}),
    repositories: repositoriesSchema,
    jobs: jobsSchema.default({}),
  })
  .describe('Lifeboat configuration (lifeboat.yaml).');

export type RawConfig = z.output<typeof configSchema>;
export type RawJob = z.output<typeof jobSchema>;
export type RawRepository = z.output<typeof repositorySchema>;
export type RawSource = z.output<typeof sourceSchema>;

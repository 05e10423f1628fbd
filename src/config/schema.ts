// The one definition of lifeboat.yaml. Keys are snake_case as written; the validated output is
// the camelCase Config the rest of Lifeboat uses (durations in milliseconds, records turned into
// named lists), so validation, the TypeScript types (types.ts: z.output of these schemas) and
// the published JSON Schema (the input side) all come from here and cannot drift apart.
// A job's `source:` block is each engine's own schema (src/sources/<engine>/index.ts), composed
// through the source registry. Checks that need the whole document (job → repository
// references, "exactly one password source", name syntax) live in semantics.ts so they run even
// when other parts are broken.

import { z } from 'zod';
import { checkCronExpression, checkTimezone, systemTimezone, type Schedule } from '../core/schedule.ts';
import { SOURCE_SCHEMAS } from '../sources/registry.ts';
import { parseRetentionDuration, RETENTION_DURATION_PATTERN } from './duration.ts';
import { argv, duration, nonEmpty, section } from './fields.ts';
import type { PasswordSource } from './password.ts';
import { channelSchema } from '../notify/schemas.ts';
import { contactSchema, drillSection } from './drill.ts';

export const NAME_PATTERN = '^[a-z0-9][a-z0-9._-]*$';

const s3Options = section({
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

// `cronExpression`, `interval` and `schedule` are defined below; maintenance schedules reuse them.
const maxUnused = z
  .string()
  .regex(/^(\d+(\.\d+)?%|\d+(\.\d+)?\s*[kmgt]?i?b?|unlimited)$/i, { error: 'expected a percentage (5%), a size (500M) or "unlimited"' })
  .describe("prune's --max-unused: a percentage of the repository, a size, or unlimited (default 5%).");
const readDataSubset = z
  .string()
  .regex(/^(\d+\/\d+|\d+(\.\d+)?%|\d+(\.\d+)?\s*[kmgt]?i?b?)$/i, { error: 'expected n/t (1/10), a percentage (5%) or a size (500M)' })
  .describe("check's --read-data-subset: n/t, a percentage or a size; absent: structure only, no pack data read.");

const repositoryObject = z
  .strictObject({
    location: nonEmpty.describe('A local path, local:PATH, or s3:http(s)://host/bucket/prefix (restic syntax).'),
    password: z.string().optional().describe('Repository password. Exactly one of password, password_file, password_command.'),
    password_file: nonEmpty.optional().describe('File holding the password (surrounding whitespace trimmed, as restic does).'),
    password_command: argv.optional().describe('Command printing the password on stdout (argv list, no shell; output trimmed).'),
    s3: s3Options.optional(),
    prune: z.lazy(() => section({
      schedule: schedule.describe('When the daemon prunes this repository.'),
      max_unused: maxUnused.optional(),
    })).optional().describe('Scheduled prune (the daemon).'),
    check: z.lazy(() => section({
      schedule: schedule.describe('When the daemon checks this repository.'),
      read_data_subset: readDataSubset.optional(),
    })).optional().describe('Scheduled check (the daemon).'),
    price_per_gib_month: z.number().min(0).optional().describe('What a GiB stored here costs per month (for the cost estimate of reports), e.g. 0.023.'),
  })
  .describe('A restic-format repository.');

export const repositorySchema = repositoryObject.transform((r) => {
  // A password_file was read into `password` before validation (secrets.ts); a command runs
  // only when the repository is opened.
  const password: PasswordSource = r.password_command !== undefined
    ? { kind: 'command', argv: r.password_command }
    : { kind: 'value', value: r.password ?? '' };
  return {
    location: r.location, password, ...(r.s3 ? { s3: r.s3 } : {}), ...(r.prune ? { prune: r.prune } : {}), ...(r.check ? { check: r.check } : {}),
    ...(r.price_per_gib_month !== undefined ? { pricePerGibMonth: r.price_per_gib_month } : {}),
  };
});

/** The source engines' blocks, one per `type:` (aliases included). */
export const sourceSchema = z.discriminatedUnion('type', SOURCE_SCHEMAS);

const keepCount = z
  .union([z.number().int().min(-1), z.literal('unlimited')], { error: 'expected a whole number (-1 = all) or "unlimited"' })
  .describe('How many buckets to keep; -1 or "unlimited" keeps every bucket.')
  .transform((v) => (v === 'unlimited' ? -1 : v));
const keepWithin = z
  .string()
  .regex(new RegExp(RETENTION_DURATION_PATTERN), { error: 'expected a span such as 30d, 1y6m or 2d12h (m = months)' })
  .refine((s) => s !== '', { error: 'must not be empty' })
  .describe("restic's keep-within span: <n>y <n>m(onths) <n>d <n>h, e.g. 1y6m, 30d.")
  .transform((s) => parseRetentionDuration(s)!);

/** restic forget's policy; counts of -1 keep every bucket. Structurally core/retention's RetentionPolicy. */
const retention = section({
  keep_last: keepCount.optional(),
  keep_hourly: keepCount.optional(),
  keep_daily: keepCount.optional(),
  keep_weekly: keepCount.optional(),
  keep_monthly: keepCount.optional(),
  keep_yearly: keepCount.optional(),
  keep_within: keepWithin.optional(),
  keep_within_hourly: keepWithin.optional(),
  keep_within_daily: keepWithin.optional(),
  keep_within_weekly: keepWithin.optional(),
  keep_within_monthly: keepWithin.optional(),
  keep_within_yearly: keepWithin.optional(),
  keep_tags: z
    .array(z.union([
      z.string().regex(/^[^,]+(,[^,]+)*$/, { error: 'expected tags separated by commas, e.g. "a,b"' }),
      z.array(nonEmpty).min(1, { error: 'must list at least one tag' }),
    ], { error: 'expected "a,b" or a list of tags' }))
    .describe('Tag sets: a snapshot carrying every tag of one set is kept. "a,b" or [a, b].')
    .transform((sets) => sets.map((set) => (typeof set === 'string' ? set.split(',').map((t) => t.trim()) : set)))
    .optional(),
});

const hooks = section({
  before: argv.optional().describe('Run before the backup; failure aborts the job.'),
  after: argv.optional().describe('Run after the backup, also when it failed.'),
  timeout: duration.optional(),
});

// No transforms inside the union: zod reports the problems of the one alternative whose type
// matched (a string with a bad cron, a mapping with a bad `every`) only when neither aborted.
const cronExpression = z
  .string()
  .min(1, { error: 'must not be empty' })
  .superRefine((text, ctx) => {
    const problem = checkCronExpression(text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; @daily and the like too. Read in defaults.timezone.');

const interval = z.strictObject({
  every: duration.refine((ms) => ms >= 1000, { error: 'must be at least 1s' }).describe('Time between the starts of two runs, e.g. 30s, 15m, 6h.'),
});

const schedule = z
  .union([cronExpression, interval], { error: 'expected a cron expression such as "0 3 * * *", or {every: DURATION}' })
  .describe('When the daemon runs the job: a cron expression ("15 2 * * *") or an interval ({every: 6h}).')
  .transform((s): Schedule => (typeof s === 'string' ? { kind: 'cron', expression: s.trim() } : { kind: 'interval', everyMs: s.every }));

const freeSpace = z
  .string()
  .regex(/^(\d+(\.\d+)?%|\d+(\.\d+)?\s*[kmgt]i?b?)$/i, { error: 'expected a percentage (20%) or a size (10G)' })
  .describe('Free space: a percentage of the filesystem (20%) or a size (10G).');
const ratio = z.number().positive();

/** Alert tuning: the config's defaults, and a job's overrides (same shape, every field optional). */
const alertRules = {
  size_anomaly: section({
    min_ratio: ratio.optional().describe('Fire when a backup is smaller than this times the median of the last 7 (default 0.5).'),
    max_ratio: ratio.optional().describe('… or larger than this times it (default 3).'),
  }).optional(),
  disk_low: section({ min_free: freeSpace.optional() }).optional().describe('A local repository\'s filesystem below min_free (default 10%).'),
  copy_behind: section({ max_lag: duration.optional() }).optional().describe('An offsite repository missing snapshots of the primary for longer than max_lag (default 1d).'),
  repeat_interval: duration.optional().describe('Reminder interval while an alert fires (default 4h).'),
};
const alertsSection = section(alertRules);

const report = section({
  schedule: z.lazy(() => schedule),
  period: z.enum(['day', 'week', 'month']),
  channels: z.array(nonEmpty).min(1),
  format: z.enum(['text', 'markdown', 'html']).default('markdown').describe('Body of the message (email gets HTML and text either way).'),
});

/** A job's repository: its name, or {name, retention} to override the job's retention there. */
const jobRepository = z.union([
  nonEmpty,
  z.strictObject({ name: nonEmpty, retention: z.lazy(() => retention).optional() }),
], { error: 'expected a repository name, or {name: NAME, retention: {...}}' });

export const jobSchema = section({
  source: sourceSchema,
  repositories: z
    .array(jobRepository)
    .min(1, { error: 'must name at least one repository' })
    .describe('Repositories; the first is the primary, the others receive copies. {name, retention} overrides the job\'s retention in that repository.'),
  tags: z.array(nonEmpty).default([]),
  hooks: hooks.optional(),
  timeout: duration.optional(),
  schedule: schedule.optional(),
  rpo: duration.optional().describe('Recovery point objective: the newest snapshot should never be older than this.'),
  rto: duration.optional().describe('Recovery time objective: a restore (drill) should take at most this long.'),
  retention: retention.optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' }), z.string())
    .optional()
    .describe('Variables set for the job\'s programs (dump tools, command, hooks), e.g. {TZ: UTC}; ${VAR} works in values.'),
  pass_env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' }))
    .optional()
    .describe('Variables of Lifeboat\'s environment passed on to the job\'s programs even though Lifeboat withholds them (LIFEBOAT_*, RESTIC_*, cloud credentials such as AWS_SECRET_ACCESS_KEY).'),
  notify: z.array(nonEmpty).optional().describe('Channels (names under notifications:) for this job; default defaults.notify.'),
  alerts: alertsSection.optional().describe('This job\'s alert tuning, over the config-wide alerts:.'),
  drill: z.lazy(() => drillSection(schedule)).optional(),
}).transform((j) => {
  // Names first (the rest of Lifeboat passes names around); per-repository retention beside them.
  const repositoryRetention: Record<string, NonNullable<typeof j.retention>> = {};
  const repositories = j.repositories.map((r) => {
    if (typeof r === 'string') return r;
    if (r.retention) repositoryRetention[r.name] = r.retention;
    return r.name;
  });
  return { ...j, repositories, repositoryRetention };
});

const defaults = section({
  retry_lock: duration.optional().describe('How long to wait for a locked repository (default: fail at once).'),
  timeout: duration.optional().describe('Timeout for jobs that set none.'),
  timezone: z
    .string()
    .superRefine((name, ctx) => {
      const problem = checkTimezone(name);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe("IANA time zone cron schedules are read in, e.g. Europe/Berlin (default: the system's)."),
  concurrency: z.number().int().min(1).max(64).default(2).describe('How many runs the daemon performs at once.'),
  notify: z.array(nonEmpty).default([]).describe('Channels of jobs that name none.'),
  stop_timeout: duration.prefault('60s').describe('On SIGTERM, how long running backups get to finish before they are aborted.'),
}).transform((d) => ({ ...d, timezone: d.timezone ?? systemTimezone() }));

const server = section({
  listen: z.string().regex(/^(\[[0-9a-f:]+\]|[^:\s]+):\d{1,5}$/i, { error: 'expected HOST:PORT, e.g. 127.0.0.1:9750' }).default('127.0.0.1:9750')
    .describe('Address of the API, metrics and dashboard. A non-loopback address needs token_file.'),
  token_file: nonEmpty.optional().describe('File holding the bearer token the API and dashboard require.'),
  metrics_token: z.boolean().default(false).describe('Require the token on /metrics too (default: /metrics is open).'),
  public_url: z.url().optional().describe('Where people reach the dashboard (links in notifications).'),
});

const history = section({
  keep: duration.prefault('400d').describe('How long run records are kept.'),
});

// Names are checked in semantics.ts, not by the record's key schema: zod skips a record value
// whose key fails, and we want every problem inside a badly named job reported too.
export const repositoriesSchema = z.record(z.string(), repositorySchema);
export const jobsSchema = z.record(z.string(), jobSchema);

export const configObject = z
  .strictObject({
    version: z.literal(1).default(1).describe('Config format version.'),
    defaults: defaults.prefault({}),
    repositories: repositoriesSchema,
    jobs: jobsSchema.prefault({}),
    state_dir: nonEmpty.optional().describe('Where the run history lives (default $XDG_STATE_HOME/lifeboat, /var/lib/lifeboat for root).'),
    history: history.prefault({}),
    server: server.prefault({}),
    notifications: z.record(z.string(), channelSchema).prefault({}).describe('Named channels: slack, webhook, email, healthchecks.'),
    alerts: alertsSection.prefault({}),
    reports: z.array(report).default([]).describe('Reports the daemon sends on their schedule.'),
    contacts: z.array(contactSchema).default([]).describe('Who to call in a disaster (listed in the runbook).'),
    restore_order: z.array(nonEmpty).optional().describe('restore --all: these jobs first, in this order; the others follow in config order.'),
  })
  .describe('Lifeboat configuration (lifeboat.yaml).');

/** Validates the snake_case document and returns the camelCase Config (see types.ts). */
export const configSchema = configObject.transform((c) => ({
  version: c.version,
  defaults: c.defaults,
  stateDir: c.state_dir,
  history: c.history,
  server: c.server,
  notifications: Object.entries(c.notifications).map(([name, ch]) => ({ name, ...ch })),
  alerts: c.alerts,
  contacts: c.contacts,
  restoreOrder: c.restore_order,
  reports: c.reports.map((r) => (r.schedule.kind === 'cron' ? { ...r, schedule: { ...r.schedule, timezone: c.defaults.timezone } } : r)),
  repositories: Object.entries(c.repositories).map(([name, r]) => ({ name, ...r })),
  jobs: Object.entries(c.jobs).map(([name, j]) => {
    const job = { name, ...j };
    // A job without its own timeout gets defaults.timeout; cron schedules run in defaults.timezone.
    if (job.timeout === undefined && c.defaults.timeout !== undefined) job.timeout = c.defaults.timeout;
    if (job.schedule?.kind === 'cron') job.schedule = { ...job.schedule, timezone: c.defaults.timezone };
    if (job.drill?.schedule?.kind === 'cron') job.drill = { ...job.drill, schedule: { ...job.drill.schedule, timezone: c.defaults.timezone } };
    return job;
  }),
}));

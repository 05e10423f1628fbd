// The API's JSON shapes in zod. Routes declare them, the OpenAPI document is generated from
// them, and json.ts builds every answer as their z.infer types, so the document, the types and
// the answers cannot drift apart. Field names are snake_case, like restic's JSON and the CLI's
// --json; times are ISO 8601 strings in UTC; durations are seconds unless the name says _ms.

import { z } from '@hono/zod-openapi';

export const RUN_KINDS = ['backup', 'copy', 'forget', 'prune', 'check', 'drill', 'restore'] as const;
export const RUN_TRIGGERS = ['schedule', 'catch-up', 'manual', 'cli'] as const;
export const RUN_STATUSES = ['succeeded', 'failed', 'partial', 'skipped', 'aborted', 'running'] as const;

const time = z.iso.datetime().openapi({ example: '2026-11-20T02:15:00.000Z' });
const bytes = z.number().int().nonnegative();
const seconds = z.number().nonnegative();

export const ErrorSchema = z.object({
  error: z.object({
    code: z.string().openapi({ description: 'Stable code: unauthorized, forbidden, usage, config, not-found, no-repository, busy, stopping, locked, wrong-password, storage, source, integrity, aborted, error.', example: 'not-found' }),
    message: z.string().openapi({ example: 'job orders: no such job in the config' }),
    hint: z.string().optional(),
    run_id: z.string().optional().openapi({ description: 'With busy: the run recorded as skipped.' }),
  }),
}).openapi('Error');

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

export const RunSchema = z.object({
  id: z.string().openapi({ example: '20261120T021500-1a2b3c4d' }),
  job: z.string().optional(),
  repository: z.string().optional(),
  kind: z.enum(RUN_KINDS),
  trigger: z.enum(RUN_TRIGGERS),
  status: z.enum(RUN_STATUSES),
  started_at: time,
  ended_at: time.optional(),
  duration_seconds: seconds.optional(),
  snapshot_id: z.string().optional(),
  bytes_added: bytes.optional(),
  total_bytes: bytes.optional().openapi({ description: "What the run covered: a backup's snapshot size." }),
  files: z.number().int().nonnegative().optional(),
  exit_code: z.number().int().optional().openapi({ description: "restic's exit code for the outcome: 0, 1, 3, 10, 11, 12, 130." }),
  error_code: z.string().optional(),
  error_message: z.string().optional(),
  host: z.string(),
  pid: z.number().int(),
  details: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Kind-specific facts: copy target and counts, forget kept/removed, prune packs, check errors…' }),
}).openapi('Run');

export const RunsPageSchema = z.object({
  runs: z.array(RunSchema),
  next: z.string().optional().openapi({ description: 'Pass as `before` for the next page; absent on the last page.' }),
}).openapi('RunsPage');

export const JobSchema = z.object({
  name: z.string(),
  type: z.string().openapi({ description: 'Source engine: postgres, mysql, sqlite, redis, files, command.' }),
  repositories: z.array(z.string()).openapi({ description: 'The first is the primary; copies go to the others.' }),
  schedule: z.string().optional(),
  next_run: time.optional(),
  last_run: RunSchema.optional().openapi({ description: "The newest backup run, whatever its status." }),
  last_success: RunSchema.optional().openapi({ description: 'The newest backup that saved a snapshot (succeeded or partial).' }),
  age_seconds: seconds.optional().openapi({ description: 'Since the last success ended.' }),
  rpo_seconds: seconds.optional().openapi({ description: "The RPO target: the job's rpo, else twice its schedule's period." }),
  rpo_breached: z.boolean(),
  worst_gap_seconds: seconds.optional().openapi({ description: 'Largest gap between successes over the last 30 days, now included.' }),
  rto_seconds: seconds.optional().openapi({ description: "The RTO target: the job's rto." }),
  last_drill: z.object({
    run: RunSchema,
    passed: z.boolean(),
    rto_seconds: seconds.optional().openapi({ description: 'Achieved: from the start until the restored data answered the checks.' }),
    rto_exceeded: z.boolean(),
    failed_check: z.string().optional(),
  }).optional().openapi({ description: 'The newest finished restore drill.' }),
  last_drill_success: RunSchema.optional().openapi({ description: 'The newest drill that passed.' }),
  achieved_rto_seconds: seconds.optional().openapi({ description: 'The RTO of the newest drill that reached its checks, passed or not.' }),
  latest_size: bytes.optional().openapi({ description: 'Bytes of the newest successful backup.' }),
  snapshots: z.number().int().nonnegative().optional(),
  snapshots_error: z.string().optional(),
  running: z.boolean().openapi({ description: "The job's cycle is queued or running in this process." }),
}).openapi('Job');

export const JobsSchema = z.object({ jobs: z.array(JobSchema) }).openapi('Jobs');

export const RepositorySchema = z.object({
  name: z.string(),
  location: z.string().openapi({ description: 'Without credentials.' }),
  kind: z.enum(['local', 's3', 'memory']),
  size_bytes: bytes.optional().openapi({ description: 'Pack, index and snapshot files.' }),
  free_bytes: bytes.optional().openapi({ description: 'Free space of the filesystem (local repositories).' }),
  total_bytes: bytes.optional(),
  last_check: RunSchema.optional(),
  last_check_success: RunSchema.optional(),
  error: z.string().optional().openapi({ description: 'Why the repository could not be read.' }),
}).openapi('Repository');

export const RepositoriesSchema = z.object({ repositories: z.array(RepositorySchema) }).openapi('Repositories');

export const AlertSchema = z.object({
  name: z.enum(['failed', 'stale', 'size_anomaly', 'disk_low', 'copy_behind', 'check_failed', 'drill_failed', 'rto_exceeded']),
  state: z.enum(['firing', 'resolved']),
  job: z.string().optional(),
  repository: z.string().optional(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
  fired_at: z.string().openapi({ format: 'date-time' }),
  resolved_at: z.string().optional().openapi({ format: 'date-time' }),
  last_notified_at: z.string().optional().openapi({ format: 'date-time' }),
}).openapi('Alert');

export const AlertsSchema = z.object({ alerts: z.array(AlertSchema) }).openapi('Alerts');
export const AlertsQuerySchema = z.object({
  state: z.enum(['firing', 'resolved', 'all']).default('firing').openapi({ description: 'Which alerts (default: those firing).' }),
});

export const SnapshotSchema = z.looseObject({
  id: z.string(),
  short_id: z.string(),
  time: z.string().openapi({ description: 'RFC 3339 with nanoseconds, as restic writes it.' }),
  tree: z.string(),
  paths: z.array(z.string()),
  hostname: z.string().optional(),
  username: z.string().optional(),
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
  parent: z.string().optional(),
  tags: z.array(z.string()).optional(),
  excludes: z.array(z.string()).optional(),
  original: z.string().optional(),
  program_version: z.string().optional(),
  summary: z.record(z.string(), z.unknown()).optional().openapi({ description: "restic's summary: total_bytes_processed, backup_start, backup_end…" }),
  lifeboat: z.object({
    job: z.string().optional(),
    engine: z.string().optional(),
    databases: z.array(z.string()),
    size: bytes.optional(),
    duration: z.string().optional().openapi({ example: '12.3s' }),
    versions: z.record(z.string(), z.string()),
  }).optional().openapi({ description: "What a job's snapshot says of itself (from its tags and summary)." }),
}).openapi('Snapshot');

export const SnapshotsSchema = z.object({
  repository: z.string().openapi({ description: "The job's primary repository." }),
  snapshots: z.array(SnapshotSchema).openapi({ description: 'Oldest first, as restic lists them.' }),
}).openapi('Snapshots');

export const SubmittedSchema = z.object({ run_id: z.string() }).openapi('Submitted');

export const RunsQuerySchema = z.object({
  job: z.string().min(1).optional(),
  repository: z.string().min(1).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  kind: z.enum(RUN_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ type: 'integer', minimum: 1, maximum: 500, default: 50 }),
  before: z.string().min(1).optional().openapi({ description: 'Runs started before this ISO time, or older than this run ID (paging).' }),
});

export const JobParam = z.object({ job: z.string().min(1).openapi({ param: { name: 'job', in: 'path' }, example: 'orders-db' }) });
export const RepositoryParam = z.object({ repo: z.string().min(1).openapi({ param: { name: 'repo', in: 'path' }, example: 'local' }) });
export const RunIdParam = z.object({ id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' }, example: '20261120T021500-1a2b3c4d' }) });

export type RunJson = z.infer<typeof RunSchema>;
export type JobJson = z.infer<typeof JobSchema>;
export type RepositoryJson = z.infer<typeof RepositorySchema>;
export type SnapshotJson = z.infer<typeof SnapshotSchema>;
export type ErrorJson = z.infer<typeof ErrorSchema>;

// A job's `drill:` block: when the daemon restores the job's newest snapshot into a scratch
// target, where that target lives, and the checks that prove the restored data answers. Also the
// top-level `contacts:` the runbook lists. Engine rules that need the job's `type` (a server for
// postgres/mysql only, path checks for files only) are checked over the raw document
// (drillIssues, called by semantics.ts).

import { z } from 'zod';
import { duration, nonEmpty, port, secret, section } from './fields.ts';
import type { PathIssue } from './interpolate.ts';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const byteSize = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d+(\.\d+)?\s*[kmgt]?(i?b)?$/i, { error: 'expected a size such as 500K, 1MB or 2G' }),
]).describe('A size in bytes, or with a binary unit: 500K, 1MB (= 1 MiB), 2G.').transform((v) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)/i.exec(v)!;
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
});

const queryCheck = section({
  name: nonEmpty.optional().describe('How the check is named in results and alerts (default: the query).'),
  query: nonEmpty.describe('SQL (postgres, mysql, sqlite) or a Redis command (DBSIZE, EXISTS key) run on the restored copy.'),
  database: nonEmpty.optional().describe('postgres, mysql: which database of the job the query runs in (default: the first).'),
  min_rows: z.number().int().min(0).optional()
    .describe('At least this many: the value when the answer is one row of one column (count(*)), else the number of rows.'),
  equals: z.union([z.string(), z.number(), z.boolean()]).optional().describe('The first column of the first row, compared as text.'),
  max_age: duration.optional()
    .describe("The first value is a time no older than this at the snapshot's time: the data was fresh when backed up (RPO)."),
}).refine((c) => c.minRows !== undefined || c.equals !== undefined || c.maxAge !== undefined,
  { error: 'a query check needs an expectation: min_rows, equals or max_age' });

const pathCheck = section({
  name: nonEmpty.optional(),
  path: nonEmpty.describe("A file or directory of the restored snapshot: absolute, or relative to one of the job's paths."),
  min_size: byteSize.optional().describe('A file at least this large.'),
});

export const drillCheck = z.union([queryCheck, pathCheck], { error: 'expected {query: …, min_rows|equals|max_age: …} or {path: …, min_size: …}' });

const drillServer = section({
  host: nonEmpty,
  port: port.optional().describe("Default: the job's port."),
  user: nonEmpty.optional().describe("Default: the job's user."),
  ...secret('database'),
});

/** `schedule` is the config's schedule schema, passed in to keep this module a leaf. */
export function drillSection<S extends z.ZodType>(schedule: S) {
  return section({
    schedule: schedule.optional().describe('When the daemon runs the drill, e.g. "0 4 1 * *" (monthly) or {every: 7d}.'),
    timeout: duration.optional().describe("How long the drill may take before it is stopped (and its scratch target removed); default the job's timeout."),
    server: drillServer.optional().describe("postgres, mysql: another server for the scratch database (default: the job's own)."),
    scratch_dir: nonEmpty.optional().describe('sqlite, redis, files: where the scratch copy goes (default: the system temp directory).'),
    sample_keys: z.number().int().min(0).max(1000).default(10).describe('redis: how many random keys are read back.'),
    checks: z.array(drillCheck).default([]).describe('What the restored data must answer.'),
  }).describe('Restore drills: the newest snapshot restored into a scratch target, verified, measured against rto, and removed.');
}

export const contactSchema = section({
  name: nonEmpty,
  role: nonEmpty.optional(),
  phone: nonEmpty.optional(),
  email: nonEmpty.optional(),
}).describe('Someone to call in a disaster; listed in the runbook.');

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Drill settings that do not fit the job's engine. */
export function drillIssues(job: Record<string, unknown>, path: Array<string | number>): PathIssue[] {
  const drill = job.drill;
  const type = isRecord(job.source) ? job.source.type : undefined;
  if (!isRecord(drill) || typeof type !== 'string') return [];
  const issues: PathIssue[] = [];
  if (drill.server !== undefined && !['postgres', 'mysql', 'mariadb'].includes(type)) {
    issues.push({ path: [...path, 'drill', 'server'], message: `a ${type} job restores its drill locally; server applies to postgres and mysql` });
  }
  if (type === 'command') issues.push({ path: [...path, 'drill'], message: 'a command job cannot be drilled: Lifeboat does not know how to load its output' });
  if (Array.isArray(drill.checks)) {
    drill.checks.forEach((c: unknown, i: number) => {
      if (!isRecord(c)) return;
      if (c.path !== undefined && type !== 'files') issues.push({ path: [...path, 'drill', 'checks', i], message: `path checks apply to files jobs; a ${type} job takes query checks` });
      if (c.query !== undefined && type === 'files') issues.push({ path: [...path, 'drill', 'checks', i], message: 'a files job takes path checks ({path, min_size})' });
    });
  }
  return issues;
}

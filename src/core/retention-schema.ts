// Retention policy as users write it: in the config file (zod schema below, camelCase keys
// like the policy fields) and as restic-style CLI flags (`--keep-daily 7`, `--keep-tag a,b`).
// Both produce a validated RetentionPolicy.

import { z } from 'zod';
import { ConfigError, UsageError } from '../errors.ts';
import { parseDuration, formatDuration, isZeroDuration } from './retention-duration.ts';
import type { RetentionPolicy } from './retention.ts';

const count = z.union([z.int().min(-1), z.literal('unlimited')])
  .describe('number of buckets to keep; -1 or "unlimited" keeps every bucket');

const duration = z.string().refine((s) => {
  try { parseDuration(s); return true; } catch { return false; }
}, { message: 'not a duration: write e.g. 30d or 1y2m3d4h (y, m = months, d, h)' })
  .describe('calendar duration relative to the newest snapshot, e.g. 30d, 1y2m3d4h');

const tagSet = z.union([
  z.string().refine((s) => splitTags(s).every((t) => t !== ''), { message: 'empty tag in tag set' }),
  z.array(z.string().min(1)).min(1),
]).describe('tags that must all be present: "a,b" or [a, b]');

/** The config shape (no transforms, so z.toJSONSchema works on it). */
export const retentionPolicyConfigSchema = z.strictObject({
  keepLast: count.optional(),
  keepHourly: count.optional(),
  keepDaily: count.optional(),
  keepWeekly: count.optional(),
  keepMonthly: count.optional(),
  keepYearly: count.optional(),
  keepWithin: duration.optional(),
  keepWithinHourly: duration.optional(),
  keepWithinDaily: duration.optional(),
  keepWithinWeekly: duration.optional(),
  keepWithinMonthly: duration.optional(),
  keepWithinYearly: duration.optional(),
  keepTags: z.array(tagSet).optional(),
});

export type RetentionPolicyConfig = z.infer<typeof retentionPolicyConfigSchema>;

function splitTags(s: string): string[] {
  return s.split(',').map((t) => t.trim());
}

/** Converts a config object that already passed retentionPolicyConfigSchema. */
export function policyFromConfig(c: RetentionPolicyConfig): RetentionPolicy {
  const p: RetentionPolicy = {};
  for (const f of ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const) {
    const v = c[f];
    if (v !== undefined) p[f] = v === 'unlimited' ? -1 : v;
  }
  for (const f of ['keepWithin', 'keepWithinHourly', 'keepWithinDaily', 'keepWithinWeekly', 'keepWithinMonthly', 'keepWithinYearly'] as const) {
    const v = c[f];
    if (v !== undefined) p[f] = parseDuration(v);
  }
  if (c.keepTags !== undefined) p.keepTags = c.keepTags.map((s) => (typeof s === 'string' ? splitTags(s) : [...s]));
  return p;
}

/** Config schema that outputs a RetentionPolicy (use retentionPolicyConfigSchema for JSON Schema). */
export const retentionPolicySchema = retentionPolicyConfigSchema.transform(policyFromConfig);

/** Validates a raw config value; ConfigError lists every problem as "path: message". */
export function parseRetentionPolicy(raw: unknown, where = 'retention'): RetentionPolicy {
  const r = retentionPolicyConfigSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`);
    throw new ConfigError(`invalid retention policy: ${issues.join('; ')}`, issues);
  }
  return policyFromConfig(r.data);
}

/** CLI flag names, as restic spells them. */
export const RETENTION_FLAGS = {
  'keep-last': 'keepLast', 'keep-hourly': 'keepHourly', 'keep-daily': 'keepDaily',
  'keep-weekly': 'keepWeekly', 'keep-monthly': 'keepMonthly', 'keep-yearly': 'keepYearly',
  'keep-within': 'keepWithin', 'keep-within-hourly': 'keepWithinHourly', 'keep-within-daily': 'keepWithinDaily',
  'keep-within-weekly': 'keepWithinWeekly', 'keep-within-monthly': 'keepWithinMonthly', 'keep-within-yearly': 'keepWithinYearly',
  'keep-tag': 'keepTags',
} as const;

export type RetentionFlag = keyof typeof RETENTION_FLAGS;

/**
 * Builds a policy from parsed CLI flags: each value is the flag's text, an array when the
 * flag was repeated (`--keep-tag` may repeat; each one is a comma-separated tag set).
 * Throws UsageError naming the flag.
 */
export function policyFromFlags(flags: Partial<Record<RetentionFlag, string | readonly string[]>>): RetentionPolicy {
  const p: RetentionPolicy = {};
  for (const [flag, raw] of Object.entries(flags) as Array<[RetentionFlag, string | readonly string[] | undefined]>) {
    if (raw === undefined) continue;
    const field = RETENTION_FLAGS[flag];
    if (field === undefined) throw new UsageError(`unknown retention flag --${flag}`);
    const values = typeof raw === 'string' ? [raw] : raw;
    if (field === 'keepTags') {
      p.keepTags = values.map((v) => {
        const set = splitTags(v);
        if (set.some((t) => t === '')) throw new UsageError(`--keep-tag "${v}": empty tag`, { hint: 'write --keep-tag tag[,tag,...]' });
        return set;
      });
      continue;
    }
    const v = values.at(-1)!; // a repeated scalar flag: the last one wins, as in restic
    if (field.startsWith('keepWithin')) {
      try {
        p[field as 'keepWithin'] = parseDuration(v);
      } catch (err) {
        throw new UsageError(`--${flag} "${v}": not a duration`, { hint: 'write e.g. 30d or 1y2m3d4h (y, m = months, d, h)', cause: err });
      }
      continue;
    }
    const n = v.trim() === 'unlimited' ? -1 : /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < -1) throw new UsageError(`--${flag} "${v}": not a count`, { hint: 'use a whole number >= 0, or "unlimited"' });
    p[field as 'keepLast'] = n;
  }
  return p;
}

/** restic's one-line summary, e.g. "keep 7 daily, 4 weekly snapshots and all snapshots within 30d of the newest". */
export function describePolicy(p: RetentionPolicy): string {
  const keeps: string[] = [];
  for (const [v, name] of [[p.keepLast, 'latest'], [p.keepHourly, 'hourly'], [p.keepDaily, 'daily'], [p.keepWeekly, 'weekly'], [p.keepMonthly, 'monthly'], [p.keepYearly, 'yearly']] as const) {
    if (v !== undefined && v > 0) keeps.push(`${v} ${name}`);
    else if (v === -1) keeps.push(`all ${name}`);
  }
  const withins: string[] = [];
  for (const [d, name] of [[p.keepWithinHourly, 'hourly'], [p.keepWithinDaily, 'daily'], [p.keepWithinWeekly, 'weekly'], [p.keepWithinMonthly, 'monthly'], [p.keepWithinYearly, 'yearly']] as const) {
    if (!isZeroDuration(d)) withins.push(`${name} snapshots within ${formatDuration(d!)}`);
  }
  let s = keeps.length > 0 ? `${keeps.join(', ')} snapshots` : '';
  if (withins.length > 0) s += (s ? ', ' : '') + withins.join(', ');
  if ((p.keepTags ?? []).length > 0) s += (s ? ' and ' : '') + `all snapshots with tags ${p.keepTags!.map((t) => `[${t.join(', ')}]`).join(' ')}`;
  if (!isZeroDuration(p.keepWithin)) s += (s ? ' and ' : '') + `all snapshots within ${formatDuration(p.keepWithin!)} of the newest`;
  return `keep ${s}`;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError, UsageError } from '../errors.ts';
import { describePolicy, parseRetentionPolicy, policyFromFlags, retentionPolicyConfigSchema, retentionPolicySchema } from './retention-schema.ts';

test('config: the policies users write become a RetentionPolicy', () => {
  assert.deepEqual(parseRetentionPolicy({ keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 'unlimited' }),
    { keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: -1 });
  assert.deepEqual(parseRetentionPolicy({ keepWithin: '30d', keepTags: ['latest', 'a, b', ['c', 'd']] }), {
    keepWithin: { years: 0, months: 0, days: 30, hours: 0 },
    keepTags: [['latest'], ['a', 'b'], ['c', 'd']],
  });
  assert.deepEqual(retentionPolicySchema.parse({ keepLast: 1 }), { keepLast: 1 });
});

test('config: every problem is reported with its path', () => {
  try {
    parseRetentionPolicy({ keepDaily: -3, keepWithin: '30 days', keepTags: ['a,,b'], keepEvery: 1 }, 'jobs.pg.retention');
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.issues.join('\n');
    for (const path of ['jobs.pg.retention.keepDaily', 'jobs.pg.retention.keepWithin', 'jobs.pg.retention.keepTags.0', 'jobs.pg.retention']) {
      assert.match(text, new RegExp(`${path.replaceAll('.', '\\.')}: `), path);
    }
    assert.match(text, /keepEvery/);
  }
});

test('config schema converts to JSON Schema for docs and editors', () => {
  const schema = z.toJSONSchema(retentionPolicyConfigSchema) as { properties: Record<string, unknown> };
  assert.ok('keepWithinMonthly' in schema.properties);
});

test('CLI flags as restic spells them', () => {
  assert.deepEqual(policyFromFlags({ 'keep-daily': '7', 'keep-weekly': '4', 'keep-within': '1y2m', 'keep-tag': ['latest', 'a,b'], 'keep-last': 'unlimited' }), {
    keepDaily: 7, keepWeekly: 4, keepWithin: { years: 1, months: 2, days: 0, hours: 0 }, keepTags: [['latest'], ['a', 'b']], keepLast: -1,
  });
  assert.deepEqual(policyFromFlags({ 'keep-hourly': ['3', '5'] }), { keepHourly: 5 });
  assert.throws(() => policyFromFlags({ 'keep-daily': 'seven' }), (e: unknown) => e instanceof UsageError && /--keep-daily "seven"/.test(e.message));
  assert.throws(() => policyFromFlags({ 'keep-daily': '-2' }), UsageError);
  assert.throws(() => policyFromFlags({ 'keep-within': '30' }), /--keep-within "30": not a duration/);
  assert.throws(() => policyFromFlags({ 'keep-tag': 'a,' }), /empty tag/);
});

test('describePolicy reads like restic', () => {
  assert.equal(describePolicy({ keepDaily: 7, keepWeekly: 4, keepMonthly: 12 }), 'keep 7 daily, 4 weekly, 12 monthly snapshots');
  assert.equal(describePolicy(policyFromFlags({ 'keep-last': '1', 'keep-within': '30d', 'keep-tag': 'latest', 'keep-within-daily': '7d', 'keep-yearly': '-1' })),
    'keep 1 latest, all yearly snapshots, daily snapshots within 7d and all snapshots with tags [latest] and all snapshots within 30d of the newest');
});

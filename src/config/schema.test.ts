import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { configJsonSchema, configJsonSchemaText } from './json-schema.ts';
import { SCHEMA_FILE } from './write-schema.ts';

test('the committed JSON Schema is up to date with the zod definition', async () => {
  const committed = await readFile(SCHEMA_FILE, 'utf8');
  assert.equal(committed, configJsonSchemaText(), 'stale: run `npx node src/config/write-schema.ts`');
});

test('the JSON Schema is strict and carries the name rule and descriptions', () => {
  const s = configJsonSchema() as any;
  assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(s.additionalProperties, false);
  assert.deepEqual(s.patternProperties, { '^x-': {} });
  assert.deepEqual(s.required, ['repositories']);
  assert.deepEqual(s.properties.jobs.propertyNames, { pattern: '^[a-z0-9][a-z0-9._-]*$' });
  assert.deepEqual(s.properties.repositories.propertyNames, { pattern: '^[a-z0-9][a-z0-9._-]*$' });
  const job = s.properties.jobs.additionalProperties;
  assert.equal(job.additionalProperties, false);
  const sources = job.properties.source.oneOf ?? job.properties.source.anyOf;
  assert.deepEqual(sources.map((o: any) => o.properties.type.const ?? o.properties.type.enum),
    ['postgres', ['mysql', 'mariadb'], 'sqlite', 'redis', 'files', 'command']);
  for (const o of sources) assert.equal(o.additionalProperties, false);
  assert.equal(sources[0].properties.port.default, 5432);
  assert.match(s.properties.repositories.additionalProperties.properties.location.description, /s3:/);
  // The input side: durations and schedules as written, not the milliseconds the loader makes of them.
  assert.equal(job.properties.timeout.type, 'string');
  assert.deepEqual(job.properties.schedule.anyOf.map((o: any) => o.type), ['string', 'object']);
  assert.equal(s.properties.defaults.properties.timezone.type, 'string');
});

// Regenerates schema/lifeboat.schema.json from the zod definition.
// Usage: node src/config/write-schema.ts [--check]   (--check: exit 1 if the file is stale)

import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { configJsonSchemaText } from './json-schema.ts';

export const SCHEMA_FILE = resolve(import.meta.dirname, '../../schema/lifeboat.schema.json');

async function main(): Promise<void> {
  const text = configJsonSchemaText();
  if (process.argv.includes('--check')) {
    const current = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
    if (current !== text) {
      process.stderr.write(`${SCHEMA_FILE} is out of date: run node src/config/write-schema.ts\n`);
      process.exitCode = 1;
    }
    return;
  }
  await writeFile(SCHEMA_FILE, text);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}

if (import.meta.main) await main();

// `npm run test:unit`: the tests beside the code that need no database, S3 server or restic
// binary — every src/**/*.test.ts without a `// Needs:` first line. Integration tests (those,
// and test/**) run in `npm test`.

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? testFiles(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

const unit = testFiles(join(ROOT, 'src')).filter((f) => !readFileSync(f, 'utf8').startsWith('// Needs:')).map((f) => relative(ROOT, f));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...unit], { cwd: ROOT, stdio: 'inherit' });
process.exit(r.status ?? 1);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../config/index.ts';
import { History } from './history/store.ts';
import { buildReport, renderReport } from './report.ts';

test('a weekly report: runs, failures, achieved RPO, trends, growth and cost, in every format', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-report-'));
  const h = History.open(dir);
  try {
    const config = await parseConfigText(`version: 1
repositories:
  local: { location: /tmp/x-repo, password: pw, price_per_gib_month: 0.02 }
jobs:
  "orders": { source: { type: command, command: [echo], filename: x }, repositories: [local], rpo: 1d }
`, join(dir, 'lifeboat.yaml'), {});
    const day = 86_400_000;
    const end = new Date('2026-11-28T00:00:00Z');
    let n = 0;
    const run = (at: number, status: 'succeeded' | 'failed', bytes: number) => {
      const id = `r${n++}`;
      h.start({ id, job: 'orders', repository: 'local', kind: 'backup', trigger: 'schedule', startedAt: new Date(at - 60_000) });
      h.update(id, { status, endedAt: new Date(at), totalBytes: bytes, bytesAdded: bytes / 10, ...(status === 'failed' ? { errorMessage: 'pg_dump <exploded>' } : {}) });
    };
    for (const d of [6, 5, 4, 1]) run(end.getTime() - d * day, 'succeeded', 1_000_000 + (6 - d) * 100_000);
    run(end.getTime() - 2 * day, 'failed', 0);
    const report = buildReport(config, h, 'week', { clock: { now: () => end }, sizes: new Map([['local', 10 * 1024 ** 3]]) });
    const job = report.jobs[0]!;
    assert.deepEqual([job.runs, job.succeeded, job.failed], [5, 4, 1]);
    assert.equal(job.achievedRpoSeconds, 3 * 86_400, 'the gap between the backups of day 4 and day 1');
    assert.equal(job.sizeChangePercent, 50);
    assert.equal(report.repositories[0]!.monthlyCost, 0.2);
    assert.equal(report.repositories[0]!.growthBytes, (1_000_000 + 1_100_000 + 1_200_000 + 1_500_000) / 10);
    const md = renderReport(report, 'markdown');
    assert.match(md, /\| orders \| 5 \| 4 \| 1 \| 3\.0d \| 24\.0h \| 1\.4 MiB \| \+50% \|/);
    assert.match(md, /- orders: pg\\_dump &lt;exploded&gt;/);
    const html = renderReport(report, 'html');
    assert.match(html, /<svg [^>]*role="img"/);
    assert.match(html, /pg_dump &lt;exploded&gt;/);
    assert.doesNotMatch(html, /<exploded>/);
    assert.equal(JSON.parse(renderReport(report, 'json')).jobs[0].failed, 1);
    assert.match(renderReport(report, 'text'), /orders: 5 runs, 4 ok, 1 failed; achieved RPO 3\.0d/);
  } finally {
    h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

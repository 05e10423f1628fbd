// The files in deploy/ that point at Lifeboat's metrics: the Grafana dashboard is valid JSON
// and every query names a metric the daemon really exports (scraped from a running server);
// the Prometheus rules likewise (promtool checks their syntax and behaviour in CI).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serverWorkspace } from './server-support.ts';

const ROOT = join(import.meta.dirname, '..');

async function exportedMetricNames(): Promise<Set<string>> {
  const ws = await serverWorkspace({ jobs: '  cmd:\n    source: { type: command, command: [echo, hi], filename: hi.txt }\n    repositories: [main]\n' });
  try {
    const text = await (await ws.get('/metrics')).text();
    const names = new Set<string>();
    for (const line of text.split('\n')) {
      const m = /^# TYPE (\S+) (\S+)/.exec(line);
      if (!m) continue;
      names.add(m[1]!);
      if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1]! + s);
    }
    return names;
  } finally {
    await ws.close();
  }
}

function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\blifeboat_[a-z0-9_]+/g)].map((m) => m[0]);
}

test('the Grafana dashboard and the Prometheus rules query only metrics the daemon exports', async () => {
  const exported = await exportedMetricNames();
  const dashboard = JSON.parse(await readFile(join(ROOT, 'deploy/grafana/lifeboat.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
  assert.ok(dashboard.panels.length >= 8);
  for (const p of dashboard.panels) {
    assert.ok(p.targets.length > 0, p.title);
    for (const t of p.targets) {
      const used = metricsIn(t.expr);
      assert.ok(used.length > 0, `${p.title}: ${t.expr}`);
      for (const name of used) assert.ok(exported.has(name), `${p.title}: ${name} is not exported`);
    }
  }
  const rules = await readFile(join(ROOT, 'deploy/prometheus/lifeboat-rules.yml'), 'utf8');
  const used = metricsIn(rules.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n'));
  assert.ok(used.length >= 8);
  for (const name of used) assert.ok(exported.has(name), `rules: ${name} is not exported`);
});

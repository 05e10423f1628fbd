import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../config/index.ts';
import { walSetupLines } from './setup.ts';

test('wal setup: archive_command runs this Lifeboat with the absolute config; archive_timeout follows the RPO', async () => {
  const config = await parseConfigText(`repositories:
  r: { location: /tmp/r, password: pw }
jobs:
  pg:
    source: { type: postgres, host: h, user: u, wal: { enabled: true } }
    repositories: [r]
    rpo: 30s
`, '/etc/lifeboat/lifeboat.yaml', {});
  const lines = walSetupLines(config.jobs[0]!, "/etc/life'boat/lifeboat.yaml");
  assert.ok(lines.includes('archive_mode = on') && lines.includes('wal_level = replica'));
  assert.ok(lines.includes('archive_timeout = 15s'));
  const cmd = lines.find((l) => l.startsWith('archive_command = '))!;
  // The shell quote's ' is doubled inside the postgresql.conf literal.
  assert.match(cmd, /^archive_command = '\/\S+ \S+lifeboat\.js --config ''\/etc\/life''\\''''boat\/lifeboat\.yaml'' wal-push --job pg %p'$/);
});

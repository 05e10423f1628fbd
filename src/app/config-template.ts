// `lifeboat config generate`: a commented starter config, valid as written (`config check`
// accepts it once the password file it names exists). Flags fill in what the user knows: a
// PostgreSQL URL (its password is never copied into the file), paths to back up, a repository.

import { UsageError } from '../errors.ts';

export interface TemplateRequest {
  /** postgres://user[:password]@host[:port]/database (the password is left out of the file). */
  postgres?: string;
  paths?: string[];
  repository?: string;
}

const q = (s: string) => JSON.stringify(s);

function postgresBlock(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--postgres: "${url.replace(/:[^:@/]*@/, ':***@')}" is not a URL`, { hint: 'e.g. postgres://backup@db.internal:5432/orders' });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new UsageError('--postgres: the URL must start with postgres://');
  const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres';
  return [
    '  postgres:',
    '    source:',
    '      type: postgres',
    `      host: ${q(u.hostname || '127.0.0.1')}`,
    `      port: ${u.port || 5432}`,
    `      user: ${q(decodeURIComponent(u.username) || 'postgres')}`,
    '      # The password goes in a file (or ${ENV}), never in this file: uncomment and create it.',
    '      # password_file: /etc/lifeboat/pg-password',
    `      databases: [${q(db)}]   # or: all`,
    '      globals: true           # roles and tablespaces too',
    '    repositories: [main]',
    '    schedule: "15 2 * * *"    # every night at 02:15 (defaults.timezone)',
    '    rpo: 26h                  # the newest snapshot should never be older',
    '    retention: { keep_daily: 7, keep_weekly: 4, keep_monthly: 12 }',
  ];
}

function filesBlock(paths: string[]): string[] {
  return [
    '  files:',
    '    source:',
    '      type: files',
    `      paths: [${paths.map(q).join(', ')}]`,
    "      exclude: ['*.tmp', '*.swp']",
    '      exclude_caches: true     # skip directories marked with CACHEDIR.TAG',
    '      # one_file_system: true  # do not cross into other file systems',
    '    repositories: [main]',
    '    schedule: "30 2 * * *"',
    '    rpo: 26h',
    '    retention: { keep_daily: 7, keep_weekly: 4, keep_monthly: 12 }',
  ];
}

export function configTemplate(req: TemplateRequest = {}): string {
  const location = req.repository ?? '/var/backups/lifeboat';
  const jobs = [
    ...(req.postgres ? postgresBlock(req.postgres) : []),
    ...(req.paths?.length ? filesBlock(req.paths) : []),
  ];
  if (jobs.length === 0) jobs.push(...filesBlock(['/etc']));
  return [
    '# Lifeboat configuration, made by `lifeboat config generate`. Check it with `lifeboat config check`.',
    '# For editors: `lifeboat config schema > lifeboat.schema.json`, then uncomment the next line.',
    '# yaml-language-server: $schema=./lifeboat.schema.json',
    '# Relative paths are relative to this file.',
    '# - Secrets: `password_file` (or `password_command: [argv…]`, or ${ENV}); never a password here.',
    '# - Durations: 30s, 5m, 1h30m, 7d. schedule: cron (5 fields, or 6 with seconds first) or {every: 6h}.',
    '',
    'version: 1',
    '',
    'defaults:',
    '  retry_lock: 10m          # wait this long for a prune to finish instead of failing',
    '  # timezone: Europe/Berlin  # schedules run in this zone (default: the system\'s)',
    '',
    'repositories:',
    '  main:',
    `    location: ${q(location)}   # a path, or s3:https://host/bucket/prefix`,
    '    password_file: /etc/lifeboat/repo-password   # create it: head -c 32 /dev/urandom | base64 > …',
    '    prune: { schedule: "0 5 * * 0", max_unused: 5% }',
    '    check: { schedule: "0 6 * * *", read_data_subset: 5% }',
    '',
    'jobs:',
    ...jobs,
    '',
    '# Then: lifeboat init --all && lifeboat run   (or `lifeboat daemon` to run on the schedules)',
    '',
  ].join('\n');
}

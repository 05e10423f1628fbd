// PostgreSQL's side of continuous archiving: `wal-push` is the archive_command, `wal-fetch` the
// restore_command, `wal setup` prints the postgresql.conf lines. Exit codes are what PostgreSQL
// reads: 0 archived/fetched; wal-fetch 1 "no such file" (a normal answer during recovery), 2
// any other failure; wal-push non-zero on any failure (PostgreSQL keeps the file and retries).

import { basename } from 'node:path';
import type { Command } from '../command.ts';
import { UsageError } from '../../errors.ts';
import { acknowledgeFromSpool, walSpoolDir } from '../../app/wal/spool.ts';
import { serveFromPrefetch } from '../../app/wal/fetch-spool.ts';

// Loaded only when needed: a spooled wal-push never loads the config or opens a repository.
const loadConfigFor = async (...a: Parameters<typeof import('../job-access.ts').loadConfigFor>) => (await import('../job-access.ts')).loadConfigFor(...a);

const JOB_OPTION = { job: { type: 'string' } } as const;

function jobOf(values: Record<string, unknown>, verb: string): string {
  const job = values.job;
  if (typeof job !== 'string' || job === '') throw new UsageError(`${verb}: --job NAME is required`);
  return job;
}

function count(v: unknown, name: string, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > 64) throw new UsageError(`--${name} must be a whole number from ${min} to 64`);
  return n;
}

export const walPushCommand: Command = {
  name: 'wal-push',
  summary: 'archive one WAL file into every repository of a job (PostgreSQL archive_command)',
  usage: ['Usage: lifeboat [--config FILE] wal-push --job NAME PATH', '',
    "PostgreSQL's archive_command: archive_command = 'lifeboat wal-push --job NAME %p'.",
    'Stores the file as wal/NAME/FILE in each of the job\'s repositories (compressed, encrypted)',
    'and exits 0 only once every repository holds it. A file already archived with the same',
    'content is fine; with different content wal-push fails and names the file and repository.',
    '',
    'To keep up with a busy server, each call also pushes other segments PostgreSQL has marked',
    'ready (pg_wal/archive_status), in parallel, and records their hashes in a spool in the state',
    'directory; PostgreSQL\'s later call for one of them returns at once if the file still matches.',
    '      --batch N      files pushed per call at most, this one included (default 8; 1: no batching)',
    '      --parallel N   files pushed at once (default 2)'].join('\n'),
  options: { ...JOB_OPTION, batch: { type: 'string' }, parallel: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    const job = jobOf(values, 'wal-push');
    if (positionals.length !== 1) throw new UsageError('wal-push: expected exactly one PATH (PostgreSQL\'s %p)');
    const path = positionals[0]!;
    if (await acknowledgeFromSpool(walSpoolDir(job, ctx.io.env), path)) {
      ctx.say(`${path}: archived earlier (spool)`);
      ctx.json({ message_type: 'wal-push', file: basename(path), how: 'spooled', repositories: [], ahead: [] });
      return;
    }
    const config = await loadConfigFor(ctx);
    const { walPushBatched } = await import('../../app/wal/push-batch.ts');
    const out = await walPushBatched(config, job, path, {
      batch: count(values.batch, 'batch', 8), parallel: count(values.parallel, 'parallel', 2), env: ctx.io.env, signal: ctx.signal,
    });
    const where = out.how === 'spooled' ? 'archived earlier (spool)' : out.repositories.map((r) => `${r.name} ${r.result}`).join(', ');
    ctx.say(`${out.file}: ${where}${out.ahead.length ? `; pushed ahead: ${out.ahead.join(' ')}` : ''}`);
    ctx.json({ message_type: 'wal-push', file: out.file, how: out.how, repositories: out.repositories, ahead: out.ahead });
  },
};

export const walFetchCommand: Command = {
  name: 'wal-fetch',
  summary: 'fetch one archived WAL file (PostgreSQL restore_command)',
  usage: ['Usage: lifeboat [--config FILE] wal-fetch --job NAME FILE DEST', '',
    "PostgreSQL's restore_command: restore_command = 'lifeboat wal-fetch --job NAME %f %p'.",
    'Writes FILE from the first of the job\'s repositories that holds it to DEST (atomically).',
    'Exit status: 0 fetched; 1 no repository holds FILE; 2 another failure (named on stderr).',
    '',
    'To keep up with recovery, fetching a segment also fetches the segments after it on its',
    'timeline into DEST\'s folder/lifeboat-prefetch/ (verified, written atomically); PostgreSQL\'s',
    'call for one of them renames it into place at once if it still matches its hash.',
    '      --prefetch N   segments fetched ahead per call (default 8; 0: none)',
    '      --parallel N   segments fetched ahead at once (default 2)'].join('\n'),
  options: { ...JOB_OPTION, prefetch: { type: 'string' }, parallel: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    const job = jobOf(values, 'wal-fetch');
    if (positionals.length !== 2) throw new UsageError('wal-fetch: expected FILE and DEST (PostgreSQL\'s %f %p)');
    const [file, dest] = positionals as [string, string];
    const prefetch = count(values.prefetch, 'prefetch', 8, 0);
    const parallel = count(values.parallel, 'parallel', 2);
    if (prefetch > 0 && await serveFromPrefetch(file, dest).catch(() => false)) {
      ctx.json({ message_type: 'wal-fetch', file, how: 'prefetched' });
      return 0;
    }
    let out;
    try {
      const { fetchWalFile } = await import('../../app/wal/archive.ts');
      out = await fetchWalFile(await loadConfigFor(ctx), job, file, dest, { prefetch, parallel, signal: ctx.signal });
    } catch (e) {
      ctx.io.stderr.write(`lifeboat: wal-fetch ${file}: ${(e as Error).message}\n`);
      return 2;
    }
    for (const e of out.errors) ctx.io.stderr.write(`lifeboat: wal-fetch ${file}: warning: ${e}\n`);
    if (out.found) {
      ctx.json({ message_type: 'wal-fetch', file, how: 'fetched', repository: out.repository, bytes: out.bytes, prefetched: out.prefetched });
      return 0;
    }
    if (out.errors.length > 0) {
      ctx.io.stderr.write(`lifeboat: wal-fetch ${file}: not found in a repository that answered, and ${out.errors.length} could not be read\n`);
      return 2;
    }
    // PostgreSQL probes for files that do not exist: one quiet line, exit 1.
    ctx.io.stderr.write(`lifeboat: wal-fetch ${file}: not archived\n`);
    return 1;
  },
};

export const walCommand: Command = {
  name: 'wal',
  summary: 'continuous archiving helpers: setup prints the postgresql.conf lines for a job',
  usage: ['Usage: lifeboat [--config FILE] wal setup --job NAME', '',
    'Prints the postgresql.conf settings that make PostgreSQL archive its WAL into the job\'s',
    'repositories: wal_level, archive_mode, archive_command (this Lifeboat by absolute path,',
    'with the absolute config path) and archive_timeout (half the job\'s RPO, at most 60s).'].join('\n'),
  options: JOB_OPTION,
  async run(ctx, { values, positionals }) {
    if (positionals[0] !== 'setup' || positionals.length !== 1) throw new UsageError('wal: expected the sub-command setup', { hint: 'lifeboat wal setup --job NAME' });
    const name = jobOf(values, 'wal setup');
    const [{ requireWalJob }, { walSetupLines }, { configFileFrom }] = await Promise.all([
      import('../../app/wal/archive.ts'), import('../../app/wal/setup.ts'), import('../../app/config-file.ts')]);
    const job = requireWalJob(await loadConfigFor(ctx), name);
    for (const line of walSetupLines(job, configFileFrom(ctx.global.config, ctx.io.env))) ctx.out(line);
  },
};

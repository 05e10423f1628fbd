// `lifeboat replicate [--job NAME]`: in the foreground, follows the WAL of the config's SQLite
// jobs with `replicate:` (or the one named) and ships it until interrupted (Ctrl-C, SIGTERM).

import type { Command } from '../command.ts';
import { loadConfigFor } from '../job-access.ts';
import { replicatedJobNames, replicatedSqliteJob, runSqliteReplication } from '../../app/sqlite-wal/replicator.ts';
import { UsageError } from '../../errors.ts';

export const replicateCommand: Command = {
  name: 'replicate',
  summary: 'follow SQLite jobs\' WAL and ship it continuously (restore --at any moment)',
  usage: [
    'Usage: lifeboat [--config FILE] replicate [--job NAME]',
    '',
    'Runs in the foreground until interrupted. For each sqlite job with replicate: {interval: 1s}',
    '(or only --job NAME): a full snapshot of the job, then every committed transaction of the',
    'database\'s WAL shipped to every repository of the job each interval, with a new full snapshot',
    'every snapshot_interval (default 1h). The application needs no change; its database must be in',
    'WAL mode. `lifeboat restore --job NAME --at TIME --into FILE` rebuilds any moment since the',
    'first snapshot. The daemon does the same for these jobs while it runs.',
  ].join('\n'),
  options: { job: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    if (positionals.length) throw new UsageError('replicate: takes no arguments (use --job NAME)');
    const config = await loadConfigFor(ctx);
    const names = values.job !== undefined ? [replicatedSqliteJob(config, values.job as string).job.name] : replicatedJobNames(config);
    if (names.length === 0) throw new UsageError('replicate: no sqlite job has replicate: {…} in the config');
    ctx.say(`replicating ${names.join(', ')} (Ctrl-C stops)`);
    const log = (line: string) => { if (!ctx.global.quiet) ctx.io.stderr.write(`${line}\n`); };
    const results = await Promise.allSettled(names.map((job) => runSqliteReplication({ config, job, signal: ctx.signal, log })));
    let failed = 0;
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') { failed++; ctx.io.stderr.write(`lifeboat: replicate ${names[i]}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}\n`); }
    }
    if (failed) return 1;
    return ctx.signal.aborted ? 130 : 0;
  },
};

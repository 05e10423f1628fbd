// `lifeboat standby --job NAME --data-dir DIR --port P`: a warm standby of a WAL job, built from
// its newest base backup and following its archive (app/pitr/standby.ts).

import { resolve } from 'node:path';
import type { Command } from '../command.ts';
import { loadConfigFor } from '../job-access.ts';
import { UsageError } from '../../errors.ts';
import { createStandby } from '../../app/pitr/standby.ts';
import { openJobRecoverySource } from '../../app/pitr/job-source.ts';
import { stateDirFor } from '../../app/state-dir.ts';
import { announceBaseBackup, portFrom, serverUserFrom, SERVER_OPTIONS, timeoutFrom } from './restore-pitr.ts';

export const standbyCommand: Command = {
  name: 'standby',
  summary: 'build a warm PostgreSQL standby from a WAL job\'s archive and start it',
  usage: [
    'Usage: lifeboat [--config FILE] standby --job NAME --data-dir DIR --port P [--os-user USER] [--pg-bin DIR]',
    '',
    'Builds DIR (absent or empty) from the job\'s newest base backup with standby.signal and the',
    'job\'s restore_command, starts it on port P and returns. PostgreSQL keeps replaying: it asks',
    'the archive for the next WAL segment every second. The standby is recorded in the state',
    'directory: `lifeboat status` shows its replay lag; `lifeboat promote --data-dir DIR` makes it',
    'the primary (see the runbook\'s failover procedure).',
    '      --data-dir DIR        the standby\'s data directory (owned by --os-user, mode 0700)',
    '      --port P              the port it listens on',
    '      --os-user USER        the OS user the server runs as when Lifeboat is root (default postgres)',
    '      --pg-bin DIR          where pg_ctl and psql are (default: PATH, else /usr/lib/postgresql/N/bin)',
    '      --timeout SECONDS     how long to wait for it to become consistent (default 3600)',
  ].join('\n'),
  options: { job: { type: 'string' }, ...SERVER_OPTIONS },
  async run(ctx, { values, positionals }) {
    const job = values.job as string | undefined;
    if (!job) throw new UsageError('standby: --job NAME is required');
    if (values['data-dir'] === undefined) throw new UsageError('standby: --data-dir DIR is required');
    if (positionals.length > 0) throw new UsageError(`standby: unexpected argument "${positionals[0]}"`);
    const port = portFrom(values, 'standby', true)!;
    const config = await loadConfigFor(ctx);
    const source = await openJobRecoverySource(config, job, ctx.signal);
    try {
      const r = await createStandby(source, {
        dataDir: resolve(values['data-dir'] as string), port, user: serverUserFrom(values), stateDir: stateDirFor(config, ctx.io.env),
        timeoutS: timeoutFrom(values, 3600), signal: ctx.signal, onBaseBackup: announceBaseBackup(ctx),
      });
      ctx.json({ message_type: 'summary', job, data_dir: r.dataDir, port: r.port, base_backup: r.baseBackup });
      ctx.say(`standby of job ${job} running in ${r.dataDir} on port ${r.port}, replaying the archive (base backup ${r.baseBackup.slice(0, 8)})`);
      ctx.say(`watch its lag with \`lifeboat status\`; promote it with \`lifeboat promote --data-dir ${r.dataDir}\``);
      return 0;
    } finally {
      await source.close();
    }
  },
};

// `lifeboat runbook [--format markdown|html] [--output FILE]`: the disaster-recovery runbook
// from the config and the live state (history, the repositories' newest snapshots).

import { writeFile } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { loadConfigFor } from '../job-access.ts';
import { tryOpenHistory } from '../../app/history/open.ts';
import { buildRunbook } from '../../app/runbook/build.ts';
import { renderRunbook, type RunbookFormat } from '../../app/runbook/render.ts';
import { UsageError } from '../../errors.ts';

export const runbookCommand: Command = {
  name: 'runbook',
  summary: 'write the disaster-recovery runbook: per job where data lives, how to restore it with and without Lifeboat',
  usage: [
    'Usage: lifeboat [--config FILE] runbook [--format markdown|html] [--output FILE] [--no-repositories]',
    '',
    'Per job and repository: where the data lives, how to restore it with Lifeboat and without it (the',
    'exact restic … dump | pg_restore / mariadb / file commands), where each credential comes from (a',
    'file, a variable, a command — never the value), the RPO/RTO targets against what backups and the',
    'last drill achieved, and the config\'s contacts. The daemon keeps a copy in state_dir/runbook.md.',
    '  --no-repositories   do not open the repositories (newest snapshots from the run history)',
  ].join('\n'),
  options: { format: { type: 'string' }, output: { type: 'string', short: 'o' }, 'no-repositories': { type: 'boolean' } },
  async run(ctx, { values }) {
    const format = (values.format ?? 'markdown') as RunbookFormat;
    if (format !== 'markdown' && format !== 'html') throw new UsageError(`runbook: --format ${String(values.format)}: expected markdown or html`);
    const config = await loadConfigFor(ctx);
    const { history, warning } = tryOpenHistory(config, ctx.io.env);
    if (warning) ctx.io.stderr.write(`lifeboat: warning: ${warning}\n`);
    try {
      const rb = await buildRunbook(config, history, { now: new Date(), readRepositories: values['no-repositories'] !== true, signal: ctx.signal });
      for (const j of rb.jobs) if (j.readError) ctx.io.stderr.write(`lifeboat: warning: job ${j.name}: ${j.readError}\n`);
      const text = renderRunbook(rb, format);
      if (values.output !== undefined) {
        await writeFile(String(values.output), text, { mode: 0o600 });
        ctx.say(`runbook written to ${String(values.output)}`);
      } else {
        ctx.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    } finally {
      history?.close();
    }
  },
};

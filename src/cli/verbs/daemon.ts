// `lifeboat daemon [--config FILE]`: schedules the config's jobs, applies retention, prunes and
// checks repositories, records every run, and serves the API and /metrics (src/daemon-main.ts).

import type { Command } from '../command.ts';
import { configFileFrom } from '../../app/config-file.ts';
import { UsageError } from '../../errors.ts';
import { runDaemonProcess } from '../../daemon-main.ts';

export const daemonCommand: Command = {
  name: 'daemon',
  summary: 'run the jobs on their schedules, serve the API, metrics and dashboard',
  usage: [
    'Usage: lifeboat [--config FILE] daemon [--listen HOST:PORT]',
    '',
    'A foreground process for systemd and containers, logging JSON lines to stdout (readable',
    'lines on a terminal). Jobs run on their schedule (cron or {every: …}) in defaults.timezone,',
    'never two runs of a job at once, at most defaults.concurrency runs together; after each',
    'backup the job\'s retention is applied in each of its repositories; repositories are pruned',
    'and checked on their own schedules. SIGHUP reloads the config (a broken config is logged and',
    'the running one kept); SIGTERM lets running backups finish within defaults.stop_timeout.',
    '  --listen HOST:PORT   overrides server.listen (default 127.0.0.1:9750)',
  ].join('\n'),
  options: { listen: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    if (positionals.length) throw new UsageError('daemon takes no arguments');
    return runDaemonProcess({
      configFile: configFileFrom(ctx.global.config, ctx.io.env), env: ctx.io.env, signal: ctx.signal, out: ctx.io.stdout,
      ...(values.listen ? { listen: values.listen as string } : {}),
    });
  },
};

// The flags every command takes, and their lines in `lifeboat help`. Apart from run.ts so that
// the completion script can list them without importing the command table.

import type { OptionSpec } from './command.ts';

export const GLOBAL_OPTIONS: OptionSpec = {
  repo: { type: 'string', short: 'r' },
  'password-file': { type: 'string' },
  'password-command': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'retry-lock': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export const GLOBAL_USAGE = [
  'Global flags:',
  '  -r, --repo LOCATION        repository (path, s3:http://host/bucket/prefix); env LIFEBOAT_REPOSITORY',
  '      --password-file FILE   read the password from FILE; env LIFEBOAT_PASSWORD_FILE',
  '      --password-command CMD run CMD (split into words like restic, no shell) and read the password from its output',
  '                             (also LIFEBOAT_PASSWORD; restic\'s RESTIC_* variables are accepted; on a terminal',
  '                             without any of these, the password is asked for)',
  '      --config FILE          the config file (default: LIFEBOAT_CONFIG, else ./lifeboat.yaml)',
  '      --json                 machine-readable output (one JSON document; JSON lines where a command says so)',
  '  -q, --quiet                no progress or summaries',
  '      --retry-lock DURATION  wait up to DURATION for a lock held by someone else',
  '  -h, --help                 the usage of a command',
];

// backup's restic flags beyond --exclude: which paths (--files-from), what to leave out
// (--iexclude, --exclude-file, --exclude-if-present, --exclude-caches, --exclude-larger-than,
// --one-file-system), when (--time), and what to show (--dry-run, -v).

import type { SelectionOptions } from '../engine/archiver/selection.ts';
import type { BackupItem } from '../engine/archiver/types.ts';
import { parseSize } from '../app/backup-selection.ts';
import { readPatternFiles } from '../app/pattern-files.ts';
import { UsageError } from '../errors.ts';
import type { CommandContext } from './command.ts';
import { stringList } from './access.ts';
import { parseLocalTime } from './local-time.ts';
import { formatBytes } from './progress.ts';

export const SELECTION_OPTIONS = {
  'exclude-file': { type: 'string', multiple: true },
  iexclude: { type: 'string', multiple: true },
  'iexclude-file': { type: 'string', multiple: true },
  'files-from': { type: 'string', multiple: true },
  'one-file-system': { type: 'boolean', short: 'x' },
  'exclude-caches': { type: 'boolean' },
  'exclude-if-present': { type: 'string', multiple: true },
  'exclude-larger-than': { type: 'string' },
} as const;

export const RUN_OPTIONS = {
  time: { type: 'string' },
  'dry-run': { type: 'boolean', short: 'n' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
} as const;

export const SELECTION_USAGE = [
  '      --exclude-file FILE read exclude patterns from FILE (repeatable)',
  '      --iexclude PATTERN  like --exclude, ignoring case (repeatable); --iexclude-file FILE',
  '      --files-from FILE   read the paths to back up from FILE, one a line (repeatable; - for stdin)',
  '  -x, --one-file-system   do not cross into other file systems (mount points are kept, empty)',
  '      --exclude-caches    leave out the content of directories with a CACHEDIR.TAG',
  '      --exclude-if-present NAME[:HEADER]  leave out the content of directories holding NAME',
  '      --exclude-larger-than SIZE  leave out files larger than SIZE (500k, 20M, 2G)',
  '      --time TIME         record this time in the snapshot ("2024-01-31 15:04:05", local) as restic does',
  '  -n, --dry-run           read everything, store nothing: what the backup would add',
  '  -v, --verbose           list each new and modified file (-v -v: unchanged ones too)',
];

export async function selectionFrom(ctx: CommandContext, values: Record<string, unknown>): Promise<{ excludes: string[]; selection: SelectionOptions; filesFrom: string[] }> {
  const limit = values['exclude-larger-than'] as string | undefined;
  return {
    excludes: [...stringList(values.exclude), ...await readPatternFiles(stringList(values['exclude-file']), { env: ctx.io.env })],
    filesFrom: await readPatternFiles(stringList(values['files-from']), { expandEnv: false, stdin: ctx.io.stdin }),
    selection: {
      iexcludes: [...stringList(values.iexclude), ...await readPatternFiles(stringList(values['iexclude-file']), { env: ctx.io.env })],
      excludeIfPresent: stringList(values['exclude-if-present']),
      excludeCaches: values['exclude-caches'] === true,
      oneFileSystem: values['one-file-system'] === true,
      ...(limit !== undefined ? { excludeLargerThan: parseSize(limit, '--exclude-larger-than') } : {}),
    },
  };
}

export function timeFrom(values: Record<string, unknown>): Date | undefined {
  const t = values.time as string | undefined;
  if (t === undefined) return undefined;
  return new Date(Number(parseLocalTime(t, '--time') / 1_000_000n));
}

export function verbosity(values: Record<string, unknown>): number {
  return Array.isArray(values.verbose) ? values.verbose.length : values.verbose ? 1 : 0;
}

/** `-v`: a line per new or modified file (and with -v -v unchanged ones), on stdout. */
export function itemPrinter(ctx: CommandContext, level: number): ((item: BackupItem) => void) | undefined {
  if (level === 0 || ctx.global.json) return undefined;
  return (i) => {
    if (i.status === 'unchanged' && level < 2) return;
    ctx.progress.done();
    ctx.out(`${i.status.padEnd(9)} ${i.path}${i.status === 'unchanged' ? '' : ` (${formatBytes(i.size)})`}`);
  };
}

export function refuseWithJobs(values: Record<string, unknown>): void {
  for (const flag of Object.keys(SELECTION_OPTIONS)) {
    if (values[flag] !== undefined) throw new UsageError(`backup: --${flag} cannot be used with --job/--all`, { hint: 'a files job takes these options in its source: block of the config' });
  }
}

import type { Command } from '../command.ts';
import { NO_LOCK_OPTION, SNAPSHOT_FILTER_OPTIONS, withNoLock } from '../access.ts';
import { chooseRepository, chosenFilter, REPOSITORY_CHOICE_OPTIONS, REPOSITORY_CHOICE_USAGE } from '../repo-choice.ts';
import { runStats, STATS_MODES, type StatsMode } from '../../app/inspect.ts';
import { UsageError } from '../../errors.ts';
import { resticBytes } from '../restic-format.ts';

export const statsCommand: Command = {
  name: 'stats',
  summary: 'sizes of snapshots: restore size, stored data, compression ratio',
  usage: [
    'Usage: lifeboat stats [SNAPSHOT|latest]… [--mode MODE] [--job NAME] [--host H] [--tag T] [--path P]',
    '',
    'Walks the snapshots given (default: every snapshot matching the filter, or the job\'s with',
    '--job) and counts, as restic stats does:',
    '  restore-size       (default) what a restore writes: files and their sizes',
    '  files-by-contents  each distinct file content once',
    '  blobs-per-file     each file\'s blobs once per path',
    '  raw-data           the stored blobs once each, as packed; also their size before',
    '                     compression and the compression ratio',
    '',
    'Flags:',
    '      --mode MODE         counting mode (above)',
    ...REPOSITORY_CHOICE_USAGE,
    '      --no-lock           do not lock the repository',
  ].join('\n'),
  options: { mode: { type: 'string' }, ...REPOSITORY_CHOICE_OPTIONS, ...SNAPSHOT_FILTER_OPTIONS, ...NO_LOCK_OPTION },
  async run(ctx, { values, positionals }) {
    const mode = (values.mode as string | undefined) ?? 'restore-size';
    if (!(STATS_MODES as readonly string[]).includes(mode)) throw new UsageError(`stats: unknown mode "${mode}"`, { hint: `modes: ${STATS_MODES.join(', ')}` });
    const chosen = await chooseRepository(ctx, values);
    const s = await runStats(withNoLock(chosen.access, values), { refs: positionals, filter: chosenFilter(values, chosen) }, mode as StatsMode, ctx.signal);
    const ratio = s.totalUncompressedSize !== undefined && s.totalSize > 0 ? s.totalUncompressedSize / s.totalSize : undefined;
    ctx.json({
      total_size: s.totalSize,
      total_file_count: s.totalFileCount,
      ...(s.totalBlobCount ? { total_blob_count: s.totalBlobCount } : {}),
      snapshots_count: s.snapshotsCount,
      mode,
      ...(s.totalUncompressedSize !== undefined ? { total_uncompressed_size: s.totalUncompressedSize, compression_ratio: ratio ?? 0 } : {}),
    });
    ctx.out(`Stats in ${mode} mode:`);
    ctx.out(`Snapshots processed:   ${s.snapshotsCount}`);
    if (s.totalBlobCount > 0) ctx.out(`   Total Blob Count:   ${s.totalBlobCount}`);
    if (s.totalFileCount > 0) ctx.out(`   Total File Count:   ${s.totalFileCount}`);
    ctx.out(`         Total Size:   ${resticBytes(s.totalSize)}`);
    if (s.totalUncompressedSize !== undefined) {
      ctx.out(`  Uncompressed Size:   ${resticBytes(s.totalUncompressedSize)}`);
      if (ratio !== undefined) ctx.out(`  Compression Ratio:   ${ratio.toFixed(2)}x`);
    }
  },
};

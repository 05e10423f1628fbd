import type { Command, CommandContext } from '../command.ts';
import { accessFromContext, snapshotFilterFrom, SNAPSHOT_FILTER_OPTIONS } from '../access.ts';
import { runRepairIndex, runRepairSnapshots } from '../../app/repair.ts';
import { UsageError } from '../../errors.ts';
import { formatBytes } from '../progress.ts';

export const repairCommand: Command = {
  name: 'repair',
  summary: 'rebuild the index, or rewrite snapshots that refer to lost data',
  usage: [
    'Usage: lifeboat repair index [--read-all-packs]',
    '       lifeboat repair snapshots [--read-data] [--forget] [--dry-run] [--host H] [--tag T] [--path P] [SNAPSHOT…]',
    '',
    'repair index: writes a new index from the pack files in storage (as restic repair index).',
    '  Index files that do not load are replaced; packs no index lists, or whose size differs,',
    '  are indexed from their own headers; packs that are gone leave the index.',
    '  --read-all-packs   ignore the old index files and read every pack\'s header',
    '',
    'repair snapshots: writes new snapshots without the data that is lost (as restic repair',
    '  snapshots): a file loses its missing or damaged blobs (the rest is kept, joined, and its',
    '  size fixed), a directory whose tree is lost becomes empty, nodes restic cannot decode are',
    '  dropped. New snapshots carry the tag "repaired" and `original`; the originals stay unless',
    '  --forget. Packs that are gone leave the index. Needs a loadable index: run repair index first.',
    '  --read-data   also read every pack: blobs that do not verify count as lost; the intact',
    '                blobs of damaged packs are copied into new packs and the damaged packs deleted',
    '  --forget      remove the originals (and snapshots whose root tree is lost); then restic',
    '                check accepts the repository',
    '  --dry-run     only report what would change',
  ].join('\n'),
  options: {
    'read-all-packs': { type: 'boolean' },
    'read-data': { type: 'boolean' },
    forget: { type: 'boolean' },
    'dry-run': { type: 'boolean', short: 'n' },
    ...SNAPSHOT_FILTER_OPTIONS,
  },
  async run(ctx, { values, positionals }) {
    const [sub, ...rest] = positionals;
    const notice = (m: string) => ctx.say(m);
    if (sub === 'index') {
      if (rest.length) throw new UsageError('repair index takes no arguments');
      const r = await runRepairIndex(accessFromContext(ctx), { readAllPacks: values['read-all-packs'] === true, onNotice: notice }, ctx.signal);
      ctx.say(`index rebuilt: ${r.packs} packs, ${r.blobs} blobs; ${r.indexFilesWritten} index files written, ${r.indexFilesDeleted} removed` +
        `${r.unreadablePacks.length ? `; ${r.unreadablePacks.length} packs with unreadable headers left out` : ''}`);
      ctx.json({ message_type: 'summary', packs: r.packs, blobs: r.blobs, index_files_written: r.indexFilesWritten,
        index_files_deleted: r.indexFilesDeleted, unreadable_index_files: r.unreadableIndexFiles, packs_added: r.packsAdded,
        packs_reindexed: r.packsReindexed, packs_dropped: r.packsDropped, unreadable_packs: r.unreadablePacks });
      return;
    }
    if (sub === 'snapshots') return repairSnapshotsVerb(ctx, values, rest, notice);
    throw new UsageError(`repair: unknown sub-command "${sub ?? ''}" (index, snapshots)`);
  },
};

async function repairSnapshotsVerb(ctx: CommandContext, values: Record<string, unknown>, refs: string[], notice: (m: string) => void): Promise<number> {
  const dryRun = values['dry-run'] === true;
  const r = await runRepairSnapshots(accessFromContext(ctx), {
    snapshots: refs, filter: snapshotFilterFrom(values), readData: values['read-data'] === true,
    forget: values.forget === true, dryRun, onNotice: notice,
    onProgress: (p) => ctx.progress.update(`${p.phase}: ${p.done} / ${p.total}${p.bytes !== undefined ? `, ${formatBytes(p.bytes)}` : ''}`),
  }, ctx.signal).finally(() => ctx.progress.done());
  const changed = r.snapshots.filter((s) => s.changed);
  const unrepairable = r.snapshots.filter((s) => s.unrepairable);
  const verb = dryRun ? 'would be ' : '';
  ctx.say(changed.length === 0 ? `no snapshots ${dryRun ? 'would be ' : 'were '}modified`
    : `${changed.length - unrepairable.length} snapshots ${verb || 'were '}repaired` +
      `${unrepairable.length ? `, ${unrepairable.length} cannot be repaired (root tree lost)` : ''}` +
      `${r.snapshots.some((s) => s.removed) ? `; ${r.snapshots.filter((s) => s.removed).length} originals removed` : ''}`);
  if (!dryRun && !values.forget && changed.length) ctx.say('the originals are kept (they still refer to lost data): remove them with --forget, or forget');
  ctx.json({
    message_type: 'summary', dry_run: dryRun, missing_packs: r.missingPacks, damaged_packs: r.damagedPacks,
    blobs_salvaged: r.blobsSalvaged, packs_read: r.packsRead, bytes_read: r.bytesRead, index_rewritten: r.indexRewritten,
    packs_deleted: r.packsDeleted,
    snapshots: r.snapshots.filter((s) => s.changed).map((s) => ({ id: s.id, new_id: s.newId, unrepairable: s.unrepairable ?? false,
      removed: s.removed ?? false, changes: s.changes })),
  });
  return 0;
}

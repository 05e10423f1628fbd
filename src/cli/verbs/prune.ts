import { chooseRepository, REPOSITORY_CHOICE_OPTIONS, REPOSITORY_CHOICE_USAGE } from '../repo-choice.ts';
import type { Command, CommandContext, ParsedArgs } from '../command.ts';
import { runPrune, type PruneOutcome, type PruneRequest } from '../../app/prune.ts';
import { parseByteSize, parseMaxUnused } from '../../app/prune.ts';
import type { PruneProgress } from '../../engine/pruner/types.ts';
import { UsageError } from '../../errors.ts';
import { formatBytes, count } from '../progress.ts';

export const PRUNE_OPTIONS = {
  'max-unused': { type: 'string' },
  'max-repack-size': { type: 'string' },
  'pack-size': { type: 'string' },
} as const;

export const PRUNE_USAGE = [
  '      --max-unused LIMIT      unused space to tolerate: 5% (default), a size (100M) or unlimited',
  '      --max-repack-size SIZE  repack at most SIZE of packs in one run',
  '      --pack-size SIZE        target size of repacked packs (default 16M)',
];

export const pruneCommand: Command = {
  name: 'prune',
  summary: 'delete data no snapshot references, repacking partly used packs',
  usage: ['Usage: lifeboat prune [--dry-run] [--max-unused 5%] [--max-repack-size SIZE]', '', 'Flags:',
    '  -n, --dry-run               show what would be deleted and repacked, change nothing', ...PRUNE_USAGE, ...REPOSITORY_CHOICE_USAGE].join('\n'),
  options: { 'dry-run': { type: 'boolean', short: 'n' }, ...PRUNE_OPTIONS, ...REPOSITORY_CHOICE_OPTIONS },
  async run(ctx, args) {
    const req = pruneRequestFromArgs(ctx, args);
    req.dryRun = args.values['dry-run'] === true;
    try {
      const out = await runPrune((await chooseRepository(ctx, args.values)).access, req, ctx.signal);
      reportPrune(ctx, out);
      ctx.json(pruneJson(out));
    } finally {
      ctx.progress.done();
    }
  },
};

export function pruneRequestFromArgs(ctx: CommandContext, { values }: ParsedArgs): PruneRequest {
  const req: PruneRequest = { onProgress: (p) => ctx.progress.update(progressLine(p)) };
  if (typeof values['max-unused'] === 'string') req.maxUnused = parseMaxUnused(values['max-unused']);
  for (const [flag, field] of [['max-repack-size', 'maxRepackBytes'], ['pack-size', 'packSize']] as const) {
    const v = values[flag];
    if (typeof v !== 'string') continue;
    const n = parseByteSize(v);
    if (n === undefined || n <= 0) throw new UsageError(`--${flag} "${v}": not a size`, { hint: 'write e.g. 500M or 2G' });
    req[field] = n;
  }
  return req;
}

function progressLine(p: PruneProgress): string {
  const names: Record<PruneProgress['phase'], string> = {
    mark: 'finding data still in use', plan: 'planning', repack: 'repacking', 'write-index': 'writing new index',
    'delete-index': 'deleting old index files', 'delete-packs': 'deleting packs', done: 'done',
  };
  return `${names[p.phase]}${p.total !== undefined ? ` ${p.done ?? 0}/${p.total}` : p.done !== undefined ? ` ${p.done}` : ''}`;
}

export function reportPrune(ctx: CommandContext, { plan, result }: PruneOutcome): void {
  const s = plan.stats;
  const sized = (n: number, bytes: number, what: string) => `${count(n, what)}, ${formatBytes(bytes)}`;
  ctx.say(`${count(s.snapshots, 'snapshot')} reference ${count(s.trees, 'tree')}`);
  ctx.say(`used:        ${sized(s.usedBlobs, s.usedBytes, 'blob')}`);
  ctx.say(`unused:      ${sized(s.unusedBlobs, s.unusedBytes, 'blob')}`);
  if (s.duplicateBlobs > 0) ctx.say(`duplicates:  ${sized(s.duplicateBlobs, s.duplicateBytes, 'blob')}`);
  const bytes = (l: Array<{ size: number }>) => l.reduce((a, p) => a + p.size, 0);
  ctx.say(`packs:       ${s.packsTotal} (${formatBytes(s.packsBytesTotal)}): delete ${plan.remove.length} (${formatBytes(bytes(plan.remove))}), ` +
    `repack ${plan.repack.length} (${formatBytes(bytes(plan.repack))}, copying ${sized(s.repackBlobs, s.repackBlobBytes, 'blob')}), ` +
    `keep ${plan.keep.length}` + (plan.unreferenced.length ? `, unreferenced ${plan.unreferenced.length} (${formatBytes(bytes(plan.unreferenced))})` : ''));
  ctx.say(`unused after prune: ${formatBytes(s.unusedBytesAfter)} (limit ${Number.isFinite(s.maxUnusedBytes) ? formatBytes(s.maxUnusedBytes) : 'unlimited'})`);
  if (!result) {
    ctx.say(plan.nothingToDo ? 'nothing to do' : `would reclaim about ${formatBytes(Math.max(0, s.reclaimBytesEstimate))} (dry run, nothing changed)`);
    return;
  }
  if (plan.nothingToDo) {
    ctx.say('nothing to do');
    return;
  }
  ctx.say(`deleted ${result.packsDeleted} packs, wrote ${result.packsWritten} packs and ${result.indexFilesWritten} index files, removed ${result.indexFilesDeleted} old index files`);
  ctx.say(`reclaimed ${formatBytes(result.bytesReclaimed)}`);
}

export function pruneJson({ plan, result }: PruneOutcome): Record<string, unknown> {
  return {
    message_type: 'prune',
    dry_run: result === undefined,
    ...Object.fromEntries(Object.entries(plan.stats).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), Number.isFinite(v) ? v : null])),
    packs_delete: plan.remove.length,
    packs_repack: plan.repack.length,
    packs_keep: plan.keep.length,
    packs_unreferenced: plan.unreferenced.length,
    ...(result ? {
      packs_deleted: result.packsDeleted, packs_written: result.packsWritten, index_files_written: result.indexFilesWritten,
      index_files_deleted: result.indexFilesDeleted, bytes_deleted: result.bytesDeleted, bytes_written: result.bytesWritten,
      bytes_reclaimed: result.bytesReclaimed,
    } : {}),
  };
}

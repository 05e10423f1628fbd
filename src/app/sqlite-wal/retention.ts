// Retention of shipped SQLite WAL: when forget removes a job's snapshots, the batches only they
// needed go too — every generation older than the oldest replication snapshot still kept, and in
// that snapshot's generation the batches before its position. Newer generations are kept whole
// (a new generation's first snapshot may still be uploading). A job none of whose replication
// snapshots is left keeps its batches: nothing is deleted on a guess.

import type { Repository } from '../../repo/repository-api.ts';
import { removeWalFile } from '../../repo/wal-files.ts';
import { jobFilter, matchesFilter } from '../snapshots.ts';
import { parseBatchFileName, type BatchInfo } from './batch-file.ts';
import { readMeta, type ReplicationMeta } from './restore-at.ts';

export async function removeUnneededSqliteWal(repo: Repository, signal: AbortSignal): Promise<number> {
  const byJob = new Map<string, Array<{ name: string; info: BatchInfo }>>();
  for await (const f of repo.storage.list('wal', signal)) {
    const [job, file] = f.name.split('/');
    const info = file ? parseBatchFileName(file) : undefined;
    if (job && info) byJob.set(job, [...(byJob.get(job) ?? []), { name: f.name, info }]);
  }
  if (byJob.size === 0) return 0;
  const snapshots = await repo.listSnapshots(signal);
  // The snapshots' meta files are read through the index. Anything unreadable could hide the
  // oldest kept snapshot and make us delete what it needs: then nothing is removed this time.
  let unreadable = false;
  await repo.loadIndex(signal, { onUnreadable: () => { unreadable = true; } });
  if (unreadable) return 0;
  let removed = 0;
  for (const [job, files] of byJob) {
    let oldest: ReplicationMeta['replication'] | undefined;
    let unsure = false;
    for (const s of snapshots.filter((e) => matchesFilter(e, jobFilter(job)))) {
      const meta = await readMeta(repo, s, signal).catch(() => 'unreadable' as const);
      if (meta === 'unreadable') { unsure = true; break; }
      const r = meta?.replication;
      if (r && (!oldest || r.generation < oldest.generation || (r.generation === oldest.generation && r.nextSeq < oldest.nextSeq))) oldest = r;
    }
    if (!oldest || unsure) continue;
    for (const f of files) {
      if (f.info.generation < oldest.generation || (f.info.generation === oldest.generation && f.info.seq < oldest.nextSeq)) {
        await removeWalFile(repo, f.name);
        removed++;
      }
    }
  }
  return removed;
}

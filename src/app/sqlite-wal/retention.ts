// Retention of shipped SQLite WAL: when forget removes a job's snapshots, the batches only they
// needed go too — every generation older than the oldest replication snapshot still kept, and in
// that snapshot's generation the batches before its position. Newer generations are kept whole
// (a new generation's first snapshot may still be uploading). A job none of whose replication
// snapshots is left keeps its batches: nothing is deleted on a guess. The positions come from the
// snapshot files themselves (no index needed, so forget and prune see the repository as before).

import type { Repository } from '../../repo/repository-api.ts';
import { removeWalFile } from '../../repo/wal-files.ts';
import { jobFilter, matchesFilter } from '../snapshots.ts';
import { parseBatchFileName, type BatchInfo } from './batch-file.ts';
import { replicationOf, type SnapshotReplication } from './restore-at.ts';

export async function removeUnneededSqliteWal(repo: Repository, signal: AbortSignal): Promise<number> {
  const byJob = new Map<string, Array<{ name: string; info: BatchInfo }>>();
  for await (const f of repo.storage.list('wal', signal)) {
    const [job, file] = f.name.split('/');
    const info = file ? parseBatchFileName(file) : undefined;
    if (job && info) byJob.set(job, [...(byJob.get(job) ?? []), { name: f.name, info }]);
  }
  if (byJob.size === 0) return 0;
  const snapshots = await repo.listSnapshots(signal);
  let removed = 0;
  for (const [job, files] of byJob) {
    let oldest: SnapshotReplication | undefined;
    for (const s of snapshots.filter((e) => matchesFilter(e, jobFilter(job)))) {
      const r = replicationOf(s);
      if (r && (!oldest || r.generation < oldest.generation || (r.generation === oldest.generation && r.nextSeq < oldest.nextSeq))) oldest = r;
    }
    if (!oldest) continue;
    for (const f of files) {
      if (f.info.generation < oldest.generation || (f.info.generation === oldest.generation && f.info.seq < oldest.nextSeq)) {
        await removeWalFile(repo, f.name);
        removed++;
      }
    }
  }
  return removed;
}

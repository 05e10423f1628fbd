// `check`: every generation of shipped SQLite WAL batches in a repository must be contiguous from
// its oldest snapshot on: no missing batch number (also none between a snapshot's position and
// the first batch stored), each batch's frames following the previous one's. Files that are not
// SQLite batches (PostgreSQL segments) are left to their own check.

import type { Repository } from '../../repo/repository-api.ts';
import { jobFilter, matchesFilter } from '../snapshots.ts';
import { continuityProblems, parseBatchFileName, type BatchInfo } from './batch-file.ts';
import { replicationOf } from './restore-at.ts';

export async function sqliteWalProblems(repo: Repository, signal?: AbortSignal): Promise<string[]> {
  const groups = new Map<string, Map<string, BatchInfo[]>>();
  for await (const f of repo.storage.list('wal', signal)) {
    const [job, file] = f.name.split('/');
    const info = file ? parseBatchFileName(file) : undefined;
    if (!job || !info) continue;
    const gens = groups.get(job) ?? new Map<string, BatchInfo[]>();
    gens.set(info.generation, [...(gens.get(info.generation) ?? []), info]);
    groups.set(job, gens);
  }
  if (groups.size === 0) return [];
  const snapshots = await repo.listSnapshots(signal ?? new AbortController().signal);
  const out: string[] = [];
  for (const [job, gens] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // Where each generation's oldest snapshot stands: its batches must start there.
    const startOf = new Map<string, number>();
    for (const s of snapshots.filter((e) => matchesFilter(e, jobFilter(job)))) {
      const r = replicationOf(s);
      if (r && r.nextSeq < (startOf.get(r.generation) ?? Infinity)) startOf.set(r.generation, r.nextSeq);
    }
    for (const [generation, batches] of [...gens].sort(([a], [b]) => (a < b ? -1 : 1))) {
      batches.sort((a, b) => a.seq - b.seq);
      const start = startOf.get(generation);
      if (start !== undefined && batches[0]!.seq > start) {
        out.push(`sqlite WAL of job ${job}: generation ${generation}: batches ${start}–${batches[0]!.seq - 1} missing (after its oldest snapshot's position)`);
      }
      for (const p of continuityProblems(batches)) out.push(`sqlite WAL of job ${job}: ${p}`);
    }
  }
  return out;
}

// `check`: every generation of shipped SQLite WAL batches in a repository must be contiguous
// (no missing batch number, each batch's frames following the previous one's). Files that are
// not SQLite batches (PostgreSQL segments) are left to their own check.

import type { Storage } from '../../storage/types.ts';

import { continuityProblems, parseBatchFileName, type BatchInfo } from './batch-file.ts';

export async function sqliteWalProblems(repo: { storage: Storage }, signal?: AbortSignal): Promise<string[]> {
  const groups = new Map<string, BatchInfo[]>();
  for await (const f of repo.storage.list('wal', signal)) {
    const [job, file] = f.name.split('/');
    const info = file ? parseBatchFileName(file) : undefined;
    if (!info) continue;
    const key = `${job}\0${info.generation}`;
    groups.set(key, [...(groups.get(key) ?? []), info]);
  }
  const out: string[] = [];
  for (const [key, batches] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    batches.sort((a, b) => a.seq - b.seq);
    for (const p of continuityProblems(batches)) out.push(`sqlite WAL of job ${key.split('\0')[0]}: ${p}`);
  }
  return out;
}



// Listing and resolving snapshots: `latest` or a unique ID prefix.

import { NotFoundError, throwIfAborted } from '../errors.ts';
import type { Repository } from './repository-api.ts';
import type { SnapshotEntry, SnapshotId } from './types.ts';
import { parseRfc3339 } from './time.ts';

type SnapshotReader = Pick<Repository, 'storage' | 'loadSnapshot'>;

export async function listSnapshotsOf(repo: SnapshotReader, signal?: AbortSignal): Promise<SnapshotEntry[]> {
  const names: string[] = [];
  for await (const f of repo.storage.list('snapshot', signal)) names.push(f.name);
  const out: SnapshotEntry[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      throwIfAborted(signal);
      out[i] = { id: names[i] as SnapshotId, snapshot: await repo.loadSnapshot(names[i] as SnapshotId, signal) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, names.length) }, worker));
  return sortByTime(out);
}

/** Oldest first, as restic lists them; ties keep a stable order by ID. */
export function sortByTime(entries: SnapshotEntry[]): SnapshotEntry[] {
  return entries.sort((a, b) => {
    const d = parseRfc3339(a.snapshot.time) - parseRfc3339(b.snapshot.time);
    if (d !== 0 && !Number.isNaN(d)) return d;
    return a.snapshot.time < b.snapshot.time ? -1 : a.snapshot.time > b.snapshot.time ? 1 : a.id < b.id ? -1 : 1;
  });
}

export async function findSnapshotIn(repo: SnapshotReader, ref: string, signal?: AbortSignal): Promise<SnapshotEntry> {
  if (ref === 'latest') {
    const all = await listSnapshotsOf(repo, signal);
    const last = all.at(-1);
    if (!last) throw new NotFoundError(`find snapshot latest: repository ${repo.storage.location} has no snapshots`);
    return last;
  }
  if (!/^[0-9a-f]+$/.test(ref)) throw new NotFoundError(`find snapshot ${ref}: not a snapshot ID`);
  const hits: string[] = [];
  for await (const f of repo.storage.list('snapshot', signal)) if (f.name.startsWith(ref)) hits.push(f.name);
  if (hits.length === 0) throw new NotFoundError(`find snapshot ${ref}: no such snapshot`);
  if (hits.length > 1) throw new NotFoundError(`find snapshot ${ref}: prefix is ambiguous (${hits.length} snapshots match)`);
  const id = hits[0] as SnapshotId;
  return { id, snapshot: await repo.loadSnapshot(id, signal) };
}

// Choosing snapshots: restic's filter (--host, --tag, --path), the `job=NAME` tag every job's
// snapshots carry, and the one rule for turning `latest` or an ID into a snapshot. Every
// snapshot-selecting use-case goes through selectSnapshot, so a filter that matches nothing is
// always an error and never a silent fall-back to the newest snapshot.

import type { Repository } from '../repo/repository-api.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import { NotFoundError } from '../errors.ts';
import { formatLocalTime } from '../core/point-in-time.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';

export interface SnapshotFilter {
  host?: string;
  /** A snapshot matches when it has every tag of at least one of these sets. */
  tags?: string[][];
  paths?: string[];
}

/** The tag that marks a job's snapshots; the one place that spells the convention. */
export function jobTag(job: string): string {
  return `job=${job}`;
}

/** Narrows `filter` to one job's snapshots: each tag set (alternatives) also needs job=NAME. */
export function jobFilter(job: string, filter: SnapshotFilter = {}): SnapshotFilter {
  const tag = jobTag(job);
  const tags = filter.tags?.length ? filter.tags.map((set) => [...new Set([...set, tag])]) : [[tag]];
  return { ...filter, tags };
}

export function isEmptyFilter(filter: SnapshotFilter | undefined): boolean {
  return !filter || (filter.host === undefined && !filter.tags?.length && !filter.paths?.length);
}

export function matchesFilter(entry: SnapshotEntry, filter: SnapshotFilter): boolean {
  const s = entry.snapshot;
  if (filter.host !== undefined && s.hostname !== filter.host) return false;
  if (filter.paths?.length && !filter.paths.every((p) => s.paths.includes(p))) return false;
  if (filter.tags?.length && !filter.tags.some((set) => set.every((t) => s.tags?.includes(t)))) return false;
  return true;
}

/** The filter in words, for messages: `host db1, tags job=pg,day1`. */
export function describeFilter(filter: SnapshotFilter | undefined): string {
  if (isEmptyFilter(filter)) return 'no filter';
  const parts: string[] = [];
  if (filter!.host !== undefined) parts.push(`host ${filter!.host}`);
  if (filter!.tags?.length) parts.push(`tags ${filter!.tags.map((set) => set.join(',')).join(' or ')}`);
  if (filter!.paths?.length) parts.push(`paths ${filter!.paths.join(', ')}`);
  return parts.join(', ');
}

/** Which snapshot: `latest`, an ID (prefix), or the newest at or before a point in time (`--at`). */
export type SnapshotChoice = string | { at: Date };

/** `--at 2026-11-20 14:00` in words, for messages. */
export function describeChoice(choice: SnapshotChoice): string {
  return typeof choice === 'string' ? choice : `at ${formatLocalTime(choice.at)}`;
}

/**
 * `latest` is the newest snapshot matching the filter, as restic picks it; `{at}` the newest
 * matching one taken at or before that time; an ID (prefix) must also match the filter. No
 * match is a NotFoundError naming the filter (and, for `{at}`, the oldest snapshot there is).
 */
export async function selectSnapshot(repo: Repository, ref: SnapshotChoice, filter: SnapshotFilter | undefined, signal: AbortSignal): Promise<SnapshotEntry> {
  if (ref === 'latest' || typeof ref === 'object') {
    const all = await repo.listSnapshots(signal);
    const matching = isEmptyFilter(filter) ? all : all.filter((e) => matchesFilter(e, filter!));
    if (matching.length === 0) {
      throw new NotFoundError(all.length === 0 ? 'the repository holds no snapshot' : `no snapshot matches ${describeFilter(filter)}`,
        { hint: 'see lifeboat snapshots for what the repository holds' });
    }
    return typeof ref === 'object' ? newestAtOrBefore(matching, ref.at, filter) : newest(matching);
  }
  const entry = await repo.findSnapshot(ref, signal);
  if (!isEmptyFilter(filter) && !matchesFilter(entry, filter!)) {
    throw new NotFoundError(`snapshot ${entry.id.slice(0, 8)} does not match ${describeFilter(filter)}`,
      { hint: 'drop the filter flags, or pick a snapshot that matches them (lifeboat snapshots)' });
  }
  return entry;
}

/** The newest of `entries` taken at or before `at`; none is an error naming the oldest of them. */
export function newestAtOrBefore(entries: readonly SnapshotEntry[], at: Date, filter?: SnapshotFilter): SnapshotEntry {
  const limit = at.toISOString();
  const candidates = entries.filter((e) => compareTime(e.snapshot.time, limit) <= 0);
  if (candidates.length > 0) return newest(candidates);
  const oldest = [...entries].sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time))[0]!;
  const which = isEmptyFilter(filter) ? 'snapshot' : `snapshot matching ${describeFilter(filter)}`;
  throw new NotFoundError(`no ${which} was taken at or before ${formatLocalTime(at)}: the oldest is ${oldest.id.slice(0, 8)} of ` +
    `${formatLocalTime(new Date(oldest.snapshot.time))}`, { hint: 'pick a later --at time (lifeboat snapshots lists them)' });
}

/**
 * `snapshots --at TIME`: per job (snapshots without a job tag: per host and paths, as restic
 * groups them) the newest snapshot at or before `at` — what a restore --at would pick. Oldest first.
 */
export function newestPerGroupAt(entries: readonly SnapshotEntry[], at: Date): SnapshotEntry[] {
  if (entries.length === 0) return [];
  const groups = new Map<string, SnapshotEntry[]>();
  for (const e of entries) {
    const job = e.snapshot.tags?.find((t) => t.startsWith('job='));
    const key = job ?? `${e.snapshot.hostname ?? ''}\0${[...e.snapshot.paths].sort().join('\0')}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const limit = at.toISOString();
  const picked = [...groups.values()].flatMap((g) => {
    const before = g.filter((e) => compareTime(e.snapshot.time, limit) <= 0);
    return before.length ? [newest(before)] : [];
  });
  // Nothing that old anywhere: the same error a restore --at gives.
  if (picked.length === 0) newestAtOrBefore(entries, at);
  return picked.sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time));
}

export function newest(entries: readonly SnapshotEntry[]): SnapshotEntry {
  return [...entries].sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time)).at(-1)!;
}

/** Snapshots oldest first, as restic lists them. Needs no lock: snapshot files are immutable. */
export async function listSnapshotsAt(access: RepositoryAccess, filter: SnapshotFilter, signal: AbortSignal): Promise<SnapshotEntry[]> {
  return withRepository(access, 'none', signal, async (repo, signal) => {
    const all = await repo.listSnapshots(signal);
    return all.filter((e) => matchesFilter(e, filter)).sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time));
  });
}

/** Orders RFC 3339 timestamps with nanoseconds, which Date alone cannot. */
export function compareTime(a: string, b: string): number {
  const da = Date.parse(a);
  const db = Date.parse(b);
  if (da !== db) return da - db;
  return fraction(a).localeCompare(fraction(b));
}

function fraction(t: string): string {
  return (/\.(\d+)/.exec(t)?.[1] ?? '').padEnd(9, '0');
}

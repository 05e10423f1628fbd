// Is a SQLite database in use by another process? SQLite has no API for "who has this open",
// so we combine three imperfect signals; any one of them means "in use":
//
// 1. Open descriptors (Linux only): another process's /proc/<pid>/fd links to the database,
//    its -wal, -shm or -journal. Sees idle connections too, but only processes we may inspect
//    (same user, or root), only on this host (not over NFS/containers with another pid ns).
// 2. A -wal or -shm file beside it: a WAL database has them while any connection is open; a
//    clean close removes them. They also remain after a crash, which we report as "in use or
//    not closed cleanly" — --force is the answer then.
// 3. `BEGIN EXCLUSIVE` with busy timeout 0: fails if any connection holds a lock right now
//    (a rollback-journal database being read or written, a WAL database being written).
//    Idle connections hold no lock, so alone this is not enough.
//
// Limits: a process that opens the database after we checked wins the race; only --force
// users and stopped applications get a guarantee. Restores should run with the app stopped.

import { readdir, readlink, access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface InUseReport {
  inUse: boolean;
  /** Human-readable reasons, e.g. `pid 4242 has it open`, `app.db-wal exists`. */
  reasons: string[];
}

const SIDE_FILES = ['-wal', '-shm', '-journal'];

export async function sqliteInUse(path: string): Promise<InUseReport> {
  const abs = resolve(path);
  const reasons: string[] = [];

  for (const pid of await holders([abs, ...SIDE_FILES.map((s) => abs + s)])) {
    reasons.push(`process ${pid} has it open`);
  }
  for (const suffix of ['-wal', '-shm']) {
    if (await exists(abs + suffix)) reasons.push(`${suffix.slice(1)} file exists (open elsewhere, or not closed cleanly)`);
  }
  if (reasons.length === 0 && (await exists(abs))) {
    const locked = exclusiveLockFails(abs);
    if (locked) reasons.push(`it is locked (${locked})`);
  }
  return { inUse: reasons.length > 0, reasons };
}

/** Pids of other processes holding any of `paths` open, from /proc (empty where unavailable). */
async function holders(paths: string[]): Promise<number[]> {
  const wanted = new Set(paths);
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid);
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to inspect
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (wanted.has(target.replace(/ \(deleted\)$/, ''))) {
        found.push(Number(pid));
        break;
      }
    }
  }
  return found;
}

/** Returns why an exclusive lock could not be taken now, or undefined if it could. */
function exclusiveLockFails(path: string): string | undefined {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { timeout: 0 });
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
    return undefined;
  } catch (err) {
    const code = (err as { errcode?: number }).errcode;
    // SQLITE_BUSY (5) / SQLITE_LOCKED (6), incl. extended codes: someone holds a lock.
    if (code !== undefined && ((code & 0xff) === 5 || (code & 0xff) === 6)) {
      return err instanceof Error ? err.message : String(err);
    }
    // Not a database, damaged, unreadable: not "in use" — replacing it is what restore is for.
    return undefined;
  } finally {
    try { db?.close(); } catch { /* ignore */ }
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

// Following a live SQLite database's WAL without the application's help (Litestream's approach).
//
// We keep a read transaction open at all times on our own connection. A checkpoint may copy
// frames into the database file, but while a reader holds a snapshot the WAL cannot *restart*
// (be overwritten from frame 1) past that snapshot, so every committed frame stays in the -wal
// file until we have read it. Frames are read straight from the file (wal-format.ts).
//
// Only under the database's write lock (our second connection's BEGIN IMMEDIATE, a few
// milliseconds) do we let go of the read transaction: we read the WAL to its end (nobody can
// append), run a PASSIVE checkpoint, and begin a new read transaction before releasing the write
// lock. From then on at most one WAL restart can happen before our next such step (a reader that
// began on a fully checkpointed WAL blocks any further backfill), and it restarts from the end we
// just read with salt-1 + 1. Any other salt change means frames were lost: the caller starts a
// new generation.

import { existsSync } from 'node:fs';
import { DatabaseSync, backup } from 'node:sqlite';
import { SourceError } from '../../errors.ts';
import { cursorAtStart, readCommitted, readWalHeader, type FrameRun, type WalCursor } from './wal-format.ts';

export interface WalBatch extends FrameRun {
  salt1: number;
  salt2: number;
  pageSize: number;
  /** Taken after the frames were read: every transaction in the batch committed before it. */
  observedAt: Date;
}

export type PollResult = { batch?: WalBatch; lost?: string };

type Expect = { kind: 'none' } | { kind: 'any' } | { kind: 'next'; salt1: number };

export class WalFollower {
  readonly path: string;
  readonly walPath: string;
  private readonly reader: DatabaseSync;
  private readonly writer: DatabaseSync;
  private reading = false;
  private cursor: WalCursor | undefined;
  private expect: Expect = { kind: 'any' };
  private lastObserved = 0;
  private readonly now: () => Date;

  constructor(path: string, opts: { busyTimeoutMs?: number; now?: () => Date } = {}) {
    this.path = path;
    this.walPath = `${path}-wal`;
    this.now = opts.now ?? (() => new Date());
    const timeout = opts.busyTimeoutMs ?? 5000;
    // Opening a missing file would create an empty database where the application expects its own.
    if (!existsSync(path)) throw new SourceError(`sqlite replication of ${path}: database file not found`, null, '');
    try {
      this.reader = new DatabaseSync(path, { timeout });
      this.writer = new DatabaseSync(path, { timeout });
      const mode = String(Object.values(this.reader.prepare('PRAGMA journal_mode').get() as object)[0]);
      if (mode !== 'wal') {
        this.close();
        throw new SourceError(`sqlite replication of ${path}: the database is in ${mode} journal mode; replication follows the WAL`, null, '',
          { hint: 'switch it once with: sqlite3 DB "PRAGMA journal_mode=WAL"' });
      }
    } catch (e) {
      if (e instanceof SourceError) throw e;
      throw new SourceError(`sqlite replication of ${path}: cannot open the database: ${e instanceof Error ? e.message : String(e)}`, null, '', { cause: e });
    }
  }

  /** The frames committed since the last call (a bounded batch; call again until none). */
  poll(): PollResult {
    const h = readWalHeader(this.walPath);
    if (!h) return {};
    const c = this.cursor;
    if (!c || c.header.salt1 !== h.salt1 || c.header.salt2 !== h.salt2) {
      const e = this.expect;
      if (e.kind === 'any' || (e.kind === 'next' && e.salt1 === h.salt1)) {
        this.cursor = cursorAtStart(h);
        this.expect = { kind: 'none' };
      } else {
        return { lost: `the WAL restarted with salt-1 ${h.salt1} after ${c ? c.header.salt1 : 'none'} outside our checkpoint step: frames may be missing` };
      }
    }
    const r = readCommitted(this.walPath, this.cursor!);
    this.cursor = r.cursor;
    if (!r.run) return {};
    const hd = r.cursor.header;
    // Never earlier than the previous batch's (a clock stepped back): restores select by prefix.
    const observed = Math.max(this.now().getTime(), this.lastObserved);
    this.lastObserved = observed;
    return { batch: { ...r.run, salt1: hd.salt1, salt2: hd.salt2, pageSize: hd.pageSize, observedAt: new Date(observed) } };
  }

  /**
   * Under the write lock: the frames up to the WAL's end (returned, to ship), then optionally a
   * PASSIVE checkpoint, then a fresh read transaction. `reset` forgets the WAL so far: the read
   * transaction's snapshot is then exactly "everything committed", the start of a generation.
   * 'busy' when the write lock could not be had within the busy timeout.
   */
  lockedStep(opts: { checkpoint: boolean; reset: boolean }): { batches: WalBatch[]; lost?: string } | 'busy' {
    try {
      this.writer.exec('BEGIN IMMEDIATE');
    } catch (e) {
      if (/busy|locked/i.test(e instanceof Error ? e.message : String(e))) return 'busy';
      throw e;
    }
    try {
      const batches: WalBatch[] = [];
      let lost: string | undefined;
      if (opts.reset) {
        const h = readWalHeader(this.walPath);
        this.cursor = h ? cursorAtStart(h) : undefined;
        while (this.cursor) {
          const r = readCommitted(this.walPath, this.cursor);
          this.cursor = r.cursor;
          if (!r.run) break;
        }
      } else {
        for (;;) {
          const p = this.poll();
          if (p.lost) { lost = p.lost; break; }
          if (!p.batch) break;
          batches.push(p.batch);
        }
      }
      this.endRead();
      if (opts.checkpoint && !lost) this.reader.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
      this.beginRead();
      this.expect = this.cursor ? { kind: 'next', salt1: (this.cursor.header.salt1 + 1) >>> 0 } : { kind: 'any' };
      return lost ? { batches, lost } : { batches };
    } finally {
      this.writer.exec('ROLLBACK');
    }
  }

  /** Where the generation stands: the WAL's salts and the last frame read. */
  position(): { salt1: number; salt2: number; frame: number } | undefined {
    const c = this.cursor;
    return c ? { salt1: c.header.salt1, salt2: c.header.salt2, frame: c.nextFrame - 1 } : undefined;
  }

  /** Frames read in the current WAL: the caller checkpoints when it grows. */
  framesInWal(): number {
    return this.cursor ? this.cursor.nextFrame - 1 : 0;
  }

  /** The database as of the open read transaction (the last lockedStep), written to `dest`. */
  async image(dest: string): Promise<void> {
    // The backup API reads through the source connection's open transaction: the copy is
    // exactly the snapshot our read lock holds.
    await backup(this.reader, dest, { rate: 2 ** 31 - 1 });
  }

  close(): void {
    try { this.endRead(); } catch { /* closing anyway */ }
    try { this.reader?.close(); } catch { /* already closed */ }
    try { this.writer?.close(); } catch { /* already closed */ }
  }

  private beginRead(): void {
    this.reader.exec('BEGIN');
    // A read transaction only takes its snapshot (and its read lock) at the first read.
    this.reader.prepare('SELECT count(*) FROM sqlite_schema').get();
    this.reading = true;
  }

  private endRead(): void {
    if (!this.reading) return;
    this.reader.exec('COMMIT');
    this.reading = false;
  }
}

/** `PRAGMA integrity_check` on a database file (an image or a rebuilt restore); throws with the first problems. */
export function inspectImage(path: string): { version: string; pageSize: number; pageCount: number } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare('PRAGMA integrity_check(10)').all() as { integrity_check: string }[];
    const problems = rows.map((r) => String(r.integrity_check)).filter((s) => s !== 'ok');
    if (problems.length > 0) throw new SourceError(`${path}: integrity_check failed`, null, problems.join('\n'));
    const one = (sql: string) => Object.values(db.prepare(sql).get() as Record<string, unknown>)[0];
    return { version: String(one('SELECT sqlite_version()')), pageSize: Number(one('PRAGMA page_size')), pageCount: Number(one('PRAGMA page_count')) };
  } finally {
    db.close();
  }
}

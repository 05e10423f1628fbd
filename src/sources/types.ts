// The Source contract: what a backup reads. A source yields entries placed at paths inside the
// snapshot; the archiver chunks and stores them. Database sources yield named streams (a dump
// never lands on local disk whole); the file source walks directories.

/** A named stream of bytes, stored as one regular file at `path` inside the snapshot. */
export interface StreamEntry {
  kind: 'stream';
  /** Slash-separated path inside the snapshot, e.g. `postgres/orders.dump` or `stdin`. */
  path: string;
  /** The bytes. The archiver consumes it once, with backpressure. */
  stream: AsyncIterable<Uint8Array>;
  /**
   * Settles once the producer has finished. Awaited after the stream drains: if the producer
   * (e.g. pg_dump) exited non-zero it rejects with a SourceError and no snapshot is written.
   */
  done: Promise<void>;
  /** File mode (POSIX permission bits) for the stored file; 0o600 by default. */
  mode?: number;
  /** Modification time; the time of the backup by default. */
  mtime?: Date;
}

/** A source: a named producer of entries. Metadata ends up in snapshot tags / a meta file. */
export interface Source {
  /** e.g. `postgres`, `mysql`, `sqlite`, `redis`, `files`, `command`. */
  readonly kind: string;
  /** Entries to store. Throwing here (or from an entry's `done`) fails the backup. */
  entries(signal: AbortSignal): AsyncIterable<StreamEntry>;
  /** Tags describing the backup (e.g. `engine=postgres`, `db=orders`), known after entries drained. */
  tags?(): string[];
}

/**
 * An object of a database dump, as a partial restore reports it: `TABLE` + `public orders`
 * (postgres names are in `pg_restore --list` notation: schema, then name), `TRIGGER` + `t_bi`.
 */
export interface DumpObject {
  type: string;
  name: string;
}

/** A dump object a partial restore left out, and why (an FK to a table not restored). */
export interface SkippedDumpObject extends DumpObject {
  reason: string;
}

// What a source engine tells the rest of Lifeboat, in one object per engine
// (src/sources/<engine>/index.ts): the `source:` block it accepts in lifeboat.yaml (a zod
// schema, snake_case in, camelCase out; the engine's config type is its z.output), which of
// those fields are paths, how to back it up, how to restore it, and how to drill it.
//
// A descriptor module is light: it may import zod, config/fields.ts, this file and its engine's
// small pure modules (snapshot layout, option rules). The engine's implementation (and pg,
// mysql2, node:sqlite) is imported inside the functions, on first use, so `config check` and a
// SQLite backup never load a database driver they do not need.

import type { z } from 'zod';
import type { DumpObject, SkippedDumpObject, Source } from './types.ts';

export interface SourceContext {
  /** The job being backed up (recorded in what the source writes, e.g. a base backup's info). */
  job?: string;
  /** Cancels the source in addition to the signal given to entries(). */
  signal?: AbortSignal;
  /** Receives every secret the source uses (database passwords), for the log sanitizer. */
  secrets?: string[];
  /**
   * Environment additions for the programs the source runs (a job's env and pass_env), over the
   * scrubbed environment every child gets (child-env.ts).
   */
  env?: Record<string, string>;
}

/**
 * How a field of the `source:` block is resolved against the config file's folder before
 * validation (config/paths.ts): a `path`, a list of `paths`, a `program` (only when it contains
 * a `/`; a bare name is looked up on PATH) or an `argv` (its program).
 */
export type PathField = 'path' | 'paths' | 'program' | 'argv';

export interface TargetState {
  /** What the target is, for messages: `database "orders" on 127.0.0.1:5432`, a path. */
  describe: string;
  exists: boolean;
  /** Restoring would replace or mix with existing data: needs --force (and a confirmation). */
  nonEmpty: boolean;
  /** e.g. `12 relations, 3 functions`, `in use: pid 42 has it open`. */
  detail: string;
}

export interface DbRestoreRequest {
  /** Database name (postgres, mysql), file path (sqlite) or the server's dir (redis). */
  target: string;
  force: boolean;
  tables: string[];
  schemas: string[];
  /** postgres: skip owners and privileges. */
  noOwner: boolean;
  signal: AbortSignal;
}

export interface DbRestoreResult {
  target: string;
  /** Bytes of the dump fed to the restore tool. */
  bytes: number;
  created: boolean;
  /** Table restore: the objects restored. */
  objects?: DumpObject[];
  /** Table restore: objects left out, and why. */
  skipped?: SkippedDumpObject[];
}

/** Restore operations on targets reached with a job's settings (a server's address and credentials). */
export interface RestoreTarget {
  inspect(target: string, signal: AbortSignal): Promise<TargetState>;
  restore(stream: AsyncIterable<Uint8Array>, req: DbRestoreRequest): Promise<DbRestoreResult>;
  /** One line per object of the dump; absent when the engine's dumps cannot be listed. */
  list?(stream: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<string[]>;
  /** postgres: apply globals.sql (roles, tablespaces); returns the statements that failed. */
  restoreGlobals?(stream: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<string[]>;
  /** Each table's rows in the dump: their size and a checksum (for `diff`); absent when the engine's dumps have no tables. */
  digestTables?(stream: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<TableDigest[]>;
}

export interface TableDigest {
  /** As the dump names it: `public.invoices`, `shop.orders`. */
  table: string;
  /** Bytes of the table's rows as the dump writes them. */
  bytes: number;
  sha256: string;
}

export interface RestoreDescriptor<C> {
  /** Directory of the engine's files inside a snapshot (`postgres`). */
  root: string;
  /** Dump name → path inside the snapshot; `name` is a database (or the sqlite file name). */
  dumpPath(name: string): string;
  /** The dump names found in a listing of the engine's directory (file names). */
  dumpNames(files: string[]): string[];
  /** The operations, bound to the job's source settings. */
  target(cfg: C): RestoreTarget;
}

/** A job's restorer, as app/ uses it: the engine's layout plus operations bound to the job. */
export interface DbRestorer extends RestoreTarget {
  /** The engine's canonical type (`mysql` also for `type: mariadb`), as in the `engine=` tag. */
  engine: string;
  root: string;
  dumpPath(name: string): string;
  dumpNames(files: string[]): string[];
}

/** Where a drill puts its scratch copy. */
export interface DrillPlace {
  /** `lifeboat_drill_<job>_<time>`: a name that cannot collide with real data (database, file). */
  name: string;
  /** A fresh directory of the drill's own (sqlite file, redis dir), removed after the drill. */
  dir: string;
  /** postgres, mysql: another server for the scratch database; fields left out are the job's. */
  server?: { host: string; port?: number; user?: string; password?: string };
  /** redis: how many random keys to read back. */
  sampleKeys: number;
}

/** What a scratch copy showed when it was opened: counts for the report (tables, keys…). */
export type DrillFacts = Record<string, number>;

/** A scratch copy of a job's data: restored into, opened, queried, removed. */
export interface DrillScratch {
  /** The restore target: a database name, a file path, a directory. */
  target: string;
  /** For messages: `database "lifeboat_drill_orders_…" on 127.0.0.1:5432`. */
  describe: string;
  /** The restore operations, bound to the scratch target's server. */
  restorer: RestoreTarget;
  /**
   * After the restore: bring the copy up and prove it whole (PRAGMA integrity_check; a
   * redis-server started on the RDB answering DBSIZE and reading back sample keys). Throws when
   * it is not.
   */
  open(signal: AbortSignal): Promise<DrillFacts>;
  /** One query in the engine's language (SQL; a Redis command): the rows, each a list of values. */
  query(text: string, signal: AbortSignal): Promise<unknown[][]>;
  /** Removes all the copy is (database, files, a server process); safe to call twice, and after an abort. */
  remove(): Promise<void>;
}

/** A job's connection settings with a drill's `server` over them. */
export function onDrillServer<C extends { host: string; port: number; user: string; password?: string }>(cfg: C, server: DrillPlace['server']): C {
  if (!server) return cfg;
  const password = server.password ?? cfg.password;
  return { ...cfg, host: server.host, port: server.port ?? cfg.port, user: server.user ?? cfg.user, ...(password !== undefined ? { password } : {}) };
}

/** Restore drills: a scratch copy of the job's dump, proven to answer, then removed (app/drill/). */
export interface DrillDescriptor<C> {
  scratch(cfg: C, place: DrillPlace): DrillScratch;
}

/** A stream engine: its Source yields named streams (dumps) for the archiver. */
export interface StreamBackup<C> {
  kind: 'stream';
  /** Returns at once; the implementation loads on the first entries() call (see lazySource). */
  createSource(cfg: C, ctx: SourceContext): Source;
}

/** The files engine: app/ walks the configured paths with backupPaths instead of a Source. */
export interface PathsBackup {
  kind: 'paths';
}

type SourceSchema = z.ZodType<{ type: string }, { type: string }>;

export interface SourceDescriptor<S extends SourceSchema = SourceSchema> {
  /** The canonical `type:` (also the `engine=` tag and the name in messages). */
  readonly type: z.output<S>['type'];
  /** Other names accepted for `type:` (`mariadb` for mysql); the config keeps the canonical one. */
  readonly aliases?: readonly string[];
  /** The `source:` block: strict, snake_case in, camelCase out with `type` canonical. */
  readonly schema: S;
  /** Fields (snake_case, as written) holding paths relative to the config file's folder. */
  readonly pathFields?: Readonly<Record<string, PathField>>;
  readonly backup: StreamBackup<z.output<S>> | PathsBackup;
  /** Absent: the engine restores as files (`restore --target DIR`). */
  readonly restore?: RestoreDescriptor<z.output<S>>;
  readonly drill?: DrillDescriptor<z.output<S>>;
}

/** Identity, for type inference: the config type comes from `schema`. */
export function defineSource<S extends SourceSchema>(descriptor: SourceDescriptor<S>): SourceDescriptor<S> {
  return descriptor;
}

/** The engine's config type: what its schema outputs. */
export type SourceConfigOf<D> = D extends SourceDescriptor<infer S> ? z.output<S> : never;

/**
 * A Source whose implementation is imported on the first entries() call: creating it (as a
 * job does before its hooks run) loads nothing and spawns nothing.
 */
export function lazySource(kind: string, load: () => Promise<Source>): Source {
  let inner: Source | undefined;
  return {
    kind,
    async *entries(signal: AbortSignal) {
      inner ??= await load();
      yield* inner.entries(signal);
    },
    tags: () => inner?.tags?.() ?? [`engine=${kind}`],
  };
}

/** `orders.dump` → `orders` for files ending in `ext`; `%2F` in a name stands for `/`. */
export function dumpNamesWith(ext: string): (files: string[]) => string[] {
  return (files) => files.filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length).replace(/%2F/g, '/'));
}

/** `orders` → `<root>/orders<ext>`; a `/` in the name becomes `%2F` so the path stays one file. */
export function dumpPathWith(root: string, ext: string): (name: string) => string {
  return (name) => `${root}/${name.replace(/\//g, '%2F')}${ext}`;
}

// SQLite source: a consistent copy of a live database, checked, then streamed.
//
// Why a temp file: SQLite's online backup API (and VACUUM INTO) can only write into another
// database *file*, so this is the one source whose copy touches local disk. The copy goes into
// a private temp dir (mkdtemp, mode 0700; `tmpDir` picks where, for databases larger than
// /tmp), is opened read-only from then on, and the dir is removed when the entries are done —
// also when the backup fails or the consumer stops early.
//
// Why one backup step: node:sqlite's backup() copies `rate` pages per step, and a write by
// another connection between steps restarts the copy. Under a steady writer a small rate may
// never finish; a rate larger than the page count copies everything in one step, inside one
// read transaction, so the copy is a consistent snapshot. In WAL mode writers keep going while
// we read; in rollback-journal mode they wait (busy) for the duration of the copy.

import { stat, mkdtemp, chmod, rm, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DatabaseSync, backup } from 'node:sqlite';
import { AbortedError, SourceError } from '../../errors.ts';
import type { Source, StreamEntry } from '../types.ts';
import { streamHandle } from '../file-stream.ts';
import { SQLITE_META_PATH, sqliteDumpPath } from './layout.ts';

export interface SqliteSourceOptions {
  /** The live database file. */
  path: string;
  signal?: AbortSignal;
  /** Parent for the private temp dir holding the copy; os.tmpdir() by default. */
  tmpDir?: string;
  /** How long to wait for a writer's lock (rollback-journal mode), ms. Default 10 000. */
  busyTimeoutMs?: number;
}

export interface SqliteMeta {
  engine: 'sqlite';
  database: string;
  sqliteVersion: string;
  pageSize: number;
  pageCount: number;
  journalMode: string;
  size: number;
  integrity: 'ok';
  durationMs: number;
  startedAt: string;
}

export { SQLITE_META_PATH, sqliteDumpPath };

// Pages per backup step: "everything at once" (node rejects SQLite's -1 for "all").
const ALL_PAGES = 0x7fffffff;
const INTEGRITY_LINES = 10;

export function sqliteSource(options: SqliteSourceOptions): Source {
  const name = basename(options.path);
  return {
    kind: 'sqlite',
    entries(signal: AbortSignal) {
      return sqliteEntries(options, anySignal(signal, options.signal));
    },
    tags() {
      // Stable identifiers only (version and size are in the meta file).
      return ['engine=sqlite', `db=${name}`];
    },
  };
}

async function* sqliteEntries(
  options: SqliteSourceOptions,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamEntry> {
  const what = `sqlite backup ${options.path}`;
  const name = basename(options.path);
  const started = Date.now();
  await checkSourceFile(options.path, what);
  if (signal?.aborted) throw new AbortedError(`${what}: interrupted`);

  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'lifeboat-sqlite-'));
  let handle: ReturnType<typeof streamHandle> | undefined;
  try {
    await chmod(dir, 0o700);
    const copyPath = join(dir, 'copy.db');
    await copyDatabase(options.path, copyPath, options.busyTimeoutMs ?? 10_000, what);
    if (signal?.aborted) throw new AbortedError(`${what}: interrupted`);
    const info = inspectCopy(copyPath, what);
    const size = (await stat(copyPath)).size;
    const meta: SqliteMeta = {
      engine: 'sqlite',
      database: name,
      sqliteVersion: info.version,
      pageSize: info.pageSize,
      pageCount: info.pageCount,
      journalMode: info.journalMode,
      size,
      integrity: 'ok',
      durationMs: Date.now() - started,
      startedAt: new Date(started).toISOString(),
    };

    const fh = await open(copyPath, 'r');
    handle = streamHandle(fh, what, signal);
    yield { kind: 'stream', path: sqliteDumpPath(options.path), stream: handle.stream, done: handle.done, mode: 0o600 };
    const json = new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n');
    yield {
      kind: 'stream',
      path: SQLITE_META_PATH,
      stream: (async function* () { yield json; })(),
      done: Promise.resolve(),
      mode: 0o600,
    };
  } finally {
    await handle?.abandon();
    await rm(dir, { recursive: true, force: true });
  }
}

async function checkSourceFile(path: string, what: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'database file not found' : `cannot stat database file (${code})`;
    throw new SourceError(`${what}: ${reason}`, null, '', { cause: err, context: { path } });
  }
  if (!st.isFile()) throw new SourceError(`${what}: not a regular file`, null, '', { context: { path } });
}

async function copyDatabase(src: string, dest: string, busyTimeoutMs: number, what: string): Promise<void> {
  let db: DatabaseSync | undefined;
  try {
    // Read-only: a backup must never modify what it protects (no checkpoint, no WAL reset).
    db = new DatabaseSync(src, { readOnly: true, timeout: busyTimeoutMs });
    // Fails fast with "file is not a database" instead of copying garbage.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    await backup(db, dest, { rate: ALL_PAGES });
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(`${what}: copy failed: ${sqliteMessage(err)}`, null, '', { cause: err });
  } finally {
    db?.close();
  }
}

interface CopyInfo { version: string; pageSize: number; pageCount: number; journalMode: string }

/** integrity_check on the copy; throws with the first problems SQLite reports. */
function inspectCopy(copyPath: string, what: string): CopyInfo {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(copyPath, { readOnly: true });
    const rows = db.prepare(`PRAGMA integrity_check(${INTEGRITY_LINES})`).all() as { integrity_check: string }[];
    const problems = rows.map((r) => String(r.integrity_check)).filter((s) => s !== 'ok');
    if (problems.length > 0) {
      throw new SourceError(`${what}: integrity_check failed on the copy; nothing was stored`, null,
        problems.join('\n'), { hint: 'the source database is damaged; repair it or restore it from an earlier snapshot' });
    }
    const get = (sql: string) => Object.values(db!.prepare(sql).get() as Record<string, unknown>)[0];
    return {
      version: String(get('SELECT sqlite_version()')),
      pageSize: Number(get('PRAGMA page_size')),
      pageCount: Number(get('PRAGMA page_count')),
      journalMode: String(get('PRAGMA journal_mode')),
    };
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(`${what}: checking the copy failed: ${sqliteMessage(err)}`, null, '', { cause: err });
  } finally {
    db?.close();
  }
}

export function sqliteMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a && b) return AbortSignal.any([a, b]);
  return a ?? b;
}

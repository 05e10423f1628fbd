// The one place that knows the concrete source adapters: a job's `source:` block → a Source.
// Adapters are imported lazily (on the first entries() call), so a run that backs up SQLite never
// loads the pg or mysql2 drivers. `files` jobs are not a stream Source: app/ hands their paths
// to backupPaths instead (see isFilesSource).

import { ConfigError, UsageError } from '../errors.ts';
import type { FilesSourceConfig, SourceConfig } from '../config/types.ts';
import type { Source, StreamEntry } from './types.ts';

export interface SourceContext {
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

export function isFilesSource(cfg: SourceConfig): cfg is FilesSourceConfig {
  return cfg.type === 'files';
}

/** Where each engine puts its main dump inside the snapshot, for restore and `restic dump`. */
export const SOURCE_ROOTS: Record<Exclude<SourceConfig['type'], 'files'>, string> = {
  postgres: 'postgres',
  mysql: 'mysql',
  sqlite: 'sqlite',
  redis: 'redis',
  command: '',
};

export function createSource(cfg: SourceConfig, ctx: SourceContext = {}): Source {
  if (isFilesSource(cfg)) {
    throw new UsageError('files source: back up its paths with backupPaths, not as a stream source');
  }
  if ('password' in cfg && cfg.password) ctx.secrets?.push(cfg.password);
  if ('extraArgs' in cfg && cfg.extraArgs.length > 0) {
    // Refused rather than silently dropped: the user asked for these flags and would not get them.
    throw new ConfigError(`${cfg.type} source: extra_args is not supported yet`, [], { hint: 'remove extra_args from the job' });
  }
  let inner: Source | undefined;

  async function load(): Promise<Source> {
    switch (cfg.type) {
      case 'postgres': {
        const { postgresSource } = await import('./postgres/index.ts');
        return postgresSource({
          host: cfg.host, port: cfg.port, user: cfg.user, password: cfg.password,
          databases: cfg.databases, globals: cfg.globals,
          pgDumpPath: cfg.pgDumpPath, pgDumpallPath: cfg.pgDumpallPath, signal: ctx.signal, env: ctx.env,
        });
      }
      case 'mysql': {
        const { mysqlSource } = await import('./mysql/index.ts');
        return mysqlSource({
          host: cfg.host, port: cfg.port, user: cfg.user, password: cfg.password,
          databases: cfg.databases, dumpPath: cfg.mysqldumpPath, signal: ctx.signal, env: ctx.env,
        });
      }
      case 'sqlite': {
        const { sqliteSource } = await import('./sqlite/index.ts');
        return sqliteSource({ path: cfg.path, signal: ctx.signal });
      }
      case 'redis': {
        const { redisSource } = await import('./redis/index.ts');
        return redisSource({
          host: cfg.host, port: cfg.port, username: cfg.username, password: cfg.password,
          rdbPath: cfg.rdbPath, signal: ctx.signal,
        });
      }
      case 'command': {
        const { commandStream } = await import('./command/command-stream.ts');
        const argv = cfg.command;
        return {
          kind: 'command',
          async *entries(signal: AbortSignal): AsyncGenerator<StreamEntry> {
            // Spawned here, not at creation: the job's before hook must run first.
            const s = ctx.signal ? AbortSignal.any([signal, ctx.signal]) : signal;
            yield commandStream(argv, { path: cfg.filename, signal: s, env: ctx.env });
          },
          tags: () => ['engine=command'],
        };
      }
      default:
        throw new UsageError(`unknown source type ${(cfg as { type: string }).type}`);
    }
  }

  return {
    kind: cfg.type,
    async *entries(signal: AbortSignal): AsyncGenerator<StreamEntry> {
      inner ??= await load();
      yield* inner.entries(signal);
    },
    tags: () => inner?.tags?.() ?? [`engine=${cfg.type}`],
  };
}

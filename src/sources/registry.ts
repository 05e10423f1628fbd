// The one place that knows the source engines: a map from `type:` to each engine's descriptor
// (src/sources/<engine>/index.ts). config/schema.ts builds the `source:` block from it, and app/
// creates sources and restorers through it. Descriptors are light; an engine's implementation
// and its driver load only when a job of that engine backs up or restores.

import type { z } from 'zod';
import { UsageError } from '../errors.ts';
import type { DbRestorer, DrillPlace, DrillScratch, SourceContext, SourceDescriptor } from './descriptor.ts';
import type { Source } from './types.ts';
import { command } from './command/index.ts';
import { files } from './files/index.ts';
import { mysql } from './mysql/index.ts';
import { postgres } from './postgres/index.ts';
import { redis } from './redis/index.ts';
import { sqlite } from './sqlite/index.ts';

export type {
  DbRestorer, DbRestoreRequest, DbRestoreResult, DrillFacts, DrillPlace, DrillScratch, RestoreTarget, SourceContext, TableDigest, TargetState,
} from './descriptor.ts';
export type { PostgresSourceConfig } from './postgres/index.ts';
export type { MysqlSourceConfig } from './mysql/index.ts';
export type { SqliteSourceConfig } from './sqlite/index.ts';
export type { RedisSourceConfig } from './redis/index.ts';
export type { FilesSourceConfig } from './files/index.ts';
export type { CommandSourceConfig } from './command/index.ts';

/** In the order the JSON Schema and messages list them. */
const ENGINES = [postgres, mysql, sqlite, redis, files, command] as const;

type Engines = typeof ENGINES;
type SchemasOf<T extends readonly SourceDescriptor<any>[]> = { -readonly [I in keyof T]: T[I]['schema'] };

/** Each engine's `source:` schema, for the discriminated union in config/schema.ts. */
export const SOURCE_SCHEMAS = ENGINES.map((e) => e.schema) as unknown as SchemasOf<Engines>;

/** A job's `source:` block as loaded: the union of the engines' config types. */
export type SourceConfig = z.output<SchemasOf<Engines>[number]>;
export type SourceType = SourceConfig['type'];

const BY_TYPE: ReadonlyMap<string, SourceDescriptor<any>> = new Map(
  ENGINES.flatMap((e): Array<[string, SourceDescriptor<any>]> => [[e.type, e], ...(e.aliases ?? []).map((a): [string, SourceDescriptor<any>] => [a, e])]),
);


/** The descriptor for a `type:` as written (aliases included); undefined for an unknown type. */
export function findSourceDescriptor(type: string): SourceDescriptor<any> | undefined {
  return BY_TYPE.get(type);
}

function descriptorOf(cfg: SourceConfig): SourceDescriptor<any> {
  const d = BY_TYPE.get(cfg.type);
  if (!d) throw new UsageError(`unknown source type ${cfg.type}`);
  return d;
}

/** `files` jobs are not a stream Source: app/ hands their paths to backupPaths instead. */
export function isFilesSource(cfg: SourceConfig): cfg is Extract<SourceConfig, { type: 'files' }> {
  return descriptorOf(cfg).backup.kind === 'paths';
}

/** A job's source. Returns at once; the engine loads and runs on the first entries() call. */
export function createSource(cfg: SourceConfig, ctx: SourceContext = {}): Source {
  const { backup } = descriptorOf(cfg);
  if (backup.kind !== 'stream') {
    throw new UsageError(`${cfg.type} source: back up its paths with backupPaths, not as a stream source`);
  }
  if ('password' in cfg && cfg.password) ctx.secrets?.push(cfg.password);
  return backup.createSource(cfg, ctx);
}

/**
 * The restorer for a job's source. The job's connection settings (host, port, user, password)
 * are where postgres and mysql targets live.
 */
export async function loadRestorer(cfg: SourceConfig): Promise<DbRestorer> {
  const d = descriptorOf(cfg);
  if (!d.restore) throw new UsageError(`restore: a ${cfg.type} job is not a database; use restore --target DIR`);
  const { root, dumpPath, dumpNames } = d.restore;
  return { engine: d.type, root, dumpPath, dumpNames, ...d.restore.target(cfg) };
}

/** A database job's drill: its snapshot layout and scratch copies. */
export interface DbDriller {
  engine: string;
  root: string;
  dumpPath(name: string): string;
  dumpNames(files: string[]): string[];
  scratch(place: DrillPlace): DrillScratch;
}

/** The drill of a job's engine; undefined for a files job (app/ drills it as a directory) and for engines without one. */
export function drillerFor(cfg: SourceConfig): DbDriller | undefined {
  const d = descriptorOf(cfg);
  if (!d.restore || !d.drill) return undefined;
  const { root, dumpPath, dumpNames } = d.restore;
  const drill = d.drill;
  return { engine: d.type, root, dumpPath, dumpNames, scratch: (place) => drill.scratch(cfg, place) };
}

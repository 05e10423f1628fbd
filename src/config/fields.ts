// Building blocks of the config schema, shared by config/schema.ts and the source engines'
// descriptors (src/sources/<engine>/index.ts). A leaf: it imports nothing else of config/, so
// engines can use it while config/schema.ts imports the engines.
//
// Keys are snake_case as written in YAML; `section()` makes the validated output camelCase, so
// the TypeScript types of the loaded config are z.output<> of these schemas, never written by
// hand. Leaf schemas convert their values (durations to milliseconds) the same way.

import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration.ts';

/** Keys whose values are secrets; each also has a `<key>_file` variant read from disk (secrets.ts). */
export const SECRET_KEYS = ['password', 'secret_access_key', 'webhook_url', 'url', 'secret', 'ping_url'] as const;
type SecretFileKey = `${(typeof SECRET_KEYS)[number]}_file`;

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** An object's keys in camelCase; `…_file` secret keys dropped (they were read into their key). */
export type Camelized<T> = {
  [K in keyof T as K extends SecretFileKey ? never : K extends string ? CamelCase<K> : K]: T[K];
};

const SECRET_FILE_KEYS: ReadonlySet<string> = new Set(SECRET_KEYS.map((k) => `${k}_file`));

/** `pg_dump_path` → `pgDumpPath`; undefined values and `…_file` secret keys are left out. */
export function camelize<T extends Record<string, unknown>>(obj: T): Camelized<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined || SECRET_FILE_KEYS.has(key)) continue;
    out[key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  return out as Camelized<T>;
}

/** A strict mapping with snake_case keys whose validated value has camelCase keys. */
export function section<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape).transform((value) => camelize(value));
}

export const nonEmpty = z.string().min(1, { error: 'must not be empty' });

export const argv = z.array(nonEmpty).min(1, { error: 'must list the program and its arguments' })
  .describe('A command as an argv list, run without a shell, e.g. [systemctl, stop, app].');

export const port = z.number().int().min(1).max(65535);

/** A wall-clock duration (`30s`, `1h30m`, `7d`) → milliseconds. */
export const duration = z
  .string()
  .regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration such as 30s, 5m, 1h30m or 7d' })
  .describe('A duration: integer + unit (ms, s, m, h, d, w), combinable, e.g. 30s, 5m, 1h30m, 7d.')
  // The pattern guarantees the syntax; an absurdly large value means "no limit".
  .transform((text) => parseDuration(text) ?? Number.MAX_SAFE_INTEGER);

/** `password` and `password_file` of a service (a database, Redis). */
export function secret(what: string) {
  return {
    password: z.string().optional().describe(`${what} password. Prefer password_file or \${VAR}.`),
    password_file: nonEmpty.optional().describe(`File holding the ${what} password (surrounding whitespace trimmed).`),
  };
}

export const databases = z
  .union([z.literal('all'), z.array(nonEmpty).min(1, { error: 'must list at least one database, or be "all"' })], {
    error: 'expected "all" or a list of database names',
  })
  .default('all')
  .describe('Databases to dump: a list of names, or "all" (default).');

// Loads lifeboat.yaml: YAML (with source positions) → ${VAR} interpolation → secret files →
// schema + whole-document checks → camelCase Config. Every problem is collected and reported
// at once as `file:line:col path: message`; none of them carries a secret value.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';
import { configSchema } from './schema.ts';
import { checkAliases } from './aliases.ts';
import { interpolateDocument, type PathIssue } from './interpolate.ts';
import { resolveSecretFiles } from './secrets.ts';
import { checkSemantics } from './semantics.ts';
import { errorMessage, flattenZodIssues } from './issues.ts';
import { formatPath, locate, type ConfigPath } from './locate.ts';
import { resolveConfigPaths } from './paths.ts';
import type { Config, JobConfig, LoadedConfig, RepositoryConfig } from './types.ts';

export type Env = Record<string, string | undefined>;

/** One problem, located; `text` is the line the user sees. */
export interface ConfigProblem {
  path: string;
  line: number;
  col: number;
  message: string;
  text: string;
}

export async function loadConfig(path: string, env: Env = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`load config ${path}: cannot read file (${code})`, [], {
      cause: err,
      hint: code === 'ENOENT' ? 'pass --config PATH, or create lifeboat.yaml (see examples/lifeboat.yaml)' : undefined,
    });
  }
  return parseConfigText(text, path, env);
}

function fail(fileName: string, problems: ConfigProblem[], secrets: readonly string[]): never {
  // Belt and braces: messages are built without values, but never let a secret through.
  const scrub = (s: string) => secrets.reduce((acc, secret) => (secret.length >= 4 ? acc.split(secret).join('***') : acc), s);
  const lines = problems.map((p) => scrub(p.text));
  const noun = problems.length === 1 ? 'problem' : 'problems';
  throw new ConfigError(`load config ${fileName}: ${problems.length} ${noun}\n${lines.join('\n')}`, lines, {
    context: { file: fileName, problems: problems.map((p) => ({ ...p, message: scrub(p.message), text: scrub(p.text) })) },
    hint: 'fix the problems listed; the JSON Schema schema/lifeboat.schema.json lets editors flag them as you type',
  });
}

function getAt(root: unknown, path: ConfigPath): unknown {
  let node = root;
  for (const seg of path) node = (node as Record<string | number, unknown> | null | undefined)?.[seg];
  return node;
}

function setAt(root: unknown, path: ConfigPath, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = value;
}

/**
 * Parses and validates config text. `fileName` labels messages, and its folder is what relative
 * paths in the config are relative to.
 */
export async function parseConfigText(text: string, fileName: string, env: Env = process.env): Promise<LoadedConfig> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, merge: true, uniqueKeys: true });
  const at = (path: ConfigPath, message: string): ConfigProblem => {
    const { line, col } = locate(doc, lc, path);
    const p = formatPath(path);
    return { path: p, line, col, message, text: `${fileName}:${line}:${col} ${p}: ${message}` };
  };

  if (doc.errors.length > 0) {
    // Only the first: the parser's later errors cascade from it. Its message may quote the
    // offending token, which could be a secret (values are unknown yet), so the quote is cut.
    const e = doc.errors[0]!;
    const { line, col } = lc.linePos(e.pos[0]);
    const message = `YAML syntax: ${e.message.replace(/:\s*".*$/s, '')}`;
    fail(fileName, [{ path: '', line, col, message, text: `${fileName}:${line}:${col} ${message}` }], []);
  }

  const aliasProblem = checkAliases(doc, lc);
  if (aliasProblem) {
    const { line, col, message } = aliasProblem;
    fail(fileName, [{ path: '', line, col, message: `YAML: ${message}`, text: `${fileName}:${line}:${col} YAML: ${message}` }], []);
  }

  const interpolation = interpolateDocument(doc, env);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (err) {
    // yaml's own guard (ReferenceError: excessive alias count), should checkAliases miss a case.
    const message = `YAML: ${(err as Error).message}`;
    fail(fileName, [{ path: '', line: 1, col: 1, message, text: `${fileName} ${message}` }], []);
  }
  // Top-level `x-…` keys are free-form, as in Compose files: a home for shared `&anchors`.
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    for (const key of Object.keys(raw)) if (key.startsWith('x-')) delete (raw as Record<string, unknown>)[key];
  }
  resolveConfigPaths(raw, dirname(resolve(fileName)));
  const secretFiles = await resolveSecretFiles(raw, interpolation.variables);
  const secrets = [...new Set(secretFiles.secrets)];

  const allowedKeys = new Map<string, string[]>();
  const parse = () => configSchema.safeParse(raw, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        const shape = (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
        allowedKeys.set(JSON.stringify(iss.path ?? []), shape ? Object.keys(shape) : []);
      }
      return errorMessage(iss);
    },
  });
  let result = parse();
  if (!result.success && coerceInterpolated(raw, result.error.issues, interpolation.plainInterpolated)) result = parse();

  const located: PathIssue[] = [...interpolation.issues, ...secretFiles.issues];
  const covered = new Set(located.map((i) => JSON.stringify(i.path)));
  if (!result.success) {
    // A value already reported (unset variable, unreadable file) needs no second complaint.
    for (const i of flattenZodIssues(result.error.issues, allowedKeys)) {
      if (!covered.has(JSON.stringify(i.path))) located.push(i);
    }
  }
  located.push(...checkSemantics(raw));

  const seen = new Set<string>();
  const problems = located
    .map((i) => at(i.path, i.message))
    .filter((p) => !seen.has(p.text) && seen.add(p.text) !== undefined)
    .sort((a, b) => a.line - b.line || a.col - b.col);
  if (problems.length > 0 || !result.success) fail(fileName, problems, secrets);

  return { ...result.data, file: fileName, secrets, secretOrigins: secretFiles.origins };
}

/**
 * `port: ${PG_PORT}` arrives as the string "5432". Where the schema wants a number or boolean
 * and the value came from an unquoted interpolation, convert it, as YAML would have had the
 * text been literal. Returns whether anything changed.
 */
function coerceInterpolated(raw: unknown, issues: readonly { code: string; path: PropertyKey[]; expected?: string }[], plain: Set<string>): boolean {
  let changed = false;
  for (const iss of issues) {
    if (iss.code !== 'invalid_type' || !plain.has(JSON.stringify(iss.path))) continue;
    const value = getAt(raw, iss.path as ConfigPath);
    if (typeof value !== 'string') continue;
    if ((iss.expected === 'number' || iss.expected === 'int') && /^-?\d+(\.\d+)?$/.test(value)) {
      setAt(raw, iss.path as ConfigPath, Number(value));
      changed = true;
    } else if (iss.expected === 'boolean' && (value === 'true' || value === 'false')) {
      setAt(raw, iss.path as ConfigPath, value === 'true');
      changed = true;
    }
  }
  return changed;
}

export function findJob(config: Config, name: string): JobConfig | undefined {
  return config.jobs.find((j) => j.name === name);
}

export function findRepository(config: Config, name: string): RepositoryConfig | undefined {
  return config.repositories.find((r) => r.name === name);
}

/** A job's repositories, primary first (references were checked when the config loaded). */
export function jobRepositories(config: Config, job: JobConfig): RepositoryConfig[] {
  return job.repositories.map((name) => findRepository(config, name)!);
}

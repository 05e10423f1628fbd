// Secrets: `password` / `secret_access_key` values and their `…_file` variants. Every resolved
// secret is collected so the log sanitizer can redact it; problems name the field and the file
// path, never the secret itself. Files are read under the one rule of password.ts (surrounding
// whitespace trimmed, as restic does).

import { SECRET_KEYS } from './fields.ts';
import { readSecretFile } from './password.ts';
import type { ConfigPath } from './locate.ts';
import type { PathIssue } from './interpolate.ts';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Where a secret of the config comes from, never its value: a file, environment variables
 * (`${VAR}`), or the config file itself. The runbook tells a person where to find each one.
 * (A repository's password_command is in the config as it is.)
 */
export type SecretOrigin = { kind: 'file'; file: string } | { kind: 'env'; variables: string[] } | { kind: 'inline' };

/**
 * Walks the raw (interpolated, not yet validated) config: replaces each `<key>_file` with
 * `<key>` holding the file's content, and collects every secret value and where it came from
 * (keyed by the dotted path as written: `jobs.orders.source.password`). Runs before validation
 * so a missing secret file is reported together with every other problem. `variables`: the
 * environment variables each interpolated value read, by JSON path.
 */
export async function resolveSecretFiles(raw: unknown, variables: ReadonlyMap<string, string[]> = new Map()):
Promise<{ issues: PathIssue[]; secrets: string[]; origins: Record<string, SecretOrigin> }> {
  const issues: PathIssue[] = [];
  const secrets: string[] = [];
  const origins: Record<string, SecretOrigin> = {};
  async function walk(node: unknown, path: ConfigPath): Promise<void> {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) await walk(node[i], [...path, i]);
      return;
    }
    if (!isRecord(node)) return;
    for (const key of SECRET_KEYS) {
      const fileKey = `${key}_file`;
      const file = node[fileKey];
      if (typeof file !== 'string' || file === '') continue;
      if (node[key] !== undefined) {
        issues.push({ path: [...path, fileKey], message: `set only one of ${key}, ${fileKey}` });
        continue;
      }
      delete node[fileKey];
      origins[[...path, key].join('.')] = { kind: 'file', file };
      try {
        const value = await readSecretFile(file);
        if (value === '') issues.push({ path: [...path, fileKey], message: `secret file ${file} is empty` });
        node[key] = value;
      } catch (err) {
        const code = String((err as { context?: { code?: string } }).context?.code ?? 'error');
        issues.push({ path: [...path, fileKey], message: `cannot read secret file ${file} (${code})` });
        // A placeholder keeps the "password required" check quiet: the file problem is the one.
        node[key] = '';
      }
    }
    for (const key of SECRET_KEYS) {
      const value = node[key];
      if (typeof value === 'string' && value !== '') secrets.push(value);
      const where = [...path, key].join('.');
      if (typeof value === 'string' && origins[where] === undefined) {
        const vars = variables.get(JSON.stringify([...path, key]));
        origins[where] = vars ? { kind: 'env', variables: vars } : { kind: 'inline' };
      }
    }
    for (const [key, value] of Object.entries(node)) await walk(value, [...path, key]);
  }
  await walk(raw, []);
  return { issues, secrets, origins };
}

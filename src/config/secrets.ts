// Secrets: `password` / `secret_access_key` values, their `…_file` variants, and repository
// `password_command`. Every resolved secret is collected so the log sanitizer can redact it;
// problems name the field and the file path, never the secret itself.

import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { ConfigError, AbortedError } from '../errors.ts';
import { SECRET_KEYS } from './schema.ts';
import type { ConfigPath } from './locate.ts';
import type { PathIssue } from './interpolate.ts';

/** Reads a secret file: its content minus trailing newline characters (as editors add them). */
export async function readSecretFile(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  return text.replace(/[\r\n]+$/, '');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Walks the raw (interpolated, not yet validated) config: replaces each `<key>_file` with
 * `<key>` holding the file's content, and collects every secret value. Runs before validation
 * so a missing secret file is reported together with every other problem.
 */
export async function resolveSecretFiles(raw: unknown): Promise<{ issues: PathIssue[]; secrets: string[] }> {
  const issues: PathIssue[] = [];
  const secrets: string[] = [];
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
      try {
        const value = await readSecretFile(file);
        if (value === '') issues.push({ path: [...path, fileKey], message: `secret file ${file} is empty` });
        node[key] = value;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        issues.push({ path: [...path, fileKey], message: `cannot read secret file ${file} (${code})` });
        // A placeholder keeps the "password required" check quiet: the file problem is the one.
        node[key] = '';
      }
    }
    for (const key of SECRET_KEYS) {
      const value = node[key];
      if (typeof value === 'string' && value !== '') secrets.push(value);
    }
    for (const [key, value] of Object.entries(node)) await walk(value, [...path, key]);
  }
  await walk(raw, []);
  return { issues, secrets };
}

/** Where a repository's password comes from. */
export type PasswordSource =
  | { kind: 'value'; value: string }
  | { kind: 'command'; command: string[] };

/**
 * The password itself. A `password_command` runs only here (when a repository is opened, as
 * restic does), so `config check` never runs it. The caller registers the result with the log
 * sanitizer.
 */
export async function resolvePassword(source: PasswordSource, signal?: AbortSignal): Promise<string> {
  if (source.kind === 'value') return source.value;
  const [program, ...args] = source.command;
  const what = `password_command ${program}`;
  return await new Promise<string>((resolve, reject) => {
    const child = spawn(program!, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    let errTail = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => { errTail = (errTail + b.toString('utf8')).slice(-2000); });
    child.on('error', (err) => {
      if (signal?.aborted) reject(new AbortedError());
      else reject(new ConfigError(`run ${what}: ${err.message}`, [], { cause: err }));
    });
    child.on('close', (code) => {
      if (signal?.aborted) return reject(new AbortedError());
      // stdout is the secret: never put it in the error, only stderr's tail.
      if (code !== 0) return reject(new ConfigError(`run ${what}: exit code ${code}${errTail ? `: ${errTail.trim()}` : ''}`));
      const value = Buffer.concat(out).toString('utf8').replace(/[\r\n]+$/, '');
      if (value === '') return reject(new ConfigError(`run ${what}: printed no password`));
      resolve(value);
    });
  });
}

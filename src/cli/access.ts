// Turns global flags and environment into a RepositoryAccess for the app layer.

import { UsageError } from '../errors.ts';
import { passwordSourceFromEnv, repositoryFromEnv } from '../app/password.ts';
import type { RepositoryAccess } from '../app/repository-access.ts';
import { isEmptyFilter, jobFilter, type SnapshotChoice, type SnapshotFilter } from '../app/snapshots.ts';
import { parsePointInTime } from '../core/point-in-time.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import type { CommandContext } from './command.ts';
import { canPrompt, readHidden } from './prompt.ts';

export function accessFromContext(ctx: CommandContext): RepositoryAccess {
  const { global, io } = ctx;
  const location = repositoryFromEnv(global.repo, io.env);
  if (!location) throw new UsageError('no repository given', { hint: 'pass --repo LOCATION or set LIFEBOAT_REPOSITORY' });
  // On a terminal without a password flag or variable, ask (restic's behaviour).
  const password = passwordSourceFromEnv(global, io.env) ??
    (canPrompt(io) ? { kind: 'prompt' as const, ask: (signal?: AbortSignal) => readHidden(io, `enter password for repository: `, signal) } : undefined);
  if (!password) {
    throw new UsageError('no password given', {
      hint: 'set LIFEBOAT_PASSWORD_FILE (or LIFEBOAT_PASSWORD), or pass --password-file FILE / --password-command CMD',
    });
  }
  return { location, password, retryLockMs: global.retryLockMs, warn: warnTo(ctx) };
}

/** Notices for the user on stderr (a JSON line with --json), never on stdout. */
export function warnTo(ctx: CommandContext): (message: string) => void {
  return (message) => {
    if (ctx.global.json) ctx.io.stderr.write(`${JSON.stringify({ message_type: 'warning', message })}\n`);
    else ctx.io.stderr.write(`warning: ${message}\n`);
  };
}

/** --no-lock, for verbs that only read (never for writers: withRepository refuses it there). */
export const NO_LOCK_OPTION = { 'no-lock': { type: 'boolean' } } as const;

export function withNoLock<T extends RepositoryAccess>(access: T, values: Record<string, unknown>): T {
  return values['no-lock'] === true ? { ...access, noLock: true } : access;
}

export function stringList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** restic's snapshot filter flags, shared by verbs that pick `latest`. */
export const SNAPSHOT_FILTER_OPTIONS = {
  host: { type: 'string' },
  tag: { type: 'string', multiple: true },
  path: { type: 'string', multiple: true },
} as const;

export function snapshotFilterFrom(values: Record<string, unknown>, jobName?: string): SnapshotFilter | undefined {
  const filter: SnapshotFilter = {
    host: values.host as string | undefined,
    tags: stringList(values.tag).map((t) => t.split(',').filter(Boolean)),
    paths: stringList(values.path),
  };
  if (jobName) return jobFilter(jobName, filter);
  return isEmptyFilter(filter) ? undefined : filter;
}

/** `--at TIME`: the newest snapshot at or before TIME, in place of the SNAPSHOT argument. */
export const AT_OPTION = { at: { type: 'string' } } as const;

/** `--at TIME` parsed: ISO 8601, or `2026-11-20 14:00` in local time. */
export function atTime(values: Record<string, unknown>): Date | undefined {
  const text = values.at as string | undefined;
  if (text === undefined) return undefined;
  const at = parsePointInTime(text);
  if (!at) throw new UsageError(`--at: "${text}" is not a time`, { hint: 'write 2026-11-20T14:00:00Z, or 2026-11-20 14:00 for local time' });
  return at;
}

/**
 * The snapshot a verb works on: the first positional (an ID or `latest`), or `--at TIME` in its
 * place. Returns the choice and the positionals left after it.
 */
export function snapshotChoice(values: Record<string, unknown>, positionals: string[], verb: string): { choice: SnapshotChoice; rest: string[] } {
  const at = atTime(values);
  if (at) return { choice: { at }, rest: positionals };
  const [ref, ...rest] = positionals;
  if (!ref) throw new UsageError(`${verb}: give a snapshot ID, "latest", or --at TIME`);
  return { choice: ref, rest };
}

/** Says which snapshot a command chose, before it starts (stderr: stdout may carry data). */
export function announceSnapshot(ctx: CommandContext): (entry: SnapshotEntry) => void {
  return (e) => {
    if (ctx.global.quiet || ctx.global.json) return;
    ctx.io.stderr.write(`using snapshot ${e.id.slice(0, 8)} of ${e.snapshot.time.replace('T', ' ').slice(0, 19)}` +
      `${e.snapshot.hostname ? ` from ${e.snapshot.hostname}` : ''}\n`);
  };
}

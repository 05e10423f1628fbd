// Job-level wrapping of any Source: `before`/`after` hook commands and a timeout.
//
// - before: runs first; if it fails (non-zero exit, not found, its own timeout) nothing is
//   yielded and the backup fails with the hook's exit code and stderr tail.
// - after: runs once the entries are done — also when the backup or the before hook failed
//   (typical pair: stop the app / start it again). If it fails, the backup fails too (loud:
//   the app may be down), after the inner failure if there was one.
// - timeoutMs: bounds the whole thing, hooks included; on expiry the inner source and its
//   streams are aborted and the failure reads `… timed out after N ms` (a SourceError, not the
//   AbortedError of a user's Ctrl-C).
// Hooks are argv arrays run without a shell (no quoting traps, nothing interpolated).

import { AbortedError, SourceError } from '../errors.ts';
import { spawnTool } from './process.ts';
import type { Source, StreamEntry } from './types.ts';

export interface GuardOptions {
  /** Names the job in messages, e.g. `job orders-db`. */
  label: string;
  hooks?: { before?: string[]; after?: string[]; timeoutMs?: number };
  timeoutMs?: number;
  /**
   * Additions to the hooks' environment (LIFEBOAT_JOB, a job's env and pass_env) over the
   * scrubbed environment every child gets (child-env.ts).
   */
  hookEnv?: Record<string, string>;
}

const DEFAULT_HOOK_TIMEOUT_MS = 10 * 60_000;

export function guardSource(inner: Source, options: GuardOptions): Source {
  return {
    kind: inner.kind,
    entries: (signal) => guardedEntries(inner, options, signal),
    ...(inner.tags ? { tags: () => inner.tags!() } : {}),
  };
}

async function* guardedEntries(inner: Source, o: GuardOptions, outer: AbortSignal): AsyncGenerator<StreamEntry> {
  const timeout = o.timeoutMs ? AbortSignal.timeout(o.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([outer, timeout]) : outer;
  const translate = (err: unknown): unknown =>
    timeout?.aborted && !outer.aborted
      ? new SourceError(`${o.label}: timed out after ${o.timeoutMs} ms`, null, '', { cause: err, hint: 'raise the job timeout, or find what is slow' })
      : err;

  let failure: unknown;
  let failed = false;
  try {
    if (o.hooks?.before?.length) await runHook('before', o.hooks.before, o, signal);
    for await (const e of inner.entries(signal)) {
      const done = e.done.catch((err: unknown) => { throw translate(err); });
      // Handled at once, like the inner `done`: when the stream fails first, the consumer sees
      // the error there and may attach to `done` only later — or never (no unhandled rejection).
      done.catch(() => {});
      yield { ...e, stream: translateStream(e.stream, translate), done };
    }
  } catch (err) {
    failed = true;
    failure = translate(err);
  } finally {
    if (o.hooks?.after?.length) {
      try {
        // The after hook runs even after a timeout or Ctrl-C: it usually restarts the app.
        await runHook('after', o.hooks.after, o, undefined);
      } catch (err) {
        if (!failed) {
          failed = true;
          failure = err;
        }
      }
    }
  }
  if (failed) throw failure;
}

async function* translateStream(s: AsyncIterable<Uint8Array>, translate: (e: unknown) => unknown): AsyncGenerator<Uint8Array> {
  try {
    yield* s;
  } catch (err) {
    throw translate(err);
  }
}

async function runHook(which: 'before' | 'after', argv: string[], o: GuardOptions, signal: AbortSignal | undefined): Promise<void> {
  const limit = o.hooks?.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  const hookTimeout = AbortSignal.timeout(limit);
  const tool = spawnTool({
    label: `${o.label}: ${which} hook ${argv[0]}`,
    command: argv[0]!,
    args: argv.slice(1),
    env: o.hookEnv,
    signal: signal ? AbortSignal.any([signal, hookTimeout]) : hookTimeout,
    stdout: 'ignore',
    hint: `check the ${which} hook of this job`,
  });
  try {
    await tool.done;
  } catch (err) {
    if (err instanceof AbortedError && hookTimeout.aborted && !signal?.aborted) {
      throw new SourceError(`${o.label}: ${which} hook ${argv[0]} timed out after ${limit} ms`, null, '', { cause: err });
    }
    throw err;
  }
}

// The shape every CLI verb shares. Verbs are thin: parse flags, call an app/ use-case, render
// text or JSON. Exit codes come from src/errors.ts, in one place.

import type { ParseArgsConfig } from 'node:util';
import type { Writable, Readable } from 'node:stream';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface GlobalOptions {
  repo?: string;
  passwordFile?: string;
  passwordCommand?: string;
  json: boolean;
  quiet: boolean;
  /** Milliseconds to keep retrying a lock held by someone else; 0 = fail at once. */
  retryLockMs: number;
  config?: string;
}

export interface CommandContext {
  io: CliIo;
  global: GlobalOptions;
  signal: AbortSignal;
  /** Prints a line for humans on stdout (suppressed by --json and --quiet): progress, summaries. */
  say(text: string): void;
  /** Prints a line of the answer the command was asked for (a listing) on stdout; only --json suppresses it. */
  out(text: string): void;
  /** Prints one JSON document on stdout (only with --json). */
  json(value: unknown): void;
  /** Progress/status for humans on stderr, only when stderr is a TTY and not --json/--quiet. */
  progress: ProgressSink;
}

export interface ProgressSink {
  update(line: string): void;
  done(): void;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Sub-verbs like `key add`; positionals[0] is the sub-verb. */
  run(ctx: CommandContext, args: ParsedArgs): Promise<number | void>;
}

// How another program (PostgreSQL's archive_command and restore_command, a systemd unit) runs
// this very Lifeboat: the same Node.js binary and entry point, by absolute path, so the command
// works whatever PATH and working directory that program has.

import * as sea from 'node:sea';
import { fileURLToPath } from 'node:url';

/** argv prefix that starts Lifeboat: `[node, /abs/bin/lifeboat.js]`, or the single executable. */
export function selfCommand(): string[] {
  if (sea.isSea()) return [process.execPath];
  return [process.execPath, fileURLToPath(new URL('../../bin/lifeboat.js', import.meta.url))];
}

/** A POSIX shell word for `s` (single-quoted unless it is plainly safe). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A shell command line running Lifeboat with `args` (which may hold %p/%f placeholders). */
export function selfCommandLine(args: string[]): string {
  return [...selfCommand(), ...args].map((a) => (/^%[a-z]$/.test(a) ? a : shellQuote(a))).join(' ');
}

// Where a repository password comes from, and the one rule for reading it. It follows restic
// 0.14 so that the same file or command opens the same repository with either program:
// - a value (`password:` in the config, LIFEBOAT_PASSWORD / RESTIC_PASSWORD) is used as is;
// - a file is read as text (a UTF-8 BOM dropped, UTF-16 with a BOM converted) and trimmed of
//   surrounding whitespace (Go's strings.TrimSpace: spaces, tabs, CR, LF and other Unicode
//   white space);
// - a command is an argv run without a shell; its stdout is trimmed the same way. A command
//   given as one string (--password-command, LIFEBOAT_PASSWORD_COMMAND) is split into words
//   exactly as restic splits --password-command (see splitCommandLine).
// An empty password (after trimming) is an error. Errors name the file or the program, never
// the password: a failing command's stdout is discarded, only its stderr's tail is shown.

import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { AbortedError, ConfigError } from '../errors.ts';

export type PasswordSource =
  | { kind: 'value'; value: string }
  | { kind: 'file'; path: string }
  | { kind: 'command'; argv: string[] }
  /** Typed on a terminal when the repository is opened (the CLI's prompt), as restic asks. */
  | { kind: 'prompt'; ask: (signal?: AbortSignal) => Promise<string> };

const SURROUNDING_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;

/** Go's strings.TrimSpace (Unicode White_Space at both ends), as restic applies to passwords. */
export function trimSecret(text: string): string {
  return text.replace(SURROUNDING_SPACE, '');
}

/** restic's textfile.Decode: drop a UTF-8 BOM, convert UTF-16 that starts with a BOM. */
export function decodeSecretText(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(3));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/**
 * A secret file's content under the rule above (also used for `*_file` keys in the config).
 * Errors name the file and the errno code.
 */
export async function readSecretFile(path: string, signal?: AbortSignal): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path, { signal });
  } catch (cause) {
    if (signal?.aborted) throw new AbortedError();
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`read password file ${path}: ${code === 'ENOENT' ? 'does not exist' : code}`, [], { cause, context: { code } });
  }
  return trimSecret(decodeSecretText(bytes));
}

/**
 * restic's SplitShellStrings, so that a RESTIC_PASSWORD_COMMAND gives both programs the same
 * argv: words are separated by white space; '…' and "…" group words (a quote also ends the
 * word before it); a backslash outside quotes separates words too, and makes a quote right
 * after it literal. No variables, globs, pipes or redirections: there is no shell.
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let quote = '';
  let last = '';
  let start = -1;
  let at = 0;
  for (const c of text) {
    let split: boolean;
    if (last !== '\\' && quote !== '' && c === quote) {
      quote = '';
      split = true;
    } else if (last !== '\\' && quote === '' && (c === '"' || c === "'")) {
      quote = c;
      split = true;
    } else {
      last = c;
      split = quote === '' && (c === '\\' || /^\p{White_Space}$/u.test(c));
    }
    if (split) {
      if (start >= 0) words.push(text.slice(start, at));
      start = -1;
    } else if (start < 0) {
      start = at;
    }
    at += c.length;
  }
  if (start >= 0) words.push(text.slice(start));
  if (quote === "'") throw new ConfigError('password command: single-quoted string not terminated');
  if (quote === '"') throw new ConfigError('password command: double-quoted string not terminated');
  if (words.length === 0) throw new ConfigError('password command: command string is empty');
  return words;
}

/** The password itself, read or run now (a command runs when a repository is opened, as in restic). */
export async function readPassword(source: PasswordSource, signal?: AbortSignal): Promise<string> {
  switch (source.kind) {
    case 'value':
      if (source.value === '') throw new ConfigError('the password is empty');
      return source.value;
    case 'file': {
      const value = await readSecretFile(source.path, signal);
      if (value === '') throw new ConfigError(`password file ${source.path} is empty`);
      return value;
    }
    case 'command':
      return runPasswordCommand(source.argv, signal);
    case 'prompt': {
      const value = await source.ask(signal);
      if (value === '') throw new ConfigError('the password is empty');
      return value;
    }
  }
}

function runPasswordCommand(argv: string[], signal?: AbortSignal): Promise<string> {
  const [program, ...args] = argv;
  if (program === undefined || program === '') return Promise.reject(new ConfigError('password command: command string is empty'));
  const what = `password command ${program}`;
  return new Promise<string>((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    let errTail = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => { errTail = (errTail + b.toString('utf8')).slice(-2000); });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (signal?.aborted) reject(new AbortedError());
      else reject(new ConfigError(`run ${what}: ${err.code ?? err.message}`, [], { cause: err }));
    });
    child.on('close', (code, sig) => {
      if (signal?.aborted) return reject(new AbortedError());
      // stdout is the secret: never in an error, only stderr's tail.
      const tail = errTail.trim() ? `: ${errTail.trim()}` : '';
      if (code !== 0) return reject(new ConfigError(`run ${what}: ${code === null ? `killed by ${sig}` : `exit code ${code}`}${tail}`));
      const value = trimSecret(Buffer.concat(out).toString('utf8'));
      if (value === '') return reject(new ConfigError(`run ${what}: printed no password`));
      resolve(value);
    });
  });
}

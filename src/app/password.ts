// Where a repository password comes from. Never argv: a password on the command line is
// visible to every user through /proc. We accept restic's variables too so that users can
// point Lifeboat at an existing restic setup unchanged.

import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { LifeboatError, UsageError } from '../errors.ts';

export interface PasswordSource {
  /** The password itself (from an environment variable or a resolved config secret). */
  password?: string;
  /** A file holding the password; one trailing newline is dropped. */
  file?: string;
  /** A shell command printing the password on stdout. */
  command?: string;
}

/** Picks the password source from flags first, then LIFEBOAT_*, then RESTIC_* variables. */
export function passwordSourceFromEnv(
  flags: { passwordFile?: string; passwordCommand?: string },
  env: NodeJS.ProcessEnv,
): PasswordSource | undefined {
  if (flags.passwordFile) return { file: flags.passwordFile };
  if (flags.passwordCommand) return { command: flags.passwordCommand };
  for (const prefix of ['LIFEBOAT', 'RESTIC']) {
    const direct = env[`${prefix}_PASSWORD`];
    if (direct !== undefined && direct !== '') return { password: direct };
    const file = env[`${prefix}_PASSWORD_FILE`];
    if (file) return { file };
    const command = env[`${prefix}_PASSWORD_COMMAND`];
    if (command) return { command };
  }
  return undefined;
}

export async function readPassword(source: PasswordSource, signal?: AbortSignal): Promise<string> {
  if (source.password !== undefined) return source.password;
  if (source.file !== undefined) {
    let text: string;
    try {
      text = await readFile(source.file, { encoding: 'utf8', signal });
    } catch (cause) {
      throw new LifeboatError('error', `read password file ${source.file}: ${(cause as NodeJS.ErrnoException).code ?? 'failed'}`, { cause });
    }
    return stripOneNewline(text);
  }
  if (source.command !== undefined) return stripOneNewline(await runPasswordCommand(source.command, signal));
  throw new UsageError('no password source given');
}

function stripOneNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

function runPasswordCommand(command: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    let errTail = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => { errTail = (errTail + b.toString()).slice(-500); });
    child.on('error', (cause) => reject(new LifeboatError('error', 'password command failed to start', { cause })));
    child.on('close', (code) => {
      // The command's stdout is the secret: never echo it; stderr is safe to show.
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new LifeboatError('error', `password command exited with code ${code}${errTail ? `: ${errTail.trim()}` : ''}`));
    });
  });
}

/** Repository location from the flag, then LIFEBOAT_REPOSITORY, then RESTIC_REPOSITORY. */
export function repositoryFromEnv(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return flag ?? env.LIFEBOAT_REPOSITORY ?? env.RESTIC_REPOSITORY ?? undefined;
}

// Which password source the command line asks for. Never argv: a password on the command line
// is visible to every user through /proc. We accept restic's variables too, so that users can
// point Lifeboat at an existing restic setup unchanged. How a source is read (trimming, how a
// command string is split) is the one rule of config/password.ts.

import { splitCommandLine, type PasswordSource } from '../config/password.ts';

export type { PasswordSource };

/**
 * Picks the password source from flags first, then LIFEBOAT_*, then RESTIC_* variables.
 * `side: 'FROM'` reads the variables for copy's source repository (`LIFEBOAT_FROM_PASSWORD`…).
 */
export function passwordSourceFromEnv(
  flags: { passwordFile?: string | undefined; passwordCommand?: string | undefined },
  env: NodeJS.ProcessEnv,
  side: '' | 'FROM' = '',
): PasswordSource | undefined {
  if (flags.passwordFile) return { kind: 'file', path: flags.passwordFile };
  if (flags.passwordCommand) return { kind: 'command', argv: splitCommandLine(flags.passwordCommand) };
  const infix = side ? `_${side}` : '';
  for (const prefix of ['LIFEBOAT', 'RESTIC']) {
    const direct = env[`${prefix}${infix}_PASSWORD`];
    if (direct !== undefined && direct !== '') return { kind: 'value', value: direct };
    const file = env[`${prefix}${infix}_PASSWORD_FILE`];
    if (file) return { kind: 'file', path: file };
    const command = env[`${prefix}${infix}_PASSWORD_COMMAND`];
    if (command) return { kind: 'command', argv: splitCommandLine(command) };
  }
  return undefined;
}

/** Repository location from the flag, then LIFEBOAT_REPOSITORY, then RESTIC_REPOSITORY. */
export function repositoryFromEnv(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return flag ?? env.LIFEBOAT_REPOSITORY ?? env.RESTIC_REPOSITORY ?? undefined;
}

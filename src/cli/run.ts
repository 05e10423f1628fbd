// Entry of the command line: finds the verb, parses global and verb flags strictly, runs the
// verb with an AbortSignal wired to SIGINT/SIGTERM, and maps errors to restic's exit codes.

import { parseArgs } from 'node:util';
import { exitCodeFor, LifeboatError, UsageError, ConfigError } from '../errors.ts';
import { parseDurationMs } from '../core/duration.ts';
import type { CliIo, Command, CommandContext, GlobalOptions } from './command.ts';
import { createProgressSink } from './progress.ts';
import { commands } from './commands.ts';
import { GLOBAL_OPTIONS, GLOBAL_USAGE } from './global-options.ts';

export { GLOBAL_OPTIONS };

export async function runCli(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
  let verbIndex = findVerb(argv);
  // `lifeboat --version` is `lifeboat version`.
  if (verbIndex === -1 && argv.includes('--version')) {
    argv = argv.map((a) => (a === '--version' ? 'version' : a));
    verbIndex = findVerb(argv);
  }
  let verb = verbIndex === -1 ? undefined : argv[verbIndex];
  // `lifeboat help COMMAND` is `lifeboat COMMAND --help`.
  if (verb === 'help' && argv[verbIndex + 1] !== undefined && !argv[verbIndex + 1]!.startsWith('-')) {
    argv = [...argv.slice(0, verbIndex), argv[verbIndex + 1]!, '--help', ...argv.slice(verbIndex + 2)];
    verb = argv[verbIndex];
  }
  const entry = verb === undefined ? undefined : commands.find((c) => c.name === verb);
  if (verb === undefined || verb === 'help' || !entry) {
    const wantsHelp = verb === undefined || verb === 'help';
    if (wantsHelp) {
      io.stdout.write(usage());
      return 0;
    }
    if (argv.includes('--json')) reportError(io, new UsageError(`unknown command "${verb}"`, { hint: 'see lifeboat help' }), true);
    else io.stderr.write(usage(`unknown command "${verb}"`));
    return 1;
  }
  const command = await entry.load();
  const rest = [...argv.slice(0, verbIndex), ...argv.slice(verbIndex + 1)];
  let json = rest.includes('--json');
  try {
    const parsed = parseFlags(rest, command);
    const values = parsed.values as Record<string, string | boolean | undefined>;
    if (values.help) {
      io.stdout.write(`${command.usage}\n\n${GLOBAL_USAGE.join('\n')}\n`);
      return 0;
    }
    const global = globalOptions(values);
    json = global.json;
    const ctx = makeContext(io, global, signal);
    const code = await command.run(ctx, { values: parsed.values as never, positionals: parsed.positionals });
    return code ?? 0;
  } catch (err) {
    reportError(io, err, json);
    return signal.aborted ? 130 : exitCodeFor(err);
  }
}

/** parseArgs, with its errors said in the user's terms: which flag, which command, where to look. */
function parseFlags(args: string[], command: Command): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const flag = /'(?:-\w, )?(--?[\w-]+)/.exec((err as Error).message)?.[1] ?? '';
    const see = { hint: `see lifeboat ${command.name} --help` };
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown flag ${flag} for "${command.name}" (see lifeboat ${command.name} --help)`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const spec = { ...GLOBAL_OPTIONS, ...command.options }[flag.replace(/^-+/, '')] ??
        Object.values({ ...GLOBAL_OPTIONS, ...command.options }).find((o) => `-${o.short}` === flag);
      throw new UsageError(spec?.type === 'boolean' ? `flag ${flag} of "${command.name}" takes no value` : `flag ${flag} of "${command.name}" needs a value`, see);
    }
    throw new UsageError(`${command.name}: ${(err as Error).message}`, see);
  }
}

/** Index of the first argument that is not a flag or a global flag's value. */
function findVerb(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return -1;
    if (!arg.startsWith('-')) return i;
    const name = arg.replace(/^--?/, '').split('=')[0]!;
    const spec = GLOBAL_OPTIONS[name] ?? Object.values(GLOBAL_OPTIONS).find((o) => o.short === name);
    if (spec?.type === 'string' && !arg.includes('=')) i++;
  }
  return -1;
}

function globalOptions(values: Record<string, string | boolean | undefined>): GlobalOptions {
  const retry = values['retry-lock'] as string | undefined;
  const retryLockMs = retry === undefined ? 0 : parseDurationMs(retry);
  if (retryLockMs === undefined) throw new UsageError(`--retry-lock: "${retry}" is not a duration (e.g. 30s, 5m)`);
  return {
    repo: values.repo as string | undefined,
    passwordFile: values['password-file'] as string | undefined,
    passwordCommand: values['password-command'] as string | undefined,
    json: values.json === true,
    quiet: values.quiet === true,
    retryLockMs,
    config: values.config as string | undefined,
  };
}

function makeContext(io: CliIo, global: GlobalOptions, signal: AbortSignal): CommandContext {
  const human = !global.json && !global.quiet;
  return {
    io,
    global,
    signal,
    say: (text) => { if (human) io.stdout.write(`${text}\n`); },
    out: (text) => { if (!global.json) io.stdout.write(`${text}\n`); },
    json: (value) => { if (global.json) io.stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`); },
    progress: createProgressSink(io.stderr, human && io.stderr.isTTY === true),
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function reportError(io: CliIo, err: unknown, json: boolean): void {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof LifeboatError ? err.code : 'error';
  const hint = err instanceof LifeboatError ? err.hint : undefined;
  const issues = err instanceof ConfigError ? err.issues : [];
  if (json) {
    io.stderr.write(`${JSON.stringify({ message_type: 'error', code, message, hint, issues: issues.length ? issues : undefined })}\n`);
    return;
  }
  io.stderr.write(`lifeboat: ${message}\n`);
  if (hint) io.stderr.write(`hint: ${hint}\n`);
  // Unexpected errors are bugs: show where they came from when debugging.
  if (!(err instanceof LifeboatError) && err instanceof Error && io.env.LIFEBOAT_DEBUG) io.stderr.write(`${err.stack}\n`);
}

export function usage(problem?: string): string {
  const lines = [
    ...(problem ? [`lifeboat: ${problem}`, ''] : []),
    'Usage: lifeboat [global flags] <command> [flags] [arguments]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`),
    '',
    ...GLOBAL_USAGE,
    '',
    'Run "lifeboat help COMMAND" (or "lifeboat COMMAND --help") for a command\'s flags.',
    '',
  ];
  return lines.join('\n');
}

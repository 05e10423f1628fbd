// `extra_args` of a dump tool: passed on to it, except options that would carry a secret, change
// the connection, or change what or where the tool writes (Lifeboat streams the tool's stdout in
// the format its restore expects). Checked when the config loads, so a refused option is a
// config problem with its line and column, never a surprise at 3 a.m.
//
// One item is one option, its value attached: `--exclude-table-data=logs` or `-Tlogs`. An item
// that is not an option (a separate value) is refused, so every item can be judged on its own.
// Like the tools' own parsers we read abbreviations (`--form=p` is `--format`), bundled short
// flags (`-vf/tmp/x` holds `-f`), and for MySQL the `--skip-`/`--loose-`… prefixes and `_` for
// `-`. Messages name the option, never its value: the value may be a password.

import { z } from 'zod';
import { nonEmpty } from '../config/fields.ts';

export type RefusalReason = 'output' | 'connection' | 'databases' | 'info';

export interface ExtraArgRules {
  /** The tool, for messages: `pg_dump`. */
  tool: string;
  /**
   * Refused long options (without `--`) and why. A trailing `*` refuses every name that starts
   * so (`password*`: MySQL's --password1…).
   */
  refusedLong: Readonly<Record<string, RefusalReason>>;
  /** Refused short options and why. */
  refusedShort: Readonly<Record<string, RefusalReason>>;
  /** Short options that take a value: in `-Tlogs` the rest of the item is the value. */
  shortWithValue: string;
  /** MySQL: prefixes that modify an option (`--skip-comments`, `--loose-result-file`). */
  modifierPrefixes?: readonly string[];
  /** MySQL: `--result_file` is `--result-file`. */
  underscoreIsDash?: boolean;
  /** Shown with `output` refusals: what Lifeboat does instead. */
  outputNote: string;
}

function because(reason: RefusalReason, rules: ExtraArgRules): string {
  switch (reason) {
    case 'output': return rules.outputNote;
    case 'connection': return 'set the connection and password with the source\'s host, port, user and password(_file)';
    case 'databases': return 'choose databases with the source\'s databases';
    case 'info': return 'it prints information instead of a dump';
  }
}

function refusedLongName(name: string, rules: ExtraArgRules): [string, RefusalReason] | undefined {
  for (const [refused, reason] of Object.entries(rules.refusedLong)) {
    if (refused.endsWith('*')) {
      const stem = refused.slice(0, -1);
      // `--pass` abbreviates `--password`; `--password2` is one of MySQL's --password1/2/3.
      if (name.startsWith(stem) || stem.startsWith(name)) return [stem, reason];
    } else if (refused.startsWith(name)) {
      // The name itself or an abbreviation of it.
      return [refused, reason];
    }
  }
  return undefined;
}

function findPrefix(name: string, rules: ExtraArgRules): string | undefined {
  return rules.modifierPrefixes?.find((p) => name.startsWith(p));
}

/** Why `arg` may not be passed to the tool, or undefined when it may. */
export function checkExtraArg(arg: string, rules: ExtraArgRules): string | undefined {
  const refuse = (option: string, reason: RefusalReason) =>
    `${rules.tool} option ${option} is not allowed in extra_args: ${because(reason, rules)}`;
  if (arg === '--' || arg === '-' || !arg.startsWith('-')) {
    return 'expected one option per item, starting with - (write a value in the same item: --option=value or -Xvalue)';
  }
  if (arg.startsWith('--')) {
    let name = arg.slice(2).split('=')[0]!;
    if (rules.underscoreIsDash) name = name.replace(/_/g, '-');
    // `--loose-skip-comments` stacks two modifiers.
    for (let prefix = findPrefix(name, rules); prefix !== undefined; prefix = findPrefix(name, rules)) name = name.slice(prefix.length);
    if (name === '') return `${rules.tool} option ${arg.split('=')[0]} is incomplete`;
    const hit = refusedLongName(name, rules);
    return hit ? refuse(`--${hit[0]}`, hit[1]) : undefined;
  }
  // Short options, possibly bundled: each letter is a flag until one that takes a value.
  for (const letter of arg.slice(1)) {
    const reason = rules.refusedShort[letter];
    if (reason !== undefined) return refuse(`-${letter}`, reason);
    if (rules.shortWithValue.includes(letter)) return undefined;
  }
  return undefined;
}

/** The `extra_args` field of an engine's schema: a list of options, each checked against `rules`. */
export function extraArgsField(rules: ExtraArgRules) {
  return z
    .array(nonEmpty)
    .superRefine((args, ctx) => {
      args.forEach((arg, i) => {
        const problem = checkExtraArg(arg, rules);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: [i] });
      });
    })
    .default([]);
}

import type { Command } from '../command.ts';
import { NO_LOCK_OPTION, SNAPSHOT_FILTER_OPTIONS, stringList, withNoLock } from '../access.ts';
import { chooseRepository, chosenFilter, REPOSITORY_CHOICE_OPTIONS, REPOSITORY_CHOICE_USAGE } from '../repo-choice.ts';
import { runFind, type FindHit } from '../../app/inspect.ts';
import { UsageError } from '../../errors.ts';
import { goModeString, localTime, longNodeLine } from '../restic-format.ts';
import { parseLocalTime } from '../local-time.ts';

export const findCommand: Command = {
  name: 'find',
  summary: 'find files and directories by name or path in snapshots',
  usage: [
    'Usage: lifeboat find PATTERN… [--snapshot ID]… [--job NAME] [-i] [-l] [--oldest T] [--newest T]',
    '',
    'Searches every snapshot (or those of --snapshot, or the job\'s with --job) for paths matching',
    'a pattern, with restic\'s rules: `config.json`, `*.sql`, `/srv/app/**/*.log`; a pattern',
    'matching a directory matches what is below it. --json prints one JSON array (restic\'s:',
    'one object per snapshot with its matches).',
    '',
    'Flags:',
    '  -s, --snapshot ID       search only this snapshot (repeatable; `latest` too)',
    '  -i, --ignore-case       ignore case in patterns',
    '  -l, --long              show mode, owner, size and time',
    '  -O, --oldest TIME       only entries modified at or after TIME (2024-01-31, "2024-01-31 15:04")',
    '  -N, --newest TIME       only entries modified at or before TIME',
    ...REPOSITORY_CHOICE_USAGE,
    '      --host H, --tag T, --path P   only snapshots matching these (when no --snapshot is given)',
    '      --no-lock           do not lock the repository',
  ].join('\n'),
  options: {
    snapshot: { type: 'string', short: 's', multiple: true },
    'ignore-case': { type: 'boolean', short: 'i' },
    long: { type: 'boolean', short: 'l' },
    oldest: { type: 'string', short: 'O' },
    newest: { type: 'string', short: 'N' },
    ...REPOSITORY_CHOICE_OPTIONS, ...SNAPSHOT_FILTER_OPTIONS, ...NO_LOCK_OPTION,
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length === 0) throw new UsageError('find: give at least one PATTERN');
    const chosen = await chooseRepository(ctx, values);
    const when = (flag: 'oldest' | 'newest') => {
      const v = values[flag] as string | undefined;
      return v === undefined ? undefined : parseLocalTime(v, `--${flag}`);
    };
    const json = ctx.global.json;
    const out = (text: string) => { ctx.io.stdout.write(text); };
    let current: string | undefined;
    let hits = 0;
    const onHit = (h: FindHit) => {
      if (json) {
        if (h.snapshot.id !== current) {
          out(current === undefined ? '[' : `],"hits":${hits},"snapshot":${JSON.stringify(current)}},`);
          out('{"matches":[');
          current = h.snapshot.id;
          hits = 0;
        }
        out(`${hits > 0 ? ',' : ''}${JSON.stringify(matchJson(h))}`);
        hits++;
        return;
      }
      if (h.snapshot.id !== current) {
        if (current !== undefined) ctx.say('');
        current = h.snapshot.id;
        ctx.say(`Found matching entries in snapshot ${h.snapshot.id.slice(0, 8)} from ${localTime(h.snapshot.snapshot.time)}`);
      }
      ctx.out(values.long ? longNodeLine(h.path, h.node) : h.path);
    };
    await runFind(withNoLock(chosen.access, values), { refs: stringList(values.snapshot), filter: chosenFilter(values, chosen) }, {
      patterns: positionals, ignoreCase: values['ignore-case'] === true, oldestNs: when('oldest'), newestNs: when('newest'),
    }, onHit, ctx.signal);
    if (json) out(current === undefined ? '[]\n' : `],"hits":${hits},"snapshot":${JSON.stringify(current)}}]\n`);
  },
};

/** restic's find --json match: the node's fields without name, inode, content and subtree. */
function matchJson(h: FindHit): Record<string, unknown> {
  const { name: _n, inode: _i, extended_attributes: _x, device: _d, content: _c, subtree: _s, ...rest } = h.node;
  const node = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));
  return { path: h.path, permissions: goModeString(h.node), ...node };
}

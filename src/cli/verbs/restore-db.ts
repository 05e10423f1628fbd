// `restore SNAPSHOT|latest --job NAME --into TARGET …`: a database snapshot into a database,
// file or directory, with the confirmation rules of the issue: a non-empty target needs
// --force; then a TTY user types the target's name, or --yes says it for scripts; without a
// TTY and without --yes the restore is refused.

import { createInterface } from 'node:readline/promises';
import type { CommandContext, ParsedArgs } from '../command.ts';
import { announceSnapshot, snapshotChoice, snapshotFilterFrom, stringList, withNoLock } from '../access.ts';
import { accessForJob } from '../job-access.ts';
import { runDatabaseRestore, type TargetState } from '../../app/db-restore.ts';
import { UsageError } from '../../errors.ts';
import { formatBytes } from '../progress.ts';

export const DB_RESTORE_USAGE = [
  '       lifeboat [--config FILE] restore SNAPSHOT|latest --job NAME --into TARGET [flags]',
  '       lifeboat [--config FILE] restore SNAPSHOT|latest --job NAME --list [--database DB]',
  '',
  'Database restore (--job): the dump in the snapshot streams from the repository straight into',
  'the target, on the server of the job\'s source (its host, port, user and password). `latest` is',
  'the job\'s newest snapshot.',
  '  --job NAME        the job whose snapshot this is (engine and connection come from it)',
  '  --into TARGET     postgres/mysql: database name (created if missing); sqlite: file path',
  '                    (replaced atomically); redis: the stopped server\'s dir (dump.rdb placed there)',
  '  --database DB     which dump of the snapshot (needed when it holds several databases)',
  '  --table T         restore only table T (repeatable) with its keys, indexes, defaults, sequences,',
  '                    triggers and comments; postgres: T or SCHEMA.T; an FK to a table not restored is',
  '                    skipped and reported',
  '  --schema S        postgres: restore only schema S (repeatable; with --table: where to find T)',
  '  --no-owner        postgres: do not restore owners and privileges (roles missing on the target)',
  '  --globals         postgres: apply the snapshot\'s roles and tablespaces (globals.sql) first',
  '  --force           restore into a target that holds data (postgres: drop and recreate the dump\'s',
  '                    objects; mysql: replace its tables; sqlite/redis: replace the file, even in use)',
  '  --yes             confirm --force without the prompt (scripts); without a TTY it is required',
  '  --list            print the dump\'s objects (postgres, mysql) and restore nothing',
];

export async function runDbRestore(ctx: CommandContext, { values, positionals }: ParsedArgs): Promise<number> {
  const { choice: ref, rest } = snapshotChoice(values, positionals, 'restore');
  if (rest.length > 0) throw new UsageError('restore: give exactly one snapshot ID, "latest", or --at TIME');
  if (values.target !== undefined || values.include !== undefined) {
    throw new UsageError('restore --job: use --into TARGET (--target/--include are for file restores)');
  }
  const jobName = values.job as string | undefined;
  if (!jobName) throw new UsageError('restore: --into/--list need --job NAME (which job\'s database this is)');
  const { config, job, access: jobAccess } = await accessForJob(ctx, jobName);
  const access = withNoLock(jobAccess, values);
  const into = values.into as string | undefined;
  const outcome = await runDatabaseRestore(config, access, job, {
    ref,
    filter: snapshotFilterFrom(values),
    onSnapshot: announceSnapshot(ctx),
    database: values.database as string | undefined,
    into,
    tables: stringList(values.table),
    schemas: stringList(values.schema),
    force: values.force === true,
    noOwner: values['no-owner'] === true,
    globals: values.globals === true,
    list: values.list === true,
    confirm: (state) => confirm(ctx, state, into!, values.yes === true),
    signal: ctx.signal,
  });
  if (outcome.objects) {
    ctx.json({ message_type: 'dump_objects', snapshot_id: outcome.snapshotId, engine: outcome.engine, database: outcome.database, objects: outcome.objects });
    if (!ctx.global.json) for (const line of outcome.objects) ctx.io.stdout.write(`${line}\n`);
    return 0;
  }
  for (const e of outcome.globalsErrors ?? []) ctx.io.stderr.write(`globals.sql: ${e}\n`);
  ctx.say(`restored ${outcome.engine} dump of ${outcome.database} from snapshot ${outcome.snapshotId.slice(0, 8)} into ` +
    `${outcome.target}${outcome.created ? ' (created)' : ''}: ${formatBytes(outcome.bytes ?? 0)} of the dump read`);
  if (outcome.pointInTime) {
    const p = outcome.pointInTime;
    ctx.say(`  replayed ${p.transactions} transactions from ${p.batches} shipped WAL batches, observed up to ${p.upTo}`);
  }
  if (outcome.objectsRestored) {
    const counts = new Map<string, number>();
    for (const o of outcome.objectsRestored) counts.set(o.type, (counts.get(o.type) ?? 0) + 1);
    for (const [type, n] of counts) ctx.say(`  restored ${n} ${type}`);
    for (const s of outcome.objectsSkipped ?? []) ctx.say(`  not restored: ${s.type} ${s.name}: ${s.reason}`);
  }
  ctx.json({ message_type: 'summary', snapshot_id: outcome.snapshotId, engine: outcome.engine, database: outcome.database,
    target: outcome.target, created: outcome.created, bytes_restored: outcome.bytes, globals_errors: outcome.globalsErrors,
    objects_restored: outcome.objectsRestored, objects_skipped: outcome.objectsSkipped,
    ...(outcome.pointInTime ? { wal_batches: outcome.pointInTime.batches, wal_transactions: outcome.pointInTime.transactions, wal_up_to: outcome.pointInTime.upTo } : {}) });
  return 0;
}

/** --yes, or on a TTY the target's name typed back; otherwise refused. */
async function confirm(ctx: CommandContext, state: TargetState, target: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!ctx.io.stdin.isTTY) {
    throw new UsageError(`restore into ${state.describe}: replacing data (${state.detail}) needs confirmation`,
      { hint: 'no terminal to ask on: pass --yes to confirm in scripts' });
  }
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    ctx.io.stderr.write(`This restore replaces data in ${state.describe} (${state.detail}).\n`);
    const answer = await rl.question(`Type "${target}" to confirm: `, { signal: ctx.signal });
    return answer.trim() === target;
  } finally {
    rl.close();
  }
}

import type { Command } from '../command.ts';
import { accessFromContext, stringList } from '../access.ts';
import { runCopy } from '../../app/copy.ts';
import { passwordSourceFromEnv, type PasswordSource } from '../../app/password.ts';
import type { RepositoryAccess } from '../../app/repository-access.ts';
import { UsageError } from '../../errors.ts';
import { formatBytes, count } from '../progress.ts';
import { formatDurationMs } from '../../core/duration.ts';

export const copyCommand: Command = {
  name: 'copy',
  summary: 'copy snapshots from another repository into --repo',
  usage: [
    'Usage: lifeboat copy --from-repo LOCATION [flags] [SNAPSHOT…]',
    '',
    'Copies snapshots (default: all) from LOCATION into --repo, re-encrypted with the target\'s',
    'keys. Snapshots the target already holds are skipped, and so are blobs it already has, so',
    'running it again copies only what is missing (as restic copy).',
    '',
    'Flags:',
    '      --from-repo LOCATION          source repository; env LIFEBOAT_FROM_REPOSITORY',
    '      --from-password-file FILE     source password file; env LIFEBOAT_FROM_PASSWORD_FILE',
    '      --from-password-command CMD   command printing the source password',
    '                                    (also LIFEBOAT_FROM_PASSWORD, and restic\'s RESTIC_FROM_* variables)',
    '      --host HOST, --tag T[,T…], --path PATH   only snapshots matching these, when none is named',
    '      --no-lock                     read the source without locking it (read-only media);',
    '                                    the target is always locked',
  ].join('\n'),
  options: {
    'from-repo': { type: 'string' },
    'from-password-file': { type: 'string' },
    'from-password-command': { type: 'string' },
    host: { type: 'string' },
    tag: { type: 'string', multiple: true },
    path: { type: 'string', multiple: true },
    'no-lock': { type: 'boolean' },
  },
  async run(ctx, { values, positionals }) {
    const to = accessFromContext(ctx);
    const from = sourceAccess(values, ctx.io.env, to);
    const started = Date.now();
    let result;
    try {
      result = await runCopy(from, to, {
        snapshots: positionals,
        filter: {
          host: values.host as string | undefined,
          tags: stringList(values.tag).map((t) => t.split(',').filter(Boolean)),
          paths: stringList(values.path),
        },
        onStart: (i) => ctx.say(`copying ${i.snapshots} snapshot(s) from ${i.source} to ${i.target}`),
        onProgress: (p) => ctx.progress.update(
          `snapshot ${p.snapshotsDone}/${p.snapshotsTotal}, ${p.blobsCopied} blobs copied, ${p.blobsSkipped} present, ` +
          `${formatBytes(p.bytesAdded)} added, ${formatBytes((p.bytesAdded / Math.max(1, Date.now() - started)) * 1000)}/s`),
      }, ctx.signal);
    } finally {
      ctx.progress.done();
    }
    for (const s of result.snapshots) {
      ctx.say(s.skipped
        ? `snapshot ${s.source.slice(0, 8)} skipped: already in the target as ${s.target.slice(0, 8)}`
        : `snapshot ${s.source.slice(0, 8)} copied as ${s.target.slice(0, 8)}`);
    }
    const st = result.stats;
    ctx.say(`${count(st.snapshotsCopied, 'snapshot')} copied, ${st.snapshotsSkipped} already present; ${count(st.blobsCopied, 'blob')} copied ` +
      `(${formatBytes(st.bytesAdded)} added), ${st.blobsSkipped} already present, in ${formatDurationMs(st.durationMs)}`);
    ctx.json({
      message_type: 'summary', source: result.source, target: result.target,
      snapshots_copied: st.snapshotsCopied, snapshots_skipped: st.snapshotsSkipped,
      blobs_copied: st.blobsCopied, blobs_skipped: st.blobsSkipped, bytes_added: st.bytesAdded,
      total_duration: st.durationMs / 1000,
      snapshots: result.snapshots.map((s) => ({ source_id: s.source, target_id: s.target, skipped: s.skipped })),
    });
  },
};

/** The --from-repo side (copy, init --copy-chunker-params), from flags then LIFEBOAT_FROM_* / RESTIC_FROM_*. */
export function sourceAccess(values: Record<string, unknown>, env: NodeJS.ProcessEnv, to: RepositoryAccess): RepositoryAccess {
  const location = (values['from-repo'] as string | undefined) ?? env.LIFEBOAT_FROM_REPOSITORY ?? env.RESTIC_FROM_REPOSITORY;
  if (!location) throw new UsageError('no source repository given (--from-repo)', { hint: 'pass --from-repo LOCATION or set LIFEBOAT_FROM_REPOSITORY' });
  const password = fromPassword(values, env);
  if (!password) {
    throw new UsageError('no password given for the --from-repo repository', {
      hint: 'set LIFEBOAT_FROM_PASSWORD_FILE (or LIFEBOAT_FROM_PASSWORD), or pass --from-password-file FILE / --from-password-command CMD',
    });
  }
  return { location, password, retryLockMs: to.retryLockMs, warn: to.warn, ...(values['no-lock'] === true ? { noLock: true } : {}) };
}

function fromPassword(values: Record<string, unknown>, env: NodeJS.ProcessEnv): PasswordSource | undefined {
  return passwordSourceFromEnv({
    passwordFile: values['from-password-file'] as string | undefined,
    passwordCommand: values['from-password-command'] as string | undefined,
  }, env, 'FROM');
}

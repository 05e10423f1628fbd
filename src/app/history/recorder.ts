// Writes runs to the history as their events arrive. Every text goes through `redact` first:
// error messages are written to be free of secrets, and this makes sure of it.

import type { RunEvent } from '../events.ts';
import type { History } from './store.ts';

export function historyRecorder(history: History, redact: (text: string) => string = (t) => t): (e: RunEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'started':
        history.start({ id: e.runId, job: e.job, repository: e.repository, kind: e.kind, trigger: e.trigger, startedAt: e.at });
        break;
      case 'snapshot-saved':
        history.update(e.runId, {
          snapshotId: e.snapshotId, totalBytes: e.bytesProcessed, bytesAdded: e.bytesAdded, files: e.files,
          ...(e.unreadable > 0 ? { details: { unreadable: e.unreadable, unreadablePaths: e.unreadablePaths.slice(0, 20).map(redact) } } : {}),
        });
        break;
      case 'copy-finished':
        history.update(e.runId, {
          details: e.ok ? { target: e.target, snapshotsCopied: e.snapshotsCopied, bytesAdded: e.bytesAdded } : { target: e.target },
        });
        break;
      case 'forget-finished':
        history.update(e.runId, { details: { kept: e.kept, removed: e.removed, dryRun: e.dryRun } });
        break;
      case 'prune-finished':
        history.update(e.runId, { details: { packsDeleted: e.packsDeleted, packsRepacked: e.packsRepacked, bytesFreed: e.bytesFreed, dryRun: e.dryRun } });
        break;
      case 'check-finished':
        history.update(e.runId, { details: { ok: e.ok, errors: e.errors, damagedSnapshots: e.damagedSnapshots } });
        break;
      case 'drill-finished':
        history.update(e.runId, {
          snapshotId: e.snapshotId,
          details: {
            passed: e.passed, rtoSeconds: e.rtoSeconds, rtoExceeded: e.rtoExceeded,
            ...(e.rtoTargetSeconds !== undefined ? { rtoTargetSeconds: e.rtoTargetSeconds } : {}),
            checks: e.checks.map((c) => ({ ...c, detail: redact(c.detail) })), facts: e.facts,
            ...(e.failedCheck !== undefined ? { failedCheck: e.failedCheck } : {}),
          },
        });
        break;
      case 'finished':
        history.update(e.runId, {
          status: e.status, endedAt: e.at, exitCode: e.exitCode,
          ...(e.errorCode ? { errorCode: e.errorCode } : {}),
          ...(e.message && e.status !== 'succeeded' ? { errorMessage: redact(e.message) } : {}),
          ...(e.snapshotId ? { snapshotId: e.snapshotId } : {}),
          ...(e.bytesAdded !== undefined ? { bytesAdded: e.bytesAdded } : {}),
          ...(e.bytesProcessed !== undefined ? { totalBytes: e.bytesProcessed } : {}),
          ...(e.files !== undefined ? { files: e.files } : {}),
        });
        break;
      case 'progress':
        break;
    }
  };
}

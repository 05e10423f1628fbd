// How a run's failure reads in events, history and the API: a status, restic's exit code, a
// stable error code, and the message and hint the error carries (written to be free of secrets).

import { AbortedError, LifeboatError, exitCodeFor } from '../errors.ts';
import type { RunStatus } from './events.ts';

export function runStatusOf(err: unknown, signal?: AbortSignal): RunStatus {
  return err instanceof AbortedError || signal?.aborted ? 'aborted' : 'failed';
}

export interface FailureFields {
  status: RunStatus;
  exitCode: number;
  errorCode?: string;
  message?: string;
  hint?: string;
}

export function failureFields(err: unknown, signal?: AbortSignal): FailureFields {
  const status = runStatusOf(err, signal);
  return {
    status,
    exitCode: status === 'aborted' ? 130 : exitCodeFor(err),
    errorCode: status === 'aborted' ? 'aborted' : err instanceof LifeboatError ? err.code : 'error',
    message: err instanceof Error ? err.message : String(err),
    ...(err instanceof LifeboatError && err.hint ? { hint: err.hint } : {}),
  };
}

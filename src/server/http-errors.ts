// Errors as HTTP answers: `{error: {code, message, hint?}}` with the stable codes of
// src/errors.ts (plus the API's own: unauthorized, busy, stopping) mapped to statuses in this
// one place, the way exitCodeFor maps them to exit codes. Messages and hints are redacted.

import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { LifeboatError, type ErrorCode } from '../errors.ts';
import type { Redactor } from '../app/redact.ts';
import type { ErrorJson } from './schemas.ts';

export type ApiErrorCode = ErrorCode | 'unauthorized' | 'forbidden' | 'busy' | 'stopping';

const STATUS: Record<ApiErrorCode, ContentfulStatusCode> = {
  usage: 400,
  config: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'no-repository': 404,
  busy: 409,
  locked: 409,
  // The server could not use something behind it: its storage, a database, its own key.
  storage: 502,
  source: 502,
  'wrong-password': 502,
  stopping: 503,
  aborted: 503,
  integrity: 500,
  error: 500,
};

export function httpStatusFor(code: string): ContentfulStatusCode {
  return STATUS[code as ApiErrorCode] ?? 500;
}

export function errorBody(redactor: Redactor, code: string, message: string, extra: { hint?: string | undefined; runId?: string } = {}): ErrorJson {
  return {
    error: {
      code,
      message: redactor.redact(message),
      ...(extra.hint ? { hint: redactor.redact(extra.hint) } : {}),
      ...(extra.runId ? { run_id: extra.runId } : {}),
    },
  };
}

export function sendError(c: Context, redactor: Redactor, code: ApiErrorCode, message: string, extra: { hint?: string | undefined; runId?: string } = {}) {
  return c.json(errorBody(redactor, code, message, extra), httpStatusFor(code));
}

/** Any thrown value as an answer: LifeboatErrors keep their code; anything else is a 500 `error`. */
export function errorResponse(c: Context, redactor: Redactor, err: unknown) {
  if (err instanceof LifeboatError) return sendError(c, redactor, err.code, err.message, { hint: err.hint });
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = status === 401 ? 'unauthorized' : status === 404 ? 'not-found' : status < 500 ? 'usage' : 'error';
    return c.json(errorBody(redactor, code, err.message || `HTTP ${status}`), status as ContentfulStatusCode);
  }
  const message = err instanceof Error ? err.message : String(err);
  return c.json(errorBody(redactor, 'error', message || 'internal error'), 500);
}

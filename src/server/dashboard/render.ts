// Turning a page body into an answer: the shell around it (CSRF token, logout, firing count),
// every text redacted and escaped, never cached; and any failure as an HTML error page with
// the status the API would answer.

import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Services } from '../../app/services.ts';
import { LifeboatError } from '../../errors.ts';
import { httpStatusFor } from '../http-errors.ts';
import type { Html } from './html.ts';
import { page, type Section } from './layout.ts';
import { errorBody } from './pages/login.ts';
import type { DashboardSecurity } from './security.ts';

export interface DashboardContext {
  services: Services;
  security: DashboardSecurity;
  /** Aborted when the server closes. */
  closing: AbortSignal;
}

export function renderPage(ctx: DashboardContext, c: Context, title: string, section: Section, body: Html, status: ContentfulStatusCode = 200): Response {
  const csrf = ctx.security.csrfToken(c);
  const firing = ctx.services.history.alerts.list({ state: 'firing' }).length;
  const doc = page({ title, section, ...(csrf !== undefined ? { csrf } : {}), logout: ctx.security.token !== undefined, firing }, body);
  return c.html(doc.render((t) => ctx.services.redactor.redact(t)), status, { 'Cache-Control': 'no-store' });
}

const TITLES: Record<number, string> = { 400: 'Bad request', 403: 'Forbidden', 404: 'Not found', 409: 'Busy', 502: 'Repository unavailable', 503: 'Unavailable' };

export function renderError(ctx: DashboardContext, c: Context, err: unknown): Response {
  const code = err instanceof LifeboatError ? err.code : 'error';
  const status = httpStatusFor(code);
  if (status >= 500) ctx.services.log.error({ err, path: c.req.path }, 'dashboard page failed');
  const message = err instanceof Error ? err.message : String(err);
  const hint = err instanceof LifeboatError ? err.hint : undefined;
  return renderPage(ctx, c, TITLES[status] ?? 'Error', 'none', errorBody({ title: TITLES[status] ?? 'Something failed', message, hint }), status);
}

/** A handler whose failures become error pages instead of the API's JSON. */
export function guarded(ctx: DashboardContext, fn: (c: Context) => Promise<Response> | Response) {
  return async (c: Context): Promise<Response> => {
    try {
      return await fn(c);
    } catch (err) {
      return renderError(ctx, c, err);
    }
  };
}

/** The request's signal, the server's closing and a deadline: a page never waits forever on a repository. */
export function pageSignal(ctx: DashboardContext, c: Context, ms = 60_000): AbortSignal {
  return AbortSignal.any([c.req.raw.signal, ctx.closing, AbortSignal.timeout(ms)]);
}

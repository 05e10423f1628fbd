// Back up now / Drill now without JavaScript: the buttons are forms posting here (CSRF token
// checked by the guard), and the answer is the run's page. Both go through the API's own
// routes, in-process, so the dashboard starts exactly the run an API client would (the drill
// route belongs to the drills module) and answers busy/stopping the same way.

import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorBody } from './pages/login.ts';
import { renderPage, type DashboardContext } from './render.ts';

export type FormAction = 'run' | 'drill';

/** The app whose API routes the forms call (the server's own). */
export interface ApiCaller {
  request(path: string, init: RequestInit): Response | Promise<Response>;
}

export async function submitFromForm(ctx: DashboardContext, api: ApiCaller, c: Context, action: FormAction): Promise<Response> {
  const job = c.req.param('job')!;
  const headers: Record<string, string> = { host: c.req.header('host') ?? '' };
  if (ctx.security.token !== undefined) headers.authorization = `Bearer ${ctx.security.token}`;
  const res = await api.request(`/api/v1/jobs/${encodeURIComponent(job)}/${action}`, { method: 'POST', headers });
  const body = await res.json().catch(() => ({})) as { run_id?: string; error?: { message?: string; hint?: string } };
  if (res.status === 202 && body.run_id) return c.redirect(`/runs/${encodeURIComponent(body.run_id)}`, 303);
  const missing = res.status === 404 && body.error?.message?.startsWith('no such endpoint');
  const message = missing ? `this daemon has no ${action === 'drill' ? 'restore drill' : 'run-now'} endpoint` : body.error?.message ?? `HTTP ${res.status}`;
  return renderPage(ctx, c, action === 'run' ? 'Back up now' : 'Drill now', 'none',
    errorBody({ title: `${action === 'run' ? 'Back up now' : 'Drill now'}: job ${job}`, message, hint: body.error?.hint }), res.status as ContentfulStatusCode);
}

// The web dashboard, served by the daemon's own server at `/` over the same services and API:
// the overview, a page per job, snapshot browsing and downloads, runs and alerts. Server-rendered
// HTML that reads without JavaScript; small ES modules from /static enhance it (live run
// progress from the API's event stream, uPlot charts, run-now buttons). See docs/dashboard.md.

import type { OpenAPIHono } from '@hono/zod-openapi';
import { loadAssets, serveAsset } from './assets.ts';
import type { DashboardContext } from './render.ts';
import { registerPageRoutes } from './routes.ts';
import { registerSessionRoutes } from './session-routes.ts';
import type { ApiCaller } from './submit.ts';

export { dashboardSecurity, type DashboardSecurity } from './security.ts';
export { loginRedirect } from './session-routes.ts';

/** Paths that need no credential: the login page and the static files (code and styles, no data). */
export function isPublicPath(path: string): boolean {
  return path === '/login' || path.startsWith('/static/');
}

export function registerDashboard(app: OpenAPIHono, ctx: DashboardContext, api: ApiCaller): void {
  const assets = loadAssets();
  app.get('/static/:name', (c) => serveAsset(c, assets, c.req.param('name')));
  registerSessionRoutes(app, ctx);
  registerPageRoutes(app, ctx, api);
}

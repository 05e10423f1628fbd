// The daemon's HTTP server: /healthz, the JSON API under /api/v1 (with its generated OpenAPI
// 3.1 document), run events as server-sent events, Prometheus metrics, and the web dashboard
// at / (src/server/dashboard/). It works only
// through the app layer's Services, so "run now" here is the run the scheduler makes.
//
// Exposure rule: a listen address that is not loopback needs `server.token_file`; without a
// token file the server only starts on loopback, and then asks no credential.

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Services } from '../app/services.ts';
import { ConfigError, LifeboatError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { authMiddleware, bearerHeader, browserGuard, loadToken, sessionCookie } from './auth.ts';
import { dashboardSecurity, isPublicPath, loginRedirect, registerDashboard } from './dashboard/index.ts';
import { errorBody, errorResponse } from './http-errors.ts';
import { createMetrics } from './metrics.ts';
import { isLoopback, parseListen } from './listen.ts';
import { registerApiRoutes } from './routes.ts';
import type { RunStreamOptions } from './run-events.ts';
import { ErrorSchema, HealthSchema } from './schemas.ts';

export interface ServerHandle {
  /** Where the server listens, e.g. `http://127.0.0.1:9750` (the bound port when asked for port 0). */
  url: string;
  /** Ends event streams, stops accepting connections and waits for open requests. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  /** HOST:PORT (`[::1]:9750` for IPv6); default the config's `server.listen`. Port 0 picks a free port. */
  listen?: string;
  /** Event stream timings (tests shorten them). */
  stream?: RunStreamOptions;
}

export const OPENAPI_PATH = '/api/v1/openapi.json';

export async function startServer(services: Services, opts: StartServerOptions = {}): Promise<ServerHandle> {
  const settings = services.config().server;
  const listen = parseListen(opts.listen ?? settings.listen);
  const token = await loadToken(settings.tokenFile);
  if (token === undefined && !isLoopback(listen.host)) {
    throw new ConfigError(`server: refusing to listen on ${listen.text} without a token: it is not a loopback address`, [], {
      hint: 'set server.token_file (a file holding a random token, e.g. openssl rand -hex 32), or listen on 127.0.0.1',
    });
  }
  if (token !== undefined) services.redactor.add(token);

  const closing = new AbortController();
  const metrics = createMetrics(services);
  const app = buildApp(services, { token, metricsToken: settings.metricsToken, closing: closing.signal, metrics, ...(opts.stream ? { stream: opts.stream } : {}) });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    await metrics.close();
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new LifeboatError('error', `server: cannot listen on ${listen.text} (${code})`, {
      cause: err, hint: code === 'EADDRINUSE' ? 'another process uses the port: change server.listen' : undefined,
    });
  }
  server.on('error', (err) => services.log.error({ err }, 'server error'));
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  services.log.info({ url, auth: token === undefined ? 'none (loopback)' : 'bearer token', version: VERSION }, 'server listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    close() {
      closed ??= (async () => {
        closing.abort();
        await new Promise<void>((resolve) => {
          // Streams end on `closing` a moment later; their keep-alive connections then turn
          // idle, so idle ones are closed until none is left. Requests still open after a
          // grace period (a slow repository read) are cut.
          const sweep = setInterval(() => server.closeIdleConnections(), 25);
          const cut = setTimeout(() => server.closeAllConnections(), 2_000);
          server.close(() => {
            clearInterval(sweep);
            clearTimeout(cut);
            resolve();
          });
          server.closeIdleConnections();
        });
        await metrics.close();
      })();
      return closed;
    },
  };
}

interface AppOptions {
  token: string | undefined;
  metricsToken: boolean;
  closing: AbortSignal;
  metrics: ReturnType<typeof createMetrics>;
  stream?: RunStreamOptions;
}

function buildApp(services: Services, opts: AppOptions): OpenAPIHono {
  const r = services.redactor;
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const message = result.error.issues.map((i) => `${i.path.join('.') || result.target}: ${i.message}`).join('; ');
        return c.json(errorBody(r, 'usage', `invalid ${result.target}: ${message}`), 400);
      }
      return undefined;
    },
  });
  app.onError((err, c) => {
    if (!(err instanceof LifeboatError) || err.code === 'error' || err.code === 'integrity') {
      services.log.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
    }
    return errorResponse(c, r, err);
  });
  app.notFound((c) => c.json(errorBody(r, 'not-found', `no such endpoint: ${c.req.method} ${c.req.path}`), 404));

  const open = (path: string) => path === '/healthz' || (path === '/metrics' && !opts.metricsToken) || isPublicPath(path);
  const security = dashboardSecurity(opts.token, r);
  app.use('*', security.headers);
  app.use('*', browserGuard({ loopbackHostOnly: opts.token === undefined, redactor: r }));
  app.use('*', authMiddleware({ token: opts.token, open, redactor: r, readers: [bearerHeader, sessionCookie], loginRedirect }));
  app.use('*', security.csrfGuard);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http', scheme: 'bearer',
    description: 'The content of server.token_file. Not required when the server has no token file (loopback only).',
  });

  app.openapi({
    method: 'get', path: '/healthz', tags: ['operations'], summary: 'Liveness: the process serves requests', security: [],
    responses: { 200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Alive.' } },
  }, (c) => c.json({ status: 'ok' as const }, 200));

  app.openAPIRegistry.registerPath({
    method: 'get', path: '/metrics', tags: ['operations'],
    summary: 'Prometheus metrics (text exposition format); open unless server.metrics_token is true',
    responses: {
      200: { description: 'Prometheus text format 0.0.4.', content: { 'text/plain': { schema: z.string() } } },
      401: { description: 'No valid bearer token (with metrics_token).', content: { 'application/json': { schema: ErrorSchema } } },
    },
  });
  app.get('/metrics', async (c) => c.body(await opts.metrics.render(), 200, { 'Content-Type': opts.metrics.contentType }));

  registerApiRoutes(app, { services, closing: opts.closing, ...(opts.stream ? { stream: opts.stream } : {}) });
  registerDashboard(app, { services, security, closing: opts.closing }, app);

  app.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: {
      title: 'Lifeboat API', version: VERSION,
      description: 'Jobs, runs, repositories and run-now of a Lifeboat daemon. See docs/api.md.',
    },
    security: [{ bearerAuth: [] }],
  });
  return app;
}

// Logging in and out. The login page takes the API token (server.token_file) once and keeps it
// in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS) with a random session ID, from
// which the session's CSRF token derives. Without a token file there is nothing to log in to:
// the server then only listens on loopback and asks no credential, and /login goes home.

import type { OpenAPIHono } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import { encodeSession, readSession, SESSION_COOKIE, tokenMatches } from '../auth.ts';
import { loginBody } from './pages/login.ts';
import { renderPage, type DashboardContext } from './render.ts';
import { isHttps } from './security.ts';

const SESSION_DAYS = 30;

/** Only a path of this server: `/x`, never `//host` or `/\host`, which browsers treat as other hosts. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

/** Where an unauthenticated browser is sent: pages (GET) go to the login page; the API answers 401. */
export function loginRedirect(c: { req: { method: string; path: string; url: string } }): string | undefined {
  const { method, path } = c.req;
  if ((method !== 'GET' && method !== 'HEAD') || path.startsWith('/api/') || path === '/metrics') return undefined;
  const u = new URL(c.req.url);
  return path === '/' ? '/login' : `/login?next=${encodeURIComponent(u.pathname + u.search)}`;
}

export function registerSessionRoutes(app: OpenAPIHono, ctx: DashboardContext): void {
  const { security } = ctx;

  app.get('/login', (c) => {
    const next = safeNext(c.req.query('next'));
    const s = readSession(c);
    if (security.token === undefined || (s && tokenMatches(s.token, security.token))) return c.redirect(next, 303);
    return renderPage(ctx, c, 'Log in', 'none', loginBody({ next, failed: false }));
  });

  app.post('/login', async (c) => {
    const body = await c.req.parseBody();
    const next = safeNext(body.next);
    if (security.token === undefined) return c.redirect(next, 303);
    const given = typeof body.token === 'string' ? body.token.trim() : '';
    if (!given || !tokenMatches(given, security.token)) {
      ctx.services.log.warn({ ip: c.req.header('x-forwarded-for') }, 'dashboard login refused');
      return renderPage(ctx, c, 'Log in', 'none', loginBody({ next, failed: true }), 401);
    }
    setCookie(c, SESSION_COOKIE, encodeSession(security.newSession(security.token)), {
      path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c), maxAge: SESSION_DAYS * 86_400,
    });
    return c.redirect(next, 303);
  });

  app.post('/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
    return c.redirect(security.token === undefined ? '/' : '/login', 303);
  });
}

// The dashboard's defences. A browser carries the session cookie by itself, so every request
// that changes something and is not authenticated by a valid bearer token (an Authorization
// header, which a page elsewhere cannot add without a CORS preflight, never granted) must
// carry the session's CSRF token: the `X-CSRF-Token` header (the page's modules read it from a
// meta tag) or a `_csrf` form field. The cookie is SameSite=Strict and the Origin check of auth.ts stands before this.
// Every answer gets a strict Content-Security-Policy: scripts, styles and connections from this
// origin only, no inline script or style, no framing.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Redactor } from '../../app/redact.ts';
import { bearerHeader, readSession, tokenMatches, UNSAFE_METHODS, type Session } from '../auth.ts';
import { sendError } from '../http-errors.ts';

/** The session ID of every visitor when the server has no token (loopback only, no login). */
const LOOPBACK_SESSION = 'loopback-without-token';

export interface DashboardSecurity {
  /** undefined: no token file, no login (the server then listens on loopback only). */
  token: string | undefined;
  /** The CSRF token of the request's session; undefined without a session (then nothing may change). */
  csrfToken(c: Context): string | undefined;
  newSession(token: string): Session;
  csrfGuard: MiddlewareHandler;
  headers: MiddlewareHandler;
}

export function dashboardSecurity(token: string | undefined, redactor: Redactor): DashboardSecurity {
  // Keyed by the token, so open pages keep working across a restart; a random key without one.
  const key = token ?? randomBytes(32).toString('base64url');
  const csrfFor = (sessionId: string) => createHmac('sha256', key).update(`lifeboat-csrf:${sessionId}`).digest('base64url');
  const sessionOf = (c: Context): string | undefined => {
    if (token === undefined) return LOOPBACK_SESSION;
    const s = readSession(c);
    return s && tokenMatches(s.token, token) ? s.id : undefined;
  };

  const csrfGuard: MiddlewareHandler = async (c, next) => {
    if (!UNSAFE_METHODS.has(c.req.method) || c.req.path === '/login') return next();
    const bearer = bearerHeader(c);
    if (bearer !== undefined && (token === undefined || tokenMatches(bearer, token))) return next();
    // API calls without a session: a bearer token (token mode) or curl on loopback (no-token mode).
    if (c.req.path.startsWith('/api/') && (token === undefined || readSession(c) === undefined)) return next();
    const id = sessionOf(c);
    const given = c.req.header('x-csrf-token') ?? await formField(c, '_csrf');
    if (id !== undefined && given !== undefined && same(given, csrfFor(id))) return next();
    return sendError(c, redactor, 'forbidden', 'a change from the dashboard needs its CSRF token (reload the page)');
  };

  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'"], connectSrc: ["'self'"],
      formAction: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"],
    },
    // HSTS over plain HTTP is ignored by browsers and would pin a proxy's name for a year.
    strictTransportSecurity: false,
    referrerPolicy: 'same-origin',
    xFrameOptions: 'DENY',
  });

  return {
    token,
    csrfToken: (c) => { const id = sessionOf(c); return id === undefined ? undefined : csrfFor(id); },
    newSession: (t) => ({ id: randomBytes(18).toString('base64url'), token: t }),
    csrfGuard,
    headers,
  };
}

async function formField(c: Context, name: string): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return undefined;
  const body = await c.req.parseBody();
  const v = body[name];
  return typeof v === 'string' ? v : undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether the request came over HTTPS (directly, or through a proxy that says so): the cookie is then Secure. */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

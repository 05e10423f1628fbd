// Who may call the server. One shared secret, the token in `server.token_file`, presented as
// `Authorization: Bearer <token>`, or by the dashboard's login as an HttpOnly SameSite=Strict
// session cookie holding the same token. The middleware asks a list of credential readers for
// a candidate token and checks each the same way. Tokens are compared as SHA-256 digests with
// timingSafeEqual: constant time, and the length of the token is not revealed either.
//
// Without a token file the server only listens on loopback (server.ts refuses otherwise), and
// then no credential is required: anyone who can reach it is on the machine.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { ConfigError } from '../errors.ts';
import type { Redactor } from '../app/redact.ts';
import { sendError } from './http-errors.ts';
import { hostOfHeader, isLoopback } from './listen.ts';

/** Shorter tokens are refused: the token is the only thing between the network and run-now. */
export const MIN_TOKEN_LENGTH = 16;

/** Reads a candidate token from a request; undefined when this reader finds none. */
export type CredentialReader = (c: Context) => string | undefined;

export const bearerHeader: CredentialReader = (c) => {
  const h = c.req.header('authorization');
  const m = h ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h) : null;
  return m?.[1];
};

/** The dashboard's session cookie: a random session ID (its CSRF token derives from it) and the token. */
export const SESSION_COOKIE = 'lifeboat_session';

export interface Session {
  id: string;
  token: string;
}

export function encodeSession(s: Session): string {
  return `${s.id}.${Buffer.from(s.token, 'utf8').toString('base64url')}`;
}

export function readSession(c: Context): Session | undefined {
  const v = getCookie(c, SESSION_COOKIE);
  const m = v ? /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]+)$/.exec(v) : null;
  return m ? { id: m[1]!, token: Buffer.from(m[2]!, 'base64url').toString('utf8') } : undefined;
}

export const sessionCookie: CredentialReader = (c) => readSession(c)?.token;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token file's content, trimmed of surrounding whitespace; undefined when no file is configured. */
export async function loadToken(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`server.token_file ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, [], { cause: err });
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(`server.token_file ${file}: the token must be at least ${MIN_TOKEN_LENGTH} characters`, [], {
      hint: 'generate one with: openssl rand -hex 32 > token-file',
    });
  }
  return token;
}

export interface AuthOptions {
  /** undefined: no token configured, every request passes (loopback only). */
  token: string | undefined;
  /** Paths that never need a credential (exact match). */
  open: (path: string) => boolean;
  readers?: CredentialReader[];
  redactor: Redactor;
  /** Where a request without a valid credential is sent instead of a 401 (the dashboard's pages: its login page). */
  loginRedirect?: (c: Context) => string | undefined;
}

export function authMiddleware(opts: AuthOptions): MiddlewareHandler {
  const readers = opts.readers ?? [bearerHeader];
  return async (c, next) => {
    if (opts.token === undefined || opts.open(c.req.path)) return next();
    for (const read of readers) {
      const candidate = read(c);
      if (candidate !== undefined && tokenMatches(candidate, opts.token)) return next();
    }
    const login = opts.loginRedirect?.(c);
    if (login !== undefined) return c.redirect(login, 303);
    c.header('WWW-Authenticate', 'Bearer realm="lifeboat"');
    return sendError(c, opts.redactor, 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token of server.token_file>)');
  };
}

export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * What a browser on the same machine could otherwise do. An unsafe method whose Origin is not
 * the server's own is refused (a page elsewhere posting to run-now: CSRF). Without a token,
 * a Host that is not loopback is refused too: a DNS-rebound name pointing at 127.0.0.1 would
 * otherwise let a page read the API.
 */
export function browserGuard(opts: { loopbackHostOnly: boolean; redactor: Redactor }): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    if (opts.loopbackHostOnly && !isLoopback(hostOfHeader(host))) {
      return sendError(c, opts.redactor, 'forbidden', `host ${host || '(none)'}: without server.token_file only loopback names are served`, {
        hint: 'use http://127.0.0.1:PORT, or set server.token_file',
      });
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && UNSAFE_METHODS.has(c.req.method) && !sameOrigin(origin, host)) {
      return sendError(c, opts.redactor, 'forbidden', `origin ${origin}: cross-origin requests may not change anything`);
    }
    return next();
  };
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host;
  } catch {
    return false;
  }
}

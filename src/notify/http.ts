// One HTTP request of a channel (Slack, webhook, healthchecks) and how its answer reads: 2xx is
// delivered; 4xx other than 408 and 429 is a permanent refusal (the same request will be refused
// again); anything else, and a connection that failed, may work on a later attempt. The answer's
// detail is the status and the start of the body, never the URL (it is a secret for Slack and
// most ping services). An aborted request (timeout, shutdown) throws the signal's reason: the
// delivery layer, which owns the timeout, says what happened.

import { VERSION } from '../version.ts';
import type { DeliveryAnswer } from './types.ts';

export const USER_AGENT = `lifeboat/${VERSION}`;

/** How much of a receiver's answer is kept. */
const BODY_LIMIT = 500;

export interface HttpRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface HttpAnswer extends DeliveryAnswer {
  /** The start of the response body (for adapters that read it, e.g. Uptime Kuma's `{"ok":false}`). */
  body?: string;
}

export async function httpSend(url: string, req: HttpRequest): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: req.method,
      headers: { 'user-agent': USER_AGENT, ...req.headers },
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal: req.signal,
    });
  } catch (err) {
    if (req.signal.aborted) throw req.signal.reason;
    return { ok: false, detail: transportError(err) };
  }
  let body: string;
  try {
    body = await readStart(res, BODY_LIMIT);
  } catch (err) {
    if (req.signal.aborted) throw req.signal.reason;
    body = '';
  }
  const snippet = body.replace(/\s+/g, ' ').trim();
  const detail = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`;
  return { ok: res.ok, status: res.status, detail, body, ...(isPermanent(res.status) ? { permanent: true } : {}) };
}

/** 4xx other than 408 (timeout) and 429 (rate limit): the receiver will refuse it again. */
export function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** `connection refused (ECONNREFUSED 127.0.0.1:8080)` from undici's `fetch failed` and its cause. */
function transportError(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? cause : err instanceof Error ? err : undefined;
  const code = (inner as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', ENOTFOUND: 'host not found',
    EAI_AGAIN: 'name resolution failed', ETIMEDOUT: 'connection timed out', EHOSTUNREACH: 'host unreachable',
    UND_ERR_SOCKET: 'connection closed', UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  };
  const message = inner?.message ?? String(err);
  return code && known[code] ? `${known[code]} (${message})` : `request failed: ${message}`;
}

/** Up to `limit` characters of the body; the rest is not downloaded. */
async function readStart(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.length > limit ? `${text.slice(0, limit)}\u2026` : text;
}

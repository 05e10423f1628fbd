// Real receivers on 127.0.0.1 for the notification channels' tests: an HTTP server standing in
// for Slack, a webhook endpoint and a healthchecks service, and an SMTP server (smtp-server,
// optionally with STARTTLS on a self-signed certificate made with openssl at test time). Each
// can be told to accept, refuse for a while (transient), refuse for good (permanent) or hang.

import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';

export type Mode = 'ok' | 'transient' | 'permanent' | 'hang';

export interface HttpRequestSeen {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpReceiver {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  requests: HttpRequestSeen[];
  mode: Mode;
  /** Answer for `ok` (default 200 "ok"). */
  okAnswer: { status: number; body: string };
  /** When set, answers every request (before `mode`); undefined falls through to `mode`. */
  respond?: (req: HttpRequestSeen) => { status: number; body: string } | undefined;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function httpReceiver(): Promise<HttpReceiver> {
  const hanging = new Set<() => void>();
  const receiver: HttpReceiver = {
    url: '', requests: [], mode: 'ok', okAnswer: { status: 200, body: 'ok' },
    close: async () => {
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
    [Symbol.asyncDispose]: () => receiver.close(),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.requests.push(seen);
      const custom = receiver.respond?.(seen);
      if (custom) {
        res.writeHead(custom.status, { 'content-type': 'text/plain' }).end(custom.body);
        return;
      }
      switch (receiver.mode) {
        case 'ok':
          res.writeHead(receiver.okAnswer.status, { 'content-type': 'text/plain' }).end(receiver.okAnswer.body);
          break;
        case 'transient':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('rollup_error');
          break;
        case 'permanent':
          res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
          break;
        case 'hang': {
          const end = () => { res.destroy(); hanging.delete(end); };
          hanging.add(end);
          break;
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

export interface MailSeen {
  from: string;
  to: string[];
  raw: string;
  user?: string;
  secure: boolean;
}

export interface SmtpReceiver {
  port: number;
  messages: MailSeen[];
  mode: Mode;
  /** Recipients to refuse with 550. */
  refuse?: (address: string) => boolean;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface SmtpReceiverOptions {
  /** Offer STARTTLS with this certificate (else STARTTLS is disabled). */
  tls?: { key: string; cert: string };
  /** Accept only this login (else no AUTH is needed). */
  auth?: { user: string; password: string };
}

export async function smtpReceiver(opts: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const hanging = new Set<() => void>();
  const receiver: SmtpReceiver = {
    port: 0, messages: [], mode: 'ok',
    close: async () => {
      for (const end of hanging) end();
      await new Promise<void>((r) => server.close(() => r()));
    },
    [Symbol.asyncDispose]: () => receiver.close(),
  };
  const server = new SMTPServer({
    logger: false,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    authOptional: !opts.auth,
    allowInsecureAuth: !opts.tls,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.password) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      if (receiver.refuse?.(address.address)) cb(Object.assign(new Error('No such user here'), { responseCode: 550 }));
      else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mode = receiver.mode;
        if (mode === 'hang') {
          hanging.add(() => cb(Object.assign(new Error('closing'), { responseCode: 421 })));
          return;
        }
        if (mode === 'transient') return cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        if (mode === 'permanent') return cb(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
        receiver.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          ...(session.user !== undefined ? { user: String(session.user) } : {}),
          secure: session.secure,
        });
        cb(null, 'Message queued');
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.port = (server.server.address() as AddressInfo).port;
  return receiver;
}

/** A self-signed certificate for 127.0.0.1 and localhost (openssl); `cert` is also its own CA. */
export async function selfSignedCert(): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-cert-'));
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface MimePart {
  headers: Record<string, string>;
  body: string;
}

/** The leaf parts of a MIME message (multipart split, quoted-printable/base64 decoded). */
export function mimeParts(raw: string): { headers: Record<string, string>; parts: MimePart[] } {
  const { headers, body } = splitHeaders(raw);
  return { headers, parts: leaves(headers, body) };
}

function splitHeaders(raw: string): MimePart {
  const text = raw.replace(/\r\n/g, '\n');
  const at = text.indexOf('\n\n');
  const head = at === -1 ? text : text.slice(0, at);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: at === -1 ? '' : text.slice(at + 2) };
}

function leaves(headers: Record<string, string>, body: string): MimePart[] {
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    return body.split(`--${boundary}`).slice(1, -1).flatMap((chunk) => {
      const part = splitHeaders(chunk.replace(/^\n/, ''));
      return leaves(part.headers, part.body);
    });
  }
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  let decoded = body;
  if (encoding === 'quoted-printable') {
    decoded = Buffer.from(body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  } else if (encoding === 'base64') decoded = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return [{ headers, body: decoded }];
}

/** A MIME encoded-word header (`=?UTF-8?Q?…?=`) as text. */
export function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

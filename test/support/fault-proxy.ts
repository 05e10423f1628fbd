// Fault injection for S3 tests: a small HTTP proxy (127.0.0.1 only) in front of the real S3
// server that resets connections, answers 500/503, cuts replies short and stalls, for a
// deterministic (seeded) share of requests. Shared by the storage fault test and the end-to-end
// backup/restore fault test.

import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { prng } from './random-data.ts';

export type Fault = 'reset' | '500' | '503' | 'cut' | 'stall' | 'pass';


export interface FaultProxy {
  url: string;
  counts: Record<Fault, number> & { denied?: number };
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** No random faults: only `deny` applies. */
  noFaults?: boolean;
  /** Requests answered 403 AccessDenied (a permanent failure in the middle of a run). */
  deny?: (method: string, path: string) => boolean;
}

/** Rates per request; stalls are capped so the test's run time stays bounded. */
export async function startFaultProxy(target: string, seed: number, maxStalls: number, opts: FaultProxyOptions = {}): Promise<FaultProxy> {
  const t = new URL(target);
  const rng = prng(seed);
  const counts: Record<Fault, number> & { denied?: number } = { reset: 0, '500': 0, '503': 0, cut: 0, stall: 0, pass: 0 };
  const sockets = new Set<Socket>();
  function pick(): Fault {
    const r = rng();
    if (r < 0.06) return 'reset';
    if (r < 0.11) return '500';
    if (r < 0.16) return '503';
    if (r < 0.22) return 'cut';
    if (r < 0.26 && counts.stall < maxStalls) return 'stall';
    return 'pass';
  }
  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, cut: boolean): void {
    // Keep the Host header: SigV4 signed the proxy's address, and RGW checks what it receives.
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      if (!cut) {
        ur.pipe(res);
        return;
      }
      const len = Number(ur.headers['content-length'] ?? 0);
      let sent = 0;
      ur.on('data', (c: Buffer) => {
        if (sent >= len / 2) return;
        res.write(c.subarray(0, Math.max(0, Math.ceil(len / 2) - sent)));
        sent += c.length;
      });
      ur.on('end', () => res.socket?.destroy());
    });
    up.on('error', () => res.socket?.destroy());
    up.end(body);
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (opts.deny?.(req.method ?? '', req.url ?? '')) {
        counts.denied = (counts.denied ?? 0) + 1;
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>injected</Message></Error>');
        return;
      }
      const f = opts.noFaults ? 'pass' : pick();
      counts[f]++;
      const body = Buffer.concat(chunks);
      switch (f) {
        case 'reset': req.socket.destroy(); return;
        case '500':
        case '503': {
          const code = f === '500' ? 'InternalError' : 'ServiceUnavailable';
          res.writeHead(Number(f), { 'content-type': 'application/xml' });
          res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`);
          return;
        }
        case 'stall': return; // never answer; the client's deadline must fire
        case 'cut': forward(req, res, body, true); return;
        case 'pass': forward(req, res, body, false); return;
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

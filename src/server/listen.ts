// The server's listen address, and which hosts count as loopback: the rule that decides
// whether the server may run without a token, and which Host headers it then accepts.

import { isIP } from 'node:net';
import { ConfigError } from '../errors.ts';

export interface ListenAddress {
  host: string;
  port: number;
  text: string;
}

/** `127.0.0.1:9750`, `localhost:0`, `[::1]:9750`, `0.0.0.0:9750`. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`server.listen ${text}: expected HOST:PORT, e.g. 127.0.0.1:9750 or [::1]:9750`);
  return { host: m[1] ?? m[2]!, port, text };
}

/** 127.0.0.0/8, ::1 (and its IPv4-mapped form) and `localhost`; names that need a resolver are not trusted. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  if (isIP(v4) === 4) return v4.split('.')[0] === '127';
  if (isIP(h) === 6) return /^(0{0,4}:){2,7}0{0,3}1$/.test(h) || h === '::1';
  return false;
}

/** The host name of a Host header (`127.0.0.1:9750`, `[::1]:9750`, `localhost`). */
export function hostOfHeader(host: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(host) ?? /^([^:]+)(?::\d+)?$/.exec(host);
  return m ? m[1]! : host;
}

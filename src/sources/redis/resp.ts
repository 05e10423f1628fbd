// Minimal RESP2 client side: encode commands, read replies, and then switch to raw mode to
// stream a replication payload. Reads pull from the socket's async iterator, so a slow
// consumer applies TCP backpressure to the server instead of growing our memory.

import { connect, type Socket } from 'node:net';
import { AbortedError, SourceError } from '../../errors.ts';

export type RespValue = string | Buffer | number | null | RespValue[] | RespError;

export class RespError {
  readonly message: string;
  constructor(message: string) { this.message = message; }
  /** First word of the error, e.g. `WRONGPASS`, `NOAUTH`, `ERR`. */
  get kind(): string { return this.message.split(' ', 1)[0] ?? ''; }
}

export function encodeCommand(args: readonly (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** Names the operation in errors, e.g. `redis backup 127.0.0.1:6379`. */
  what: string;
  signal?: AbortSignal;
  /** Fail if a pending read gets no byte for this long (ms). */
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export class RespConnection {
  readonly socket: Socket;
  private readonly it: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  private readonly what: string;
  private readonly idleTimeoutMs: number;

  private constructor(socket: Socket, what: string, idleTimeoutMs: number) {
    this.socket = socket;
    this.what = what;
    this.idleTimeoutMs = idleTimeoutMs;
    this.it = socket[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  static async open(o: ConnectOptions): Promise<RespConnection> {
    if (o.signal?.aborted) throw new AbortedError(`${o.what}: interrupted`);
    const socket = connect({ host: o.host, port: o.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    // Errors reach us through the pending read or write; this only keeps an error that comes
    // while nothing is pending from being thrown as an uncaught exception.
    socket.on('error', () => {});
    const onAbort = () => socket.destroy(new AbortedError(`${o.what}: interrupted`));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('close', () => o.signal?.removeEventListener('abort', onAbort));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => socket.destroy(new SourceError(`${o.what}: connect timed out`, null, '')),
        o.connectTimeoutMs ?? 10_000);
      socket.once('connect', () => { clearTimeout(timer); socket.removeListener('error', fail); resolve(); });
      const fail = (err: Error) => { clearTimeout(timer); reject(translateNetError(err, o.what)); };
      socket.once('error', fail);
    });
    return new RespConnection(socket, o.what, o.idleTimeoutMs ?? 60_000);
  }

  close(): void {
    this.socket.destroy();
  }

  async command(args: readonly (string | Uint8Array)[]): Promise<RespValue> {
    await this.write(encodeCommand(args));
    return this.readReply();
  }

  async write(data: Buffer): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(translateNetError(err, this.what)) : resolve()));
    });
  }

  /** Next chunk from the socket, or null at EOF; guarded by the idle timeout. */
  async pull(): Promise<Buffer | null> {
    if (this.buf.length > 0) {
      const b = this.buf;
      this.buf = Buffer.alloc(0);
      return b;
    }
    return this.pullSocket();
  }

  private async pullSocket(): Promise<Buffer | null> {
    const timer = setTimeout(() => this.socket.destroy(
      new SourceError(`${this.what}: no data from the server for ${this.idleTimeoutMs} ms`, null, '')), this.idleTimeoutMs);
    try {
      const r = await this.it.next();
      return r.done ? null : r.value;
    } catch (err) {
      throw translateNetError(err, this.what);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Give bytes back to be read again. */
  unshift(b: Buffer): void {
    if (b.length > 0) this.buf = this.buf.length ? Buffer.concat([b, this.buf]) : b;
  }

  async readLine(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const line = this.buf.subarray(0, i).toString('latin1');
        this.buf = this.buf.subarray(i + 2);
        return line;
      }
      if (this.buf.length > 64 * 1024) throw this.protocolError('reply line too long');
      const more = await this.pullRaw();
      this.buf = this.buf.length ? Buffer.concat([this.buf, more]) : more;
    }
  }

  async readExact(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      const more = await this.pullRaw();
      this.buf = this.buf.length ? Buffer.concat([this.buf, more]) : more;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async readReply(): Promise<RespValue> {
    const line = await this.readLine();
    const rest = line.slice(1);
    switch (line[0]) {
      case '+': return rest;
      case '-': return new RespError(rest);
      case ':': return Number(rest);
      case '$': {
        const n = Number(rest);
        if (n < 0) return null;
        const data = await this.readExact(n + 2);
        return Buffer.from(data.subarray(0, n));
      }
      case '*': {
        const n = Number(rest);
        if (n < 0) return null;
        const items: RespValue[] = [];
        for (let i = 0; i < n; i++) items.push(await this.readReply());
        return items;
      }
      default: throw this.protocolError(`unexpected reply ${JSON.stringify(line.slice(0, 40))}`);
    }
  }

  /** More bytes from the socket (never from our own buffer); EOF is an error here. */
  private async pullRaw(): Promise<Buffer> {
    const b = await this.pullSocket();
    if (b === null) throw new SourceError(`${this.what}: the server closed the connection`, null, '');
    return b;
  }

  private protocolError(msg: string): SourceError {
    return new SourceError(`${this.what}: protocol error: ${msg}`, null, '');
  }
}

export function translateNetError(err: unknown, what: string): Error {
  if (err instanceof SourceError || err instanceof AbortedError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the server running, and on this port?)',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ECONNRESET: 'connection reset by the server',
    EPIPE: 'connection closed by the server',
  };
  const reason = (code && reasons[code]) ?? (err instanceof Error ? err.message : String(err));
  return new SourceError(`${what}: ${reason}`, null, '', { cause: err, context: { code } });
}

// The process's logger: pino JSON lines on stdout (readable lines on a TTY), each line run
// through the Redactor just before it is written, so no secret reaches a log whatever a
// message or an error carries. Lines about a run carry its job and run ID (child loggers).

import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Redactor } from './redact.ts';

export type { Logger };

export interface LoggerOptions {
  redactor: Redactor;
  level?: string;
  /** Where lines go (default stdout). */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Human-readable lines instead of JSON (default: when `out` is a TTY). */
  pretty?: boolean;
}

export function createLogger(opts: LoggerOptions): Logger {
  const out = opts.out ?? process.stdout;
  const pretty = opts.pretty ?? out.isTTY === true;
  const dest = pretty ? prettyStream(out) : out;
  return pino({
    level: opts.level ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: { streamWrite: (line) => opts.redactor.redact(line) },
  }, dest as pino.DestinationStream);
}

const SKIP = new Set(['level', 'time', 'msg']);

/** `2026-11-20T02:15:00.123Z INFO  backup finished job=orders run=… status=succeeded` */
function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const o = JSON.parse(line) as Record<string, unknown>;
          const fields = Object.entries(o).filter(([k]) => !SKIP.has(k))
            .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`);
          out.write(`${String(o.time)} ${String(o.level).toUpperCase().padEnd(5)} ${String(o.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

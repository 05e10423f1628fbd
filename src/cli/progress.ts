// A single self-rewriting status line on a TTY; nothing at all otherwise, so logs and pipes
// stay clean.

import type { Writable } from 'node:stream';
import type { ProgressSink } from './command.ts';
import { formatDurationMs } from '../core/duration.ts';

const MIN_INTERVAL_MS = 250;

export function createProgressSink(out: Writable & { columns?: number }, enabled: boolean): ProgressSink {
  if (!enabled) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    update(line: string) {
      const now = Date.now();
      if (now - last < MIN_INTERVAL_MS) return;
      last = now;
      const width = (out.columns ?? 80) - 1;
      out.write(`\r\x1b[K${line.length > width ? line.slice(0, width) : line}`);
      shown = true;
    },
    done() {
      if (shown) out.write('\r\x1b[K');
      shown = false;
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** `files 120, 1.20 GiB of 3.00 GiB, 85.3 MiB/s, ETA 24.0s` */
export function formatTransfer(p: { files?: number; bytes: number; totalBytes?: number; elapsedMs: number }): string {
  const rate = p.elapsedMs > 0 ? (p.bytes / p.elapsedMs) * 1000 : 0;
  const parts: string[] = [];
  if (p.files !== undefined) parts.push(`files ${p.files}`);
  parts.push(p.totalBytes ? `${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}` : formatBytes(p.bytes));
  parts.push(`${formatBytes(rate)}/s`);
  if (p.totalBytes && rate > 0 && p.bytes < p.totalBytes) parts.push(`ETA ${formatDurationMs(((p.totalBytes - p.bytes) / rate) * 1000)}`);
  return parts.join(', ');
}

/** `1 snapshot`, `3 snapshots`: a count with its noun, singular or plural (nouns given both ways when irregular). */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

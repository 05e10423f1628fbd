// Parsing restic's --max-unused and --max-repack-size values: "5%", "100M", "1G", "unlimited".

import { UsageError } from '../../errors.ts';
import type { MaxUnused } from './types.ts';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Bytes in "123", "10k", "5M", "2G", "1T" (binary units, as restic); undefined if not a size. */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

export function parseMaxUnused(text: string, flag = '--max-unused'): MaxUnused {
  const t = text.trim();
  if (t === 'unlimited') return { kind: 'unlimited' };
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (pct) {
    const value = Number(pct[1]);
    if (value > 100) throw new UsageError(`${flag} "${text}": a percentage must be at most 100%`);
    return { kind: 'percent', value };
  }
  const bytes = parseByteSize(t);
  if (bytes === undefined) throw new UsageError(`${flag} "${text}": not a size`, { hint: 'write e.g. 5%, 100M, 2G or unlimited' });
  return { kind: 'bytes', value: bytes };
}

export function formatMaxUnused(m: MaxUnused): string {
  return m.kind === 'unlimited' ? 'unlimited' : m.kind === 'percent' ? `${m.value}%` : `${m.value} B`;
}

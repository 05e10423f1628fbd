// Times typed on the command line, read in the local time zone with the layouts restic's
// `find --oldest/--newest` accepts: 2024-01-31, 2024-01-31 15:04, 2024-01-31 15:04:05 (and
// with a numeric offset), 31.01.2024 and the same with a time. ISO 8601 with a zone works too.

import { UsageError } from '../errors.ts';

/** Nanoseconds since the epoch. */
export function parseLocalTime(text: string, flag: string): bigint {
  const t = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\s*([+-]\d{2}):?(\d{2}))?)?$/.exec(t);
  if (!m) {
    const d = /^(\d{2})\.(\d{2})\.(\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?(?:\s*([+-]\d{2}):?(\d{2}))?)?$/.exec(t);
    if (d) m = [d[0], d[3]!, d[2]!, d[1]!, d[4]!, d[5]!, d[6]!, d[7]!, d[8]!] as unknown as RegExpExecArray;
  }
  let ms: number;
  if (m) {
    const [, y, mo, da, h = '0', mi = '0', s = '0', oh, om] = m;
    if (oh !== undefined) {
      const sign = oh.startsWith('-') ? -1 : 1;
      const offset = sign * (Math.abs(Number(oh)) * 60 + Number(om ?? 0));
      ms = Date.UTC(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(s)) - offset * 60_000;
    } else {
      ms = new Date(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(s)).getTime();
    }
  } else {
    ms = /[zZ]|[+-]\d{2}:?\d{2}$/.test(t) ? Date.parse(t) : NaN;
  }
  if (Number.isNaN(ms)) throw new UsageError(`${flag}: cannot read "${text}" as a time`, { hint: 'e.g. 2024-01-31, "2024-01-31 15:04", "2024-01-31 15:04:05 +0200"' });
  return BigInt(ms) * 1_000_000n;
}

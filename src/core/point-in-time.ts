// Points in time as people type them after `--at`: ISO 8601 with a zone (`2026-11-20T14:00:00Z`,
// `…+01:00`), or a wall-clock time without one (`2026-11-20 14:00`, `2026-11-20T14:00:05`,
// `2026-11-20`), read in the local time zone (TZ). Our own grammar rather than Date.parse,
// which reads a bare date as UTC but a bare date-time as local time, and accepts much more.

const FORM = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** The instant `text` names, or undefined when it is not one of the accepted forms. */
export function parsePointInTime(text: string): Date | undefined {
  const m = FORM.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms] as const;
  if (parts[1] > 11 || parts[2] < 1 || parts[2] > 31 || parts[3] > 23 || parts[4] > 59 || parts[5] > 59) return undefined;
  let at: Date;
  if (zone === undefined) {
    at = new Date(...parts);
  } else {
    const offset = zone.toUpperCase() === 'Z' ? 0 : zoneMinutes(zone);
    at = new Date(Date.UTC(...parts) - offset * 60_000);
  }
  // 2026-02-31 rolls over into March: refuse it rather than pick a day nobody asked for.
  const check = zone === undefined ? at.getDate() : new Date(Date.UTC(...parts)).getUTCDate();
  return check === parts[2] ? at : undefined;
}

function zoneMinutes(zone: string): number {
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return zone.startsWith('-') ? -minutes : minutes;
}

/** `2026-11-20 14:00:00 +01:00`: local wall-clock time with its offset, for messages. */
export function formatLocalTime(d: Date): string {
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ` +
    `${off < 0 ? '-' : '+'}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

// RFC 3339 timestamps as restic writes them: local time with its offset. JS Date has only
// milliseconds, so we write 3 fractional digits (Go accepts any number up to 9).

export function formatRfc3339(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Milliseconds since the epoch; NaN for unparseable text. Extra fractional digits are dropped. */
export function parseRfc3339(s: string): number {
  return Date.parse(s.replace(/(\.\d{3})\d+/, '$1'));
}

// Node and snapshot timestamps: RFC 3339 with up to 9 fractional digits and the local offset,
// as Go's time.Time marshals them (RFC3339Nano: trailing zeros of the fraction trimmed, the
// fraction dropped when zero, `Z` when the offset is zero). JS Date holds only milliseconds, so
// time is carried as bigint nanoseconds since the Unix epoch.

const NS_PER_SEC = 1_000_000_000n;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Local UTC offset in minutes (east positive) at the given instant. */
function localOffsetMinutes(ms: number): number {
  const off = -new Date(ms).getTimezoneOffset();
  return off === 0 ? 0 : off; // avoid -0
}

/** Formats nanoseconds since the epoch as Go's RFC3339Nano in the local time zone. */
export function formatTimestamp(ns: bigint, offsetMinutes?: number): string {
  let sec = ns / NS_PER_SEC;
  let frac = ns % NS_PER_SEC;
  if (frac < 0n) { frac += NS_PER_SEC; sec -= 1n; }
  const off = offsetMinutes ?? localOffsetMinutes(Number(sec) * 1000);
  const d = new Date((Number(sec) + off * 60) * 1000);
  let text = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (frac !== 0n) text += '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  if (off === 0) return text + 'Z';
  const a = Math.abs(off);
  return `${text}${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`;
}

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d\d):(\d\d))$/;

/** Parses an RFC 3339 timestamp to nanoseconds since the epoch; undefined when malformed. */
export function parseTimestamp(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let sec = BigInt(Math.floor(d.getTime() / 1000));
  if (m[8] !== undefined) {
    const off = (Number(m[9]) * 60 + Number(m[10])) * 60;
    sec -= BigInt(m[8] === '-' ? -off : off);
  }
  const frac = m[7] === undefined ? 0n : BigInt(m[7].padEnd(9, '0'));
  return sec * NS_PER_SEC + frac;
}

/** Nanoseconds → float seconds for fs.utimes (libuv rounds to about a microsecond). */
export function nsToSeconds(ns: bigint): number {
  const sec = ns / NS_PER_SEC;
  const frac = ns % NS_PER_SEC;
  return Number(sec) + Number(frac) / 1e9;
}

/** Now with nanosecond digits: milliseconds from the clock, the rest from the monotonic timer. */
export function nowNs(clock: () => number = Date.now): bigint {
  return BigInt(clock()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

export function dateToNs(d: Date): bigint {
  return BigInt(d.getTime()) * 1_000_000n;
}

// Lossless JSON for restic's files. restic writes uint64 fields (inode, device_id) that can
// exceed 2^53, and Go's json.Marshal escapes <, >, & and U+2028/2029. Parsing keeps big
// integers as bigint; stringifying writes bigint digits raw and escapes like Go, so a tree we
// write for the same content gets the same bytes (and blob ID) as restic's.

type RawJson = (text: string) => unknown;
type ReviverContext = { source?: string };

const INTEGER = /^-?\d+$/;

/** JSON.parse that turns integers outside the safe range into bigint. Unknown fields are kept. */
export function parseJson(text: string): unknown {
  return JSON.parse(text, function reviver(this: unknown, _key: string, value: unknown, ctx?: ReviverContext) {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && ctx?.source !== undefined && INTEGER.test(ctx.source)) {
      return BigInt(ctx.source);
    }
    return value;
  } as (this: unknown, key: string, value: unknown) => unknown);
}

export function parseJsonBytes(bytes: Uint8Array): unknown {
  return parseJson(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Compact JSON as Go's json.Marshal writes it; bigint values are emitted as raw digits. */
export function stringifyJson(value: unknown): string {
  const rawJSON = (JSON as unknown as { rawJSON: RawJson }).rawJSON;
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? rawJSON(v.toString()) : v));
  if (text === undefined) throw new TypeError('value is not JSON-serialisable');
  // These characters can only occur inside string literals, so replacing them globally is safe.
  return text.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

export function stringifyJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(stringifyJson(value));
}

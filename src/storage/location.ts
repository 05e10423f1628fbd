// Repository location strings, in restic's syntax, and the registry that opens a Storage for
// one. Only this file knows the concrete adapters, and it loads them lazily so the S3 SDK is
// never imported by a run that uses a local folder.

import { resolve } from 'node:path';
import type { Storage } from './types.ts';
import { UsageError } from '../errors.ts';
import type { LocalStoreOptions } from './local/local-store.ts';
import type { S3StoreOptions } from './s3/s3-store.ts';
import type { RetryOptions } from './retry-store.ts';

export type ParsedLocation =
  | { kind: 'local'; path: string; display: string }
  | { kind: 'memory'; name: string; display: string }
  | {
      kind: 's3';
      /** Full endpoint URL (`http://127.0.0.1:9000`), or undefined for AWS's default endpoints. */
      endpoint: string | undefined;
      bucket: string;
      /** Key prefix without leading or trailing slashes; '' for the bucket root. */
      prefix: string;
      /** Region implied by an `s3.<region>.amazonaws.com` host, if any. */
      region: string | undefined;
      display: string;
    };

const OTHER_BACKENDS = ['sftp', 'rest', 'b2', 'azure', 'gs', 'swift', 'rclone'];

/**
 * Parses `PATH`, `local:PATH`, `memory:[NAME]`, `s3:HOST[:PORT]/BUCKET[/PREFIX]` and
 * `s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX]` (restic's forms; a bare host means https).
 */
export function parseLocation(location: string): ParsedLocation {
  if (typeof location !== 'string' || location.trim() === '') {
    throw new UsageError('repository location is empty', { hint: 'pass --repo PATH or s3:https://host/bucket/prefix' });
  }
  if (location.startsWith('memory:')) {
    const name = location.slice('memory:'.length);
    return { kind: 'memory', name, display: `memory:${name}` };
  }
  if (location.startsWith('local:')) {
    const path = location.slice('local:'.length);
    if (path === '') throw new UsageError('repository location "local:" has no path');
    return { kind: 'local', path: resolve(path), display: resolve(path) };
  }
  if (location.startsWith('s3:')) return parseS3(location.slice(3));
  const scheme = /^([a-z0-9]+):/.exec(location)?.[1];
  if (scheme && OTHER_BACKENDS.includes(scheme)) {
    throw new UsageError(`repository location: the ${scheme}: backend is not supported (use a path, local:PATH or s3:...)`);
  }
  return { kind: 'local', path: resolve(location), display: resolve(location) };
}

function parseS3(rest: string): ParsedLocation {
  const hasScheme = /^https?:\/\//i.test(rest);
  let url: URL;
  try {
    url = new URL(hasScheme ? rest : `https://${rest}`);
  } catch {
    throw new UsageError('repository location: cannot parse the s3: address', { hint: 'use s3:https://host[:port]/bucket[/prefix]' });
  }
  if (url.username || url.password) {
    // Never echo the address back: it holds a secret.
    throw new UsageError('repository location: credentials in an s3: address are not supported', {
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or use a profile) instead',
    });
  }
  if (url.search || url.hash) throw new UsageError('repository location: an s3: address takes no ?query or #fragment');
  const parts = decodeURIComponent(url.pathname).split('/').filter((p) => p !== '');
  const bucket = parts.shift();
  if (!bucket) {
    throw new UsageError(`repository location s3:${url.origin}: no bucket given`, { hint: 'use s3:https://host/bucket[/prefix]' });
  }
  const prefix = parts.join('/');
  const host = url.host.toLowerCase();
  const origin = `${url.protocol}//${url.host}`;
  const display = `s3:${origin}/${bucket}${prefix ? `/${prefix}` : ''}`;
  // AWS itself: let the SDK pick the regional endpoint and addressing style.
  const aws = /^s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com$/.exec(host);
  if (aws && url.protocol === 'https:') {
    const region = aws[1] && aws[1] !== 'external-1' ? aws[1] : undefined;
    return { kind: 's3', endpoint: undefined, bucket, prefix, region, display };
  }
  return { kind: 's3', endpoint: origin, bucket, prefix, region: undefined, display };
}

export interface OpenStorageOptions {
  local?: LocalStoreOptions;
  /** Settings for s3: locations (region, storage class, SSE, credentials...). */
  s3?: Partial<Omit<S3StoreOptions, 'bucket' | 'prefix'>>;
  /**
   * Retry wrapper for remote stores (s3): options, or false for the bare store. Local and memory
   * stores are never wrapped unless this is given explicitly.
   */
  retry?: RetryOptions | false;
  /** Bound on requests in flight for remote stores (default 8); 0 = unbounded. */
  maxInFlight?: number;
}

/**
 * Opens the Storage for a location string. Does not create or check the repository. Remote
 * stores come wrapped in retries and a concurrency limit unless options say otherwise.
 */
export async function openStorage(location: string, options: OpenStorageOptions = {}): Promise<Storage> {
  const loc = parseLocation(location);
  switch (loc.kind) {
    case 'memory': {
      const { MemoryStore } = await import('./memory/memory-store.ts');
      return new MemoryStore({ name: loc.name });
    }
    case 'local': {
      const { LocalStore } = await import('./local/local-store.ts');
      return wrap(new LocalStore(loc.path, options.local), options, false);
    }
    case 's3': {
      const { S3Store } = await import('./s3/s3-store.ts');
      return wrap(new S3Store({
        ...options.s3,
        endpoint: options.s3?.endpoint ?? loc.endpoint,
        region: options.s3?.region ?? loc.region,
        bucket: loc.bucket,
        prefix: loc.prefix,
      }), options, true);
    }
  }
}

/** Retry inside, limit outside: a request's deadline must not count time spent queueing. */
async function wrap(store: Storage, options: OpenStorageOptions, remote: boolean): Promise<Storage> {
  let s = store;
  if (options.retry !== false && (remote || options.retry)) {
    const { RetryStore } = await import('./retry-store.ts');
    s = new RetryStore(s, options.retry || {});
  }
  const limit = options.maxInFlight ?? (remote ? 8 : 0);
  if (limit > 0) {
    const { LimitedStore } = await import('./limit-store.ts');
    s = new LimitedStore(s, limit);
  }
  return s;
}

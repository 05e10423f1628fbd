// A repository in an S3 bucket, with restic's object layout under a prefix (`PREFIX/config`,
// `PREFIX/keys/ID`, `PREFIX/data/ab/ID`...), so `restic -r s3:URL/BUCKET/PREFIX` opens it.
// Retries are not done here (the SDK's are off by default): the retry wrapper owns that policy.

import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import type { PutObjectCommandInput, S3ClientConfig, StorageClass, ServerSideEncryption } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ByteRange, FileInfo, FileType, Handle, Storage, StorageCapabilities } from '../types.ts';
import { LifeboatError, NotFoundError, StorageError, throwIfAborted } from '../../errors.ts';
import { TYPE_DIRS, checkRange, isNested, relPath, subject } from '../layout.ts';
import { mapS3Error } from './s3-errors.ts';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' = bucket root). Slashes at either end are ignored. */
  prefix?: string;
  /** e.g. `http://127.0.0.1:9000`; undefined = AWS's own endpoints. */
  endpoint?: string;
  /** Defaults to AWS_REGION / AWS_DEFAULT_REGION, then `us-east-1`. */
  region?: string;
  /** Path-style addressing; defaults to true when an endpoint is given (S3-compatible servers). */
  forcePathStyle?: boolean;
  /** e.g. `STANDARD_IA`; applied to every object written. */
  storageClass?: string;
  sse?: { type: 'AES256' } | { type: 'aws:kms'; kmsKeyId?: string };
  /** Named profile from the shared AWS files; otherwise the default credential chain. */
  profile?: string;
  /** Explicit credentials (tests); otherwise the default chain (env, shared files, SSO, IMDS...). */
  credentials?: S3ClientConfig['credentials'];
  /** Objects at least this large go up as multipart uploads. Default 64 MiB. */
  multipartThreshold?: number;
  /** Multipart part size. Default 16 MiB. */
  partSize?: number;
  /** Parts in flight per multipart upload. Default 4. */
  partConcurrency?: number;
  /** SDK-level attempts; 1 by default because the retry wrapper retries. */
  sdkMaxAttempts?: number;
  /** Keys per ListObjectsV2 page (S3 caps it at 1000). */
  listPageSize?: number;
  /** TCP connect timeout in ms. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * A socket with no traffic this long is dropped (transient error). Default 120 s. A backstop for
   * requests that take no AbortSignal (stat, remove); the retry wrapper's deadline is the main one.
   */
  idleTimeoutMs?: number;
  /** Use this client instead of building one (it is not destroyed on close). */
  client?: S3Client;
}

const MiB = 1024 * 1024;

export class S3Store implements Storage {
  readonly location: string;
  readonly capabilities: StorageCapabilities = { atomicWrites: true };
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;
  readonly #ownClient: boolean;
  readonly #endpoint: string;
  readonly #opts: S3StoreOptions;

  constructor(opts: S3StoreOptions) {
    if (!opts.bucket) throw new StorageError('s3 store: no bucket given', true);
    this.#opts = opts;
    this.bucket = opts.bucket;
    this.prefix = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.#endpoint = opts.endpoint ? printableEndpoint(opts.endpoint) : 'AWS S3';
    this.location = `s3:${opts.endpoint ? printableEndpoint(opts.endpoint) : 'https://s3.amazonaws.com'}/${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.#ownClient = !opts.client;
    this.#client = opts.client ?? new S3Client({
      endpoint: opts.endpoint,
      region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
      credentials: opts.credentials,
      profile: opts.profile,
      maxAttempts: opts.sdkMaxAttempts ?? 1,
      requestHandler: { connectionTimeout: opts.connectTimeoutMs ?? 10_000, socketTimeout: opts.idleTimeoutMs ?? 120_000 },
      // Ceph RGW and other S3-compatibles refuse the SDK's default trailing checksums
      // (aws-chunked); integrity is covered by Content-MD5 here and by MACs above us.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  key(h: Handle): string {
    const rel = relPath(h);
    return this.prefix ? `${this.prefix}/${rel}` : rel;
  }

  async create(): Promise<void> {
    const op = `create repository at ${this.location}`;
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const mapped = mapS3Error(err, this.#subject(op));
      // HeadBucket has no body, so a missing bucket is a bare 404. restic's init creates it too.
      if (!(mapped instanceof NotFoundError) && !(mapped instanceof StorageError && mapped.context.s3Code === 'NoSuchBucket')) throw mapped;
      try {
        await this.#client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      } catch (err2) {
        const code = (err2 as { name?: string }).name;
        if (code !== 'BucketAlreadyOwnedByYou') throw mapS3Error(err2, this.#subject(`${op}: create bucket`));
      }
    }
    let exists = true;
    try {
      await this.stat({ type: 'config', name: '' });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      exists = false;
    }
    if (exists) throw new StorageError(`${op}: a config file already exists`, true);
  }

  async save(h: Handle, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    const op = `save ${subject(h)}`;
    throwIfAborted(signal);
    const params: PutObjectCommandInput = { Bucket: this.bucket, Key: this.key(h), Body: data, ...this.#writeParams() };
    try {
      if (data.length >= (this.#opts.multipartThreshold ?? 64 * MiB)) {
        await this.#multipart(params, signal);
      } else {
        params.ContentLength = data.length;
        params.ContentMD5 = createHash('md5').update(data).digest('base64');
        await this.#client.send(new PutObjectCommand(params), { abortSignal: signal });
      }
    } catch (err) {
      throw mapS3Error(err, this.#subject(op), signal);
    }
  }

  async load(h: Handle, range?: ByteRange, signal?: AbortSignal): Promise<Uint8Array> {
    const op = `load ${subject(h)}`;
    throwIfAborted(signal);
    if (range && range.length === 0) {
      // HTTP cannot ask for zero bytes; check existence and bounds instead.
      checkRange(h, range, (await this.stat(h)).size, this.location);
      return new Uint8Array(0);
    }
    if (range) checkRange(h, range, Number.MAX_SAFE_INTEGER, this.location);
    try {
      const res = await this.#client.send(new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.key(h),
        Range: range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined,
      }), { abortSignal: signal });
      const body = await readBody(res.Body as Readable | undefined, signal);
      if (res.ContentLength !== undefined && body.length !== res.ContentLength) {
        throw new StorageError(`${op} in ${this.location}: reply cut short (${body.length} of ${res.ContentLength} bytes)`, false);
      }
      if (range && body.length !== range.length) {
        // S3 answers a range that runs past the end with what exists; the contract says error.
        const size = sizeFromContentRange(res.ContentRange);
        throw new StorageError(
          `load ${subject(h)} in ${this.location}: range ${range.offset}+${range.length} is past the end of the file (${size ?? '?'} bytes)`,
          true,
        );
      }
      return body;
    } catch (err) {
      throw mapS3Error(err, this.#subject(op), signal);
    }
  }

  async stat(h: Handle): Promise<FileInfo> {
    try {
      const res = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(h) }));
      return { name: h.type === 'config' ? 'config' : h.name, size: res.ContentLength ?? 0 };
    } catch (err) {
      const mapped = mapS3Error(err, this.#subject(`stat ${subject(h)}`));
      // A HEAD has no body, so a missing bucket looks like a missing config: "no repository
      // found" would send the user looking in the wrong place. Ask the bucket (config only: it is
      // the probe every open starts with).
      // Still a NotFoundError: init must go on and create the bucket, as restic's does.
      if (mapped instanceof NotFoundError && h.type === 'config' && await this.#bucketMissing()) {
        const detail = `bucket "${this.bucket}" does not exist`;
        throw new NotFoundError(`stat config: ${detail} at ${this.#endpoint}`, {
          cause: err, hint: 'fix the repository location, or create the repository (init creates the bucket)',
          context: { ...mapped.context, s3Code: 'NoSuchBucket', detail },
        });
      }
      throw mapped;
    }
  }

  async #bucketMissing(): Promise<boolean> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return false;
    } catch (err) {
      return mapS3Error(err, this.#subject('head bucket')) instanceof NotFoundError;
    }
  }

  async *list(type: FileType, signal?: AbortSignal): AsyncIterable<FileInfo> {
    throwIfAborted(signal);
    if (type === 'config') {
      try {
        yield await this.stat({ type: 'config', name: '' });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      return;
    }
    const dir = TYPE_DIRS[type];
    const prefix = this.prefix ? `${this.prefix}/${dir}/` : `${dir}/`;
    let token: string | undefined;
    do {
      throwIfAborted(signal);
      let res;
      try {
        res = await this.#client.send(new ListObjectsV2Command({
          Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.#opts.listPageSize,
          // data/ and wal/ are nested one level (data/ab/ID, wal/GROUP/FILE); other types are
          // flat, so skip deeper keys.
          Delimiter: isNested(type) ? undefined : '/',
        }), { abortSignal: signal });
      } catch (err) {
        throw mapS3Error(err, this.#subject(`list ${type}`), signal);
      }
      for (const obj of res.Contents ?? []) {
        if (!obj.Key) continue;
        const rest = obj.Key.slice(prefix.length);
        const parts = rest.split('/');
        // Only `ID` (or `ab/ID` for data, `GROUP/FILE` for wal); anything else is not ours
        // (e.g. a folder marker).
        if (parts.length !== (isNested(type) ? 2 : 1) || parts.some((p) => p === '')) continue;
        yield { name: type === 'wal' ? rest : parts[parts.length - 1], size: obj.Size ?? 0 };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async remove(h: Handle): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(h) }));
    } catch (err) {
      const mapped = mapS3Error(err, this.#subject(`remove ${subject(h)}`));
      if (mapped instanceof NotFoundError) return;
      throw mapped;
    }
  }

  async close(): Promise<void> {
    if (this.#ownClient) this.#client.destroy();
  }

  async #multipart(params: PutObjectCommandInput, signal?: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const up = new Upload({
        client: this.#client,
        params,
        partSize: this.#opts.partSize ?? 16 * MiB,
        queueSize: this.#opts.partConcurrency ?? 4,
        // Abort the multipart upload on failure so no orphan parts linger and bill.
        leavePartsOnError: false,
        abortController: ac,
      });
      await up.done();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #writeParams(): Partial<PutObjectCommandInput> {
    const p: Partial<PutObjectCommandInput> = {};
    if (this.#opts.storageClass) p.StorageClass = this.#opts.storageClass as StorageClass;
    const sse = this.#opts.sse;
    if (sse) {
      p.ServerSideEncryption = sse.type as ServerSideEncryption;
      if (sse.type === 'aws:kms' && sse.kmsKeyId) p.SSEKMSKeyId = sse.kmsKeyId;
    }
    return p;
  }

  #subject(op: string) {
    return { op, bucket: this.bucket, endpoint: this.#endpoint };
  }
}

/** Endpoint without userinfo, query or trailing slash. */
function printableEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(invalid endpoint)';
  }
}

function sizeFromContentRange(cr: string | undefined): number | undefined {
  const m = cr ? /\/(\d+)$/.exec(cr) : null;
  return m ? Number(m[1]) : undefined;
}

/** Reads a response body fully; destroys it on abort so a stalled transfer ends at once. */
async function readBody(body: Readable | undefined, signal?: AbortSignal): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const onAbort = () => body.destroy(new DOMException('aborted', 'AbortError'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of body) {
      chunks.push(c as Buffer);
      n += (c as Buffer).length;
    }
    const out = new Uint8Array(n);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}


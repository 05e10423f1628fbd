// Translates AWS SDK / network errors into our error family at the adapter's edge. Branches on
// HTTP status and S3 error codes, never on message text. Messages name the bucket, never secrets.

import { AbortedError, LifeboatError, NotFoundError, StorageError } from '../../errors.ts';

const TRANSIENT_S3_CODES = new Set([
  'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable', 'SlowDown',
  'Throttling', 'ThrottlingException', 'TooManyRequests', 'RequestLimitExceeded', 'BadDigest',
  'IncompleteBody', 'TimeoutError', 'RequestTimeoutException', 'OperationAborted',
]);
const DENIED_CODES = new Set([
  'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken',
  'AllAccessDisabled', 'AccountProblem', 'CredentialsProviderError', 'InvalidSecurity',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE',
]);

export interface S3ErrorSubject {
  op: string;
  bucket: string;
  /** Printable endpoint (no credentials). */
  endpoint: string;
}

interface SdkLike {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
  $retryable?: unknown;
  cause?: unknown;
}

function networkCode(err: unknown): string | undefined {
  // The SDK wraps socket errors; walk the cause chain for a system code.
  for (let e = err as SdkLike | undefined, i = 0; e && i < 5; e = e.cause as SdkLike | undefined, i++) {
    if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || e.code.startsWith('E'))) return e.code;
  }
  return undefined;
}

export function mapS3Error(err: unknown, s: S3ErrorSubject, signal?: AbortSignal): LifeboatError {
  if (err instanceof LifeboatError) return err;
  const e = (err ?? {}) as SdkLike;
  if (signal?.aborted || e.name === 'AbortError') return new AbortedError(`${s.op}: interrupted`, { cause: err });
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? e.name ?? '';
  const where = `bucket "${s.bucket}" at ${s.endpoint}`;
  const context = { status, s3Code: code, bucket: s.bucket };

  if (code === 'NoSuchBucket') {
    return new StorageError(`${s.op}: ${where} does not exist`, true, {
      cause: err, context, hint: 'create the bucket or fix the repository location',
    });
  }
  if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) {
    return new NotFoundError(`${s.op} in ${where}: file not found`, { cause: err, context });
  }
  if (DENIED_CODES.has(code) || status === 403 || status === 401) {
    // A HEAD answer has no body, so the SDK's code is just "Unknown": show the HTTP status then.
    const why = code && code !== 'Unknown' ? code : `HTTP ${status ?? '403'}`;
    return new StorageError(`${s.op}: access to ${where} denied (${why})`, true, {
      cause: err, context, hint: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the profile) and the bucket policy',
    });
  }
  if (code === 'InvalidRange' || status === 416) {
    return new StorageError(`${s.op} in ${where}: range is past the end of the file`, true, { cause: err, context });
  }
  const net = networkCode(err);
  if (net || (status === undefined && code !== '' && TRANSIENT_S3_CODES.has(code))) {
    return new StorageError(`${s.op}: cannot reach ${where} (${net ?? code})`, false, { cause: err, context: { ...context, net } });
  }
  if (TRANSIENT_S3_CODES.has(code) || (status !== undefined && (status >= 500 || status === 429 || status === 408))) {
    return new StorageError(`${s.op} in ${where}: server error ${status ?? ''} ${code}`.trimEnd(), false, { cause: err, context });
  }
  if (status !== undefined && status >= 400) {
    return new StorageError(`${s.op} in ${where}: request refused (${status} ${code})`, true, { cause: err, context });
  }
  // No HTTP answer and no known code: a transport failure (reset, parse error on a cut reply).
  const detail = typeof e.message === 'string' ? e.message.slice(0, 200) : String(err);
  return new StorageError(`${s.op} in ${where}: ${code ? `${code}: ` : ''}${detail}`, false, { cause: err, context });
}

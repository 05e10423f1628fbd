// Test helpers for the real S3 server (Ceph RGW from ../shared/s3/start): start it, make a
// unique bucket, empty and delete it. Shared by the S3 storage tests and anyone needing S3.

import { after, before } from 'node:test';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client,
} from '@aws-sdk/client-s3';

export interface S3Env {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

// CI runs a clean clone with shared/ beside it: ../shared/s3/start from the project root.
const START = process.env.LIFEBOAT_S3_START ?? resolve(import.meta.dirname, '../../shared/s3/start');

/** Runs the start script (a no-op when already running) and parses its `export K=V` lines. */
export function startS3(): Promise<S3Env> {
  return new Promise((resolve, reject) => {
    execFile(START, [], { timeout: 180_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${START} failed: ${err.message}\n${String(stderr).slice(-2000)}`));
      const vars: Record<string, string> = {};
      for (const line of String(stdout).split('\n')) {
        const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
        if (m) vars[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
      }
      const env = {
        endpoint: vars.S3_ENDPOINT, region: vars.S3_REGION,
        accessKeyId: vars.AWS_ACCESS_KEY_ID, secretAccessKey: vars.AWS_SECRET_ACCESS_KEY,
      };
      if (!env.endpoint || !env.accessKeyId || !env.secretAccessKey) return reject(new Error(`${START}: no S3 variables in its output`));
      resolve(env);
    });
  });
}

export function adminClient(env: S3Env, endpoint = env.endpoint): S3Client {
  return new S3Client({
    endpoint, region: env.region, forcePathStyle: true,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function uniqueBucket(tag: string): string {
  return `lifeboat-${tag}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`.toLowerCase();
}

export async function createBucket(env: S3Env, bucket: string): Promise<void> {
  const c = adminClient(env);
  try {
    await c.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    c.destroy();
  }
}

/** Deletes every object under prefix ('' = all), then the bucket itself when prefix is ''. */
export async function emptyBucket(env: S3Env, bucket: string, prefix = ''): Promise<void> {
  const c = adminClient(env);
  try {
    let token: string | undefined;
    do {
      const res = await c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }));
      const keys = (res.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length) await c.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    if (prefix === '') await c.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    c.destroy();
  }
}

/** Environment for running `restic` against this server (credentials via env, never argv). */
export function resticS3Env(env: S3Env, password: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: env.accessKeyId,
    AWS_SECRET_ACCESS_KEY: env.secretAccessKey,
    AWS_DEFAULT_REGION: env.region,
    RESTIC_PASSWORD: password,
  };
}

/**
 * A bucket for one test file: the S3 server started (a no-op when running) and a unique bucket
 * created before its tests, emptied and deleted after them. Read `.env` and `.bucket` inside tests.
 */
export function useTestBucket(tag: string): { readonly env: S3Env; readonly bucket: string } {
  const state = {} as { env: S3Env; bucket: string };
  before(async () => {
    state.env = await startS3();
    state.bucket = uniqueBucket(tag);
    await createBucket(state.env, state.bucket);
  });
  after(async () => {
    if (state.env) await emptyBucket(state.env, state.bucket).catch(() => {});
  });
  return state;
}

// Helpers for the retention oracle test: a restic repository whose key is cheap to open.
// restic 0.14 calibrates scrypt at init to ~0.4 s of CPU, which every later restic process
// pays again; a few hundred `restic backup --time` runs would take minutes. We re-wrap the
// master key under scrypt N=1024 (a test-only weakening) so each process starts in ~50 ms.

import { execFile } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { poly1305 } from '@noble/ciphers/_poly1305.js';

const execFileP = promisify(execFile);
const scryptP = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

export interface ResticEnv {
  repo: string;
  env: NodeJS.ProcessEnv;
}

export async function restic(r: ResticEnv, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await execFileP('restic', args, { env: { ...r.env, ...extraEnv }, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

function mac(key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  const k = key.subarray(32, 48);
  const rr = key.subarray(48, 64);
  const aes = createCipheriv('aes-128-ecb', k, null).setAutoPadding(false);
  const s = Buffer.concat([aes.update(iv), aes.final()]);
  return Buffer.from(poly1305(ciphertext, Buffer.concat([rr, s])));
}

/** Replaces the repository's only key file by one with cheap scrypt parameters. */
export async function cheapenKey(repo: string, password: string): Promise<void> {
  const [name] = await readdir(join(repo, 'keys'));
  const file = join(repo, 'keys', name!);
  const key = JSON.parse(await readFile(file, 'utf8')) as { N: number; r: number; p: number; salt: string; data: string; [k: string]: unknown };
  const salt = Buffer.from(key.salt, 'base64');
  const userKey = await scryptP(password, salt, 64, { N: key.N, r: key.r, p: key.p, maxmem: 256 * key.N * key.r * 2 });
  const data = Buffer.from(key.data, 'base64');
  const iv = data.subarray(0, 16);
  const ct = data.subarray(16, data.length - 16);
  if (!mac(userKey, iv, ct).equals(data.subarray(data.length - 16))) throw new Error('cheapen key: MAC mismatch (wrong password?)');
  const dec = createDecipheriv('aes-256-ctr', userKey.subarray(0, 32), iv);
  const master = Buffer.concat([dec.update(ct), dec.final()]);

  const newSalt = randomBytes(64);
  const params = { N: 1024, r: 8, p: 1 };
  const newUserKey = await scryptP(password, newSalt, 64, { ...params, maxmem: 64 * 1024 * 1024 });
  const newIv = randomBytes(16);
  const enc = createCipheriv('aes-256-ctr', newUserKey.subarray(0, 32), newIv);
  const newCt = Buffer.concat([enc.update(master), enc.final()]);
  const newData = Buffer.concat([newIv, newCt, mac(newUserKey, newIv, newCt)]);
  const text = JSON.stringify({ ...key, ...params, salt: newSalt.toString('base64'), data: newData.toString('base64') });
  const id = createHash('sha256').update(text).digest('hex');
  await writeFile(join(repo, 'keys', id), text);
  await rm(file);
}

/** Runs fn over items with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) await fn(items[next++]!);
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

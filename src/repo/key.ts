// Key files (keys/<id>): plain JSON holding the master key encrypted with a key derived from
// the password by scrypt. Any key file can open the repository; a wrong password shows up as
// a MAC failure on every one of them.

import { hostname, userInfo } from 'node:os';
import { randomBytes, scrypt as scryptCb } from 'node:crypto';
import { IntegrityError, LifeboatError, NotFoundError, UsageError, WrongPasswordError, throwIfAborted } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import type { KeyId } from './types.ts';
import { type MasterKey, encrypt, keyFromBytes, sha256Hex, tryDecrypt } from './crypto.ts';
import { formatRfc3339 } from './time.ts';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** restic's documented defaults; reading accepts whatever a key file declares. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 32768, r: 8, p: 1 };

export interface KeyFile {
  created: string;
  username: string;
  hostname: string;
  kdf: string;
  N: number;
  r: number;
  p: number;
  salt: string;
  data: string;
  [unknown: string]: unknown;
}

/** What key management needs of an open repository. The Repository from repository.ts has it. */
export interface KeyedRepository {
  readonly storage: Storage;
  readonly keyId: KeyId;
  readonly masterKey: MasterKey;
}

export interface KeyInfo {
  id: KeyId;
  username: string;
  hostname: string;
  created: string;
  /** True for the key that opened this repository. */
  current: boolean;
}

export async function deriveUserKey(password: string, salt: Uint8Array, params: ScryptParams): Promise<MasterKey> {
  const { N, r, p } = params;
  // Node's default maxmem (32 MiB) is below what N=32768, r=8 needs.
  const maxmem = 128 * N * r * 2 + 128 * r * p + (16 << 20);
  const out = await new Promise<Buffer>((resolve, reject) => {
    scryptCb(password, salt, 64, { N, r, p, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
  return keyFromBytes(out);
}

function b64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}

function masterKeyToJson(k: MasterKey): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ mac: { k: b64(k.macK), r: b64(k.macR) }, encrypt: b64(k.encrypt) }));
}

function masterKeyFromJson(bytes: Uint8Array, keyName: string): MasterKey {
  const j = JSON.parse(new TextDecoder().decode(bytes)) as { mac?: { k?: string; r?: string }; encrypt?: string };
  const enc = Buffer.from(j.encrypt ?? '', 'base64');
  const k = Buffer.from(j.mac?.k ?? '', 'base64');
  const r = Buffer.from(j.mac?.r ?? '', 'base64');
  if (enc.length !== 32 || k.length !== 16 || r.length !== 16) {
    throw new IntegrityError(`open key ${keyName.slice(0, 8)}: master key has invalid lengths`);
  }
  return { encrypt: enc, macK: k, macR: r };
}

function parseKeyFile(bytes: Uint8Array, name: string): KeyFile {
  let j: KeyFile;
  try {
    j = JSON.parse(new TextDecoder().decode(bytes)) as KeyFile;
  } catch (e) {
    throw new IntegrityError(`load key ${name.slice(0, 8)}: invalid JSON`, { cause: e });
  }
  if (j.kdf !== 'scrypt') throw new LifeboatError('error', `load key ${name.slice(0, 8)}: unsupported kdf ${String(j.kdf)}`);
  return j;
}

/** Writes a new key file holding `master`, encrypted under `password`. */
export async function createKey(
  storage: Storage,
  password: string,
  master: MasterKey,
  opts: { params?: ScryptParams; host?: string; user?: string; now?: Date; signal?: AbortSignal } = {},
): Promise<KeyId> {
  if (password.length === 0) throw new UsageError('create key: empty password');
  const params = opts.params ?? DEFAULT_SCRYPT;
  const salt = randomBytes(64);
  const userKey = await deriveUserKey(password, salt, params);
  const file: KeyFile = {
    created: formatRfc3339(opts.now ?? new Date()),
    username: opts.user ?? safeUsername(),
    hostname: opts.host ?? hostname(),
    kdf: 'scrypt',
    N: params.N,
    r: params.r,
    p: params.p,
    salt: b64(salt),
    data: b64(encrypt(userKey, masterKeyToJson(master))),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(file));
  const id = sha256Hex(bytes) as KeyId;
  await storage.save({ type: 'key', name: id }, bytes, opts.signal);
  return id;
}

export function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** Tries the password on one key file; undefined when it does not fit. */
export async function tryKey(storage: Storage, id: string, password: string, signal?: AbortSignal): Promise<MasterKey | undefined> {
  const file = parseKeyFile(await storage.load({ type: 'key', name: id }, undefined, signal), id);
  const userKey = await deriveUserKey(password, Buffer.from(file.salt, 'base64'), { N: file.N, r: file.r, p: file.p });
  const plain = tryDecrypt(userKey, Buffer.from(file.data, 'base64'));
  return plain === undefined ? undefined : masterKeyFromJson(plain, id);
}

/** Tries every key file (the hinted one first). WrongPasswordError when none opens. */
export async function openWithPassword(
  storage: Storage,
  password: string,
  opts: { signal?: AbortSignal; keyHint?: string } = {},
): Promise<{ keyId: KeyId; masterKey: MasterKey }> {
  const names: string[] = [];
  for await (const f of storage.list('key', opts.signal)) names.push(f.name);
  if (opts.keyHint) {
    const i = names.findIndex((n) => n.startsWith(opts.keyHint!));
    if (i > 0) names.unshift(...names.splice(i, 1));
  }
  const broken: string[] = [];
  for (const name of names) {
    throwIfAborted(opts.signal);
    let mk: MasterKey | undefined;
    try {
      mk = await tryKey(storage, name, password, opts.signal);
    } catch (err) {
      // A damaged or foreign key file must not stop us from trying the others.
      if (!(err instanceof IntegrityError) && !(err instanceof NotFoundError) && !(err instanceof LifeboatError && err.code === 'error')) throw err;
      broken.push(name.slice(0, 8));
      continue;
    }
    if (mk) return { keyId: name as KeyId, masterKey: mk };
  }
  if (names.length === 0) throw new WrongPasswordError(`open repository at ${storage.location}: no key files found`);
  throw new WrongPasswordError(
    broken.length ? `wrong password or no key found (unreadable key files: ${broken.join(', ')})` : 'wrong password or no key found',
  );
}

export async function addKey(repo: KeyedRepository, newPassword: string, opts: { params?: ScryptParams; host?: string; user?: string; signal?: AbortSignal } = {}): Promise<KeyId> {
  return createKey(repo.storage, newPassword, repo.masterKey, opts);
}

export async function listKeys(repo: KeyedRepository, signal?: AbortSignal): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  for await (const f of repo.storage.list('key', signal)) {
    const k = parseKeyFile(await repo.storage.load({ type: 'key', name: f.name }, undefined, signal), f.name);
    out.push({ id: f.name as KeyId, username: k.username, hostname: k.hostname, created: k.created, current: f.name === repo.keyId });
  }
  out.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
  return out;
}

/** Resolves a unique key ID prefix. */
export async function findKey(repo: KeyedRepository, prefix: string, signal?: AbortSignal): Promise<KeyId> {
  const hits: string[] = [];
  for await (const f of repo.storage.list('key', signal)) if (f.name.startsWith(prefix)) hits.push(f.name);
  if (hits.length === 0) throw new NotFoundError(`find key ${prefix}: no such key`);
  if (hits.length > 1) throw new UsageError(`find key ${prefix}: prefix is ambiguous (${hits.length} keys)`);
  return hits[0] as KeyId;
}

/** Removes a key file; refuses the key in use and the last key (that would lock everyone out). */
export async function removeKey(repo: KeyedRepository, idOrPrefix: string, signal?: AbortSignal): Promise<KeyId> {
  const id = await findKey(repo, idOrPrefix, signal);
  if (id === repo.keyId) throw new UsageError(`remove key ${id.slice(0, 8)}: refusing to remove the key currently in use`);
  let count = 0;
  for await (const _ of repo.storage.list('key', signal)) count++;
  if (count <= 1) throw new UsageError(`remove key ${id.slice(0, 8)}: refusing to remove the last key`);
  await repo.storage.remove({ type: 'key', name: id });
  return id;
}

/**
 * Adds a key for the new password, then removes the key in use. Returns the new key ID; the
 * caller must switch to it (Repository from repository.ts does so via its setKeyId).
 */
export async function changePassword(
  repo: KeyedRepository & { setKeyId?(id: KeyId): void },
  newPassword: string,
  opts: { params?: ScryptParams; signal?: AbortSignal } = {},
): Promise<KeyId> {
  const old = repo.keyId;
  const id = await addKey(repo, newPassword, opts);
  repo.setKeyId?.(id);
  await repo.storage.remove({ type: 'key', name: old });
  return id;
}

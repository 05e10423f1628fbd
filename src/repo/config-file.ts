// The config file: encrypted JSON {version, id, chunker_polynomial}. Never compressed, even in
// v2, because the version must be readable before we know whether compression is allowed.

import { randomBytes } from 'node:crypto';
import { IntegrityError, LifeboatError } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import type { RepoConfig } from './types.ts';
import { type MasterKey, decrypt, encrypt } from './crypto.ts';
import { isIrreducible, polynomialFromHex, polynomialToHex, randomPolynomial } from './polynomial.ts';

export function newConfig(version: 1 | 2 = 2): RepoConfig {
  return { version, id: randomBytes(32).toString('hex'), chunkerPolynomial: randomPolynomial() };
}

export function encodeConfig(key: MasterKey, cfg: RepoConfig): Uint8Array {
  const json = JSON.stringify({ version: cfg.version, id: cfg.id, chunker_polynomial: polynomialToHex(cfg.chunkerPolynomial) });
  return encrypt(key, new TextEncoder().encode(json));
}

export function decodeConfig(key: MasterKey, stored: Uint8Array, location = 'repository'): RepoConfig {
  const plain = decrypt(key, stored, `config of ${location}`);
  let j: { version?: unknown; id?: unknown; chunker_polynomial?: unknown };
  try {
    j = JSON.parse(new TextDecoder().decode(plain));
  } catch (e) {
    throw new IntegrityError(`load config of ${location}: invalid JSON`, { cause: e });
  }
  if (j.version !== 1 && j.version !== 2) {
    throw new LifeboatError('error', `load config of ${location}: unsupported repository version ${String(j.version)}`);
  }
  if (typeof j.id !== 'string' || typeof j.chunker_polynomial !== 'string') {
    throw new IntegrityError(`load config of ${location}: missing id or chunker_polynomial`);
  }
  const poly = polynomialFromHex(j.chunker_polynomial);
  if (!isIrreducible(poly)) throw new IntegrityError(`load config of ${location}: chunker polynomial is reducible`);
  return { version: j.version, id: j.id, chunkerPolynomial: poly };
}

export async function saveConfig(storage: Storage, key: MasterKey, cfg: RepoConfig, signal?: AbortSignal): Promise<void> {
  await storage.save({ type: 'config', name: 'config' }, encodeConfig(key, cfg), signal);
}

export async function loadConfig(storage: Storage, key: MasterKey, signal?: AbortSignal): Promise<RepoConfig> {
  return decodeConfig(key, await storage.load({ type: 'config', name: 'config' }, undefined, signal), storage.location);
}

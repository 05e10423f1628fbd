// wal-push's spool: files pushed ahead of PostgreSQL's call for them (push-batch.ts), one record
// each, `<state dir>/wal-spool/<job>/<file>` = {size, sha256}. Light on purpose (node modules
// only): the CLI consults it before loading the config, so a spooled call costs a process
// start and one hash. The state dir here is LIFEBOAT_STATE_DIR or the user's default, never the
// config's state_dir: reading the config is most of what the spool saves.

import { createHash } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stateDirFor } from '../state-dir.ts';

export interface SpoolRecord { size: number; sha256: string }

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function walSpoolDir(job: string, env: NodeJS.ProcessEnv): string {
  return join(stateDirFor(undefined, env), 'wal-spool', job);
}

export async function readSpoolRecord(spool: string, file: string): Promise<SpoolRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(join(spool, file), 'utf8')) as SpoolRecord;
    return typeof r.size === 'number' && typeof r.sha256 === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when `path` was pushed ahead and its bytes still hash to the record: the archive holds
 * exactly this file. The record is used once (removed either way); false means push it.
 */
export async function acknowledgeFromSpool(spool: string, path: string): Promise<boolean> {
  const file = basename(path);
  if (!/^[0-9A-F]{8}[0-9A-F.a-z]*$/.test(file)) return false;
  const record = await readSpoolRecord(spool, file);
  if (!record) return false;
  await unlink(join(spool, file)).catch(() => {});
  let content: Buffer;
  try { content = await readFile(path); } catch { return false; }
  return record.size === content.length && record.sha256 === sha256Hex(content);
}

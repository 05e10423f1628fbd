// The daemon's copy of the runbook in state_dir (runbook.md), kept current: written at start,
// on reload and after each backup or drill (coalesced), atomically (a reader never sees half a
// file), so the copy on the backup host is as fresh as the last run when the rest is gone.

import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedConfig } from '../../config/types.ts';
import type { History } from '../history/store.ts';
import { buildRunbook } from './build.ts';
import { renderRunbook } from './render.ts';

export const RUNBOOK_FILE = 'runbook.md';

export async function writeRunbookCopy(config: LoadedConfig, history: History, stateDir: string, now: Date, signal: AbortSignal): Promise<string> {
  const rb = await buildRunbook(config, history, { now, signal });
  const file = join(stateDir, RUNBOOK_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, renderRunbook(rb, 'markdown'), { mode: 0o600 });
  await rename(tmp, file);
  return file;
}

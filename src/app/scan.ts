// A quick size scan that runs beside a backup so the progress line can show an ETA, as restic's
// does. Best effort: it never fails the backup.

import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function scanTotalBytes(paths: string[], signal: AbortSignal): Promise<number> {
  let total = 0;
  const stack = [...paths];
  while (stack.length > 0 && !signal.aborted) {
    const p = stack.pop()!;
    let st;
    try {
      st = await lstat(p);
    } catch {
      continue;
    }
    if (st.isFile()) total += st.size;
    else if (st.isDirectory()) {
      try {
        for (const name of await readdir(p)) stack.push(join(p, name));
      } catch { /* unreadable: the backup reports it */ }
    }
  }
  return total;
}

// The history for a command run with a config: the CLI records its runs too, so `status`, the
// daemon's metrics and alerts see backups started from cron or by hand. A history that cannot
// be opened (a read-only state directory) must not stop a backup: the caller gets a warning.

import type { Config } from '../../config/types.ts';
import { stateDirFor } from '../state-dir.ts';
import { History } from './store.ts';

export function tryOpenHistory(config: Pick<Config, 'stateDir'>, env: NodeJS.ProcessEnv): { history?: History; warning?: string } {
  const dir = stateDirFor(config, env);
  try {
    return { history: History.open(dir) };
  } catch (err) {
    return { warning: `run history in ${dir} not recorded: ${err instanceof Error ? err.message : String(err)}` };
  }
}

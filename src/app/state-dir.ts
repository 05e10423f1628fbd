// Where Lifeboat keeps its state (the run history): the config's `state_dir`, else
// LIFEBOAT_STATE_DIR, else /var/lib/lifeboat for root and $XDG_STATE_HOME/lifeboat (or
// ~/.local/state/lifeboat) for anyone else.

import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/types.ts';

export function stateDirFor(config: Pick<Config, 'stateDir'> | undefined, env: NodeJS.ProcessEnv): string {
  if (config?.stateDir) return config.stateDir;
  if (env.LIFEBOAT_STATE_DIR) return env.LIFEBOAT_STATE_DIR;
  if (process.getuid?.() === 0) return '/var/lib/lifeboat';
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'lifeboat');
}

// Where a job's dumps sit inside its snapshots, from its engine's descriptor, without loading
// the engine (the runbook writes paths, it restores nothing).

import { findSourceDescriptor, type SourceConfig } from '../../sources/registry.ts';

export function loadRestorerSync(cfg: SourceConfig): { root: string; dumpPath(name: string): string } | undefined {
  const restore = findSourceDescriptor(cfg.type)?.restore;
  return restore ? { root: restore.root, dumpPath: restore.dumpPath } : undefined;
}

// Relative paths in a config are relative to the config file's folder, not to the current
// directory: `lifeboat --config /etc/lifeboat/lifeboat.yaml` from cron (cwd /) must find the
// same password file as from /etc/lifeboat. Applied to the raw document before validation, so
// every later message (an unreadable secret file, a missing database file) names the resolved path.

import { isAbsolute, resolve } from 'node:path';
import { findSourceDescriptor } from '../sources/registry.ts';
import type { PathField } from '../sources/descriptor.ts';

/** Locations with a scheme other than `local:` are not paths. */
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export function resolveLocation(location: string, base: string): string {
  if (location.startsWith('local:')) return `local:${resolvePath(location.slice('local:'.length), base)}`;
  if (SCHEME.test(location)) return location;
  return resolvePath(location, base);
}

export function resolvePath(path: string, base: string): string {
  return path === '' || isAbsolute(path) ? path : resolve(base, path);
}

/** A program: `./bin/tool` or `scripts/x.sh` is relative to the config; a bare `pg_dump` is looked up on PATH. */
export function resolveProgram(program: string, base: string): string {
  return program.includes('/') ? resolvePath(program, base) : program;
}

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

function mapString(node: Node, key: string, f: (s: string) => string): void {
  if (typeof node[key] === 'string') node[key] = f(node[key] as string);
}

function mapArgv0(node: Node, key: string, base: string): void {
  const argv = node[key];
  if (Array.isArray(argv) && typeof argv[0] === 'string') argv[0] = resolveProgram(argv[0], base);
}


/** A source field the engine's descriptor declares as a path (see PathField). */
function resolveField(src: Node, key: string, kind: PathField, base: string): void {
  switch (kind) {
    case 'path': return mapString(src, key, (s) => resolvePath(s, base));
    case 'program': return mapString(src, key, (s) => resolveProgram(s, base));
    case 'argv': return mapArgv0(src, key, base);
    case 'paths': {
      const list = src[key];
      if (Array.isArray(list)) src[key] = list.map((p) => (typeof p === 'string' ? resolvePath(p, base) : p));
    }
  }
}

function resolveFileKeys(node: unknown, base: string): void {
  if (Array.isArray(node)) { for (const n of node) resolveFileKeys(n, base); return; }
  if (!isNode(node)) return;
  for (const [k, v] of Object.entries(node)) {
    if (k.endsWith('_file') && typeof v === 'string') node[k] = resolvePath(v, base);
    else resolveFileKeys(v, base);
  }
}

/** Resolves, in place, every path-valued field of the raw config against `base`. */
export function resolveConfigPaths(raw: unknown, base: string): void {
  if (!isNode(raw)) return;
  mapString(raw, 'state_dir', (s) => resolvePath(s, base));
  // Every `…_file` is a path (secret files, the API token), wherever it sits.
  resolveFileKeys(raw, base);
  for (const repo of Object.values(isNode(raw.repositories) ? raw.repositories : {})) {
    if (!isNode(repo)) continue;
    mapString(repo, 'location', (s) => resolveLocation(s, base));
    mapArgv0(repo, 'password_command', base);
  }
  for (const job of Object.values(isNode(raw.jobs) ? raw.jobs : {})) {
    if (!isNode(job)) continue;
    if (isNode(job.hooks)) { mapArgv0(job.hooks, 'before', base); mapArgv0(job.hooks, 'after', base); }
    if (isNode(job.drill)) mapString(job.drill, 'scratch_dir', (s) => resolvePath(s, base));
    const src = job.source;
    if (!isNode(src)) continue;
    const engine = typeof src.type === 'string' ? findSourceDescriptor(src.type) : undefined;
    for (const [key, kind] of Object.entries(engine?.pathFields ?? {})) resolveField(src, key, kind, base);
  }
}

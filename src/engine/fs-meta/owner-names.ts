// uid/gid → user/group names from /etc/passwd and /etc/group, read once per lookup object (one
// per backup run), never as module state. Missing files or ids simply give no name, as restic.

import { readFileSync } from 'node:fs';

export interface OwnerNames {
  user(uid: number): string | undefined;
  group(gid: number): string | undefined;
  /** Reverse lookups for restore (name → id), undefined when unknown here. */
  uidOf(user: string): number | undefined;
  gidOf(group: string): number | undefined;
}

function readTable(file: string): Map<number, string> {
  const map = new Map<number, string>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return map;
  }
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const id = Number(f[2]);
    if (f[0] && Number.isInteger(id) && !map.has(id)) map.set(id, f[0]);
  }
  return map;
}

export function createOwnerNames(passwdFile = '/etc/passwd', groupFile = '/etc/group'): OwnerNames {
  let users: Map<number, string> | undefined;
  let groups: Map<number, string> | undefined;
  const u = () => (users ??= readTable(passwdFile));
  const g = () => (groups ??= readTable(groupFile));
  const reverse = (m: Map<number, string>, name: string) => {
    for (const [id, n] of m) if (n === name) return id;
    return undefined;
  };
  return {
    user: (uid) => u().get(uid),
    group: (gid) => g().get(gid),
    uidOf: (name) => reverse(u(), name),
    gidOf: (name) => reverse(g(), name),
  };
}

// What `restic check` finds wrong in a tree node, so our check flags the same trees. restic
// decodes every field into a typed Go struct, and a value that does not fit fails the whole
// tree; then it checks types, content lists and subtrees. Confirmed against restic 0.14:
// a mode of -1, 1.5, "420" or 2^32, a negative uid or size, a time that is not RFC 3339, an
// extended attribute value that is not base64, and the types "irregular" and "" all fail.

import type { TreeNode } from '../../repo/types.ts';

/** The node types restic's checker accepts ("irregular" is a newer restic's, and it flags it too). */
const NODE_TYPES = new Set(['file', 'dir', 'symlink', 'dev', 'chardev', 'fifo', 'socket']);
const ID = /^[0-9a-f]{64}$/;
// Go's time.RFC3339 parse: fractional seconds allowed, 'T' and 'Z' upper case.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const UINT32_MAX = 2 ** 32 - 1;
const UINT64_MAX = 2n ** 64n - 1n;

function isUint(v: unknown, max: bigint): boolean {
  if (typeof v === 'bigint') return v >= 0n && v <= max;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && BigInt(v) <= max;
}

function validTime(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return false;
  const days = new Date(Date.UTC(Number(m[1]), mo, 0)).getUTCDate();
  if (d > days) return false;
  return m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
}

const present = (v: unknown) => v !== undefined && v !== null;

/** Problems found in one node, as messages (restic's wording where it has one). */
export function nodeProblems(node: TreeNode): string[] {
  const out: string[] = [];
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return ['node is not a JSON object'];
  const name = JSON.stringify(typeof node.name === 'string' ? node.name : '');
  const field = (f: string, what: string) => out.push(`node ${name}: ${f} ${JSON.stringify(node[f]) ?? String(node[f])} is not ${what}`);

  for (const f of ['name', 'type', 'user', 'group', 'linktarget', 'error'] as const) {
    if (present(node[f]) && typeof node[f] !== 'string') field(f, 'a string');
  }
  if (present(node.mode) && !isUint(node.mode, BigInt(UINT32_MAX))) field('mode', 'a file mode (an integer from 0 to 2^32-1)');
  for (const f of ['uid', 'gid'] as const) if (present(node[f]) && !isUint(node[f], BigInt(UINT32_MAX))) field(f, 'an integer from 0 to 2^32-1');
  for (const f of ['inode', 'device_id', 'size', 'links', 'device'] as const) {
    if (present(node[f]) && !isUint(node[f], UINT64_MAX)) field(f, 'an integer from 0 to 2^64-1');
  }
  for (const f of ['mtime', 'atime', 'ctime'] as const) {
    if (present(node[f]) && (typeof node[f] !== 'string' || !validTime(node[f]))) field(f, 'an RFC 3339 time');
  }
  if (present(node.linktarget_raw) && (typeof node.linktarget_raw !== 'string' || !BASE64.test(node.linktarget_raw))) field('linktarget_raw', 'base64');
  const xattrs = node.extended_attributes;
  if (present(xattrs)) {
    if (!Array.isArray(xattrs)) field('extended_attributes', 'a list');
    else if (xattrs.some((x) => !x || typeof x !== 'object' || (present(x.name) && typeof x.name !== 'string') || (present(x.value) && (typeof x.value !== 'string' || !BASE64.test(x.value))))) {
      out.push(`node ${name}: an extended attribute is not a name with a base64 value`);
    }
  }
  if (present(node.content) && (!Array.isArray(node.content) || node.content.some((b) => typeof b !== 'string' || !ID.test(b)))) {
    out.push(`file ${name} has an invalid blob ID`);
  }
  if (present(node.subtree) && (typeof node.subtree !== 'string' || !ID.test(node.subtree))) field('subtree', 'a tree ID');

  if (typeof node.name !== 'string' || node.name === '') out.push('node has an empty name');
  if (!NODE_TYPES.has(node.type)) out.push(`node ${name} has invalid type ${JSON.stringify(node.type ?? '')}`);
  if (node.type === 'file' && !Array.isArray(node.content)) out.push(`file ${name} has nil blob list`);
  if (node.type === 'dir' && !present(node.subtree)) out.push(`dir ${name} has no subtree`);
  return out;
}

// Needs: the restic binary — not part of npm run test:unit.
// Tree nodes restic's check rejects must fail our check too: field values that do not decode
// into restic's typed node (mode, ids, sizes, times, xattrs) and invalid node types. restic 0.14
// is the oracle for each case on a real repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initRepository } from '../../repo/open-repository.ts';
import { LocalStore } from '../../storage/local/local-store.ts';
import { FAST_SCRYPT, restic, tempDir } from '../../../test/support/repo.ts';
import type { TreeNode } from '../../repo/types.ts';
import { checkRepository } from './checker.ts';
import { nodeProblems } from './node-check.ts';

const base = (): TreeNode => ({
  name: 'f', type: 'file', mode: 0o644, mtime: '2020-01-01T00:00:00.123456789+02:00', atime: '2020-01-01T00:00:00Z',
  ctime: '2020-01-01T00:00:00Z', uid: 1000, gid: 1000, size: 5, content: [],
});

const BAD: Record<string, Partial<Record<keyof TreeNode, unknown>>> = {
  'mode -1': { mode: -1 },
  'mode 1.5': { mode: 1.5 },
  'mode "420"': { mode: '420' },
  'mode 2^32': { mode: 2 ** 32 },
  'type irregular': { type: 'irregular' },
  'type bogus': { type: 'bogus' },
  'no type': { type: undefined },
  'uid -1': { uid: -1 },
  'size -1': { size: -1 },
  'mtime garbage': { mtime: 'garbage' },
  'mtime 2020-13-01': { mtime: '2020-13-01T00:00:00Z' },
  'name 5': { name: 5 },
  'links 1.5': { links: 1.5 },
  'xattr not base64': { extended_attributes: [{ name: 'user.a', value: '!!' }] },
  'content null': { content: null },
  'content bad id': { content: ['xyz'] },
};

test('nodeProblems: valid nodes pass, every invalid field is named', () => {
  assert.deepEqual(nodeProblems(base()), []);
  assert.deepEqual(nodeProblems({ ...base(), mode: 2 ** 32 - 1, inode: 2n ** 63n, extended_attributes: [{ name: 'user.a', value: 'aGk=' }] }), []);
  assert.deepEqual(nodeProblems({ name: 'd', type: 'dir', mode: 2147484141, subtree: 'ab'.repeat(32) as never, content: null }), []);
  for (const [what, patch] of Object.entries(BAD)) {
    const node = { ...base(), ...patch } as TreeNode;
    for (const k of Object.keys(node)) if (node[k] === undefined) delete node[k];
    assert.notDeepEqual(nodeProblems(node), [], what);
  }
  assert.match(nodeProblems({ ...base(), mode: -1 })[0]!, /node "f": mode -1 is not a file mode/);
  assert.match(nodeProblems({ ...base(), type: 'irregular' })[0]!, /node "f" has invalid type "irregular"/);
});

test('restic check and ours both reject nodes with invalid modes and types', async () => {
  for (const what of ['mode -1', 'mode 2^32', 'type irregular', 'mtime garbage', 'xattr not base64']) {
    await using dir = await tempDir();
    const repo = await initRepository(new LocalStore(dir.path, { noSync: true }), 'pw', { scrypt: FAST_SCRYPT });
    const tree = await repo.saveTree({ nodes: [{ ...base(), ...BAD[what] } as TreeNode] });
    await repo.flush();
    await repo.saveSnapshot({ time: '2020-01-01T00:00:00Z', tree, paths: ['/x'], hostname: 'h' });
    const ours = await checkRepository(repo);
    await repo.close();
    assert.deepEqual(ours.errors.map((e) => e.kind), ['node-invalid'], what);
    const theirs = await restic(dir.path, 'pw', ['check']);
    assert.notEqual(theirs.code, 0, `${what}: restic accepted it`);
  }
});

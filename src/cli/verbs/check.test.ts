// The check verb as a user runs it: exit codes, the text naming snapshots and paths, --json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { LocalStore } from '../../storage/local/local-store.ts';
import { initRepository } from '../../repo/open-repository.ts';
import { FAST_SCRYPT, tempDir } from '../../../test/support/repo.ts';
import { backupPaths } from '../../engine/archiver/archiver.ts';
import { UsageError } from '../../errors.ts';
import type { CommandContext, GlobalOptions } from '../command.ts';
import { checkCommand } from './check.ts';

const PW = 'verb-check';

function sink(): Writable & { text: string } {
  const w = new Writable({ write(chunk, _e, cb) { w.text += String(chunk); cb(); } }) as Writable & { text: string };
  w.text = '';
  return w;
}

async function runCheckVerb(repo: string, args: Record<string, string | boolean>, json = false) {
  const stdout = sink();
  const stderr = sink();
  const global: GlobalOptions = { repo, json, quiet: false, retryLockMs: 0 };
  const ctx: CommandContext = {
    io: { stdout, stderr, stdin: new PassThrough(), env: { LIFEBOAT_PASSWORD: PW } },
    global,
    signal: new AbortController().signal,
    say: (t) => { if (!json) stdout.write(`${t}\n`); },
    out: (t) => { if (!json) stdout.write(`${t}\n`); },
    json: (v) => { if (json) stdout.write(`${JSON.stringify(v)}\n`); },
    progress: { update() {}, done() {} },
  };
  const code = await checkCommand.run(ctx, { values: args, positionals: [] });
  return { code: code ?? 0, stdout: stdout.text, stderr: stderr.text };
}

test('lifeboat check: 0 when clean, 1 with the damaged snapshot and path named; --json summary', async () => {
  await using dir = await tempDir('lifeboat-check-verb-');
  await mkdir(join(dir.path, 'fixture'));
  await writeFile(join(dir.path, 'fixture', 'data.bin'), randomBytes(400_000));
  const repoDir = join(dir.path, 'repo');
  const repo = await initRepository(new LocalStore(repoDir), PW, { scrypt: FAST_SCRYPT });
  const b = await backupPaths(repo, ['fixture'], { cwd: dir.path });
  await repo.loadIndex();
  const id = (await repo.loadTree((await repo.loadTree(b.snapshot.tree)).nodes[0]!.subtree!)).nodes[0]!.content![0]!;
  const loc = repo.lookupBlob('data', id)!;
  await repo.close();

  const clean = await runCheckVerb(repoDir, { 'read-data': true });
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, /no errors were found/);
  assert.match(clean.stdout, /1 snapshot, .* read \d+ packs/);

  const file = join(repoDir, 'data', loc.pack.slice(0, 2), loc.pack);
  const bytes = await readFile(file);
  bytes[loc.offset + 100]! ^= 0xff;
  await chmod(file, 0o600);
  await writeFile(file, bytes);

  assert.equal((await runCheckVerb(repoDir, {})).code, 0, 'structure alone cannot see a flipped data byte');
  const bad = await runCheckVerb(repoDir, { 'read-data': true });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, new RegExp(`error: decrypt data blob ${id.slice(0, 8)} in pack ${loc.pack.slice(0, 8)}: MAC check failed`));
  assert.match(bad.stderr, new RegExp(`affects snapshots: ${b.snapshotId.slice(0, 8)}`));
  assert.match(bad.stderr, /paths: \/fixture\/data\.bin/);
  assert.match(bad.stderr, /repository contains errors/);

  const js = await runCheckVerb(repoDir, { 'read-data-subset': '1/1' }, true);
  assert.equal(js.code, 1);
  const doc = JSON.parse(js.stdout);
  assert.equal(doc.message_type, 'summary');
  assert.equal(doc.ok, false);
  assert.equal(doc.read_data_subset, '1/1');
  const blob = doc.errors.find((e: { kind: string }) => e.kind === 'blob-corrupt');
  assert.equal(blob.blob, id);
  assert.deepEqual(blob.snapshots, [b.snapshotId]);
  assert.deepEqual(blob.paths, ['/fixture/data.bin']);

  await assert.rejects(runCheckVerb(repoDir, { 'read-data-subset': '0/3' }), UsageError);
  await assert.rejects(runCheckVerb(repoDir, { 'read-data-subset': 'half' }), UsageError);
});

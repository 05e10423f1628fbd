import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { readPassword, splitCommandLine, trimSecret } from './password.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-pw-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

/** The error's every rendering, to check a secret appears in none. */
const everything = (e: unknown) => `${(e as Error).message}\n${JSON.stringify((e as ConfigError).context)}\n${(e as Error).stack}`;

test('trimSecret is Go strings.TrimSpace: Unicode white space at both ends, inner space kept', () => {
  assert.equal(trimSecret(' \t pass word \r\n\n'), 'pass word');
  assert.equal(trimSecret('\u00a0\u2003pw\u0085\u3000'), 'pw');
  // A BOM is not white space for Go (files drop it when decoding, see below).
  assert.equal(trimSecret('\ufeffpw'), '\ufeffpw');
});

test('password files: surrounding whitespace and newlines trimmed, BOM and UTF-16 decoded, as restic', async () => {
  await withDir(async (dir) => {
    const cases: Array<[string, Uint8Array | string, string]> = [
      ['newline', 'secret\n', 'secret'],
      ['crlf-and-blank-lines', '  my secret \r\n\r\n\n', 'my secret'],
      ['tabs', '\tpw\t', 'pw'],
      ['utf8-bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('bom-pw\n')]), 'bom-pw'],
      ['utf16le-bom', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('wide-pw\r\n', 'utf16le')]), 'wide-pw'],
    ];
    for (const [name, content, expected] of cases) {
      await writeFile(join(dir, name), content);
      assert.equal(await readPassword({ kind: 'file', path: join(dir, name) }), expected, name);
    }
    await writeFile(join(dir, 'blank'), ' \n\n');
    await assert.rejects(readPassword({ kind: 'file', path: join(dir, 'blank') }),
      (e: unknown) => e instanceof ConfigError && e.message === `password file ${join(dir, 'blank')} is empty`);
    await assert.rejects(readPassword({ kind: 'file', path: join(dir, 'missing') }),
      (e: unknown) => e instanceof ConfigError && e.message === `read password file ${join(dir, 'missing')}: does not exist`);
  });
});

test('a value is used exactly as given (LIFEBOAT_PASSWORD, password:)', async () => {
  assert.equal(await readPassword({ kind: 'value', value: ' spaced \n' }), ' spaced \n');
  await assert.rejects(readPassword({ kind: 'value', value: '' }), /the password is empty/);
});

test("command strings are split into argv like restic's --password-command, without a shell", () => {
  assert.deepEqual(splitCommandLine('pass show backups/offsite'), ['pass', 'show', 'backups/offsite']);
  assert.deepEqual(splitCommandLine('  op read "op://vault/my repo/password"  '), ['op', 'read', 'op://vault/my repo/password']);
  assert.deepEqual(splitCommandLine("sh -c 'echo $HOME; exit 0'"), ['sh', '-c', 'echo $HOME; exit 0']);
  // restic's quirks, kept for the same argv: a quote ends the word before it, a backslash separates.
  assert.deepEqual(splitCommandLine('a"b c"d'), ['a', 'b c', 'd']);
  assert.deepEqual(splitCommandLine('one\\ two'), ['one', 'two']);
  assert.deepEqual(splitCommandLine('"it\'s" \'say "hi"\''), ["it's", 'say "hi"']);
  assert.throws(() => splitCommandLine('pass show "unterminated'), /double-quoted string not terminated/);
  assert.throws(() => splitCommandLine("it's"), /single-quoted string not terminated/);
  assert.throws(() => splitCommandLine('   '), /command string is empty/);
});

test('password commands: argv without a shell, stdout trimmed; failures name the program, never the output', async () => {
  assert.equal(await readPassword({ kind: 'command', argv: ['sh', '-c', 'printf "  cmd-pw \\n\\n"'] }), 'cmd-pw');
  // No shell: `$X` and `;` reach the program as they are.
  assert.equal(await readPassword({ kind: 'command', argv: ['printf', '%s', '$HOME;x'] }), '$HOME;x');
  assert.equal(await readPassword({ kind: 'command', argv: splitCommandLine('printf "%s" "two words"') }), 'two words');

  await assert.rejects(readPassword({ kind: 'command', argv: ['sh', '-c', 'echo leaked-secret; echo vault sealed >&2; exit 3'] }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.message, 'run password command sh: exit code 3: vault sealed');
    assert.ok(!everything(e).includes('leaked-secret'));
    return true;
  });
  await assert.rejects(readPassword({ kind: 'command', argv: ['sh', '-c', 'echo "   "'] }),
    (e: unknown) => e instanceof ConfigError && e.message === 'run password command sh: printed no password');
  await assert.rejects(readPassword({ kind: 'command', argv: ['/nonexistent/pw-helper', 'arg'] }),
    (e: unknown) => e instanceof ConfigError && e.message === 'run password command /nonexistent/pw-helper: ENOENT');
});

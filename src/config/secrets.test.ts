import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.ts';
import { resolvePassword } from './secrets.ts';

test('password_command: stdout minus trailing newline; failures never include stdout', async () => {
  assert.equal(await resolvePassword({ kind: 'command', command: ['sh', '-c', 'printf "cmd-pw\\n"'] }), 'cmd-pw');
  assert.equal(await resolvePassword({ kind: 'value', value: 'v' }), 'v');
  await assert.rejects(
    resolvePassword({ kind: 'command', command: ['sh', '-c', 'echo leaked-secret; echo vault sealed >&2; exit 3'] }),
    (e: unknown) => e instanceof ConfigError && e.message === 'run password_command sh: exit code 3: vault sealed',
  );
  await assert.rejects(resolvePassword({ kind: 'command', command: ['true'] }), /printed no password/);
  await assert.rejects(resolvePassword({ kind: 'command', command: ['/nonexistent/pw-helper'] }), (e: unknown) =>
    e instanceof ConfigError && /^run password_command \/nonexistent\/pw-helper: .*ENOENT/.test(e.message));
});

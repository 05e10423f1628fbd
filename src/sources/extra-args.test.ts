import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExtraArg } from './extra-args.ts';
import { PG_DUMP_RULES } from './postgres/index.ts';
import { MYSQL_DUMP_RULES } from './mysql/index.ts';

const pg = (arg: string) => checkExtraArg(arg, PG_DUMP_RULES);
const my = (arg: string) => checkExtraArg(arg, MYSQL_DUMP_RULES);

test('pg_dump: content options pass, output and connection options are refused, abbreviated or bundled', () => {
  for (const ok of ['--exclude-table-data=logs', '-Tlogs', '-T-f', '-n', '-xO', '--no-sync', '--filter=/etc/f', '--role=backup', '--snapshot=00000003-1', '--data-only']) {
    assert.equal(pg(ok), undefined, ok);
  }
  for (const [arg, option] of [['--file=x', '--file'], ['--fi', '--file'], ['--form=p', '--format'], ['-Fd', '-F'], ['-vf/tmp/x', '-f'],
    ['-Z9', '-Z'], ['--compress=9', '--compress'], ['-j4', '-j'], ['--dbname=other', '--dbname'], ['-dother', '-d'], ['--port=1', '--port'],
    ['-Upostgres', '-U'], ['--no-pass', '--no-password'], ['-w', '-w'], ['--version', '--version'], ['-?', '-?']]) {
    assert.match(pg(arg!) ?? '', new RegExp(`^pg_dump option ${option!.replace('?', '\\?')} is not allowed`), arg);
  }
  assert.match(pg('logs')!, /^expected one option per item/);
  assert.match(pg('--')!, /^expected one option per item/);
});

test('mariadb-dump: --skip-/--loose- prefixes, _ for -, --password1… and -pVALUE are read like the tool reads them', () => {
  for (const ok of ['--ignore-table=db.t', '--skip-triggers', '--skip-dump-date', '--ssl-ca=/etc/ca.pem', '-Q', '--tables', '--where=id>0', '--compress', '--single_transaction']) {
    assert.equal(my(ok), undefined, ok);
  }
  for (const [arg, option] of [['-psecret', '-p'], ['--password', '--password'], ['--pass=x', '--password'], ['--password2=x', '--password'],
    ['--skip-password', '--password'], ['--loose-result-file=x', '--result-file'], ['--result_file=x', '--result-file'], ['-rx', '-r'],
    ['--tab=/tmp', '--tab'], ['--enable-xml', '--xml'], ['--skip-comments', '--comments'], ['--compact', '--compact'], ['-cB', '-B'],
    ['--all-databases', '--all-databases'], ['--defaults-file=x', '--defaults-file'], ['--no-defaults', '--no-defaults'],
    ['--login-path=x', '--login-path'], ['--socket=/run/x', '--socket'], ['-S/run/x', '-S'], ['--print-defaults', '--print-defaults']]) {
    assert.match(my(arg!) ?? '', new RegExp(`^mariadb-dump option ${option} is not allowed`), arg);
    assert.ok(!(my(arg!) ?? '').includes('secret'));
  }
});

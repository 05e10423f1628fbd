// Secrets stay with Lifeboat:
// - `backup --stdin-from-command -- env` stores none of Lifeboat's secrets (repository password,
//   cloud credentials); a job's hooks and command see them only when the job passes them on;
// - a MySQL job killed with SIGKILL in the middle of its dump leaves no file holding the
//   database password anywhere (the password reached mariadb-dump on an anonymous descriptor).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { MAIN, MY, repoBlock, workspace, type Workspace } from './e2e-support.ts';

const suffix = `${process.pid}_${Date.now().toString(36)}`;

const SECRETS: Record<string, string> = {
  LIFEBOAT_PASSWORD: `lb-pw-${suffix}`,
  RESTIC_PASSWORD: `restic-pw-${suffix}`,
  AWS_SECRET_ACCESS_KEY: `aws-secret-${suffix}`,
  AWS_SESSION_TOKEN: `aws-token-${suffix}`,
  GOOGLE_APPLICATION_CREDENTIALS: `/secret/gcp-${suffix}.json`,
};

async function dumpOf(ws: Workspace, file: string): Promise<string> {
  const r = await ws.cli(['--repo', ws.repo, 'dump', 'latest', file], { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('backup --stdin-from-command -- env stores no password or cloud secret; --pass-env passes one on', async () => {
  await using ws = await workspace();
  // The repository password comes from LIFEBOAT_PASSWORD here, as a user would set it.
  const env = { ...SECRETS, LIFEBOAT_PASSWORD: 'e2e-secret-pw', LIFEBOAT_PASSWORD_FILE: '', PGPASSWORD: `pg-${suffix}`, HARMLESS: 'kept' };
  const r = await ws.cli(['--repo', ws.repo, 'backup', '--stdin-from-command', '--stdin-filename', 'env.txt', '--', 'env'], { env });
  assert.equal(r.code, 0, r.stderr);
  const stored = await dumpOf(ws, 'env.txt');
  for (const [k, v] of Object.entries({ ...SECRETS, LIFEBOAT_PASSWORD: 'e2e-secret-pw' })) {
    assert.ok(!stored.includes(v), `${k} leaked into the backup`);
    assert.doesNotMatch(stored, new RegExp(`^${k}=`, 'm'));
  }
  assert.match(stored, /^HARMLESS=kept$/m);
  // The tools' own variables are the user's business (pg_dump needs PGPASSWORD).
  assert.match(stored, new RegExp(`^PGPASSWORD=pg-${suffix}$`, 'm'));

  const passed = await ws.cli(['--repo', ws.repo, 'backup', '--stdin-from-command', '--stdin-filename', 'env2.txt',
    '--pass-env', 'AWS_SESSION_TOKEN', '--', 'env'], { env });
  assert.equal(passed.code, 0, passed.stderr);
  const stored2 = await dumpOf(ws, 'env2.txt');
  assert.match(stored2, new RegExp(`^AWS_SESSION_TOKEN=aws-token-${suffix}$`, 'm'));
  assert.ok(!stored2.includes(SECRETS.AWS_SECRET_ACCESS_KEY!));
});

test('a job\'s hooks and command see its env and pass_env, and none of Lifeboat\'s secrets otherwise', async () => {
  await using ws = await workspace();
  const hookOut = join(ws.dir, 'hook-env.txt');
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n  envjob:\n    source:\n      type: command\n      command: [env]\n      filename: env.txt\n` +
    `    repositories: [main]\n    env:\n      TZ: UTC\n    pass_env: [AWS_SESSION_TOKEN]\n` +
    `    hooks:\n      before: [sh, -c, 'env > ${hookOut}']\n`);
  const r = await ws.cli(['backup', '--job', 'envjob'], { env: SECRETS });
  assert.equal(r.code, 0, r.stderr);
  const stored = await dumpOf(ws, 'env.txt');
  const hook = await readFile(hookOut, 'utf8');
  for (const text of [stored, hook]) {
    assert.match(text, /^TZ=UTC$/m);
    assert.match(text, new RegExp(`^AWS_SESSION_TOKEN=aws-token-${suffix}$`, 'm'));
    for (const k of ['LIFEBOAT_PASSWORD', 'RESTIC_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'GOOGLE_APPLICATION_CREDENTIALS']) {
      assert.ok(!text.includes(SECRETS[k]!), `${k} leaked`);
    }
  }
  assert.match(hook, /^LIFEBOAT_JOB=envjob$/m);
});

/** Files under `dir` (not following links, below 4 MB) whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: string, depth = 0): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() && depth < 6) out.push(...await filesContaining(p, needle, depth + 1));
    else if (e.isFile()) {
      try {
        if ((await stat(p)).size > 4 << 20) continue;
        if ((await readFile(p)).includes(needle)) out.push(p);
      } catch { /* vanished or unreadable */ }
    }
  }
  return out;
}

test('a MySQL job killed with SIGKILL during its dump leaves no file holding the password', async () => {
  const db = `lb_e2e_kill_${suffix}`;
  const user = `lb_kill_${process.pid}`;
  const password = `Kill-Me-${suffix}-pw`;
  const root = await mysql.createConnection({ ...MY });
  await using ws = await workspace();
  try {
    await root.query(`CREATE DATABASE ${db}`);
    await root.query(`CREATE TABLE ${db}.t (id int PRIMARY KEY, v text) ENGINE=InnoDB`);
    await root.query(`INSERT INTO ${db}.t VALUES (1, 'a'), (2, 'b')`);
    for (const host of ['%', 'localhost']) {
      await root.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY '${password}'`);
      await root.query(`GRANT ALL ON ${db}.* TO '${user}'@'${host}'`);
    }
    await writeFile(join(ws.dir, 'db-pw'), `${password}\n`);
    await ws.writeConfig(`${repoBlock(ws)}jobs:\n  my:\n    source:\n      type: mysql\n      host: ${MY.host}\n      port: ${MY.port}\n` +
      `      user: ${user}\n      password_file: ${join(ws.dir, 'db-pw')}\n      databases: [${db}]\n    repositories: [main]\n`);
    // A write lock held elsewhere makes the dump wait inside its SELECT: the job is mid-dump.
    await root.query(`LOCK TABLES ${db}.t WRITE`);
    const child = spawn(process.execPath, [MAIN, 'backup', '--job', 'my'], { cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let dumpPid: number | undefined;
    for (let i = 0; i < 100 && dumpPid === undefined; i++) {
      await sleep(100);
      dumpPid = await findProcess(/mariadb-dump|mysqldump/, db);
    }
    assert.ok(dumpPid !== undefined, 'the dump started');
    // The tool has its password only on fd 3, an anonymous file; not in argv or environment.
    const fd3 = await readlink(`/proc/${dumpPid}/fd/3`);
    assert.match(fd3, /\(deleted\)$|^\/memfd:|^\/dev\/shm\/#\d+/, fd3);
    for (const f of ['cmdline', 'environ']) assert.ok(!(await readFile(`/proc/${dumpPid}/${f}`)).includes(password), `password in ${f}`);
    child.kill('SIGKILL');
    await new Promise((res) => child.once('close', res));
    await root.query('UNLOCK TABLES');
    await sleep(300); // the orphaned dump hits the closed pipe and exits
    const leaks = [];
    for (const dir of [tmpdir(), '/dev/shm', '/var/tmp', ws.dir]) leaks.push(...await filesContaining(dir, password));
    assert.deepEqual(leaks.filter((p) => !p.endsWith('/db-pw')), [], 'files holding the password');
  } finally {
    await root.query('UNLOCK TABLES').catch(() => {});
    await root.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => {});
    for (const host of ['%', 'localhost']) await root.query(`DROP USER IF EXISTS '${user}'@'${host}'`).catch(() => {});
    await root.end();
  }
});

/** The PID of a process whose command line matches `name` and mentions `arg`. */
async function findProcess(name: RegExp, arg: string): Promise<number | undefined> {
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = (await readFile(`/proc/${d}/cmdline`)).toString().split('\0');
      if (name.test(cmd[0] ?? '') && cmd.includes(arg)) return Number(d);
    } catch { /* gone */ }
  }
  return undefined;
}

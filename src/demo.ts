// `npm start`: Lifeboat's main job on an embedded default (examples/demo.yaml: a local
// repository and two jobs, an app's files and its SQLite database), so a fresh clone shows what
// the tool does in one command. It runs the real CLI verbs in-process and proves the backups by
// restoring them and comparing the data.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile, lstat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { runCli } from './cli/run.ts';

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.lifeboat-demo');
const repo = join(work, 'repo');
const passwordFile = join(work, 'password');
const data = join(root, 'examples', 'data');
const restored = join(work, 'restored');
const database = join(work, 'app.db');
const restoredDatabase = join(work, 'restored-app.db');
const config = join('examples', 'demo.yaml');

const env = { ...process.env, LIFEBOAT_REPOSITORY: repo, LIFEBOAT_PASSWORD_FILE: passwordFile, LIFEBOAT_CONFIG: config };
const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env };
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.chdir(root);

async function lifeboat(...args: string[]): Promise<void> {
  console.log(`\n$ lifeboat ${args.join(' ')}`);
  const code = await runCli(args, io, controller.signal);
  if (code !== 0) throw new Error(`lifeboat ${args[0]} exited with code ${code}`);
}

async function digestTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(d: string): Promise<void> {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      const st = await lstat(p);
      if (st.isDirectory()) await walk(p);
      else if (st.isFile()) out.set(relative(dir, p), createHash('sha256').update(await readFile(p)).digest('hex'));
    }
  }
  await walk(dir);
  return out;
}

await mkdir(work, { recursive: true, mode: 0o700 });
if (!existsSync(passwordFile)) await writeFile(passwordFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
console.log(`Lifeboat demo: repository ${relative(root, repo)} (restic format), password in ${relative(root, passwordFile)}`);

/** The demo app's database: a table of orders that grows a little on every run. */
function writeOrders(): number {
  const db = new DatabaseSync(database);
  try {
    db.exec('PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer TEXT, total_cents INTEGER)');
    const insert = db.prepare('INSERT INTO orders (customer, total_cents) VALUES (?, ?)');
    for (let i = 0; i < 500; i++) insert.run(`customer-${i % 37}`, (i * 7919) % 100_000);
    return Number((db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

function digestOrders(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare('SELECT id, customer, total_cents FROM orders ORDER BY id').all();
    return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
  } finally {
    db.close();
  }
}

process.chdir(root);
const orders = writeOrders();
if (!existsSync(join(repo, 'config'))) await lifeboat('init');
await lifeboat('backup', '--all');
await lifeboat('snapshots');
await rm(restored, { recursive: true, force: true });
await lifeboat('restore', 'latest', '--job', 'app-files', '--target', restored);
await rm(restoredDatabase, { force: true });
await lifeboat('restore', 'latest', '--job', 'app-db', '--into', restoredDatabase);
await lifeboat('check', '--read-data');

const before = await digestTree(data);
// Snapshot paths are absolute (the config's relative `data` is resolved against its folder).
const after = await digestTree(join(restored, data));
const filesSame = before.size === after.size && [...before].every(([p, h]) => after.get(p) === h);
const dbSame = digestOrders(restoredDatabase) === digestOrders(database);
console.log(`\nRestored ${after.size} files into ${relative(root, restored)}: ` +
  (filesSame ? 'every file is byte-identical to examples/data.' : 'MISMATCH against examples/data!'));
console.log(`Restored the app database into ${relative(root, restoredDatabase)}: ` +
  (dbSame ? `all ${orders} orders identical.` : 'MISMATCH against the live database!'));
console.log(`The jobs are in ${config}. The repository is restic's format: ` +
  `RESTIC_PASSWORD_FILE=${relative(root, passwordFile)} restic -r ${relative(root, repo)} snapshots`);
if (!filesSame || !dbSame) process.exitCode = 1;

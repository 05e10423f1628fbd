// Acceptance (issue 2, Streams): a 1 GiB generated stream round-trips through
// `backup --stdin` and `dump` byte-identical, each process peaking under 250 MB of RSS.
// The stream is deterministic (AES-CTR keystream for incompressible megabytes, log-like text for
// compressible ones), generated and hashed here while it is piped in; dump's output is hashed
// as it streams out. Peak RSS is the child's own getrusage high-water mark, reported at exit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const ROOT = resolve(import.meta.dirname, '..');
// The limit applies to the CLI as shipped: compiled JavaScript (`npm run build`). Running the
// TypeScript sources directly loads Node's type stripper into the process and into each worker
// thread, about 80 MB more.
const PEAK_RSS = `data:text/javascript,${encodeURIComponent(await readFile(resolve(import.meta.dirname, 'support/report-peak-rss.js'), 'utf8'))}`;
let BUILD = '';
const MiB = 1 << 20;
const SIZE_MIB = 1024;
const RSS_LIMIT_MB = 250;

/** Writes SIZE_MIB deterministic MiB into `out` with backpressure; returns their sha256. */
async function writeStream(out: Writable): Promise<string> {
  const hash = createHash('sha256');
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16));
  const zeros = Buffer.alloc(MiB);
  const lines: string[] = [];
  for (let i = 0; lines.join('').length < MiB; i++) lines.push(`2026-11-22T03:00:${String(i % 60).padStart(2, '0')}Z INFO id=${i * 7919} path=/api/v1/orders status=200 ms=${i % 97}\n`);
  const text = Buffer.from(lines.join('')).subarray(0, MiB);
  for (let i = 0; i < SIZE_MIB; i++) {
    // Two of three MiB incompressible; every third is text stamped with its index.
    const block = i % 3 === 2 ? Buffer.concat([Buffer.from(`block ${i}\n`), text]).subarray(0, MiB) : cipher.update(zeros);
    hash.update(block);
    if (!out.write(block)) {
      await new Promise<void>((r, j) => {
        const done = (err?: Error) => { out.off('drain', done); out.off('error', done); if (err) j(err); else r(); };
        out.on('drain', done);
        out.on('error', done);
      });
    }
  }
  out.end();
  return hash.digest('hex');
}

interface Run { code: number | null; stderr: string; peakRssMb: number }

async function lifeboat(dir: string, args: string[], io: { stdin?: (w: Writable) => Promise<unknown>; stdout?: (r: Readable) => Promise<unknown> }): Promise<Run> {
  const rssFile = join(dir, `rss-${args[0]}`);
  const child = spawn(process.execPath, ['--import', PEAK_RSS, join(BUILD, 'main.js'), ...args], {
    env: { ...process.env, LIFEBOAT_PASSWORD_FILE: join(dir, 'password'), LIFEBOAT_TEST_PEAK_RSS_FILE: rssFile, LIFEBOAT_REPOSITORY: '', RESTIC_REPOSITORY: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += String(d); });
  const exited = new Promise<number | null>((r, j) => { child.on('error', j); child.on('close', (code) => r(code)); });
  const feeding = io.stdin ? io.stdin(child.stdin) : (child.stdin.end(), Promise.resolve());
  const reading = io.stdout ? io.stdout(child.stdout) : child.stdout.resume() && Promise.resolve();
  const [code] = await Promise.all([exited, feeding, reading]);
  const peakRssMb = Number(await readFile(rssFile, 'utf8').catch(() => 'NaN')) / 1024;
  return { code, stderr, peakRssMb };
}

async function sha256Of(r: Readable): Promise<{ hex: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const b of r) {
    hash.update(b as Buffer);
    bytes += (b as Buffer).length;
  }
  return { hex: hash.digest('hex'), bytes };
}

test('1 GiB stream: backup --stdin and dump round-trip byte-identical, each under 250 MB peak RSS', { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-1gib-'));
  // Inside the project, so the build resolves node_modules like the real package.
  BUILD = await mkdtemp(join(ROOT, '.test-build-'));
  try {
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', BUILD], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `build failed: ${tsc.stdout}${tsc.stderr}`);
    await writeFile(join(dir, 'password'), 'one-gib\n', { mode: 0o600 });
    const repo = join(dir, 'repo');
    const init = await lifeboat(dir, ['init', '--repo', repo], {});
    assert.equal(init.code, 0, init.stderr);

    let inHash = '';
    const backup = await lifeboat(dir, ['backup', '--repo', repo, '--quiet', '--stdin', '--stdin-filename', 'big.bin'], {
      stdin: async (w) => { inHash = await writeStream(w); },
    });
    assert.equal(backup.code, 0, backup.stderr);

    let out = { hex: '', bytes: 0 };
    const dump = await lifeboat(dir, ['dump', '--repo', repo, 'latest', 'big.bin'], {
      stdout: async (r) => { out = await sha256Of(r); },
    });
    assert.equal(dump.code, 0, dump.stderr);
    assert.equal(out.bytes, SIZE_MIB * MiB);
    assert.equal(out.hex, inHash, 'dump output differs from the stream that was backed up');

    console.log(`peak RSS: backup ${backup.peakRssMb.toFixed(0)} MB, dump ${dump.peakRssMb.toFixed(0)} MB`);
    assert.ok(backup.peakRssMb < RSS_LIMIT_MB, `backup peak RSS ${backup.peakRssMb.toFixed(0)} MB ≥ ${RSS_LIMIT_MB} MB`);
    assert.ok(dump.peakRssMb < RSS_LIMIT_MB, `dump peak RSS ${dump.peakRssMb.toFixed(0)} MB ≥ ${RSS_LIMIT_MB} MB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(BUILD, { recursive: true, force: true });
  }
});

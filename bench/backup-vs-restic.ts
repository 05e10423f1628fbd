// Times `lifeboat backup` against `restic backup` on the same data and prints the ratio.
//   npm run bench                       # 2048 MiB stream + /usr/share/doc, one round
//   BENCH_STREAM_MB=512 BENCH_ROUNDS=3 BENCH_TREE=/some/dir npm run bench
// Each tool gets a fresh repository per case; rounds alternate the tools to even out the noise
// of a shared machine. Peak RSS comes from /usr/bin/time when it is installed.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const streamMb = Number(process.env.BENCH_STREAM_MB ?? '2048');
const rounds = Number(process.env.BENCH_ROUNDS ?? '1');
const tree = process.env.BENCH_TREE ?? '/usr/share/doc';
const node = process.execPath;
// The compiled CLI, as a published package runs it (see docs/architecture.md).
const build = join(root, '.bench-build');
rmSync(build, { recursive: true, force: true });
const tsc = spawnSync(node, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', build], { stdio: 'inherit' });
if (tsc.status !== 0) throw new Error('benchmark: build failed');
const lifeboat = `${node} ${join(build, 'main.js')}`;
const work = mkdtempSync(join(tmpdir(), 'lifeboat-bench-'));
const passwordFile = join(work, 'password');
writeFileSync(passwordFile, 'bench-password\n', { mode: 0o600 });
const env = { ...process.env, RESTIC_PASSWORD_FILE: passwordFile, LIFEBOAT_PASSWORD_FILE: passwordFile };
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Run { seconds: number; peakRssMb?: number }

/**
 * Runs `input | shellCommand` (or shellCommand alone). Only the tool is under /usr/bin/time, so
 * its peak RSS is the tool's own, not the stream generator's (another node process).
 */
function timed(shellCommand: string, input?: string): Run {
  const rssFile = join(work, 'rss');
  const tool = timeBin ? `${timeBin} -f %M -o ${rssFile} ${shellCommand}` : shellCommand;
  const cmd = input ? `${input} | ${tool}` : tool;
  const started = process.hrtime.bigint();
  const result = spawnSync('sh', ['-c', cmd], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`benchmark command failed (${result.status}): ${shellCommand}`);
  // time -f %M reports the tool's largest RSS in KiB.
  const peakRssMb = timeBin ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024 : undefined;
  return { seconds, peakRssMb };
}

function freshRepos(name: string): { restic: string; ours: string } {
  const slug = name.replace(/[^a-z0-9]+/gi, '-');
  const restic = join(work, `${slug}-restic`);
  const ours = join(work, `${slug}-lifeboat`);
  rmSync(restic, { recursive: true, force: true });
  rmSync(ours, { recursive: true, force: true });
  timed(`restic init --repo ${restic} >/dev/null`);
  timed(`${lifeboat} init --repo ${ours} >/dev/null`);
  return { restic, ours };
}

function bench(name: string, mb: number, resticCmd: (repo: string) => string, oursCmd: (repo: string) => string, input?: string): void {
  for (let round = 1; round <= rounds; round++) {
    const repos = freshRepos(name);
    const order = round % 2 === 1 ? ['restic', 'lifeboat'] : ['lifeboat', 'restic'];
    const runs: Record<string, Run> = {};
    for (const tool of order) runs[tool] = tool === 'restic' ? timed(resticCmd(repos.restic), input) : timed(oursCmd(repos.ours), input);
    const r = runs.restic!;
    const l = runs.lifeboat!;
    const rss = (run: Run) => (run.peakRssMb === undefined ? '' : `, peak RSS ${run.peakRssMb.toFixed(0)} MB`);
    console.log(`${name} round ${round}: restic ${r.seconds.toFixed(1)} s (${(mb / r.seconds).toFixed(1)} MiB/s${rss(r)}); ` +
      `lifeboat ${l.seconds.toFixed(1)} s (${(mb / l.seconds).toFixed(1)} MiB/s${rss(l)}); ` +
      `lifeboat/restic time ratio ${(l.seconds / r.seconds).toFixed(2)}`);
  }
}

try {
  const gen = `${node} ${join(root, 'bench/gen-stream.ts')} ${streamMb}`;
  bench(`stream ${streamMb} MiB`, streamMb,
    (repo) => `restic backup --repo ${repo} --quiet --stdin --stdin-filename data.bin`,
    (repo) => `${lifeboat} backup --repo ${repo} --quiet --stdin --stdin-filename data.bin`,
    gen);
  const treeMb = Number(spawnSync('du', ['-sm', tree], { encoding: 'utf8' }).stdout.split('\t')[0]);
  bench(`tree ${tree} (${treeMb} MiB)`, treeMb,
    (repo) => `restic backup --repo ${repo} --quiet ${tree}`,
    (repo) => `${lifeboat} backup --repo ${repo} --quiet ${tree}`);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(build, { recursive: true, force: true });
}

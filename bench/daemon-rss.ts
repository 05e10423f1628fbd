// The daemon's memory: resident size when idle (after start-up, nothing running), and its peak
// while it runs a job that backs up a 1 GiB stream (started through the API's "run now").
//   node bench/daemon-rss.ts            # BENCH_STREAM_MB=1024 by default
// Goals (issue 9): idle ≤ 120 MB, peak ≤ 250 MB. The compiled daemon is measured, as a
// published package runs it (type stripping costs ~40 MB per thread; see docs/architecture.md).
// RSS is read from /proc/PID/status: VmRSS (now) and VmHWM (the peak), of the daemon process
// alone, not of the stream generator it spawns.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = resolve(import.meta.dirname, '..');
const node = process.execPath;
const streamMb = Number(process.env.BENCH_STREAM_MB ?? '1024');
const build = join(root, '.bench-build');
rmSync(build, { recursive: true, force: true });
if (spawnSync(node, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', build], { stdio: 'inherit' }).status !== 0) {
  throw new Error('benchmark: build failed');
}
const work = mkdtempSync(join(tmpdir(), 'lifeboat-bench-daemon-'));
try {
  const pw = join(work, 'password');
  writeFileSync(pw, 'bench-password\n', { mode: 0o600 });
  const repo = join(work, 'repo');
  if (spawnSync(node, [join(build, 'main.js'), 'init', '--repo', repo, '--password-file', pw], { stdio: 'inherit' }).status !== 0) throw new Error('init failed');
  writeFileSync(join(work, 'lifeboat.yaml'), `version: 1
state_dir: ${join(work, 'state')}
repositories:
  main: { location: ${repo}, password_file: ${pw} }
jobs:
  big:
    source: { type: command, command: [${node}, ${join(root, 'bench/gen-stream.ts')}, "${streamMb}"], filename: big.bin }
    repositories: [main]
`);
  const daemon = spawn(node, [join(build, 'main.js'), 'daemon', '--listen', '127.0.0.1:0'], { cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  daemon.stdout.on('data', (d) => { out += String(d); });
  const status = () => readFileSync(`/proc/${daemon.pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())![1]) / 1024;
  let url: string | undefined;
  while (!url) {
    await sleep(100);
    url = /"url":"(http:[^"]+)".*"msg":"server listening"/.exec(out)?.[1];
  }
  await sleep(5000);
  const idle = kb('VmRSS');
  const t0 = Date.now();
  const { run_id: runId } = await (await fetch(`${url}/api/v1/jobs/big/run`, { method: 'POST' })).json() as { run_id: string };
  for (;;) {
    await sleep(500);
    const run = await (await fetch(`${url}/api/v1/runs/${runId}`)).json() as { status: string };
    if (run.status !== 'running') {
      if (run.status !== 'succeeded') throw new Error(`the backup ended ${run.status}`);
      break;
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  const peak = kb('VmHWM');
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.on('close', r));
  console.log(`daemon idle RSS: ${idle.toFixed(0)} MB (goal ≤ 120)`);
  console.log(`daemon peak RSS during a ${streamMb} MiB stream backup: ${peak.toFixed(0)} MB (goal ≤ 250), backup ${seconds.toFixed(1)} s`);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(build, { recursive: true, force: true });
}

// Process entry: wires the real process (argv, streams, signals) to the CLI and exits with the
// code it returns. The first SIGINT/SIGTERM cancels work cleanly (exit 130); a second one
// exits at once.

import './repo/heap-tuning.ts'; // first: V8 flags that must apply before anything allocates
import { Writable } from 'node:stream';
import { runCli } from './cli/run.ts';

const controller = new AbortController();
let interrupts = 0;
function onSignal(): void {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  controller.abort();
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// A reader that goes away (`lifeboat snapshots --json | head -c 300`) is not an error: the work
// stops as on Ctrl-C (locks released) and the process ends quietly with 0, as most tools do.
let readerGone = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  readerGone = true;
  process.exitCode = 0;
  controller.abort();
});
const stderr = new Writable({
  write(chunk, _enc, done) {
    if (readerGone) done();
    else process.stderr.write(chunk, done);
  },
});
(stderr as Writable & { isTTY?: boolean }).isTTY = process.stderr.isTTY;
(stderr as Writable & { columns?: number }).columns = process.stderr.columns;

// No top-level await: the single executable (npm run package) runs this file as CommonJS.
void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr,
  stdin: process.stdin,
  env: process.env,
}, controller.signal).then((code) => {
  process.exitCode = readerGone ? 0 : code;
  // stdin (read by `backup --stdin`) and other handles may still be open after an interrupted or
  // failed command; they must not keep the process alive once the work is over.
  process.stdin.destroy();
  setTimeout(() => process.exit(readerGone ? 0 : code), 2000).unref();
});

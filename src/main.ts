// Process entry: wires the real process (argv, streams, signals) to the CLI and exits with the
// code it returns. The first SIGINT/SIGTERM cancels work cleanly (exit 130); a second one
// exits at once.

import './repo/heap-tuning.ts'; // first: V8 flags that must apply before anything allocates
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

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}, controller.signal);
process.exitCode = code;
// stdin (read by `backup --stdin`) and other handles may still be open after an interrupted or
// failed command; they must not keep the process alive once the work is over.
process.stdin.destroy();
setTimeout(() => process.exit(code), 2000).unref();

// `lifeboat daemon`: the long-running process, composed here from the app layer's services,
// the daemon's scheduler and the HTTP server (which never import each other). A foreground
// process for systemd and containers, logging JSON lines to stdout.
//
// Signals: SIGHUP reloads the config; the first SIGTERM/SIGINT (the CLI's abort signal) stops
// scheduling, lets running work finish within defaults.stop_timeout, then aborts it the clean
// way; a second one exits at once (src/main.ts).

import { once } from 'node:events';
import { Services } from './app/services.ts';
import { createLogger } from './app/logger.ts';
import { Daemon } from './daemon/daemon.ts';
import { startServer } from './server/server.ts';

export interface DaemonProcessOptions {
  configFile: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  /** Overrides server.listen (tests use 127.0.0.1:0). */
  listen?: string;
}

export async function runDaemonProcess(opts: DaemonProcessOptions): Promise<number> {
  const services = await Services.create({
    configFile: opts.configFile, env: opts.env,
    makeLogger: (redactor) => createLogger({ redactor, out: opts.out, level: opts.env.LIFEBOAT_LOG_LEVEL ?? 'info' }),
  });
  const { log } = services;
  let server;
  try {
    server = await startServer(services, opts.listen ? { listen: opts.listen } : {});
  } catch (err) {
    log.fatal({ err }, 'cannot start the HTTP server');
    await services.close();
    throw err;
  }
  const daemon = new Daemon(services);
  const onHup = () => { void daemon.reload(); };
  process.on('SIGHUP', onHup);
  daemon.start();
  try {
    if (!opts.signal.aborted) await once(opts.signal, 'abort');
    log.info({}, 'stop requested');
    await daemon.stop();
  } finally {
    process.off('SIGHUP', onHup);
    await server.close();
    await services.close();
  }
  return 0;
}

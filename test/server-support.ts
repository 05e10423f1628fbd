// Helpers for the HTTP server's tests: a temp folder with an initialised local repository, a
// lifeboat.yaml, real Services built from it and a server on 127.0.0.1:0; fetch helpers with
// and without the token; a reader of server-sent events.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { initRepositoryAt } from '../src/app/init.ts';
import { createLogger } from '../src/app/logger.ts';
import { Services } from '../src/app/services.ts';
import { startServer, type ServerHandle, type StartServerOptions } from '../src/server/server.ts';

export const TOKEN = 'test-token-0123456789abcdef';
export const REPO_PASSWORD = 'server-test-repo-pw';

export interface ServerWorkspace {
  dir: string;
  repo: string;
  services: Services;
  server: ServerHandle;
  /** Every log line the services wrote. */
  logs: string[];
  get(path: string, opts?: { token?: string | null; headers?: Record<string, string> }): Promise<Response>;
  post(path: string, opts?: { token?: string | null; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

export interface WorkspaceOptions {
  /** YAML put under `jobs:` (indented two spaces per level). `DIR` is replaced by the workspace folder. */
  jobs: string;
  /** YAML under `defaults:` (e.g. `  concurrency: 1\n`). */
  defaults?: string;
  /** More repositories, YAML under `repositories:`. */
  repositories?: string;
  /** `server:` settings besides listen and token_file; `token: false` writes no token file. */
  server?: { token?: boolean; metricsToken?: boolean };
  start?: StartServerOptions;
}

export async function serverWorkspace(opts: WorkspaceOptions): Promise<ServerWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-server-'));
  const repo = join(dir, 'repo');
  const signal = AbortSignal.timeout(30_000);
  await initRepositoryAt({ location: repo, password: { kind: 'value', value: REPO_PASSWORD } }, 2, signal);
  await writeFile(join(dir, 'repo-password'), `${REPO_PASSWORD}\n`, { mode: 0o600 });
  const withToken = opts.server?.token !== false;
  if (withToken) await writeFile(join(dir, 'token'), `  ${TOKEN}\n`, { mode: 0o600 });
  const yaml = `version: 1
${opts.defaults ? `defaults:\n${opts.defaults}` : ''}state_dir: ${join(dir, 'state')}
server:
  listen: 127.0.0.1:0
${withToken ? `  token_file: ${join(dir, 'token')}\n` : ''}  metrics_token: ${opts.server?.metricsToken === true}
repositories:
  main:
    location: ${repo}
    password_file: ${join(dir, 'repo-password')}
${opts.repositories ?? ''}jobs:
${opts.jobs.replaceAll('DIR', dir)}`;
  const configFile = join(dir, 'lifeboat.yaml');
  await writeFile(configFile, yaml);
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(chunk.toString('utf8')); done(); } });
  const services = await Services.create({
    configFile, env: {}, makeLogger: (redactor) => createLogger({ redactor, out: sink, pretty: false, level: 'debug' }),
  });
  const server = await startServer(services, opts.start);
  const request = (method: string, path: string, o: { token?: string | null; headers?: Record<string, string> } = {}) => {
    const token = o.token === undefined ? (withToken ? TOKEN : null) : o.token;
    return fetch(`${server.url}${path}`, {
      method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...o.headers },
    });
  };
  return {
    dir, repo, services, server, logs,
    get: (path, o) => request('GET', path, o),
    post: (path, o) => request('POST', path, o),
    async close() {
      await server.close();
      await services.runner.stop(5_000);
      await services.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SseEvent { event: string; id?: string; data: Record<string, unknown> }

/** Reads a server-sent event stream to its end (the server closes it), with a deadline. */
export async function readEvents(res: Response, timeoutMs = 30_000): Promise<SseEvent[]> {
  const timer = setTimeout(() => void res.body?.cancel(), timeoutMs);
  try {
    const text = await res.text();
    return parseEvents(text);
  } finally {
    clearTimeout(timer);
  }
}

export function parseEvents(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) out.push({ event, ...(id !== undefined ? { id } : {}), data: JSON.parse(data.join('\n')) as Record<string, unknown> });
  }
  return out;
}

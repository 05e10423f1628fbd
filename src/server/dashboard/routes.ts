// The dashboard's pages. Each reads what it shows through the app layer (Services, the run
// history, api-queries, overview-facts, snapshot-browse) and renders it on the server, so every
// page reads without JavaScript; the modules under /static only enhance.

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { runsPage } from '../../app/api-queries.ts';
import { requireJob } from '../../app/config-access.ts';
import { jobTrend, lastDrill, offsiteLags, weeklyGrowth } from '../../app/overview-facts.ts';
import { jobSnapshotsByRepository, listSnapshotDirectory, snapshotDumpObjects } from '../../app/snapshot-browse.ts';
import type { RunKind } from '../../app/events.ts';
import type { RunRecord } from '../../app/history/store.ts';
import { NotFoundError, UsageError } from '../../errors.ts';
import { RUN_KINDS, RUN_STATUSES } from '../schemas.ts';
import type { RunFilter } from './components.ts';
import { downloadFile } from './download.ts';
import { jobBody } from './pages/job.ts';
import { alertsBody, runBody, runsBody } from './pages/lists.ts';
import { overviewBody } from './pages/overview.ts';
import { snapshotBody } from './pages/snapshot.ts';
import { guarded, pageSignal, renderPage, type DashboardContext } from './render.ts';
import { submitFromForm, type ApiCaller } from './submit.ts';

const RUNS_PER_PAGE = 25;

function param(c: Context, name: string): string {
  const v = c.req.param(name);
  if (v === undefined) throw new UsageError(`missing ${name} in the path`);
  return v;
}
const ENTRIES_PER_PAGE = 500;

function runFilter(c: Context): RunFilter & { before?: string } {
  const pick = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const v = c.req.query(name);
    if (!v) return undefined;
    if (!allowed.includes(v as T)) throw new UsageError(`${name} ${v}: expected one of ${allowed.join(', ')}`);
    return v as T;
  };
  const before = c.req.query('before');
  const job = c.req.query('job');
  return { ...(job ? { job } : {}), status: pick('status', RUN_STATUSES), kind: pick('kind', RUN_KINDS), ...(before ? { before } : {}) };
}

function pageOfRuns(ctx: DashboardContext, f: RunFilter & { before?: string }) {
  return runsPage(ctx.services.history, {
    ...(f.job ? { job: f.job } : {}), ...(f.status ? { status: f.status as RunRecord['status'] } : {}),
    ...(f.kind ? { kind: f.kind as RunKind } : {}), ...(f.before ? { before: f.before } : {}), limit: RUNS_PER_PAGE,
  });
}

export function registerPageRoutes(app: OpenAPIHono, ctx: DashboardContext, api: ApiCaller): void {
  const { services } = ctx;
  const history = services.history;

  app.get('/', guarded(ctx, async (c) => {
    const config = services.config();
    const status = await services.status({ readRepositories: true, signal: pageSignal(ctx, c) });
    const offsite = offsiteLags(config, history);
    const growth = weeklyGrowth(config, history, services.clock);
    return renderPage(ctx, c, 'Overview', 'overview', overviewBody({
      now: status.at,
      jobs: status.jobs.map((j) => {
        const drill = lastDrill(history, j.name);
        return { status: j, sizes: jobTrend(history, j.name, 30).map((p) => p.bytes), ...(drill ? { drill } : {}) };
      }),
      repositories: status.repositories.map((r) => {
        const g = growth.get(r.name);
        return { status: r, ...(g !== undefined ? { growth: g } : {}), offsite: offsite.filter((o) => o.repository === r.name) };
      }),
      firing: history.alerts.list({ state: 'firing' }),
    }));
  }));

  app.get('/jobs/:job', guarded(ctx, async (c) => {
    const name = param(c, 'job');
    const config = services.config();
    requireJob(config, name);
    const signal = pageSignal(ctx, c);
    const { job: _ignored, ...filter } = runFilter(c);
    const [status, snapshots] = await Promise.all([services.status({ signal }), jobSnapshotsByRepository(config, name, signal)]);
    const job = status.jobs.find((j) => j.name === name);
    if (!job) throw new NotFoundError(`job ${name}: no such job in the config`);
    const runs = pageOfRuns(ctx, { ...filter, job: name });
    const drill = lastDrill(history, name);
    return renderPage(ctx, c, name, 'none', jobBody({
      now: status.at, job, csrf: ctx.security.csrfToken(c) ?? '', trend: jobTrend(history, name, 200), ...(drill ? { drill } : {}),
      snapshots, runs: runs.runs, ...(runs.next ? { next: runs.next } : {}), filter, first: !filter.before,
    }));
  }));

  app.post('/jobs/:job/run', guarded(ctx, (c) => submitFromForm(ctx, api, c, 'run')));
  app.post('/jobs/:job/drill', guarded(ctx, (c) => submitFromForm(ctx, api, c, 'drill')));

  app.get('/jobs/:job/snapshots/:id', guarded(ctx, async (c) => {
    const job = param(c, 'job');
    const repo = c.req.query('repo');
    const offset = Math.max(0, Number.parseInt(c.req.query('offset') ?? '0', 10) || 0);
    const signal = pageSignal(ctx, c);
    const opts = { ...(repo ? { repository: repo } : {}), snapshot: param(c, 'id') };
    const dir = await listSnapshotDirectory(services.config(), job, { ...opts, path: c.req.query('path') ?? '/', offset, limit: ENTRIES_PER_PAGE }, signal);
    // The dump's objects need a read of the whole dump: only on the snapshot's first view.
    const dumps = dir.path === '/' && offset === 0 ? await snapshotDumpObjects(services.config(), job, { ...opts, snapshot: String(dir.snapshot.id) }, signal) : undefined;
    return renderPage(ctx, c, `Snapshot ${String(dir.snapshot.short_id)}`, 'none', snapshotBody({
      job, ...(repo ? { repoParam: repo } : {}), dir, offset, ...(dumps ? { dumps } : {}),
    }));
  }));

  app.get('/jobs/:job/snapshots/:id/file', guarded(ctx, (c) => downloadFile(ctx, c)));

  app.get('/runs', guarded(ctx, (c) => {
    const filter = runFilter(c);
    const { before, ...shown } = filter;
    const page = pageOfRuns(ctx, filter);
    return renderPage(ctx, c, 'Runs', 'runs', runsBody({
      now: services.clock.now(), runs: page.runs, jobs: services.config().jobs.map((j) => j.name), filter: shown,
      ...(page.next ? { next: page.next } : {}), first: !before,
    }));
  }));

  app.get('/runs/:id', guarded(ctx, (c) => {
    const id = param(c, 'id');
    const run = history.get(id);
    if (!run) throw new NotFoundError(`run ${id}: no such run`);
    return renderPage(ctx, c, `${run.kind} run`, 'runs', runBody({ now: services.clock.now(), run }));
  }));

  app.get('/alerts', guarded(ctx, (c) => {
    const state = c.req.query('state') ?? 'firing';
    if (!['firing', 'resolved', 'all'].includes(state)) throw new UsageError(`state ${state}: expected firing, resolved or all`);
    const alerts = history.alerts.list(state === 'all' ? {} : { state: state as 'firing' | 'resolved' });
    return renderPage(ctx, c, 'Alerts', 'alerts', alertsBody({ now: services.clock.now(), alerts, state }));
  }));
}

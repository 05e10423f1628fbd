// The JSON API under /api/v1, each route declared once with its zod schemas (the OpenAPI
// document is generated from these declarations). Handlers only call src/app and reshape
// (json.ts); every body goes through the redactor on its way out.

import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { jobSnapshots, repositoryStatuses, requireRepository, runsPage } from '../app/api-queries.ts';
import { requireJob } from '../app/config-access.ts';
import type { SubmitResult } from '../app/runner.ts';
import type { Services } from '../app/services.ts';
import { NotFoundError } from '../errors.ts';
import { errorBody } from './http-errors.ts';
import { jobJson, repositoryJson, runJson } from './json.ts';
import { runEventStream, type RunStreamOptions } from './run-events.ts';
import {
  AlertsQuerySchema, AlertsSchema, ErrorSchema, JobParam, JobSchema, JobsSchema, RepositoriesSchema, RepositoryParam, RunIdParam, RunSchema, RunsPageSchema,
  RunsQuerySchema, SnapshotsSchema, SubmittedSchema,
} from './schemas.ts';

export interface RouteContext {
  services: Services;
  /** Aborted when the server closes: ends event streams and repository reads. */
  closing: AbortSignal;
  stream?: RunStreamOptions;
}

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const errors = {
  401: json(ErrorSchema, 'No valid bearer token.'),
  403: json(ErrorSchema, '`forbidden`: a change from another origin, or (without a token file) a Host that is not loopback.'),
  500: json(ErrorSchema, 'Unexpected failure.'),
};
const notFound = json(ErrorSchema, 'No such job, repository or run.');
const readFailure = json(ErrorSchema, 'The repository could not be read (storage, wrong password…).');
const submitted = {
  202: json(SubmittedSchema, 'Accepted: the run is queued or started; follow it at /api/v1/runs/{run_id}/events.'),
  404: notFound,
  409: json(ErrorSchema, '`busy`: a run of the same job (or the same task of the repository) is queued or running; it is recorded as skipped.'),
  503: json(ErrorSchema, '`stopping`: the daemon is shutting down and accepts no runs.'),
  ...errors,
};

const routes = {
  jobs: createRoute({
    method: 'get', path: '/api/v1/jobs', tags: ['jobs'], summary: "Every job's status: schedule, last run and success, RPO",
    responses: { 200: json(JobsSchema, 'The jobs of the config, in config order.'), ...errors },
  }),
  job: createRoute({
    method: 'get', path: '/api/v1/jobs/{job}', tags: ['jobs'], summary: "One job's status",
    request: { params: JobParam },
    responses: { 200: json(JobSchema, 'The job.'), 404: notFound, ...errors },
  }),
  jobSnapshots: createRoute({
    method: 'get', path: '/api/v1/jobs/{job}/snapshots', tags: ['jobs'], summary: "The job's snapshots in its primary repository",
    request: { params: JobParam },
    responses: { 200: json(SnapshotsSchema, "restic's snapshot JSON plus Lifeboat's job info."), 404: notFound, 502: readFailure, ...errors },
  }),
  runJob: createRoute({
    method: 'post', path: '/api/v1/jobs/{job}/run', tags: ['jobs'], summary: "Run the job's cycle now (backup, copies, retention)",
    request: { params: JobParam }, responses: submitted,
  }),
  drillJob: createRoute({
    method: 'post', path: '/api/v1/jobs/{job}/drill', tags: ['jobs'], summary: "Drill the job now: its newest snapshot restored into a scratch target, checked, timed, removed",
    request: { params: JobParam }, responses: submitted,
  }),
  runs: createRoute({
    method: 'get', path: '/api/v1/runs', tags: ['runs'], summary: 'The run history, newest first',
    request: { query: RunsQuerySchema },
    responses: { 200: json(RunsPageSchema, 'A page of runs.'), 400: json(ErrorSchema, 'A bad query.'), 404: json(ErrorSchema, '`before` names no run.'), ...errors },
  }),
  run: createRoute({
    method: 'get', path: '/api/v1/runs/{id}', tags: ['runs'], summary: 'One run',
    request: { params: RunIdParam },
    responses: { 200: json(RunSchema, 'The run as recorded.'), 404: notFound, ...errors },
  }),
  runEvents: createRoute({
    method: 'get', path: '/api/v1/runs/{id}/events', tags: ['runs'], summary: "The run's events as server-sent events, ending with `finished`",
    request: { params: RunIdParam },
    responses: {
      200: {
        description: 'text/event-stream: `event:` is the event type (started, progress, snapshot-saved, copy-finished, forget-finished, '
          + 'prune-finished, check-finished, drill-finished, finished), `data:` the event as JSON in snake_case. The stream ends after `finished`.',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
      404: notFound, ...errors,
    },
  }),
  repositories: createRoute({
    method: 'get', path: '/api/v1/repositories', tags: ['repositories'], summary: 'Every repository: size (read from storage), free space, last check',
    responses: { 200: json(RepositoriesSchema, 'The repositories of the config; one that cannot be read has `error`.'), ...errors },
  }),
  alerts: createRoute({
    method: 'get', path: '/api/v1/alerts', tags: ['alerts'], summary: 'Alerts firing now (or resolved, or all), firing first',
    request: { query: AlertsQuerySchema },
    responses: { 200: json(AlertsSchema, 'Alerts as last evaluated.'), ...errors },
  }),
  check: createRoute({
    method: 'post', path: '/api/v1/repositories/{repo}/check', tags: ['repositories'], summary: 'Check the repository now',
    request: { params: RepositoryParam }, responses: submitted,
  }),
  prune: createRoute({
    method: 'post', path: '/api/v1/repositories/{repo}/prune', tags: ['repositories'], summary: 'Prune the repository now',
    request: { params: RepositoryParam }, responses: submitted,
  }),
};

export function registerApiRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { services } = ctx;
  const r = services.redactor;
  const signalOf = (c: Context) => AbortSignal.any([c.req.raw.signal, ctx.closing]);

  app.openapi(routes.jobs, async (c) => {
    const status = await services.status({ signal: signalOf(c) });
    return c.json(r.redactValue({ jobs: status.jobs.map(jobJson) }), 200);
  });

  app.openapi(routes.job, async (c) => {
    const { job } = c.req.valid('param');
    requireJob(services.config(), job);
    const status = await services.status({ signal: signalOf(c) });
    const found = status.jobs.find((j) => j.name === job);
    if (!found) throw new NotFoundError(`job ${job}: no such job in the config`);
    return c.json(r.redactValue(jobJson(found)), 200);
  });

  app.openapi(routes.jobSnapshots, async (c) => {
    const { job } = c.req.valid('param');
    const out = await jobSnapshots(services.config(), job, signalOf(c));
    return c.json(r.redactValue(out) as z.infer<typeof SnapshotsSchema>, 200);
  });

  app.openapi(routes.runJob, (c) => submittedAnswer(c, ctx, services.submitJob(c.req.valid('param').job, 'manual')));
  app.openapi(routes.drillJob, (c) => submittedAnswer(c, ctx, services.submitDrill(c.req.valid('param').job, 'manual')));

  app.openapi(routes.runs, (c) => {
    const q = c.req.valid('query');
    const page = runsPage(services.history, q);
    return c.json(r.redactValue({ runs: page.runs.map(runJson), ...(page.next ? { next: page.next } : {}) }), 200);
  });

  app.openapi(routes.run, (c) => {
    const { id } = c.req.valid('param');
    const run = services.history.get(id);
    if (!run) throw new NotFoundError(`run ${id}: no such run`, { hint: 'run IDs are listed by GET /api/v1/runs' });
    return c.json(r.redactValue(runJson(run)), 200);
  });

  app.openapi(routes.alerts, (c) => {
    const { state } = c.req.valid('query');
    const alerts = services.history.alerts.list(state === 'all' ? {} : { state });
    return c.json(r.redactValue({
      alerts: alerts.map((a) => ({
        name: a.name, state: a.state, ...(a.job !== undefined ? { job: a.job } : {}), ...(a.repository !== undefined ? { repository: a.repository } : {}),
        message: a.message, details: a.details, fired_at: a.firedAt.toISOString(),
        ...(a.resolvedAt ? { resolved_at: a.resolvedAt.toISOString() } : {}), ...(a.lastNotifiedAt ? { last_notified_at: a.lastNotifiedAt.toISOString() } : {}),
      })),
    }), 200);
  });

  app.openapi(routes.runEvents, (c) => runEventStream(c, services, c.req.valid('param').id, ctx.closing, ctx.stream));

  app.openapi(routes.repositories, async (c) => {
    const list = await repositoryStatuses(services.config(), services.history, signalOf(c));
    return c.json(r.redactValue({ repositories: list.map(repositoryJson) }), 200);
  });

  app.openapi(routes.check, (c) => {
    const { repo } = c.req.valid('param');
    requireRepository(services.config(), repo);
    return submittedAnswer(c, ctx, services.submitCheck(repo, 'manual'));
  });

  app.openapi(routes.prune, (c) => {
    const { repo } = c.req.valid('param');
    requireRepository(services.config(), repo);
    return submittedAnswer(c, ctx, services.submitPrune(repo, 'manual'));
  });
}

function submittedAnswer(c: Context, ctx: RouteContext, result: SubmitResult) {
  const r = ctx.services.redactor;
  if (result.accepted) return c.json({ run_id: result.runId }, 202);
  if (result.reason === 'busy') {
    return c.json(errorBody(r, 'busy', 'a run of the same task is queued or running; this one was recorded as skipped', { runId: result.runId }), 409);
  }
  return c.json(errorBody(r, 'stopping', 'the daemon is stopping and accepts no new runs'), 503);
}

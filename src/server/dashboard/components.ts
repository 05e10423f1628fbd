// Pieces several pages share: a job's status light, run statuses, the runs table with its
// filters and pager, the sparkline of recent sizes, and the alerts list.

import type { RunRecord } from '../../app/history/store.ts';
import type { JobStatus } from '../../app/status.ts';
import type { AlertRecord } from '../../app/history/alerts-store.ts';
import { RUN_KINDS, RUN_STATUSES } from '../schemas.ts';
import { bytes, took, when } from './format.ts';
import { html, type Html } from './html.ts';

export type Light = 'ok' | 'running' | 'failed' | 'stale';

/** running, else failed (the newest backup failed), else stale (no success within the RPO, or none yet), else ok. */
export function jobLight(j: JobStatus): Light {
  if (j.running || j.lastRun?.status === 'running') return 'running';
  if (j.lastRun?.status === 'failed') return 'failed';
  if (j.rpoBreached || !j.lastSuccess) return 'stale';
  return 'ok';
}

/** A coloured dot with its word: colour is never the only signal. */
export function light(state: Light): Html {
  return html`<span class="light light-${state}"><span class="dot" aria-hidden="true"></span>${state}</span>`;
}

export function runStatus(status: RunRecord['status']): Html {
  return html`<span class="status status-${status}">${status}</span>`;
}

export const enc = encodeURIComponent;

export function jobLink(job: string | undefined): Html {
  return job === undefined ? html`<span class="muted">–</span>` : html`<a href="/jobs/${enc(job)}">${job}</a>`;
}

function duration(r: RunRecord): string {
  return r.endedAt ? took((r.endedAt.getTime() - r.startedAt.getTime()) / 1000) : '…';
}

export function runsTable(runs: readonly RunRecord[], now: Date, opts: { showJob: boolean; caption: string }): Html {
  if (runs.length === 0) return html`<p class="muted">No runs.</p>`;
  const row = (r: RunRecord) => html`<tr>
<td data-label="Started"><a href="/runs/${enc(r.id)}">${when(r.startedAt, now)}</a></td>
${opts.showJob && html`<td data-label="Job">${r.job !== undefined ? jobLink(r.job) : r.repository ?? '–'}</td>`}
<td data-label="Kind">${r.kind}${r.kind !== 'backup' && r.repository !== undefined && html` <span class="muted">${r.repository}</span>`}</td>
<td data-label="Trigger">${r.trigger}</td>
<td data-label="Status">${runStatus(r.status)}</td>
<td data-label="Duration" class="num">${duration(r)}</td>
<td data-label="Size" class="num">${r.totalBytes !== undefined ? bytes(r.totalBytes) : ''}${r.bytesAdded !== undefined && html` <span class="muted">+${bytes(r.bytesAdded)}</span>`}</td>
<td data-label="Error" class="error-text">${r.errorMessage ?? ''}</td>
</tr>`;
  return html`<div class="table-wrap"><table class="runs stack">
<caption class="visually-hidden">${opts.caption}</caption>
<thead><tr><th scope="col">Started</th>${opts.showJob && html`<th scope="col">Job</th>`}<th scope="col">Kind</th><th scope="col">Trigger</th><th scope="col">Status</th><th scope="col" class="num">Duration</th><th scope="col" class="num">Size</th><th scope="col">Error</th></tr></thead>
<tbody>${runs.map(row)}</tbody>
</table></div>`;
}

export interface RunFilter {
  job?: string | undefined;
  status?: string | undefined;
  kind?: string | undefined;
}

/** A GET form: works without JavaScript, and the URL of a filtered page can be shared. */
export function runFilters(action: string, f: RunFilter, jobs: readonly string[] | undefined): Html {
  const select = (name: string, label: string, options: readonly string[], value: string | undefined) => html`<label>${label}
<select name="${name}"><option value="">any</option>${options.map((o) => html`<option${o === value ? html` selected` : ''}>${o}</option>`)}</select></label>`;
  return html`<form class="filters" method="get" action="${action}">
${jobs && select('job', 'Job', jobs, f.job)}
${select('status', 'Status', RUN_STATUSES, f.status)}
${select('kind', 'Kind', RUN_KINDS, f.kind)}
<button type="submit">Filter</button>
</form>`;
}

export function pager(base: string, f: RunFilter, next: string | undefined, first: boolean): Html {
  const q = (extra: Record<string, string>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...f, ...extra })) if (v) p.set(k, v);
    const s = p.toString();
    return s ? `${base}?${s}` : base;
  };
  if (!next && first) return html``;
  return html`<nav class="pager" aria-label="Pages">
${!first && html`<a href="${q({})}">Newest</a>`}
${next && html`<a href="${q({ before: next })}" rel="next">Older runs</a>`}
</nav>`;
}

/** Sizes of recent backups as a small line: drawn on the server, so it needs no script. */
export function sparkline(values: readonly number[], label: string): Html {
  if (values.length < 2) return html``;
  const w = 96;
  const h = 24;
  const max = Math.max(...values);
  const min = Math.min(...values);
  const span = max - min || 1;
  const pts = values.map((v, i) => `${((i / (values.length - 1)) * w).toFixed(1)},${(h - 2 - ((v - min) / span) * (h - 4)).toFixed(1)}`).join(' ');
  return html`<svg class="spark" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${label}"><polyline points="${pts}" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>`;
}

export function alertsList(alerts: readonly AlertRecord[], now: Date): Html {
  if (alerts.length === 0) return html`<p class="muted">No alerts.</p>`;
  return html`<ul class="alerts">${alerts.map((a) => html`<li class="alert alert-${a.state}">
<span class="alert-name">${a.name.replaceAll('_', ' ')}</span>
${a.job !== undefined && html`<span>job ${jobLink(a.job)}</span>`}
${a.repository !== undefined && html`<span>repository ${a.repository}</span>`}
<span class="muted">${a.state === 'firing' ? html`since ${when(a.firedAt, now)}` : html`resolved ${when(a.resolvedAt, now)}`}</span>
<p>${a.message}</p>
</li>`)}</ul>`;
}

export function errorBox(message: string): Html {
  return html`<p class="error-box" role="alert">${message}</p>`;
}

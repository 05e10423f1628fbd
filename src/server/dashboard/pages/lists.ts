// The pages across all jobs: every run (filtered and paged), every alert (firing or resolved),
// and one run with its outcome (live while it runs).

import type { AlertRecord } from '../../../app/history/alerts-store.ts';
import type { RunRecord } from '../../../app/history/store.ts';
import { alertsList, enc, jobLink, pager, runFilters, runStatus, runsTable, type RunFilter } from '../components.ts';
import { bytes, took, utc, when } from '../format.ts';
import { html, type Html } from '../html.ts';

export function runsBody(d: { now: Date; runs: RunRecord[]; jobs: string[]; filter: RunFilter; next?: string; first: boolean }): Html {
  return html`<h1>Runs</h1>
${runFilters('/runs', d.filter, d.jobs)}
${runsTable(d.runs, d.now, { showJob: true, caption: 'Runs of every job, newest first' })}
${pager('/runs', d.filter, d.next, d.first)}`;
}

export function alertsBody(d: { now: Date; alerts: AlertRecord[]; state: string }): Html {
  const tab = (state: string, label: string) =>
    html`<a href="/alerts?state=${state}"${d.state === state ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<h1>Alerts</h1>
<nav class="tabs" aria-label="Which alerts">${tab('firing', 'Firing')} ${tab('resolved', 'Resolved')} ${tab('all', 'All')}</nav>
${alertsList(d.alerts, d.now)}`;
}

export function runBody(d: { now: Date; run: RunRecord }): Html {
  const r = d.run;
  const live = r.status === 'running';
  const fact = (label: string, value: Html | string | undefined) => value !== undefined && value !== '' && html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
  return html`<p class="crumbs">${r.job !== undefined ? html`${jobLink(r.job)} › run` : html`<a href="/runs">Runs</a> ›`}</p>
<h1>${r.kind} run ${runStatus(r.status)}</h1>
<dl class="facts">
${fact('Run', html`<span class="mono">${r.id}</span>`)}
${fact('Job', r.job)}
${fact('Repository', r.repository)}
${fact('Trigger', r.trigger)}
${fact('Started', html`${utc(r.startedAt)} (${when(r.startedAt, d.now)})`)}
${fact('Duration', r.endedAt ? took((r.endedAt.getTime() - r.startedAt.getTime()) / 1000) : undefined)}
${fact('Snapshot', r.snapshotId !== undefined ? (r.job !== undefined ? html`<a class="mono" href="/jobs/${enc(r.job)}/snapshots/${enc(r.snapshotId)}${r.kind === 'copy' && r.repository ? `?repo=${enc(r.repository)}` : ''}">${r.snapshotId.slice(0, 8)}</a>` : r.snapshotId) : undefined)}
${fact('Size', r.totalBytes !== undefined ? bytes(r.totalBytes) : undefined)}
${fact('Added', r.bytesAdded !== undefined ? bytes(r.bytesAdded) : undefined)}
${fact('Files', r.files !== undefined ? String(r.files) : undefined)}
${fact('Exit code', r.exitCode !== undefined ? String(r.exitCode) : undefined)}
${fact('Error', r.errorMessage !== undefined ? html`<span class="error-text">${r.errorCode !== undefined ? `${r.errorCode}: ` : ''}${r.errorMessage}</span>` : undefined)}
</dl>
${live && html`<div id="live" class="live" aria-live="polite" data-run="${r.id}">Running…</div>`}
${r.details !== undefined && Object.keys(r.details).length > 0 && html`<details><summary>Details</summary><pre>${JSON.stringify(r.details, null, 2)}</pre></details>`}`;
}

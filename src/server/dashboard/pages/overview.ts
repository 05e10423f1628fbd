// The overview: one row per job (status light, age of the last success against its RPO, next
// run, last size with a sparkline of the last 30, last drill against the RTO), the
// repositories (size, growth, free space, last check, offsite copies caught up) and the
// alerts firing now.

import type { AlertRecord } from '../../../app/history/alerts-store.ts';
import type { OffsiteLag } from '../../../app/overview-facts.ts';
import type { RunRecord } from '../../../app/history/store.ts';
import type { JobStatus, RepositoryStatus } from '../../../app/status.ts';
import { alertsList, jobLight, jobLink, light, runStatus, sparkline, enc } from '../components.ts';
import { bytes, seconds, signedBytes, when } from '../format.ts';
import { html, type Html } from '../html.ts';

export interface OverviewData {
  now: Date;
  jobs: Array<{ status: JobStatus; sizes: number[]; drill?: RunRecord }>;
  repositories: Array<{ status: RepositoryStatus; growth?: number; offsite: OffsiteLag[] }>;
  firing: AlertRecord[];
}

export function overviewBody(d: OverviewData): Html {
  return html`<h1>Overview</h1>
<section aria-labelledby="alerts-h">
<h2 id="alerts-h">Alerts firing</h2>
${d.firing.length ? alertsList(d.firing, d.now) : html`<p class="all-clear">Nothing is firing.</p>`}
</section>
<section aria-labelledby="jobs-h">
<h2 id="jobs-h">Jobs</h2>
${jobsTable(d)}
</section>
<section aria-labelledby="repos-h">
<h2 id="repos-h">Repositories</h2>
${repositoriesTable(d)}
</section>`;
}

function jobsTable(d: OverviewData): Html {
  if (d.jobs.length === 0) return html`<p class="muted">The config has no jobs.</p>`;
  return html`<div class="table-wrap"><table class="jobs stack">
<caption class="visually-hidden">Every job's state</caption>
<thead><tr><th scope="col">Status</th><th scope="col">Job</th><th scope="col">Last success</th><th scope="col">Next run</th><th scope="col" class="num">Last size</th><th scope="col">Last drill</th></tr></thead>
<tbody>${d.jobs.map(({ status: j, sizes, drill }) => html`<tr data-job="${j.name}">
<td data-label="Status">${light(jobLight(j))}</td>
<td data-label="Job"><a href="/jobs/${enc(j.name)}">${j.name}</a> <span class="muted">${j.type}</span>${j.lastRun?.status === 'failed' && j.lastRun.errorMessage !== undefined && html`<div class="error-text">${j.lastRun.errorMessage}</div>`}</td>
<td data-label="Last success">${age(j, d.now)}</td>
<td data-label="Next run">${j.nextRun ? when(j.nextRun, d.now) : html`<span class="muted">${j.schedule ?? 'not scheduled'}</span>`}</td>
<td data-label="Last size" class="num">${j.latestSize !== undefined ? bytes(j.latestSize) : '–'} ${sparkline(sizes, `sizes of the last ${sizes.length} backups, from ${bytes(Math.min(...sizes))} to ${bytes(Math.max(...sizes))}`)}</td>
<td data-label="Last drill">${drillCell(drill, j, d.now)}</td>
</tr>`)}</tbody>
</table></div>`;
}

function age(j: JobStatus, now: Date): Html {
  if (!j.lastSuccess?.endedAt) return html`<span class="muted">none yet</span>`;
  const rpo = j.rpoSeconds !== undefined ? html` <span class="${j.rpoBreached ? 'breach' : 'muted'}">/ RPO ${seconds(j.rpoSeconds)}${j.rpoBreached ? ' breached' : ''}</span>` : '';
  return html`${when(j.lastSuccess.endedAt, now)}${rpo}`;
}

function drillCell(drill: RunRecord | undefined, j: JobStatus, now: Date): Html {
  if (!drill) return html`<span class="muted">none</span>`;
  const took = drill.endedAt ? (drill.endedAt.getTime() - drill.startedAt.getTime()) / 1000 : undefined;
  // A drill records the restore time it measured (details.rtoSeconds); else its duration stands in.
  const rto = typeof drill.details?.rtoSeconds === 'number' ? drill.details.rtoSeconds : took;
  const over = drill.details?.rtoExceeded === true || (rto !== undefined && j.rtoSeconds !== undefined && rto > j.rtoSeconds);
  return html`<a href="/runs/${enc(drill.id)}">${runStatus(drill.status)}</a> ${when(drill.startedAt, now)}
${rto !== undefined && html`<div class="${over ? 'breach' : 'muted'}">restore ${seconds(rto)}${j.rtoSeconds !== undefined ? ` / RTO ${seconds(j.rtoSeconds)}` : ''}${over ? ' exceeded' : ''}</div>`}`;
}

function repositoriesTable(d: OverviewData): Html {
  if (d.repositories.length === 0) return html`<p class="muted">The config has no repositories.</p>`;
  return html`<div class="table-wrap"><table class="repositories stack">
<caption class="visually-hidden">Every repository's state</caption>
<thead><tr><th scope="col">Repository</th><th scope="col" class="num">Size</th><th scope="col" class="num">Growth (7 days)</th><th scope="col" class="num">Free</th><th scope="col">Last check</th><th scope="col">Offsite copies</th></tr></thead>
<tbody>${d.repositories.map(({ status: r, growth, offsite }) => html`<tr>
<td data-label="Repository">${r.name} <span class="muted">${r.location}</span>${r.error !== undefined && html`<div class="error-text">${r.error}</div>`}</td>
<td data-label="Size" class="num">${r.sizeBytes !== undefined ? bytes(r.sizeBytes) : '–'}</td>
<td data-label="Growth (7 days)" class="num">${growth !== undefined ? signedBytes(growth) : '–'}</td>
<td data-label="Free" class="num">${r.freeBytes !== undefined ? html`${bytes(r.freeBytes)}${r.totalBytes ? html` <span class="muted">of ${bytes(r.totalBytes)}</span>` : ''}` : '–'}</td>
<td data-label="Last check">${r.lastCheck ? html`${runStatus(r.lastCheck.status)} ${when(r.lastCheck.startedAt, d.now)}` : html`<span class="muted">never</span>`}</td>
<td data-label="Offsite copies">${offsite.length === 0 ? html`<span class="muted">not a copy target</span>` : offsite.map((o) => html`<div>${jobLink(o.job)}: ${o.caughtUp
    ? html`<span class="light light-ok"><span class="dot" aria-hidden="true"></span>caught up</span>`
    : html`<span class="light light-stale"><span class="dot" aria-hidden="true"></span>behind</span> since ${when(o.missingSince, d.now)}`}</div>`)}</td>
</tr>`)}</tbody>
</table></div>`;
}

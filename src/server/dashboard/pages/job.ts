// A job's page: its state, the Back up now and Drill now buttons (plain forms; the page's
// module turns them into API calls with live progress from the run's event stream), a chart of
// size and duration over time (uPlot, from a JSON data block), its snapshots in each repository
// and its runs, filtered and paged.

import type { RunRecord } from '../../../app/history/store.ts';
import type { TrendPoint } from '../../../app/overview-facts.ts';
import type { JobStatus } from '../../../app/status.ts';
import { enc, jobLight, light, pager, runFilters, runsTable, type RunFilter } from '../components.ts';
import { bytes, seconds, utc, when } from '../format.ts';
import { html, jsonBlock, type Html } from '../html.ts';

export interface RepositorySnapshots {
  repository: string;
  snapshots: Array<Record<string, unknown>>;
  error?: string;
}

export interface JobPageData {
  now: Date;
  job: JobStatus;
  csrf: string;
  trend: TrendPoint[];
  drill?: RunRecord;
  snapshots: RepositorySnapshots[];
  runs: RunRecord[];
  next?: string;
  filter: RunFilter;
  first: boolean;
}

const SNAPSHOTS_SHOWN = 50;

export function jobBody(d: JobPageData): Html {
  const j = d.job;
  const base = `/jobs/${enc(j.name)}`;
  return html`<h1>${j.name} ${light(jobLight(j))}</h1>
<dl class="facts">
<div><dt>Source</dt><dd>${j.type}</dd></div>
<div><dt>Repositories</dt><dd>${j.repositories.join(', ')}</dd></div>
<div><dt>Schedule</dt><dd>${j.schedule ?? 'none'}${j.nextRun && html`, next ${when(j.nextRun, d.now)}`}</dd></div>
<div><dt>Last success</dt><dd>${j.lastSuccess?.endedAt ? when(j.lastSuccess.endedAt, d.now) : 'none yet'}${j.rpoSeconds !== undefined && html` (RPO ${seconds(j.rpoSeconds)}${j.rpoBreached ? ', breached' : ''})`}</dd></div>
<div><dt>Last size</dt><dd>${j.latestSize !== undefined ? bytes(j.latestSize) : '–'}</dd></div>
<div><dt>Last drill</dt><dd>${d.drill ? html`<a href="/runs/${enc(d.drill.id)}">${d.drill.status}</a> ${when(d.drill.startedAt, d.now)}` : 'none'}${j.rtoSeconds !== undefined && html` (RTO ${seconds(j.rtoSeconds)})`}</dd></div>
</dl>
<section class="actions" aria-labelledby="actions-h">
<h2 id="actions-h" class="visually-hidden">Actions</h2>
<form method="post" action="${base}/run" data-action="run" data-job="${j.name}">
<input type="hidden" name="_csrf" value="${d.csrf}"><button type="submit">Back up now</button>
</form>
<form method="post" action="${base}/drill" data-action="drill" data-job="${j.name}">
<input type="hidden" name="_csrf" value="${d.csrf}"><button type="submit" class="secondary">Drill now</button>
</form>
<div id="live" class="live" aria-live="polite" hidden></div>
</section>
<section id="chart-section" aria-labelledby="chart-h">
<h2 id="chart-h">Size and duration</h2>
${d.trend.length < 2 ? html`<p class="muted">A chart needs two successful backups.</p>` : html`<div id="chart" class="chart" role="img" aria-label="Size and duration of the last ${d.trend.length} successful backups"></div>
<script type="application/json" id="chart-data">${jsonBlock(d.trend.map((p) => [Math.round(p.at.getTime() / 1000), p.bytes, p.seconds]))}</script>
<noscript><p class="muted">The chart needs JavaScript; the runs below list every size and duration.</p></noscript>`}
</section>
<section id="snapshots" aria-labelledby="snapshots-h">
<h2 id="snapshots-h">Snapshots</h2>
${d.snapshots.map((s) => snapshotsOf(j.name, s, d.snapshots.length > 1))}
</section>
<section id="runs" aria-labelledby="runs-h">
<h2 id="runs-h">Runs</h2>
${runFilters(`${base}#runs`, d.filter, undefined)}
${runsTable(d.runs, d.now, { showJob: false, caption: `Runs of job ${j.name}` })}
${pager(base, d.filter, d.next, d.first)}
</section>`;
}

function snapshotsOf(job: string, s: RepositorySnapshots, many: boolean): Html {
  const newest = [...s.snapshots].reverse().slice(0, SNAPSHOTS_SHOWN);
  const heading = html`<h3>${s.repository}${s.snapshots.length > 0 && html` <span class="muted">${s.snapshots.length} snapshot${s.snapshots.length === 1 ? '' : 's'}</span>`}</h3>`;
  if (s.error !== undefined) return html`${heading}<p class="error-text">${s.error}</p>`;
  if (newest.length === 0) return html`${heading}<p class="muted">No snapshots.</p>`;
  const repoQuery = many ? `?repo=${enc(s.repository)}` : '';
  return html`${heading}<div class="table-wrap"><table class="snapshots stack" data-repository="${s.repository}">
<caption class="visually-hidden">Snapshots of job ${job} in repository ${s.repository}, newest first</caption>
<thead><tr><th scope="col">ID</th><th scope="col">Time</th><th scope="col" class="num">Size</th><th scope="col" class="num">Duration</th><th scope="col">Host</th></tr></thead>
<tbody>${newest.map((snap) => {
    const info = snap.lifeboat as { size?: number; duration?: string } | undefined;
    return html`<tr>
<td data-label="ID"><a class="mono" href="/jobs/${enc(job)}/snapshots/${enc(String(snap.id))}${repoQuery}">${String(snap.short_id)}</a></td>
<td data-label="Time">${utc(new Date(String(snap.time)))}</td>
<td data-label="Size" class="num">${info?.size !== undefined ? bytes(info.size) : '–'}</td>
<td data-label="Duration" class="num">${info?.duration ?? '–'}</td>
<td data-label="Host">${String(snap.hostname ?? '')}</td>
</tr>`;
  })}</tbody>
</table></div>${s.snapshots.length > SNAPSHOTS_SHOWN && html`<p class="muted">The newest ${SNAPSHOTS_SHOWN} of ${s.snapshots.length}; lifeboat snapshots --job ${job} lists all.</p>`}`;
}

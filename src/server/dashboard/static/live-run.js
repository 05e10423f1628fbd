// Follows one run's server-sent events (GET /api/v1/runs/{id}/events) into a status box:
// progress while it runs, then the result. Text only (textContent): nothing from the stream is
// ever parsed as HTML.

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function fmtBytes(n) {
  let v = Number(n) || 0;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

function line(el, cls, text) {
  let p = el.querySelector(`.${cls}`);
  if (!p) {
    p = document.createElement('p');
    p.className = cls;
    el.append(p);
  }
  p.textContent = text;
  return p;
}

/**
 * Shows the run's progress in `el` (data-state: running, then the run's final status) and calls
 * `onFinished(event)` once, with the `finished` event's data.
 */
export function followRun(runId, el, onFinished) {
  el.hidden = false;
  el.dataset.state = 'running';
  el.dataset.run = runId;
  line(el, 'phase', `Run ${runId}: starting…`);
  const es = new EventSource(`/api/v1/runs/${encodeURIComponent(runId)}/events`);
  const data = (e) => JSON.parse(e.data);
  es.addEventListener('started', (e) => line(el, 'phase', `${data(e).kind} started (${data(e).trigger})`));
  es.addEventListener('progress', (e) => {
    const p = data(e);
    line(el, 'progress', `${p.files} file${p.files === 1 ? '' : 's'}, ${fmtBytes(p.bytes_read)} read, ${fmtBytes(p.bytes_added)} added${p.path ? ` — ${p.path}` : ''}`);
  });
  es.addEventListener('snapshot-saved', (e) => {
    const s = data(e);
    line(el, 'snapshot', `Snapshot ${String(s.snapshot_id).slice(0, 8)} saved: ${fmtBytes(s.bytes_processed)} (${fmtBytes(s.bytes_added)} new)`);
  });
  es.addEventListener('finished', (e) => {
    es.close();
    const f = data(e);
    el.dataset.state = f.status;
    const took = typeof f.duration_ms === 'number' ? ` in ${(f.duration_ms / 1000).toFixed(1)}s` : '';
    const why = f.message ? `: ${f.message}` : '';
    line(el, 'result', `${f.kind} ${f.status}${took}${why}`);
    onFinished?.(f);
  });
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED && el.dataset.state === 'running') line(el, 'result', 'Lost the run\'s event stream; reload the page to see how it ended.');
  };
  return () => es.close();
}

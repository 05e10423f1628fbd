// Back up now / Drill now: the forms post to the API (with the session's CSRF token) instead of
// leaving the page, the run's progress shows live, and when it ends the job page's state,
// snapshots and runs are refreshed in place from the server-rendered page.

import { followRun } from './live-run.js';

async function refreshSections() {
  const res = await fetch(location.href, { headers: { accept: 'text/html' } });
  if (!res.ok) return;
  const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
  for (const sel of ['main h1', 'main dl.facts', '#chart-section', '#snapshots', '#runs']) {
    const fresh = doc.querySelector(sel);
    const old = document.querySelector(sel);
    if (fresh && old) old.replaceWith(document.importNode(fresh, true));
  }
  const chart = document.getElementById('chart');
  const data = document.getElementById('chart-data');
  if (chart && data) {
    const { drawChart } = await import('./chart.js');
    drawChart(chart, JSON.parse(data.textContent ?? '[]'));
  }
}

function setBusy(forms, busy) {
  for (const f of forms) for (const b of f.querySelectorAll('button')) b.disabled = busy;
}

export function enhanceRunButtons(forms, csrf) {
  const live = document.getElementById('live');
  for (const form of forms) {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const job = form.dataset.job;
      const action = form.dataset.action === 'drill' ? 'drill' : 'run';
      setBusy(forms, true);
      live.hidden = false;
      live.replaceChildren();
      live.dataset.state = 'starting';
      try {
        const res = await fetch(`/api/v1/jobs/${encodeURIComponent(job)}/${action}`, {
          method: 'POST', headers: { 'x-csrf-token': csrf, accept: 'application/json' }, credentials: 'same-origin',
        });
        if (res.status === 401) { location.assign(`/login?next=${encodeURIComponent(location.pathname)}`); return; }
        const body = await res.json().catch(() => ({}));
        if (res.status !== 202) {
          const missing = res.status === 404 && /^no such endpoint/.test(body.error?.message ?? '');
          live.dataset.state = 'failed';
          const p = document.createElement('p');
          p.className = 'result';
          p.textContent = missing ? `This daemon has no ${action === 'drill' ? 'restore drill' : 'run-now'} endpoint.` : (body.error?.message ?? `HTTP ${res.status}`);
          live.append(p);
          setBusy(forms, false);
          return;
        }
        followRun(body.run_id, live, async () => {
          setBusy(forms, false);
          await refreshSections();
        });
      } catch (err) {
        live.dataset.state = 'failed';
        live.textContent = `Could not reach the daemon: ${err.message}`;
        setBusy(forms, false);
      }
    });
  }
}

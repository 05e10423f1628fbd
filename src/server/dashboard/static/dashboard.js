// Enhancements over the server-rendered pages, loaded only where a page has their elements:
// run-now buttons with live progress (job page), the size/duration chart, a run page that
// follows its run while it runs. Without JavaScript every page still reads and every form works.

const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

const forms = document.querySelectorAll('form[data-action]');
if (forms.length) {
  const { enhanceRunButtons } = await import('./run-buttons.js');
  enhanceRunButtons([...forms], csrf);
}

const chart = document.getElementById('chart');
const chartData = document.getElementById('chart-data');
if (chart && chartData) {
  const { drawChart } = await import('./chart.js');
  drawChart(chart, JSON.parse(chartData.textContent ?? '[]'));
}

const live = document.querySelector('#live[data-run]');
if (live) {
  const { followRun } = await import('./live-run.js');
  followRun(live.getAttribute('data-run'), live, () => setTimeout(() => location.reload(), 800));
}

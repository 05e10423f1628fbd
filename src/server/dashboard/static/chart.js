// Size and duration of a job's successful backups over time, with uPlot (served from
// node_modules as an ES module). Colours come from the page's CSS variables, so the chart
// follows the system's light or dark scheme.

import uPlot from './uplot.esm.js';
import { fmtBytes } from './live-run.js';

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** `points`: [[unix seconds, bytes, seconds], …], oldest first. */
export function drawChart(el, points) {
  if (points.length < 2) return;
  const data = [points.map((p) => p[0]), points.map((p) => p[1]), points.map((p) => p[2])];
  const fg = cssVar('--fg');
  const grid = cssVar('--line');
  const axis = (scale, side, values) => ({ scale, side, stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, values, size: 84 });
  const width = () => Math.max(280, el.clientWidth);
  const opts = {
    width: width(), height: 260,
    series: [
      {},
      { label: 'Size', scale: 'bytes', stroke: cssVar('--chart-size'), width: 2, value: (u, v) => (v == null ? '–' : fmtBytes(v)) },
      { label: 'Duration', scale: 's', stroke: cssVar('--chart-time'), width: 2, dash: [6, 4], value: (u, v) => (v == null ? '–' : `${v.toFixed(1)}s`) },
    ],
    axes: [
      { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
      axis('bytes', 3, (u, vals) => vals.map((v) => fmtBytes(v))),
      { ...axis('s', 1, (u, vals) => vals.map((v) => `${v}s`)), grid: { show: false } },
    ],
    scales: { bytes: { range: (u, min, max) => [0, max * 1.1 || 1] }, s: { range: (u, min, max) => [0, max * 1.1 || 1] } },
  };
  const plot = new uPlot(opts, data, el);
  new ResizeObserver(() => plot.setSize({ width: width(), height: 260 })).observe(el);
}

// How the dashboard writes numbers and times: sizes in binary units, durations as `3.2h`,
// moments as `<time>` elements in UTC with the age beside them.

import { fmtBytes, fmtSeconds } from '../../app/alerts/rules.ts';
import { html, type Html } from './html.ts';

export { fmtBytes as bytes, fmtSeconds as seconds };

/** A run's duration: tenths under 10 s, where most small backups end. */
export function took(s: number): string {
  return s < 10 ? `${s.toFixed(1)}s` : fmtSeconds(s);
}

export function signedBytes(n: number): string {
  return `${n < 0 ? '−' : '+'}${fmtBytes(Math.abs(n))}`;
}

/** `2026-11-20 02:15 UTC` */
export function utc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `3.2h ago` or `in 5m`. */
export function relative(d: Date, now: Date): string {
  const s = (now.getTime() - d.getTime()) / 1000;
  if (Math.abs(s) < 1) return 'now';
  return s > 0 ? `${fmtSeconds(s)} ago` : `in ${fmtSeconds(-s)}`;
}

/** A moment: relative text, the exact UTC time in the title and the datetime attribute. */
export function when(d: Date | string | undefined, now: Date): Html {
  if (d === undefined) return html`<span class="muted">never</span>`;
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return html`${String(d)}`;
  return html`<time datetime="${date.toISOString()}" title="${utc(date)}">${relative(date, now)}</time>`;
}

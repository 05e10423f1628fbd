// A notification as an email: a subject that says what happened (`[lifeboat] FIRING stale: job
// orders`), a plain-text part and an HTML part with the same facts. Everything taken from the
// notification is untrusted text (job names, error messages, snapshot paths) and is escaped in
// the HTML. A report brings its own text and HTML bodies, which its builder escaped.

import { describe, timeText } from '../format.ts';
import type { Notification } from '../types.ts';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const TONE_COLOR = { bad: '#c62828', warn: '#ef6c00', good: '#2e7d32', info: '#455a64' } as const;

export function emailMessage(n: Notification): EmailMessage {
  const d = describe(n);
  const subject = `[lifeboat] ${d.headline}`.replace(/[\r\n]+/g, ' ');
  const footer = `lifeboat on ${n.host}, ${timeText(n.at)}`;

  if (n.type === 'report' && n.report) {
    const text = [n.report.text.trimEnd(), '', ...(n.url ? [`Open in Lifeboat: ${n.url}`] : []), `-- ${footer}`].join('\n');
    const html = `${n.report.html}\n${footerHtml(n.url, footer)}`;
    return { subject, text, html };
  }

  const width = Math.max(0, ...d.facts.map((f) => f.label.length));
  const text = [
    d.headline,
    '',
    d.summary,
    '',
    ...d.facts.map((f) => `${`${f.label}:`.padEnd(width + 2)}${f.value}`),
    ...(d.error ? ['', 'Error:', d.error] : []),
    '',
    ...(n.url ? [`Open in Lifeboat: ${n.url}`] : []),
    `-- ${footer}`,
  ].join('\n');

  const rows = d.facts
    .map((f) => `<tr><th style="text-align:left;padding:4px 12px 4px 0;vertical-align:top;white-space:nowrap">${escapeHtml(f.label)}</th><td style="padding:4px 0">${escapeHtml(f.value)}</td></tr>`)
    .join('\n');
  const html = [
    '<!doctype html>',
    '<html><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#212121">',
    `<h2 style="margin:0 0 8px;color:${TONE_COLOR[d.tone]}">${escapeHtml(d.headline)}</h2>`,
    `<p style="margin:0 0 12px">${escapeHtml(d.summary)}</p>`,
    rows ? `<table style="border-collapse:collapse;margin:0 0 12px">\n${rows}\n</table>` : '',
    d.error ? `<p style="margin:0 0 4px"><strong>Error</strong></p><pre style="white-space:pre-wrap;background:#f5f5f5;padding:8px;margin:0 0 12px">${escapeHtml(d.error)}</pre>` : '',
    footerHtml(n.url, footer),
    '</body></html>',
  ].filter(Boolean).join('\n');
  return { subject, text, html };
}

function footerHtml(url: string | undefined, footer: string): string {
  const link = url && /^https?:\/\//.test(url) ? `<p><a href="${escapeHtml(url)}">Open in Lifeboat</a></p>` : '';
  return `${link}<p style="color:#757575;font-size:12px">${escapeHtml(footer)}</p>`;
}

// The runbook as Markdown (for a wiki, a printout, the state directory) or HTML (the same text
// through marked). Text from the config is escaped for Markdown tables; raw HTML in it is shown
// as text, never passed through.

import { Marked } from 'marked';
import { formatDurationMs } from '../../core/duration.ts';
import { formatLocalTime } from '../../core/point-in-time.ts';
import type { Runbook, RunbookJob } from './build.ts';

export type RunbookFormat = 'markdown' | 'html';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const secs = (s: number | undefined) => (s === undefined ? '–' : formatDurationMs(s * 1000));
const when = (d: Date | string | undefined) => (d === undefined ? '–' : formatLocalTime(new Date(d)));

function rpoLine(j: RunbookJob): string {
  const s = j.status;
  return `target ${secs(s.rpoSeconds)}; achieved: newest backup ${secs(s.ageSeconds)} old${s.rpoBreached ? ' (BREACHED)' : ''}, ` +
    `largest gap over 30 days ${secs(s.worstGapSeconds)}`;
}

function rtoLine(j: RunbookJob): string {
  const d = j.status.lastDrill;
  const last = d ? `last drill ${when(d.run.startedAt)}: ${d.passed ? 'passed' : `FAILED${d.failedCheck ? ` (check "${d.failedCheck}")` : d.run.errorMessage ? ` (${d.run.errorMessage})` : ''}`}` +
    `${d.rtoSeconds !== undefined ? `, RTO ${secs(d.rtoSeconds)}${d.rtoExceeded ? ' (EXCEEDED)' : ''}` : ''}` : 'never drilled';
  return `target ${secs(j.status.rtoSeconds)}; ${last}`;
}

function jobSection(j: RunbookJob): string[] {
  const checks = (j.status.lastDrill?.run.details?.checks as Array<{ name: string; ok: boolean; detail: string }> | undefined) ?? [];
  return [
    `## Job ${j.name} (${j.engine})`, '',
    `- **Where the data lives:** ${j.where}`,
    `- **Repositories:** ${j.repositories.map((r, i) => (i === 0 ? `${r} (primary)` : `${r} (copy)`)).join(', ')}`,
    `- **Newest snapshot:** ${j.latest ? `${j.latest.id.slice(0, 8)} of ${when(j.latest.time)}${j.latest.source === 'history' ? ' (from the run history)' : ''}` : 'none known'}` +
      (j.readError ? ` — ${j.readError}` : ''),
    `- **RPO:** ${rpoLine(j)}`,
    `- **RTO:** ${rtoLine(j)}`,
    ...checks.map((c) => `  - ${c.ok ? 'ok' : 'FAILED'}: ${c.name}: ${c.detail}`),
    `- **Credentials:** ${j.credentials.map((c) => `${c.what} from ${c.origin}`).join('; ')}`,
    '',
    '### Restore with Lifeboat', '',
    '```bash', ...j.withLifeboat, '```', '',
    '### Restore without Lifeboat', '',
    'With restic (0.14 or newer) and the database\'s own tools; paste into bash. It restores the newest',
    'snapshot: for an older one, put its ID (from `restic snapshots --tag job=' + j.name + '`) in place of `latest`.', '',
    '```bash', ...j.withoutLifeboat, '```', '',
    ...(j.walProcedure ? ['### Point in time and failover (WAL archive)', '', ...j.walProcedure, ''] : []),
  ];
}

export function runbookMarkdown(rb: Runbook): string {
  const lines = [
    `# Disaster-recovery runbook`, '',
    `Generated ${when(rb.generatedAt)} from \`${rb.configFile}\` by \`lifeboat runbook\`. Secrets are never written here: each`,
    'one is named by where it comes from (a file, an environment variable, a command, or the config file).', '',
    '## Contacts', '',
    ...(rb.contacts.length
      ? ['| Name | Role | Phone | Email |', '| --- | --- | --- | --- |', ...rb.contacts.map((c) => `| ${cell(c.name)} | ${cell(c.role ?? '')} | ${cell(c.phone ?? '')} | ${cell(c.email ?? '')} |`)]
      : ['None set: add `contacts: [{name, role, phone, email}]` to the config.']),
    '', '## Overview', '',
    '| Job | Engine | Where the data lives | Newest snapshot | RPO target / newest / worst gap | RTO target / last drill |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rb.jobs.map((j) => `| ${cell(j.name)} | ${j.engine} | ${cell(j.where)} | ${j.latest ? `${j.latest.id.slice(0, 8)} ${when(j.latest.time)}` : '–'} | ` +
      `${secs(j.status.rpoSeconds)} / ${secs(j.status.ageSeconds)} / ${secs(j.status.worstGapSeconds)} | ` +
      `${secs(j.status.rtoSeconds)} / ${j.status.lastDrill ? `${j.status.lastDrill.passed ? 'passed' : 'FAILED'} ${secs(j.status.lastDrill.rtoSeconds)}` : 'never'} |`),
    '', '## The whole system at a point in time', '',
    '```bash',
    `lifeboat --config '${rb.configFile}' restore --all --at 'YYYY-MM-DD HH:MM' --target /tmp/restore --dry-run   # the plan: which snapshot of each job`,
    `lifeboat --config '${rb.configFile}' restore --all --at 'YYYY-MM-DD HH:MM' --target /tmp/restore --suffix _restored   # beside the originals`,
    `lifeboat --config '${rb.configFile}' restore --all --at 'YYYY-MM-DD HH:MM' --target /   # over the originals (asks to confirm)`,
    '```', '',
    '## Repositories', '',
    ...rb.repositories.flatMap((r) => [
      `### ${r.name}`, '', `- **Location:** ${r.location}`, `- **Password:** from ${r.password}`,
      ...(r.s3Secret ? [`- **S3 secret key:** from ${r.s3Secret}`] : []), '',
      '```bash', ...r.env, 'restic snapshots', '```', '',
    ]),
    ...rb.jobs.flatMap(jobSection),
  ];
  return lines.join('\n');
}

export function renderRunbook(rb: Runbook, format: RunbookFormat): string {
  const md = runbookMarkdown(rb);
  if (format === 'markdown') return md;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const marked = new Marked({ gfm: true, renderer: { html: ({ text }) => esc(text) } });
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>Disaster-recovery runbook</title>\n` +
    '<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}pre{background:#f4f4f4;padding:.6rem;overflow-x:auto}' +
    'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}</style></head><body>\n' +
    `${marked.parse(md, { async: false })}</body></html>\n`;
}

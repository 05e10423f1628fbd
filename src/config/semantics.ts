// Checks over the whole document that a per-field schema cannot express. They run on the raw
// data, tolerating any shape, so they report alongside schema problems rather than after them.

import { NAME_PATTERN } from './schema.ts';
import type { PathIssue } from './interpolate.ts';
import { drillIssues } from './drill.ts';

// restic backends we do not implement; named so the message can say so instead of treating
// `sftp:host:/srv` as a local directory called "sftp:host:".
const UNSUPPORTED_SCHEMES = ['sftp', 'rest', 'b2', 'azure', 'gs', 'swift', 'rclone'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkName(kind: string, name: string, path: Array<string | number>, issues: PathIssue[]): void {
  if (!new RegExp(NAME_PATTERN).test(name)) {
    issues.push({
      path,
      message: `invalid ${kind} name ${JSON.stringify(name)}: use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit`,
    });
  }
}

export function checkSemantics(raw: unknown): PathIssue[] {
  const issues: PathIssue[] = [];
  if (!isRecord(raw)) return issues;
  const repos = isRecord(raw.repositories) ? raw.repositories : {};
  const repoNames = Object.keys(repos);

  for (const [name, repo] of Object.entries(repos)) {
    const path = ['repositories', name];
    checkName('repository', name, path, issues);
    if (!isRecord(repo)) continue;
    const given = ['password', 'password_command'].filter((k) => repo[k] !== undefined);
    if (given.length === 0) {
      issues.push({ path, message: 'needs a password: set one of password, password_file, password_command' });
    } else if (given.length > 1) {
      issues.push({ path: [...path, given[1]!], message: 'set only one of password, password_file, password_command' });
    }
    if (typeof repo.location === 'string') {
      const scheme = /^([a-z][a-z0-9+]*):/.exec(repo.location)?.[1];
      if (scheme !== undefined && UNSUPPORTED_SCHEMES.includes(scheme)) {
        issues.push({ path: [...path, 'location'], message: `the ${scheme}: backend is not supported (use a local path or s3:)` });
      }
      if (repo.s3 !== undefined && scheme !== 's3') {
        issues.push({ path: [...path, 's3'], message: 's3 options need an s3: location' });
      }
    }
  }

  const jobs = isRecord(raw.jobs) ? raw.jobs : {};
  for (const [name, job] of Object.entries(jobs)) {
    const path = ['jobs', name];
    checkName('job', name, path, issues);
    if (isRecord(job)) issues.push(...drillIssues(job, path));
    if (!isRecord(job) || !Array.isArray(job.repositories)) continue;
    const seen = new Set<string>();
    job.repositories.forEach((entry: unknown, i: number) => {
      // A name, or {name, retention}.
      const ref = isRecord(entry) ? entry.name : entry;
      if (typeof ref !== 'string' || ref === '') return; // the schema reports it
      const refPath = isRecord(entry) ? [...path, 'repositories', i, 'name'] : [...path, 'repositories', i];
      if (!Object.hasOwn(repos, ref)) {
        const known = repoNames.length ? repoNames.join(', ') : 'none';
        issues.push({ path: refPath, message: `unknown repository ${JSON.stringify(ref)} (defined: ${known})` });
      } else if (seen.has(ref)) {
        issues.push({ path: refPath, message: `repository ${JSON.stringify(ref)} listed twice` });
      }
      seen.add(ref);
    });
  }
  checkChannelReferences(raw, issues);
  if (Array.isArray(raw.restore_order)) {
    raw.restore_order.forEach((name: unknown, i: number) => {
      if (typeof name === 'string' && !Object.hasOwn(jobs, name)) issues.push({ path: ['restore_order', i], message: `unknown job ${JSON.stringify(name)}` });
    });
  }
  return issues;
}

/** Channel names in defaults.notify, jobs.*.notify and reports[].channels must exist under notifications:. */
function checkChannelReferences(raw: Record<string, unknown>, issues: PathIssue[]): void {
  const channels = isRecord(raw.notifications) ? raw.notifications : {};
  for (const name of Object.keys(channels)) checkName('notification channel', name, ['notifications', name], issues);
  const known = Object.keys(channels);
  const check = (list: unknown, path: Array<string | number>) => {
    if (!Array.isArray(list)) return;
    list.forEach((ref: unknown, i: number) => {
      if (typeof ref === 'string' && ref !== '' && !Object.hasOwn(channels, ref)) {
        issues.push({ path: [...path, i], message: `unknown notification channel ${JSON.stringify(ref)} (defined: ${known.length ? known.join(', ') : 'none'})` });
      }
    });
  };
  if (isRecord(raw.defaults)) check(raw.defaults.notify, ['defaults', 'notify']);
  for (const [name, job] of Object.entries(isRecord(raw.jobs) ? raw.jobs : {})) if (isRecord(job)) check(job.notify, ['jobs', name, 'notify']);
  if (Array.isArray(raw.reports)) raw.reports.forEach((r: unknown, i: number) => { if (isRecord(r)) check(r.channels, ['reports', i, 'channels']); });
}

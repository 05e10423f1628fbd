// pg_dump must be at least as new as the server: an older pg_dump refuses or, worse, misses
// objects it does not know. We check before the first byte is dumped, with a clear message.

import { SourceError } from '../../errors.ts';
import { runTool } from '../process.ts';

export interface PgVersion {
  /** e.g. `15.20` */
  text: string;
  major: number;
}

/** Parse `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)` → {text: '15.20', major: 15}. */
export function parseToolVersion(output: string): PgVersion | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output) ?? /\b(\d+)\.(\d+)\b/.exec(output);
  if (!m) return undefined;
  const major = Number(m[1]);
  // Before PostgreSQL 10 the major version had two parts (9.6).
  const text = m[2] === undefined ? m[1]! : `${m[1]}.${m[2]}`;
  return { text, major: major < 10 && m[2] !== undefined ? major * 100 + Number(m[2]) : major * 100 };
}

/** server_version_num 150020 → major 1500; 90624 → 906 (same scale as parseToolVersion). */
export function serverMajor(versionNum: number): number {
  return versionNum >= 100000 ? Math.floor(versionNum / 10000) * 100 : Math.floor(versionNum / 100);
}

export function formatMajor(major: number): string {
  return major >= 1000 ? String(major / 100) : `${Math.floor(major / 100)}.${major % 100}`;
}

export async function toolVersion(command: string, label: string, signal?: AbortSignal): Promise<PgVersion> {
  const out = await runTool({ label: `${label} --version`, command, args: ['--version'], signal,
    hint: `install the PostgreSQL client tools or set the path to ${label}` });
  const v = parseToolVersion(out);
  if (!v) throw new SourceError(`${label} --version: unrecognised output "${out.trim().slice(0, 100)}"`, null, '');
  return v;
}

/** Refuse a pg_dump older than the server (compared by major version). */
export function assertDumpNotOlder(dump: PgVersion, serverVersionNum: number, serverVersionText: string, server: string): void {
  const sMajor = serverMajor(serverVersionNum);
  if (dump.major < sMajor) {
    throw new SourceError(
      `postgres backup of ${server}: pg_dump ${dump.text} is older than the server (PostgreSQL ${serverVersionText}); ` +
        `a dump by an older pg_dump can be incomplete or fail`,
      null, '',
      { hint: `install pg_dump ${formatMajor(sMajor)} or newer (package postgresql-client-${formatMajor(sMajor)}) and set pgDumpPath`,
        context: { pgDump: dump.text, server: serverVersionText } },
    );
  }
}

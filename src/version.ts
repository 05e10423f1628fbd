// Lifeboat's version, read from package.json once (src/ and dist/ both sit beside it), so a
// release bump touches one file.

import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

// The single executable has no package.json beside it: its build defines the version.
declare const __LIFEBOAT_VERSION__: string | undefined;

export const VERSION = typeof __LIFEBOAT_VERSION__ === 'string' ? __LIFEBOAT_VERSION__ : readVersion();

/** What snapshots record as `program_version`, as restic records `restic 0.17.0`. */
export const PROGRAM_VERSION = `lifeboat ${VERSION}`;

// Credentials for a child process through a file descriptor, never through argv (visible to
// every user in `ps`), the environment (inherited by everything the tool starts, readable in
// /proc) or a named file (left behind when Lifeboat is killed). The content goes into an
// anonymous file (O_TMPFILE: it has no name and lives only as long as a descriptor to it, in
// memory on /dev/shm), which the child inherits as fd 3, 4, … and opens as /dev/fd/3.
// A regular file rather than a pipe, because libpq refuses a passfile that is not a plain file.

import { closeSync, constants, openSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Linux's O_TMPFILE (__O_TMPFILE | O_DIRECTORY); Node does not export it. */
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY;

/** The path a child opens to read the n-th (0-based) descriptor file it was given. */
export function fdPath(n: number): string {
  return `/dev/fd/${3 + n}`;
}

/** An open descriptor of an anonymous 0600 file holding `content`; the caller closes it. */
export function anonymousFile(content: string | Uint8Array): number {
  const fd = openAnonymous();
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, off);
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function openAnonymous(): number {
  for (const dir of ['/dev/shm', tmpdir()]) {
    try {
      return openSync(dir, O_TMPFILE | constants.O_RDWR, 0o600);
    } catch {
      // No O_TMPFILE there (filesystem or kernel without it): try the next place.
    }
  }
  // Last resort: a file that has a name for the moment between create and unlink.
  let last: unknown;
  for (const dir of ['/dev/shm', tmpdir()]) {
    const path = join(dir, `.lifeboat-${randomBytes(12).toString('hex')}`);
    try {
      const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
      unlinkSync(path);
      return fd;
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

// What an interrupted backup tells the user: nothing was saved as a snapshot, and the data it
// had already uploaded is not lost space for good: `prune` reclaims it (or the next backup
// reuses it).

import { AbortedError } from '../../errors.ts';

export function interrupted(cause: unknown): AbortedError {
  return new AbortedError('backup interrupted: no snapshot was saved', {
    cause,
    hint: 'the data it had already stored is reused by the next backup; `lifeboat prune` reclaims what stays unused',
  });
}

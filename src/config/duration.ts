// Durations as people write them in config files and flags. Two grammars on purpose:
// - parseDuration: `30s`, `5m`, `1h30m`, `7d`, `2w` → milliseconds (timeouts, lock waits).
// - parseRetentionDuration: restic's `--keep-within` grammar, where `m` means MONTHS and the
//   value is calendar-based (`1y2m3d4h`), so our forget matches `restic forget` exactly.

import { parseDurationMs } from '../core/duration.ts';
import { parseDuration as parseCalendarDuration, type CalendarDuration } from '../core/retention-duration.ts';

export type Milliseconds = number;

/** One or more `<integer><unit>` parts (units ms s m h d w), summed: `1h30m`, `90s`. */
export const DURATION_PATTERN = '^(\\d+(ms|s|m|h|d|w))+$';

/** Parses `1h30m` into milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): Milliseconds | undefined {
  return new RegExp(DURATION_PATTERN).test(text) ? parseDurationMs(text) : undefined;
}

export type RetentionDuration = CalendarDuration;

/** restic's keep-within grammar: any of `<n>y`, `<n>m` (months), `<n>d`, `<n>h`, in that order. */
export const RETENTION_DURATION_PATTERN = '^(\\d+y)?(\\d+m)?(\\d+d)?(\\d+h)?$';

export function parseRetentionDuration(text: string): RetentionDuration | undefined {
  if (text === '' || !new RegExp(RETENTION_DURATION_PATTERN).test(text)) return undefined;
  return parseCalendarDuration(text);
}

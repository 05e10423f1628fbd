// restic's path patterns (used by `backup --exclude` and `restore --include`), implemented from
// their documented behaviour and confirmed against restic 0.14:
// - a pattern and a path are split at '/'; each pattern component is a Go filepath.Match glob
//   (`*`, `?`, `[...]`, `[^...]`, `\` escapes) matched against one path component;
// - `**` matches any number of components;
// - an absolute pattern (`/tmp/x`) is anchored at the start of the (absolute) path; a relative
//   one (`*.txt`, `src/sub`) matches any run of consecutive components;
// - a pattern matching a directory's path also matches everything below it (the components
//   need only match a prefix), which is how excluding a directory excludes its content.

import { posix } from 'node:path';
import { UsageError } from '../../errors.ts';

export interface PathPattern {
  readonly original: string;
  readonly parts: readonly string[];
  readonly regexes: readonly (RegExp | '**')[];
}

function escapeRe(c: string, inClass = false): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) || (inClass && c === '-') ? '\\' + c : c;
}

/** Go filepath.Match glob for one component → an anchored RegExp. */
function globToRegExp(glob: string, original: string): RegExp {
  let re = '';
  const chars = [...glob];
  const bad = () => new UsageError(`pattern ${JSON.stringify(original)}: malformed glob`);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= chars.length) throw bad();
      re += escapeRe(chars[++i]!);
    } else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (chars[j] === '^') { cls += '^'; j++; }
      let first = true;
      for (; j < chars.length && (chars[j] !== ']' || first); j++) {
        first = false;
        let ch = chars[j]!;
        if (ch === '\\') { if (++j >= chars.length) throw bad(); ch = chars[j]!; }
        cls += escapeRe(ch, true);
        if (chars[j + 1] === '-' && chars[j + 2] !== undefined && chars[j + 2] !== ']') {
          let hi = chars[j + 2]!;
          j += 2;
          if (hi === '\\') { if (++j >= chars.length) throw bad(); hi = chars[j]!; }
          cls += '-' + escapeRe(hi, true);
        }
      }
      if (j >= chars.length || cls === '' || cls === '^') throw bad();
      re += `[${cls}]`;
      i = j;
    } else re += escapeRe(c);
  }
  try {
    return new RegExp(`^${re}$`, 'su');
  } catch {
    throw bad();
  }
}

export function parsePattern(pattern: string): PathPattern {
  if (pattern === '') throw new UsageError('empty pattern');
  const cleaned = posix.normalize(pattern).replace(/(.)\/$/, '$1');
  const parts = cleaned.split('/');
  return {
    original: pattern,
    parts,
    regexes: parts.map((p) => (p === '**' ? '**' : globToRegExp(p, pattern))),
  };
}

function splitPath(path: string): string[] {
  return path.split('/');
}

function matchParts(pat: readonly (RegExp | '**')[], absolute: boolean, strs: readonly string[]): boolean {
  const dw = pat.indexOf('**');
  if (dw >= 0) {
    // Expand `**` into 0..n single-component wildcards, as restic does.
    for (let n = 0; pat.length - 1 + n <= strs.length; n++) {
      const expanded = [...pat.slice(0, dw), ...Array<RegExp>(n).fill(/^[^/]*$/su), ...pat.slice(dw + 1)];
      if (matchParts(expanded, absolute, strs)) return true;
    }
    return false;
  }
  if (pat.length === 0) return strs.length === 0;
  if (pat.length > strs.length) return false;
  let minOffset = 0;
  let maxOffset = strs.length - pat.length;
  if (absolute) maxOffset = 0;
  else if (strs[0] === '') minOffset = 1;
  outer: for (let off = maxOffset; off >= minOffset; off--) {
    for (let i = pat.length - 1; i >= 0; i--) {
      if (!(pat[i] as RegExp).test(strs[off + i]!)) continue outer;
    }
    return true;
  }
  return false;
}

/** True when the pattern matches the path (or one of its ancestors). Paths are absolute. */
export function matchPattern(p: PathPattern, path: string): boolean {
  return matchParts(p.regexes, p.parts[0] === '', splitPath(path));
}

/** True when something below `path` (a directory) could match the pattern. */
export function childMayMatch(p: PathPattern, path: string): boolean {
  if (p.parts[0] !== '') return true;
  let strs = splitPath(path);
  const dw = p.regexes.indexOf('**');
  if (dw >= 0 && strs.length >= dw) strs = strs.slice(0, dw);
  const l = Math.min(strs.length, p.regexes.length);
  return matchParts(p.regexes.slice(0, l), true, strs);
}

export interface PathFilter {
  /** True when any pattern matches. */
  matches(path: string): boolean;
  /** True when a child of this directory path could match. */
  childMayMatch(path: string): boolean;
  /** The patterns that have matched no path so far (an include that selects nothing is a mistake to report). */
  unmatched(): string[];
}

export function createPathFilter(patterns: readonly string[]): PathFilter {
  const parsed = patterns.map(parsePattern);
  const hit = parsed.map(() => false);
  return {
    // Patterns that already matched something are tried only until one matches; the others
    // are always tried, so that unmatched() is exact.
    matches: (path) => {
      let any = false;
      for (let i = 0; i < parsed.length; i++) {
        if (any && hit[i]) continue;
        if (matchPattern(parsed[i]!, path)) { any = true; hit[i] = true; }
      }
      return any;
    },
    childMayMatch: (path) => parsed.some((p) => childMayMatch(p, path)),
    unmatched: () => patterns.filter((_, i) => !hit[i]),
  };
}

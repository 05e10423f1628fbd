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
  const source = globSource(glob, original);
  try {
    return new RegExp(`^${source}$`, 'su');
  } catch {
    throw new UsageError(`pattern ${JSON.stringify(original)}: malformed glob`);
  }
}

/** The RegExp source (unanchored) of one Go glob component. */
function globSource(glob: string, original: string): string {
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
  return re;
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
}

/**
 * One matcher for many patterns (10,000 excludes must not cost 10,000 tests per file): glob-free
 * patterns are looked up in sets (each ancestor of the path for anchored ones, each run of
 * components for floating ones); glob patterns are compiled into a few RegExps whose
 * alternatives follow exactly the per-component rules above: one-component floating globs
 * (`*.tmp`) tested against each component, anchored globs against the path, and longer
 * floating globs against the path from each component on.
 */
export function createPathFilter(patterns: readonly string[]): PathFilter {
  const parsed = patterns.map(parsePattern);
  const anchored = new Set<string>();
  const floating = new Set<string>();
  let maxFloating = 0;
  const componentGlobs: string[] = [];
  // `*.tmp`, `cache*`: a literal after or before one star, looked up by each end of a component.
  const suffixes = new Set<string>();
  const prefixes = new Set<string>();
  const anchoredGlobs: string[] = [];
  const floatingGlobs: string[] = [];
  // restic expands each `**` in turn and counts the later ones as a component each: with two or
  // more, what matches depends on the path's length in a way no RegExp states simply. Rare; kept
  // on the per-pattern rules.
  const several: PathPattern[] = [];
  for (const p of parsed) {
    const absolute = p.parts[0] === '';
    if (p.parts.filter((c) => c === '**').length > 1) several.push(p);
    else if (p.parts.every((c) => !/[*?[\\]/.test(c))) {
      if (absolute) anchored.add(p.parts.join('/'));
      else {
        floating.add(p.parts.join('/'));
        maxFloating = Math.max(maxFloating, p.parts.length);
      }
    } else if (!absolute && p.parts.length === 1 && p.parts[0] !== '**') {
      const g = p.parts[0]!;
      if (/^\*[^*?[\\]+$/.test(g)) suffixes.add(g.slice(1));
      else if (/^[^*?[\\]+\*$/.test(g)) prefixes.add(g.slice(0, -1));
      else componentGlobs.push(globSource(g, p.original));
    }
    else (absolute ? anchoredGlobs : floatingGlobs).push(componentsSource(absolute ? p.parts.slice(1) : p.parts, p.original));
  }
  const alt = (list: string[]) => list.map((g) => `(?:${g})`).join('|');
  const component = componentGlobs.length ? new RegExp(`^(?:${alt(componentGlobs)})$`, 'su') : undefined;
  // Below a match, everything matches: hence the optional tail.
  const anchoredRe = anchoredGlobs.length ? new RegExp(`^(?:${alt(anchoredGlobs)})(?:/.*)?$`, 'su') : undefined;
  const floatingRe = floatingGlobs.length ? new RegExp(`^(?:${alt(floatingGlobs)})(?:/.*)?$`, 'su') : undefined;

  const matches = (path: string): boolean => {
    const strs = path.split('/');
    const first = strs[0] === '' ? 1 : 0;
    if (anchored.size > 0) {
      let prefix = strs[0]!;
      if (anchored.has(prefix)) return true;
      for (let i = 1; i < strs.length; i++) {
        prefix += '/' + strs[i];
        if (anchored.has(prefix)) return true;
      }
    }
    for (let i = first; i < strs.length; i++) {
      const c = strs[i]!;
      if (suffixes.size > 0) for (let k = 0; k <= c.length; k++) if (suffixes.has(c.slice(k))) return true;
      if (prefixes.size > 0) for (let k = 0; k <= c.length; k++) if (prefixes.has(c.slice(0, k))) return true;
      if (component?.test(c)) return true;
      if (floating.size > 0) {
        let run = strs[i]!;
        if (floating.has(run)) return true;
        for (let j = i + 1; j < strs.length && j - i < maxFloating; j++) {
          run += '/' + strs[j];
          if (floating.has(run)) return true;
        }
      }
    }
    if (anchoredRe?.test(path)) return true;
    if (several.length > 0 && several.some((p) => matchPattern(p, path))) return true;
    if (floatingRe) {
      // A floating pattern may start at any component.
      let rest = '/' + strs.slice(first).join('/');
      for (let i = first; i < strs.length; i++) {
        if (floatingRe.test(rest)) return true;
        rest = rest.slice(strs[i]!.length + 1);
      }
    }
    return false;
  };
  return {
    matches,
    childMayMatch: (path) => parsed.some((p) => childMayMatch(p, path)),
  };
}

/** Each component as '/' + its glob, `**` as any number of '/'-led components; unanchored. */
function componentsSource(comps: readonly string[], original: string): string {
  return comps.map((c) => (c === '**' ? '(?:/[^/]*)*' : `/${globSource(c, original)}`)).join('');
}

export interface TrackingPathFilter extends PathFilter {
  /** The patterns that have matched no path so far (an include that selects nothing is a mistake to report). */
  unmatched(): string[];
}

/**
 * For a handful of --include patterns: tests them one by one and remembers which matched, so a
 * restore can say which include selected nothing. Patterns that already matched are tried only
 * until one matches; the others always, so that unmatched() is exact.
 */
export function createTrackingPathFilter(patterns: readonly string[]): TrackingPathFilter {
  const parsed = patterns.map(parsePattern);
  const hit = parsed.map(() => false);
  return {
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

// Turns zod's issues into short, human messages. Messages describe what was expected and the
// type that was found, never the value: the value may be a secret.

import type { z } from 'zod';
import type { ConfigPath } from './locate.ts';

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function typeOf(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return `a ${typeof v}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** "unknown key" plus the closest allowed key when it looks like a typo. */
export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3))) {
    return `unknown key (did you mean ${best}?)`;
  }
  return allowed.length ? `unknown key (allowed: ${allowed.join(', ')})` : 'unknown key';
}

/** zod per-parse error function: returns our message, or undefined for zod's default. */
export function errorMessage(iss: z.core.$ZodRawIssue): string | undefined {
  const input: unknown = iss.input;
  switch (iss.code) {
    case 'invalid_type':
      if (input === undefined) return 'required';
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${typeOf(input)}`;
    case 'invalid_value':
      return `expected ${iss.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_union': {
      const options = (iss as { options?: unknown[] }).options;
      const discriminator = (iss as { discriminator?: string }).discriminator;
      if (discriminator && Array.isArray(options)) {
        const list = options.map(String).join(', ');
        // The discriminator is a kind name like `postgres`, not a secret.
        const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[discriminator] : undefined;
        if (value === undefined) return `required: one of ${list}`;
        return typeof value === 'string'
          ? `unknown ${discriminator} ${JSON.stringify(value)} (expected one of ${list})`
          : `expected one of ${list}, got ${typeOf(value)}`;
      }
      return undefined;
    }
    case 'too_small':
      if (iss.origin === 'number') return `must be at least ${iss.minimum}`;
      if (iss.origin === 'string') return 'must not be empty';
      return undefined;
    case 'too_big':
      if (iss.origin === 'number') return `must be at most ${iss.maximum}`;
      return undefined;
    default:
      return undefined;
  }
}

export interface FlatIssue {
  path: ConfigPath;
  message: string;
}

/** One entry per problem; an unknown-keys issue becomes one entry per key, at the key. */
export function flattenZodIssues(issues: readonly z.core.$ZodIssue[], allowedKeys: Map<string, string[]>): FlatIssue[] {
  const out: FlatIssue[] = [];
  for (const iss of issues) {
    const path = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (iss.code === 'unrecognized_keys') {
      const allowed = allowedKeys.get(JSON.stringify(path)) ?? [];
      for (const key of iss.keys) out.push({ path: [...path, key], message: unknownKeyMessage(key, allowed) });
    } else {
      out.push({ path, message: iss.message });
    }
  }
  return out;
}

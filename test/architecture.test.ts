// The layering of docs/architecture.md, checked on every run: imports go one way
// (cli → app → engine → repo → storage; sources, config and notify beside; core and errors are
// leaves), there is no import cycle between files, and no layer reaches inside another family's
// adapter (sources/postgres/…) except through the adapter's index.ts. Type-only imports may
// point anywhere but at the front ends (cli, daemon, server), which nothing depends on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../src');

/** Layer → the layers its modules may import (besides itself). */
export const ALLOWED: Record<string, readonly string[]> = {
  cli: ['app', 'core', 'errors', 'version', 'daemon-main'],
  daemon: ['app', 'core', 'errors', 'version'],
  server: ['app', 'core', 'errors', 'version'],
  app: ['engine', 'repo', 'storage', 'sources', 'config', 'notify', 'core', 'errors', 'version'],
  engine: ['repo', 'storage', 'sources', 'core', 'errors'],
  repo: ['storage', 'core', 'errors'],
  storage: ['core', 'errors'],
  sources: ['config', 'core', 'errors'],
  config: ['sources', 'notify', 'core', 'errors'],
  notify: ['config', 'core', 'errors', 'version'],
  core: ['errors'],
  errors: [],
  version: [],
  // Composition roots and the process entry: they wire everything.
  main: ['*'], demo: ['*'], 'daemon-main': ['app', 'daemon', 'server', 'core', 'errors', 'version'],
};

/** Within these layers, engine and sources may use only the shared contract files of the other. */
const CONTRACT_ONLY: Record<string, RegExp> = {
  'engine→sources': /^sources\/types\.ts$/,
  'engine→storage': /^storage\/types\.ts$/,
  'sources→config': /^config\/(fields|duration|password)\.ts$/,
  'notify→config': /^config\/fields\.ts$/,
};

const FAMILIES = ['sources', 'storage', 'notify'];
const FRONT_ENDS = ['cli', 'daemon', 'server'];

export interface Edge { from: string; to: string; typeOnly: boolean }

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

export function importEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of files(SRC)) {
    const text = readFileSync(file, 'utf8');
    const re = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm;
    for (const m of text.matchAll(re)) {
      const spec = m[3] ?? m[4]!;
      if (!spec.startsWith('.')) continue;
      const typeOnly = m[2] !== undefined || (m[1] === 'import' && /^\s*import\s+type\s/.test(m[0]));
      edges.push({ from: relative(SRC, file), to: relative(SRC, resolve(dirname(file), spec)), typeOnly });
    }
  }
  return edges;
}

export function layerOf(path: string): string {
  const first = path.split('/')[0]!;
  return path.includes('/') ? first : first.replace(/\.ts$/, '');
}

/** The problems of a set of edges: wrong-way imports and reaching inside an adapter. */
export function ruleViolations(edges: readonly Edge[]): string[] {
  const problems: string[] = [];
  for (const e of edges) {
    const from = layerOf(e.from);
    const to = layerOf(e.to);
    if (from === to) continue;
    if (e.typeOnly) {
      if (FRONT_ENDS.includes(to)) problems.push(`${e.from} → ${e.to}: nothing may depend on a front end (${to})`);
      continue;
    }
    const allowed = ALLOWED[from] ?? [];
    if (!allowed.includes('*') && !allowed.includes(to)) {
      problems.push(`${e.from} → ${e.to}: ${from} may not import ${to}`);
      continue;
    }
    const contract = CONTRACT_ONLY[`${from}→${to}`];
    if (contract && !contract.test(e.to)) problems.push(`${e.from} → ${e.to}: ${from} may use only ${to}'s contract (${contract.source})`);
    const parts = e.to.split('/');
    if (FAMILIES.includes(to) && parts.length > 2 && parts[2] !== 'index.ts' && !['main', 'demo'].includes(from)) {
      problems.push(`${e.from} → ${e.to}: reaches inside the ${parts[1]} adapter (import ${parts[0]}/${parts[1]}/index.ts)`);
    }
  }
  return problems;
}

/** File-level import cycles (type-only imports included: they are still coupling). */
export function cycles(edges: readonly Edge[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const e of edges) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  const found: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'active');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'active') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

test('imports go the way docs/architecture.md says, and nothing reaches inside an adapter', () => {
  const edges = importEdges();
  assert.ok(edges.length > 300, `only ${edges.length} imports found: the scanner is broken`);
  assert.deepEqual(ruleViolations(edges), []);
});

test('no import cycle between files', () => {
  assert.deepEqual(cycles(importEdges()).map((c) => c.join(' → ')), []);
});

test('the checks catch what they are for', () => {
  const wrong = ruleViolations([
    { from: 'repo/repository.ts', to: 'app/jobs.ts', typeOnly: false },
    { from: 'app/jobs.ts', to: 'cli/run.ts', typeOnly: true },
    { from: 'app/jobs.ts', to: 'sources/postgres/source.ts', typeOnly: false },
    { from: 'engine/restorer/restorer.ts', to: 'sources/registry.ts', typeOnly: false },
    { from: 'app/jobs.ts', to: 'sources/postgres/index.ts', typeOnly: false },
  ]);
  assert.equal(wrong.length, 4, wrong.join('\n'));
  assert.deepEqual(cycles([{ from: 'a.ts', to: 'b.ts', typeOnly: false }, { from: 'b.ts', to: 'a.ts', typeOnly: true }]), [['a.ts', 'b.ts', 'a.ts']]);
});

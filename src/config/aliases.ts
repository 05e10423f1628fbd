// YAML anchors and aliases are welcome (shared settings under `x-…` keys), but two uses of them
// are attacks or mistakes, refused with the alias's position before the document is expanded:
// - an alias inside the node it refers to (`a: &a {b: *a}`): a cycle, which would otherwise
//   recurse until the stack or the heap runs out;
// - aliases that expand the document beyond any sane config (the "billion laughs": nine lists
//   of nine aliases to the previous list is already 387 million values).

import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** More values than this after expanding aliases cannot be a real config. */
export const MAX_EXPANDED_NODES = 100_000;

export interface AliasProblem {
  line: number;
  col: number;
  message: string;
}

export function checkAliases(doc: Document, lc: LineCounter): AliasProblem | undefined {
  const at = (node: Node, message: string): AliasProblem => {
    const { line, col } = lc.linePos(node.range?.[0] ?? 0);
    return { line, col, message };
  };
  // Expanded size of each node (memoised), walking through aliases; `onPath` spots cycles.
  const size = new Map<Node, number>();
  const onPath = new Set<Node>();
  let problem: AliasProblem | undefined;
  const measure = (node: unknown): number => {
    if (problem || node === null || typeof node !== 'object') return 1;
    if (isPair(node)) return measure(node.key) + measure(node.value);
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) return 1;
      if (onPath.has(target)) {
        problem = at(node, `alias *${node.source} refers to a node that contains it (a cycle)`);
        return 1;
      }
      return measure(target);
    }
    const n = node as Node;
    const memo = size.get(n);
    if (memo !== undefined) return memo;
    if (isScalar(n)) return 1;
    let total = 1;
    onPath.add(n);
    if (isMap(n) || isSeq(n)) {
      for (const item of n.items) {
        total += measure(item);
        if (total > MAX_EXPANDED_NODES && !problem) problem = at(n, `aliases expand the config to more than ${MAX_EXPANDED_NODES} values (an alias bomb?)`);
        if (problem) break;
      }
    }
    onPath.delete(n);
    size.set(n, total);
    return total;
  };
  measure(doc.contents);
  return problem;
}

// Collects problems during a check. A problem can be tied to "subjects" (a blob, a tree, one
// node of a tree) so a later walk over the snapshots can name which snapshots and paths are
// affected. Only problem subjects are kept, so memory grows with damage, not repository size.

import type { BlobType } from '../../repo/types.ts';
import type { CheckProblem } from './types.ts';

/** Paths kept per problem; a damaged blob shared by thousands of files lists a few of them. */
export const MAX_PATHS_PER_PROBLEM = 20;

export interface Attribution {
  snapshots: Set<string>;
  paths: Set<string>;
  truncated: boolean;
}

export const blobKey = (type: BlobType, id: string): string => `${type}:${id}`;
export const nodeKey = (treeId: string, index: number): string => `node:${treeId}:${index}`;

export class ProblemLog {
  readonly errors: CheckProblem[] = [];
  /** Problems that lose no data but that restic would trip over (e.g. blobs no index file lists). */
  readonly warnings: CheckProblem[] = [];
  readonly hints: string[] = [];
  readonly #bySubject = new Map<string, CheckProblem[]>();
  readonly #warnedSubjects = new Map<string, CheckProblem[]>();
  readonly #attribution = new Map<CheckProblem, Attribution>();

  add(problem: CheckProblem, subjects: Iterable<string> = []): CheckProblem {
    this.errors.push(problem);
    for (const s of subjects) this.tie(problem, s);
    return problem;
  }

  /** A warning; its subjects get snapshots and paths attributed like an error's. */
  warn(problem: CheckProblem, subjects: Iterable<string> = []): CheckProblem {
    this.warnings.push(problem);
    for (const s of subjects) tieTo(this.#warnedSubjects, problem, s);
    return problem;
  }

  tie(problem: CheckProblem, subject: string): void {
    tieTo(this.#bySubject, problem, subject);
  }

  hint(text: string): void {
    this.hints.push(text);
  }

  problemsOf(subject: string): readonly CheckProblem[] | undefined {
    const e = this.#bySubject.get(subject);
    const w = this.#warnedSubjects.get(subject);
    return e && w ? [...e, ...w] : e ?? w;
  }

  /** An error is recorded for this subject. */
  has(subject: string): boolean {
    return this.#bySubject.has(subject);
  }

  /** An error or a warning is recorded for this subject (its snapshots are worth naming). */
  marked(subject: string): boolean {
    return this.#bySubject.has(subject) || this.#warnedSubjects.has(subject);
  }

  /** True when any problem can be attributed to snapshots (so the attribution walk is worth it). */
  get hasSubjects(): boolean {
    return this.#bySubject.size > 0 || this.#warnedSubjects.size > 0;
  }

  #attributionOf(problem: CheckProblem, snapshot: string): Attribution {
    let a = this.#attribution.get(problem);
    if (!a) this.#attribution.set(problem, (a = { snapshots: new Set(), paths: new Set(), truncated: false }));
    a.snapshots.add(snapshot);
    return a;
  }

  /** More paths of this problem exist in the snapshot than were collected. */
  markTruncated(problem: CheckProblem, snapshot: string): void {
    this.#attributionOf(problem, snapshot).truncated = true;
  }

  attribute(problem: CheckProblem, snapshot: string, path: string): void {
    const a = this.#attributionOf(problem, snapshot);
    if (a.paths.has(path)) return;
    if (a.paths.size < MAX_PATHS_PER_PROBLEM) a.paths.add(path);
    else a.truncated = true;
  }

  /** Copies the attributions into the problems, sorted for stable output. */
  finish(): void {
    for (const [p, a] of this.#attribution) {
      p.snapshots = [...a.snapshots].sort();
      p.paths = [...a.paths].sort();
      if (a.truncated) p.pathsTruncated = true;
    }
    // Concurrent reads add problems in any order; sort so reports are stable.
    const rank = (p: CheckProblem) => `${p.kind}\0${p.pack ?? ''}\0${p.blob ?? ''}\0${p.message}`;
    this.errors.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
    this.warnings.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
  }
}

function tieTo(map: Map<string, CheckProblem[]>, problem: CheckProblem, subject: string): void {
  const list = map.get(subject);
  if (!list) map.set(subject, [problem]);
  else if (!list.includes(problem)) list.push(problem);
}

// The pruner: plan (mark used blobs, decide per pack) and execute (crash-safe order).
export { planPrune, maxUnusedBytes, type PlanRepository } from './plan.ts';
export { executePrune, type ExecuteRepository } from './execute.ts';
export { markUsedBlobs, type UsedBlobs } from './mark.ts';
export { parseMaxUnused, parseByteSize, formatMaxUnused } from './max-unused.ts';
export type * from './types.ts';

export { checkRepository } from './checker.ts';
export { parseReadDataSubset, describeSubset, selectPacks } from './subset.ts';
export type {
  CheckableRepository, CheckOptions, CheckPhase, CheckProblem, CheckProblemKind, CheckProgress, CheckReport, CheckStats, ReadDataSubset,
} from './types.ts';

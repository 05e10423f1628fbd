// The storage registry lives in location.ts (location parsing and adapter choice are one
// concern); this name is what the architecture document points at.
export { openStorage, parseLocation } from './location.ts';
export type { OpenStorageOptions, ParsedLocation } from './location.ts';

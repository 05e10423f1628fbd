// The restorer's public API (what app/ and cli/ call).
export { restoreSnapshot } from './restorer.ts';
export type { RestoreOptions, RestoreProgress, RestoreResult, RestoreStats } from './restorer.ts';
export { dumpFile } from './dump.ts';
export type { DumpResult } from './dump.ts';
export { blobStream, findNode, listSnapshot, resolveSnapshot } from './snapshot-walk.ts';
export type { ListedNode, ListOptions, SnapshotRef } from './snapshot-walk.ts';
export { displayName, decodeNodeName, encodeNodeName } from '../fs-meta/node-name.ts';

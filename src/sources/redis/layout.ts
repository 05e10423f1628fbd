// Where a Redis backup sits inside a snapshot: written by the source, read by restore and by
// anyone using `restic dump` without Lifeboat. Light: the descriptor imports it.

export const REDIS_ROOT = 'redis';
/** Where the RDB and the meta JSON sit in the snapshot. */
export const REDIS_RDB_PATH = `${REDIS_ROOT}/dump.rdb`;
export const REDIS_META_PATH = `${REDIS_ROOT}/lifeboat-meta.json`;

// Redis source and restore: the public surface for app/ and the registry.
export { redisSource, REDIS_RDB_PATH, REDIS_META_PATH } from './redis-source.ts';
export type { RedisSourceOptions, RedisMeta } from './redis-source.ts';
export { restoreRedisRdb } from './redis-restore.ts';
export type { RedisRestoreOptions, RedisRestoreResult } from './redis-restore.ts';

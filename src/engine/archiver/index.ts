// The archiver's public API (what app/ and cli/ call).
export { backupPaths } from './archiver.ts';
export { backupStreams } from './stream-archiver.ts';
export type {
  BackupError, BackupOptions, BackupPathsOptions, BackupProgress, BackupResult, BackupStats, BackupStreamsOptions,
} from './types.ts';

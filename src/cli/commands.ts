// The hand-written list of verbs, in the order `lifeboat help` shows them. Each verb's module
// is imported only when that verb runs: a `backup --stdin` need not load the config schema,
// the S3 SDK or the database clients, which keeps start-up fast and memory low.

import type { Command } from './command.ts';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const commands: CommandEntry[] = [
  { name: 'init', summary: 'create a new repository', load: async () => (await import('./verbs/init.ts')).initCommand },
  { name: 'backup', summary: 'back up files, a stream, or the jobs of the config', load: async () => (await import('./verbs/backup.ts')).backupCommand },
  { name: 'snapshots', summary: 'list snapshots', load: async () => (await import('./verbs/snapshots.ts')).snapshotsCommand },
  { name: 'ls', summary: 'list files of a snapshot', load: async () => (await import('./verbs/ls.ts')).lsCommand },
  { name: 'stats', summary: 'sizes of snapshots: restore size, stored data, compression ratio', load: async () => (await import('./verbs/stats.ts')).statsCommand },
  { name: 'diff', summary: 'what changed between two snapshots', load: async () => (await import('./verbs/diff.ts')).diffCommand },
  { name: 'find', summary: 'find files and directories in snapshots', load: async () => (await import('./verbs/find.ts')).findCommand },
  { name: 'tag', summary: 'add, remove or replace the tags of snapshots', load: async () => (await import('./verbs/tag.ts')).tagCommand },
  { name: 'rewrite', summary: 'drop paths from existing snapshots', load: async () => (await import('./verbs/rewrite.ts')).rewriteCommand },
  { name: 'restore', summary: 'restore a snapshot into a directory, or a dump into a database', load: async () => (await import('./verbs/restore.ts')).restoreCommand },
  { name: 'dump', summary: 'write one file of a snapshot to standard output', load: async () => (await import('./verbs/dump.ts')).dumpCommand },
  { name: 'replicate', summary: 'follow SQLite jobs\' WAL and ship it continuously (restore --at any moment)', load: async () => (await import('./verbs/replicate.ts')).replicateCommand },
  { name: 'drill', summary: 'restore a job\'s snapshot into a scratch target, check it, time it, remove it', load: async () => (await import('./verbs/drill.ts')).drillCommand },
  { name: 'standby', summary: 'build a warm PostgreSQL standby from a WAL job\'s archive and start it', load: async () => (await import('./verbs/standby.ts')).standbyCommand },
  { name: 'promote', summary: 'promote a standby built by `lifeboat standby` to a primary', load: async () => (await import('./verbs/promote.ts')).promoteCommand },
  { name: 'check', summary: 'check the repository (and with --read-data, every byte)', load: async () => (await import('./verbs/check.ts')).checkCommand },
  { name: 'repair', summary: 'rebuild the index, or rewrite snapshots that refer to lost data', load: async () => (await import('./verbs/repair.ts')).repairCommand },
  { name: 'forget', summary: 'remove snapshots by a retention policy (and prune)', load: async () => (await import('./verbs/forget.ts')).forgetCommand },
  { name: 'prune', summary: 'remove unused data and reclaim space', load: async () => (await import('./verbs/prune.ts')).pruneCommand },
  { name: 'unlock', summary: 'remove stale locks', load: async () => (await import('./verbs/unlock.ts')).unlockCommand },
  { name: 'copy', summary: 'copy snapshots from another repository', load: async () => (await import('./verbs/copy.ts')).copyCommand },
  { name: 'key', summary: 'manage keys (passwords): list, add, remove, passwd', load: async () => (await import('./verbs/key.ts')).keyCommand },
  { name: 'cat', summary: 'print a repository object (config, snapshot, index, tree, blob…), for debugging', load: async () => (await import('./verbs/cat.ts')).catCommand },
  { name: 'list', summary: 'list IDs of packs, index files, snapshots, keys, locks or blobs', load: async () => (await import('./verbs/list.ts')).listCommand },
  { name: 'wal-push', summary: 'archive one WAL file into a job\'s repositories (PostgreSQL archive_command)', load: async () => (await import('./verbs/wal.ts')).walPushCommand },
  { name: 'wal-fetch', summary: 'fetch one archived WAL file (PostgreSQL restore_command)', load: async () => (await import('./verbs/wal.ts')).walFetchCommand },
  { name: 'wal', summary: 'continuous archiving helpers (wal setup: the postgresql.conf lines)', load: async () => (await import('./verbs/wal.ts')).walCommand },
  { name: 'daemon', summary: 'run the jobs on their schedules; serve the API, metrics and dashboard', load: async () => (await import('./verbs/daemon.ts')).daemonCommand },
  { name: 'run', summary: 'run jobs as the daemon would: backup, retention, prune and check where due', load: async () => (await import('./verbs/run.ts')).runCommand },
  { name: 'status', summary: 'each job\'s last backup against its RPO, each repository\'s state', load: async () => (await import('./verbs/status.ts')).statusCommand },
  { name: 'alerts', summary: 'the alerts firing now (and resolved ones)', load: async () => (await import('./verbs/alerts.ts')).alertsCommand },
  { name: 'report', summary: 'a day\'s, week\'s or month\'s backups: failures, RPO, sizes, growth, cost', load: async () => (await import('./verbs/report.ts')).reportCommand },
  { name: 'notify', summary: 'send a test notification to the configured channels', load: async () => (await import('./verbs/notify.ts')).notifyCommand },
  { name: 'runbook', summary: 'write the disaster-recovery runbook from the config and the live state', load: async () => (await import('./verbs/runbook.ts')).runbookCommand },
  { name: 'config', summary: 'check the config file, print its JSON Schema', load: async () => (await import('./verbs/config.ts')).configCommand },
  { name: 'completion', summary: 'print a shell completion script (bash or zsh)', load: async () => (await import('./verbs/completion.ts')).completionCommand(commands) },
  { name: 'version', summary: 'print the version (Lifeboat, Node.js, repository formats)', load: async () => (await import('./verbs/version.ts')).versionCommand },
];

// The runbook's point-in-time restore and failover procedure for a PostgreSQL job whose WAL is
// archived (pure: shell lines and prose from the job's name and the config file's path).

export function walProcedure(job: string, cfgFlag: string, q: (s: string) => string): string[] {
  const lb = `lifeboat ${cfgFlag}`;
  const j = q(job);
  return [
    'The WAL archive restores this database to any second it covers. A restore to a point in time:', '',
    '```bash',
    `${lb} restore --job ${j} --at 'YYYY-MM-DD HH:MM:SS' --data-dir /var/lib/postgresql/restored --start --port 5433`,
    `${lb} restore --job ${j} --at latest --data-dir /var/lib/postgresql/restored --start --port 5433   # everything archived`,
    '```', '',
    'It replays the archive up to that time (inclusive), promotes, and prints how to connect. Archiving is',
    'off in the restored server. A time after the newest archived commit is refused with an explanation:',
    'use `--at latest`, which loses at most the last `archive_timeout` of commits.', '',
    '**Failover to a standby** (keep one running ahead of time: it is what makes the RTO minutes):', '',
    `1. Build the standby on the machine that will take over: \`${lb} standby --job ${j} --data-dir /var/lib/postgresql/standby --port 5433\`.`,
    '   It replays each WAL segment as the archive receives it (at least every `archive_timeout`).',
    `2. Check its lag: \`${lb} status\` (Standbys: replay lag 0 = it has replayed everything archived),`,
    '   or the metric `lifeboat_standby_replay_lag_seconds`.',
    '3. Stop the old primary, or fence it if it cannot be reached (firewall its port, stop its host): two',
    '   primaries writing is worse than downtime. If it is still up: stop the application\'s writes, run',
    '   `SELECT pg_switch_wal()` so its last commits are archived (a shutdown alone does not archive the',
    '   current segment), wait until `pg_stat_archiver.last_archived_wal` has it, then `pg_ctl stop -m fast`;',
    '   wait for `status` to show the standby caught up (lag 0). Whatever was not archived is lost (at most',
    '   `archive_timeout` of commits when the old primary is gone).',
    `4. Promote: \`${lb} promote --data-dir /var/lib/postgresql/standby\`. It prints the new timeline once it accepts writes.`,
    '5. Repoint the application (connection string, DNS name or virtual IP) to the new primary\'s host and port.',
    '6. Re-enable archiving from the new primary: set `archive_mode = on` and its `archive_command` to',
    `   \`lifeboat wal-push --job NAME %p\`, restart it, then take a base backup (\`${lb} backup --job NAME\`).`,
    '   Either a new job for the new server (cleanest: a history of its own), or this same job pointed at it: the',
    '   new timeline\'s WAL files carry its number, so they sit beside the old ones without clashing.',
    '7. Do not start the old primary again as it is: rebuild it as a standby of the new one.',
  ];
}

// What the programs Lifeboat starts (dump and restore tools, a job's command, hooks) may see of
// its environment. Lifeboat's own secrets stay with Lifeboat: a command source such as
// `backup --stdin-from-command -- env` would otherwise store them in the backup, and a hook
// could leak them anywhere. Removed (unless a job passes one on with `pass_env`):
// - every LIFEBOAT_* and RESTIC_* variable: repository passwords and password files/commands,
//   repository locations (a URL may hold credentials), Lifeboat's settings;
// - the credentials of the cloud stores restic and Lifeboat keep repositories in: AWS
//   (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN,
//   AWS_CONTAINER_AUTHORIZATION_TOKEN), Backblaze B2 (B2_ACCOUNT_ID, B2_ACCOUNT_KEY), Azure
//   (AZURE_ACCOUNT_KEY, AZURE_ACCOUNT_SAS, AZURE_CLIENT_SECRET), Google Cloud
//   (GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_ACCESS_TOKEN), OpenStack Swift (OS_PASSWORD,
//   OS_AUTH_TOKEN, OS_APPLICATION_CREDENTIAL_SECRET, ST_KEY).
// Kept: the database tools' own variables (PGPASSWORD, MYSQL_PWD, REDISCLI_AUTH…), which a
// user sets precisely so that `pg_dump` finds them; for a job with a configured password,
// Lifeboat hands that password over a file descriptor and removes those variables for the tool.
// Password commands (password_command, --password-command) are Lifeboat's own and keep the full
// environment: they may need cloud credentials to fetch the password.

const SCRUBBED_PREFIXES = ['LIFEBOAT_', 'RESTIC_'];
export const SCRUBBED_NAMES: ReadonlySet<string> = new Set([
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'B2_ACCOUNT_ID', 'B2_ACCOUNT_KEY',
  'AZURE_ACCOUNT_KEY', 'AZURE_ACCOUNT_SAS', 'AZURE_CLIENT_SECRET',
  'GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_ACCESS_TOKEN',
  'OS_PASSWORD', 'OS_AUTH_TOKEN', 'OS_APPLICATION_CREDENTIAL_SECRET', 'ST_KEY',
]);

export function isScrubbed(name: string): boolean {
  return SCRUBBED_NAMES.has(name) || SCRUBBED_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * A child's environment: `base` (default: this process's) without the scrubbed variables, then
 * `overlay` on top (`undefined` removes a variable). The overlay is where a job's `env` and
 * `pass_env`, and a tool's own settings, come in.
 */
export function childEnvironment(overlay: Record<string, string | undefined> = {}, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !isScrubbed(k)) out[k] = v;
  for (const [k, v] of Object.entries(overlay)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** A job's additions: `pass_env` names taken from `base` (even scrubbed ones), then `env`. */
export function jobEnvOverlay(job: { env?: Record<string, string>; passEnv?: string[] }, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of job.passEnv ?? []) {
    const v = base[name];
    if (v !== undefined) out[name] = v;
  }
  return { ...out, ...job.env };
}

// The runbook's shell lines: how to reach a repository with restic, and how each engine's data
// comes back with restic and the database's own tools, without Lifeboat. Credentials appear as
// where they come from — a file read with cat, a variable, the repository's command, or a
// prompt for a value written in the config — never as values. Pure: the same config gives the
// same text, so the daemon's copy changes only when something real does.

import type { JobConfig, LoadedConfig, RepositoryConfig, SecretOrigin } from '../../config/types.ts';
import { loadRestorerSync } from './layout.ts';

/** A word for POSIX sh: single-quoted unless it is plainly safe. */
export function q(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `export VAR=…` for a secret from `origin`, described by `what` for the prompt of an inline one. */
export function exportSecret(variable: string, origin: SecretOrigin | undefined, what: string): string {
  if (!origin) return `# ${variable}: not needed (no password in the config)`;
  switch (origin.kind) {
    case 'file': return `export ${variable}="$(cat ${q(origin.file)})"`;
    case 'env': return origin.variables.length === 1 && origin.variables[0]
      ? `export ${variable}="$${origin.variables[0]}"   # Lifeboat's environment variable ${origin.variables[0]}`
      : `export ${variable}="…"   # built from the variables ${origin.variables.join(', ')} of Lifeboat's environment`;
    case 'inline': return `read -rs -p ${q(`${what} (written in the config file): `)} ${variable} && export ${variable} && echo`;
  }
}

/** Where a secret comes from, in words. */
export function describeOrigin(origin: SecretOrigin | undefined, config: LoadedConfig, key: string): string {
  if (!origin) return 'none set';
  switch (origin.kind) {
    case 'file': return `the file ${origin.file}`;
    case 'env': return `the environment variable${origin.variables.length > 1 ? 's' : ''} ${origin.variables.join(', ')} of Lifeboat's process`;
    case 'inline': return `written in ${config.file} at ${key}`;
  }
}

/** restic's environment for a repository: location, password (its origin), S3 credentials. */
export function resticEnv(config: LoadedConfig, repo: RepositoryConfig): string[] {
  const key = `repositories.${repo.name}`;
  const lines = [`export RESTIC_REPOSITORY=${q(repo.location)}`];
  const origin = config.secretOrigins[`${key}.password`];
  if (repo.password.kind === 'command') {
    // restic splits the command into words itself (quotes group), as Lifeboat's --password-command does.
    const words = repo.password.argv.map((w) => (/[\s"']/.test(w) ? `"${w.replace(/(["\\])/g, '\\$1')}"` : w)).join(' ');
    lines.push(`export RESTIC_PASSWORD_COMMAND=${q(words)}`);
  } else if (origin?.kind === 'file') {
    lines.push(`export RESTIC_PASSWORD_FILE=${q(origin.file)}`);
  } else {
    lines.push(exportSecret('RESTIC_PASSWORD', origin, `password of repository ${repo.name}`));
  }
  const s3 = repo.s3;
  if (s3?.accessKeyId) {
    lines.push(`export AWS_ACCESS_KEY_ID=${q(s3.accessKeyId)}`);
    lines.push(exportSecret('AWS_SECRET_ACCESS_KEY', config.secretOrigins[`${key}.s3.secret_access_key`], `S3 secret key of repository ${repo.name}`));
  } else if (repo.location.startsWith('s3:')) {
    lines.push('# S3 credentials: the standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role)');
  }
  if (s3?.region) lines.push(`export AWS_DEFAULT_REGION=${q(s3.region)}`);
  return lines;
}

/** restic's options for a repository (path-style S3 addressing). */
export function resticOptions(repo: RepositoryConfig): string {
  return repo.s3?.pathStyle ? ' -o s3.bucket-lookup=path' : '';
}

/** The job's data back with restic and the engine's tools; `databases`: the dumps to restore. */
export function restoreWithoutLifeboat(config: LoadedConfig, job: JobConfig, repo: RepositoryConfig, databases: readonly string[]): string[] {
  const src = job.source;
  const dump = (path: string) => `restic${resticOptions(repo)} dump --tag ${q(`job=${job.name}`)} latest ${q(path)}`;
  const lines = [`# repository ${repo.name}`, ...resticEnv(config, repo), ''];
  const secret = config.secretOrigins[`jobs.${job.name}.source.password`];
  const layout = loadRestorerSync(src);
  switch (src.type) {
    case 'postgres': {
      lines.push(`export PGHOST=${q(src.host)} PGPORT=${src.port} PGUSER=${q(src.user)}`);
      lines.push(secret ? exportSecret('PGPASSWORD', secret, `password of ${src.user} on ${src.host}`) : '# no password in the config (trust, peer or ~/.pgpass)');
      if (src.globals) lines.push(`# on a new server, roles and tablespaces first: ${dump(`/${layout!.root}/globals.sql`)} | psql -d postgres`);
      for (const db of databases) {
        lines.push(`# database ${db} (if it still exists: dropdb ${q(db)}, or restore into another name; roles missing: add --no-owner)`);
        lines.push(`createdb ${q(db)}`);
        lines.push(`${dump(`/${layout!.dumpPath(db)}`)} | pg_restore --single-transaction -d ${q(db)}`);
      }
      break;
    }
    case 'mysql': {
      lines.push(secret ? exportSecret('MYSQL_PWD', secret, `password of ${src.user} on ${src.host}`) : '# no password in the config');
      const client = `mariadb -h ${q(src.host)} -P ${src.port} -u ${q(src.user)} --protocol=TCP`;
      for (const db of databases) {
        lines.push(`# database ${db}; the dump replaces its tables`);
        lines.push(`${client} -e ${q(`CREATE DATABASE IF NOT EXISTS \`${db.replace(/`/g, '``')}\``)}`);
        lines.push(`${dump(`/${layout!.dumpPath(db)}`)} | ${client} ${q(db)}`);
      }
      break;
    }
    case 'sqlite': {
      const name = src.path.split('/').at(-1)!;
      lines.push('# stop the application using the database first');
      lines.push(`${dump(`/${layout!.dumpPath(name)}`)} > ${q(`${src.path}.restored`)}`);
      lines.push(`rm -f ${q(`${src.path}-wal`)} ${q(`${src.path}-shm`)} ${q(`${src.path}-journal`)}`);
      lines.push(`mv ${q(`${src.path}.restored`)} ${q(src.path)}`);
      break;
    }
    case 'redis': {
      const dir = src.rdbPath ? src.rdbPath.replace(/\/[^/]*$/, '') : undefined;
      lines.push('# stop redis-server first (it writes its own dump.rdb on shutdown); its dir: redis-cli CONFIG GET dir');
      lines.push(`${dump(`/${layout!.dumpPath('dump.rdb')}`)} > ${dir ? q(`${dir}/dump.rdb`) : '/var/lib/redis/dump.rdb   # the server\'s dir'}`);
      lines.push('# with appendonly yes, start it once with appendonly no (it would load the AOF instead)');
      break;
    }
    case 'files':
      lines.push('# back in place (--target /), or somewhere to look first (--target /tmp/restore)');
      lines.push(`restic${resticOptions(repo)} restore latest --tag ${q(`job=${job.name}`)} --target /`);
      break;
    case 'command':
      lines.push(`${dump(`/${src.filename}`)} > ${q(src.filename)}`);
      break;
  }
  return lines;
}

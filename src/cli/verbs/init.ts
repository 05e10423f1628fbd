import type { Command } from '../command.ts';
import { accessFromContext } from '../access.ts';
import { initRepositoryAt } from '../../app/init.ts';
import { UsageError } from '../../errors.ts';
import { sourceAccess } from './copy.ts';
import { REPOSITORY_CHOICE_OPTIONS } from '../repo-choice.ts';
import { initFromConfig } from './init-config.ts';
import { readNewPassword } from '../prompt.ts';

export const initCommand: Command = {
  name: 'init',
  summary: 'create a new repository',
  usage: [
    'Usage: lifeboat init [--repository-version 1|2] [--copy-chunker-params --from-repo LOCATION]',
    '',
    'Creates a repository in restic\'s format at --repo. --copy-chunker-params takes the chunker',
    'parameters of --from-repo (password: --from-password-file / --from-password-command /',
    'LIFEBOAT_FROM_PASSWORD), so data copied from there deduplicates with later backups.',
    '',
    'From the config: --repository NAME creates that repository, --job NAME the job\'s repositories,',
    '--all every repository of the config; those that exist already are left as they are.',
  ].join('\n'),
  options: {
    'repository-version': { type: 'string' },
    'copy-chunker-params': { type: 'boolean' },
    'from-repo': { type: 'string' },
    'from-password-file': { type: 'string' },
    'from-password-command': { type: 'string' },
    ...REPOSITORY_CHOICE_OPTIONS,
    all: { type: 'boolean' },
  },
  async run(ctx, { values }) {
    const version = values['repository-version'] === undefined ? 2 : Number(values['repository-version']);
    if (version !== 1 && version !== 2) throw new UsageError('--repository-version must be 1 or 2');
    if (values.all || values.job !== undefined || values.repository !== undefined) return initFromConfig(ctx, values, version);
    let access = accessFromContext(ctx);
    // A new repository's password is asked twice (restic's rule).
    if (access.password.kind === 'prompt') access = { ...access, password: { kind: 'prompt', ask: (signal) => readNewPassword(ctx.io, 'new repository', signal) } };
    if (values['from-repo'] !== undefined && !values['copy-chunker-params']) throw new UsageError('--from-repo needs --copy-chunker-params');
    const from = values['copy-chunker-params'] ? sourceAccess(values, ctx.io.env, access) : undefined;
    const result = await initRepositoryAt(access, version, ctx.signal, from ? { copyChunkerParamsFrom: from } : {});
    ctx.say(`created lifeboat repository ${result.id.slice(0, 10)} at ${result.location}`);
    ctx.say('Please note that knowledge of your password is required to access the repository. Losing it means the data is irrecoverably lost.');
    ctx.json({ message_type: 'initialized', id: result.id, repository: result.location, version });
  },
};

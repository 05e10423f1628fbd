// `init --all | --job NAME | --repository NAME`: the config's repositories, created where missing.

import type { CommandContext } from '../command.ts';
import { loadConfigFor } from '../job-access.ts';
import { initConfigRepositories } from '../../app/init-config.ts';
import { requireJob } from '../../app/config-access.ts';
import { exitCodeFor, UsageError } from '../../errors.ts';
import { count } from '../progress.ts';

export async function initFromConfig(ctx: CommandContext, values: Record<string, unknown>, version: 1 | 2): Promise<number> {
  const chosen = [values.all ? '--all' : '', values.job !== undefined ? '--job' : '', values.repository !== undefined ? '--repository' : ''].filter(Boolean);
  if (chosen.length > 1) throw new UsageError(`init: ${chosen.join(' and ')} exclude each other`);
  if (ctx.global.repo !== undefined || values['copy-chunker-params']) throw new UsageError('init: --repo and --copy-chunker-params do not go with --all/--job/--repository');
  const config = await loadConfigFor(ctx);
  const names = values.all ? config.repositories.map((r) => r.name)
    : values.job !== undefined ? requireJob(config, values.job as string).repositories
    : [values.repository as string];
  if (names.length === 0) throw new UsageError(`init --all: ${config.file} defines no repositories`);
  const out = await initConfigRepositories(config, names, version, ctx.signal);
  for (const o of out) {
    if (o.status === 'created') ctx.say(`repository ${o.name}: created lifeboat repository ${o.id.slice(0, 10)} at ${o.location}`);
    else if (o.status === 'exists') ctx.say(`repository ${o.name}: exists already at ${o.location}; left as it is`);
    else ctx.io.stderr.write(`lifeboat: repository ${o.name}: cannot create at ${o.location}: ${o.error instanceof Error ? o.error.message : String(o.error)}\n`);
  }
  const created = out.filter((o) => o.status === 'created').length;
  if (created > 0) ctx.say('Please note that knowledge of your password is required to access the repository. Losing it means the data is irrecoverably lost.');
  ctx.say(`${count(created, 'repository', 'repositories')} created, ${out.filter((o) => o.status === 'exists').length} existed already`);
  ctx.json({ message_type: 'initialized', repositories: out.map((o) => ({ name: o.name, location: o.location, status: o.status,
    ...(o.status === 'created' ? { id: o.id } : {}), ...(o.status === 'failed' ? { message: o.error instanceof Error ? o.error.message : String(o.error) } : {}) })) });
  const failed = out.filter((o) => o.status === 'failed');
  if (failed.length === 0) return 0;
  // As for jobs: one failure's own exit code, several 1.
  const codes = new Set(failed.map((f) => exitCodeFor((f as { error: unknown }).error)));
  return codes.size === 1 ? [...codes][0]! : 1;
}

import { count } from '../progress.ts';
import type { Command } from '../command.ts';
import { checkConfigFile, configFileFrom, configSchemaText } from '../../app/config-file.ts';
import { UsageError } from '../../errors.ts';

export const configCommand: Command = {
  name: 'config',
  summary: 'check the configuration file, or print its JSON Schema',
  usage: [
    'Usage: lifeboat [--config FILE] config check',
    '       lifeboat config schema',
    '       lifeboat config generate [--postgres URL] [--path DIR]… [--repository LOCATION] [--output FILE]',
    '',
    'check   validate the file (default ./lifeboat.yaml, or LIFEBOAT_CONFIG): every problem is',
    '        printed with its line and path (e.g. jobs.orders-db.source.port: expected a number);',
    '        exit 1 if there is any. Password commands are not run.',
    'schema  print the JSON Schema of the file, for editors (yaml-language-server, VS Code).',
    'generate  print a commented starter config (or write it to --output FILE, never over an existing',
    '        file), with a job for --postgres URL (its password is not copied) and one for --path DIRs.',
  ].join('\n'),
  options: { postgres: { type: 'string' }, path: { type: 'string', multiple: true }, repository: { type: 'string' }, output: { type: 'string', short: 'o' } },
  async run(ctx, { values, positionals }) {
    const [sub, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`config ${sub}: takes no arguments`);
    switch (sub) {
      case 'check': {
        const file = configFileFrom(ctx.global.config, ctx.io.env);
        const s = await checkConfigFile(file, ctx.io.env);
        ctx.json({
          message_type: 'config_ok', file: s.file, repositories: s.repositories,
          jobs: s.jobs.map(({ nextRun, ...j }) => ({ ...j, ...(nextRun ? { next_run: nextRun } : {}) })),
        });
        ctx.say(`${file}: ok (${count(s.repositories.length, 'repository', 'repositories')}, ${count(s.jobs.length, 'job')})`);
        for (const j of s.jobs) ctx.say(`  job ${j.name}: ${j.type} → ${j.repositories.join(', ')}${j.schedule ? ` (${j.schedule}${j.nextRun ? `, next ${j.nextRun}` : ''})` : ''}`);
        return 0;
      }
      case 'generate': {
        const { writeStarterConfig } = await import('./config-generate.ts');
        return writeStarterConfig(ctx, values);
      }
      case 'schema':
        // The schema itself is the output, with or without --json.
        ctx.io.stdout.write(configSchemaText());
        return 0;
      default:
        throw new UsageError(sub ? `config: unknown sub-command "${sub}"` : 'config: give a sub-command: check, schema or generate',
          { hint: 'lifeboat config check | lifeboat config schema | lifeboat config generate' });
    }
  },
};

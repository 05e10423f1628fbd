// `config generate`: the starter config on stdout, or in a new file (never over an existing one).

import { writeFile } from 'node:fs/promises';
import type { CommandContext } from '../command.ts';
import { stringList } from '../access.ts';
import { configTemplate } from '../../app/config-template.ts';
import { UsageError } from '../../errors.ts';

export async function writeStarterConfig(ctx: CommandContext, values: Record<string, unknown>): Promise<number> {
  const text = configTemplate({
    ...(values.postgres !== undefined ? { postgres: values.postgres as string } : {}),
    paths: stringList(values.path),
    ...(values.repository !== undefined ? { repository: values.repository as string } : {}),
  });
  const output = values.output as string | undefined;
  if (output === undefined) {
    ctx.io.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(output, text, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`config generate: ${output} exists already; left as it is`, { hint: 'choose another --output, or remove the file first' });
    throw err;
  }
  ctx.say(`wrote ${output}; next: create the password file it names, then lifeboat --config ${output} config check`);
  return 0;
}

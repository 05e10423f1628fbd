// The command engine's descriptor: any program's stdout, stored as one file of the snapshot
// (`slapcat`, a custom export script). Restored as files; `restic dump` gives the bytes back.

import { z } from 'zod';
import { argv, section } from '../../config/fields.ts';
import { defineSource, lazySource } from '../descriptor.ts';

const schema = section({
  type: z.literal('command'),
  command: argv.describe('Program whose stdout is stored (argv list, no shell).'),
  filename: z
    .string()
    .regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\0]+$/, { error: 'expected a relative file name without . or .. segments' })
    .describe('Name of the stored file inside the snapshot.'),
});

export type CommandSourceConfig = z.output<typeof schema>;

export const command = defineSource({
  type: 'command',
  schema,
  pathFields: { command: 'argv' },
  backup: {
    kind: 'stream',
    createSource: (cfg, ctx) => lazySource('command', async () => {
      const { commandStream } = await import('./command-stream.ts');
      return {
        kind: 'command',
        async *entries(signal: AbortSignal) {
          // Spawned here, not at creation: the job's before hook must run first.
          yield commandStream(cfg.command, { path: cfg.filename, signal: ctx.signal ? AbortSignal.any([signal, ctx.signal]) : signal, ...(ctx.env ? { env: ctx.env } : {}) });
        },
        tags: () => ['engine=command'],
      };
    }),
  },
});

// `backup --stdin` and `--stdin-from-command` use the engine's streams directly.
export { commandStream, stdinStream } from './command-stream.ts';

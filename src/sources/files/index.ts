// The files engine's descriptor: directories and files walked by the archiver (app/ hands the
// paths to backupPaths), restored as files with `restore --target DIR`.

import { z } from 'zod';
import { nonEmpty, section } from '../../config/fields.ts';
import { defineSource } from '../descriptor.ts';

const schema = section({
  type: z.literal('files'),
  paths: z.array(nonEmpty).min(1, { error: 'must list at least one path' }),
  exclude: z.array(nonEmpty).default([]).describe('Glob patterns to skip.'),
});

export type FilesSourceConfig = z.output<typeof schema>;

export const files = defineSource({
  type: 'files',
  schema,
  pathFields: { paths: 'paths' },
  backup: { kind: 'paths' },
});

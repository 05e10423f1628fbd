// The files engine's descriptor: directories and files walked by the archiver (app/ hands the
// paths to backupPaths), restored as files with `restore --target DIR`. The selection options
// are restic's backup flags, spelled as in YAML (`exclude_caches: true`).

import { z } from 'zod';
import { nonEmpty, section } from '../../config/fields.ts';
import { defineSource } from '../descriptor.ts';

const size = z.union([z.number().int().min(0), z.string().regex(/^\d+[bkmgtBKMGT]?$/, { error: 'must be a size such as 500k, 20M or 2G' })]);

const schema = section({
  type: z.literal('files'),
  paths: z.array(nonEmpty).default([]).describe('Files and directories to back up (with files_from, or alone).'),
  files_from: z.array(nonEmpty).default([]).describe('Files listing further paths to back up, one a line (# comments), as restic --files-from.'),
  exclude: z.array(nonEmpty).default([]).describe('Glob patterns to skip (restic --exclude).'),
  iexclude: z.array(nonEmpty).default([]).describe('Glob patterns to skip, ignoring case (restic --iexclude).'),
  exclude_file: z.array(nonEmpty).default([]).describe('Files of exclude patterns, one a line (restic --exclude-file).'),
  exclude_if_present: z.array(nonEmpty).default([]).describe('Skip the content of directories holding a file of this name (NAME or NAME:HEADER).'),
  exclude_caches: z.boolean().default(false).describe('Skip the content of directories holding a valid CACHEDIR.TAG.'),
  exclude_larger_than: size.optional().describe('Skip files larger than this (bytes, or 500k, 20M, 2G).'),
  one_file_system: z.boolean().default(false).describe('Stay on the file systems of the paths (mount points are kept, empty).'),
}).refine((c) => c.paths.length > 0 || c.filesFrom.length > 0, { error: 'must list at least one path (paths, or files_from)', path: ['paths'] });

export type FilesSourceConfig = z.output<typeof schema>;

export const files = defineSource({
  type: 'files',
  schema,
  pathFields: { paths: 'paths', files_from: 'paths', exclude_file: 'paths' },
  backup: { kind: 'paths' },
});

// restic's pattern files (--exclude-file, --iexclude-file, --files-from): one entry a line,
// blank lines and lines starting with # skipped, surrounding white space trimmed, and
// `$VAR`/`${VAR}` expanded from the environment as restic does for exclude files.

import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.ts';

export async function readPatternFiles(
  files: readonly string[], opts: { expandEnv?: boolean; env?: NodeJS.ProcessEnv; stdin?: AsyncIterable<unknown> } = {},
): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = file === '-' && opts.stdin ? await readAll(opts.stdin) : await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      out.push(opts.expandEnv === false ? line : expand(line, opts.env ?? process.env));
    }
  }
  return out;
}

function expand(line: string, env: NodeJS.ProcessEnv): string {
  return line.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? '');
}

async function readAll(input: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

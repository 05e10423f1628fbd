// The dashboard's static files: our stylesheet and ES modules from ./static, and uPlot's ES
// module and stylesheet straight from node_modules (no bundler, no build step). All are read
// once when the server starts, served by name only (no path from the request touches the file
// system), with an ETag so browsers revalidate cheaply. The single executable has no folder to
// read: its build embeds the same files (node:sea assets), read from there instead.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sea from 'node:sea';
import type { Context } from 'hono';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export type Assets = ReadonlyMap<string, Asset>;

/** The SEA build (scripts/package-sea.ts) embeds the files under these keys: no folder to read there. */
export const SEA_ASSET_INDEX = 'dashboard/index.json';
export const seaAssetKey = (name: string) => `dashboard/${name}`;

function embeddedFiles(): Map<string, () => Buffer> | undefined {
  if (!sea.isSea()) return undefined;
  const names = JSON.parse(sea.getAsset(SEA_ASSET_INDEX, 'utf8')) as string[];
  return new Map(names.map((n) => [n, () => Buffer.from(sea.getAsset(seaAssetKey(n)))]));
}

/** Name → path of every file the dashboard serves (for loadAssets, and for the SEA build). */
export function assetFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const dir = fileURLToPath(new URL('./static/', import.meta.url));
  for (const name of readdirSync(dir)) files.set(name, join(dir, name));
  const require = createRequire(import.meta.url);
  files.set('uplot.esm.js', require.resolve('uplot/dist/uPlot.esm.js'));
  files.set('uplot.min.css', require.resolve('uplot/dist/uPlot.min.css'));
  return files;
}

export function loadAssets(): Assets {
  const embedded = embeddedFiles();
  const read = embedded ?? new Map([...assetFiles()].map(([name, path]) => [name, () => readFileSync(path)]));
  const out = new Map<string, Asset>();
  for (const [name, load] of read) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = load();
    out.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return out;
}

export function serveAsset(c: Context, assets: Assets, name: string): Response {
  const a = assets.get(name);
  if (!a) return c.text('no such file', 404);
  const headers = { 'Content-Type': a.type, ETag: a.etag, 'Cache-Control': 'no-cache' };
  if (c.req.header('if-none-match') === a.etag) return c.body(null, 304, headers);
  return c.body(new Uint8Array(a.body), 200, headers);
}

// `npm run package`: Lifeboat as one executable file for linux-x64 (Node's single executable
// applications): the sources bundled by esbuild into one CommonJS script, injected with
// postject into a copy of the Node 24 binary of node_modules/node. The result runs where no
// Node is installed, from any folder.
//
// What a bundle cannot find on disk is embedded: the crypto pool's worker thread (bundled
// apart and started from its source text), the version (package.json is not beside it) and the
// dashboard's static files (node:sea assets, which the dashboard reads when it runs in one).

import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { assetFiles, SEA_ASSET_INDEX, seaAssetKey } from '../src/server/dashboard/assets.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'dist-sea');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`package: builds for linux-x64, not ${process.platform}-${process.arch}`);
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

const common = {
  bundle: true, platform: 'node', format: 'cjs', target: 'node24', minify: true, legalComments: 'none',
  // pg's optional native binding is never used; mysql2 and the AWS SDK bundle cleanly.
  external: ['pg-native'],
  define: { 'import.meta.url': '__lifeboat_meta_url', 'import.meta.dirname': '__dirname', __LIFEBOAT_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
} as const;
const metaUrl = "var __lifeboat_meta_url = require('node:url').pathToFileURL(__filename).href;";

// CommonJS has no top-level await, and src/repo/crypto.ts waits for libsodium's WebAssembly at its
// top: that wait moves into the entry points below, which load the program once libsodium is ready.
const sodiumReady: Plugin = {
  name: 'sodium-ready-in-entry',
  setup(b) {
    b.onLoad({ filter: /src[\\/]repo[\\/]crypto\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!/^await sodium\.ready;$/m.test(text)) throw new Error(`${args.path}: expected its top-level "await sodium.ready;"`);
      return { contents: text.replace(/^await sodium\.ready;$/m, ''), loader: 'ts' };
    });
  },
};
const entry = (module: string) => ({
  contents: `import sodium from 'libsodium-wrappers-sumo';\nvoid sodium.ready.then(() => import(${JSON.stringify(module)}));\n`,
  resolveDir: ROOT, sourcefile: 'sea-entry.ts', loader: 'ts' as const,
});

// 1. The worker thread, as source text.
const worker = await build({ ...common, stdin: entry('./src/repo/crypto-pool-thread.ts'), write: false, banner: { js: metaUrl }, plugins: [sodiumReady] });
const workers = { 'crypto-pool-thread': worker.outputFiles[0]!.text };

// 2. The program. Its prelude makes `new Worker(<url of crypto-pool-thread.js>)` start the embedded source.
const prelude = `${metaUrl}
(() => {
  const wt = require('node:worker_threads');
  const embedded = ${JSON.stringify(workers)};
  const Original = wt.Worker;
  wt.Worker = class extends Original {
    constructor(file, options) {
      const name = /([\\w-]+)\\.[jt]s$/.exec(String(file))?.[1];
      if (name && embedded[name] !== undefined) super(embedded[name], { ...options, eval: true });
      else super(file, options);
    }
  };
})();`;
const main = join(OUT, 'lifeboat.cjs');
await build({ ...common, stdin: entry('./src/main.ts'), outfile: main, banner: { js: prelude }, plugins: [sodiumReady] });

// 3. The blob (program and dashboard files), and the executable: a copy of Node 24 with the blob injected.
const files = assetFiles();
const index = join(OUT, 'dashboard-index.json');
writeFileSync(index, JSON.stringify([...files.keys()]));
const assets = { [SEA_ASSET_INDEX]: index, ...Object.fromEntries([...files].map(([name, path]) => [seaAssetKey(name), path])) };
const config = join(OUT, 'sea-config.json');
writeFileSync(config, JSON.stringify({ main, output: join(OUT, 'sea-prep.blob'), disableExperimentalSEAWarning: true, useCodeCache: false, assets }));
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'pipe' });
const node = realpathSync(join(ROOT, 'node_modules/node/bin/node'));
const exe = join(OUT, 'lifeboat');
copyFileSync(node, exe);
chmodSync(exe, 0o755);
// The node package's binary carries ~20 MB of debug symbols nobody running Lifeboat needs.
try {
  execFileSync('strip', [exe], { stdio: 'ignore' });
} catch {
  // no binutils here: a larger file that works the same
}
// postject's warnings about unnamed ELF note sections are harmless: not shown.
execFileSync(process.execPath, [join(ROOT, 'node_modules/postject/dist/cli.js'), exe, 'NODE_SEA_BLOB', join(OUT, 'sea-prep.blob'), '--sentinel-fuse', FUSE], { stdio: 'pipe' });
for (const f of [config, index, join(OUT, 'sea-prep.blob')]) rmSync(f);
process.stdout.write(`built ${exe} (lifeboat ${version}, Node ${process.version}, linux-x64)\n`);

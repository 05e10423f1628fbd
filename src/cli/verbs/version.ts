import type { Command } from '../command.ts';
import { VERSION } from '../../version.ts';

/** The repository format versions this build reads and writes (restic's `config` version field). */
export const REPOSITORY_VERSIONS = [1, 2] as const;

export const versionCommand: Command = {
  name: 'version',
  summary: 'print the version of Lifeboat, of Node, and the repository formats it handles',
  usage: 'Usage: lifeboat version   (or lifeboat --version)\n\nPrints Lifeboat\'s version, the Node.js it runs on, the platform and the restic repository\nformat versions it reads and writes (new repositories: version 2, readable by restic ≥ 0.14).',
  options: {},
  async run(ctx) {
    const text = `lifeboat ${VERSION} (Node.js ${process.version}, ${process.platform}/${process.arch}; restic repository format versions ${REPOSITORY_VERSIONS.join(' and ')}, new repositories version 2)`;
    ctx.json({ message_type: 'version', version: VERSION, node_version: process.version.replace(/^v/, ''), os: process.platform, arch: process.arch, repository_versions: REPOSITORY_VERSIONS, default_repository_version: 2 });
    // The answer even with --quiet.
    ctx.out(text);
  },
};

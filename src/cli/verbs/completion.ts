// `lifeboat completion bash|zsh`: a completion script generated from the verbs and their flags,
// so it never falls behind the commands. Global flags complete everywhere; a flag's value and
// plain arguments complete as file names.

import type { Command, OptionSpec } from '../command.ts';
import { UsageError } from '../../errors.ts';
import { GLOBAL_OPTIONS } from '../global-options.ts';

interface Entry { name: string; summary: string; load(): Promise<Command> }

function flagsOf(options: OptionSpec): string[] {
  return Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
}

function valueFlags(options: OptionSpec): string[] {
  return Object.entries(options).filter(([, o]) => o.type === 'string').flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
}

async function bash(entries: readonly Entry[]): Promise<string> {
  const cases: string[] = [];
  for (const e of entries) {
    const c = await e.load();
    cases.push(`    ${e.name}) flags="${flagsOf(c.options).join(' ')}" ;;`);
  }
  const subs: Record<string, string> = { config: 'check schema generate', key: 'list add remove passwd', repair: 'index snapshots',
    cat: 'config snapshot index tree blob key lock', list: 'packs index snapshots keys locks blobs', completion: 'bash zsh', help: entries.map((e) => e.name).join(' ') };
  return `# bash completion for lifeboat (lifeboat completion bash > /etc/bash_completion.d/lifeboat)
_lifeboat() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" verb="" i flags=""
  local global="${flagsOf(GLOBAL_OPTIONS).join(' ')}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${valueFlags(GLOBAL_OPTIONS).join('|')}) ((i++)) ;;
      -*) ;;
      *) verb="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$verb" ]]; then
    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$global --version" -- "$cur")); else COMPREPLY=($(compgen -W "${[...entries.map((e) => e.name), 'help'].join(' ')}" -- "$cur")); fi
    return
  fi
  case "$verb" in
${cases.join('\n')}
  esac
  case "$verb $((COMP_CWORD - i))" in
${Object.entries(subs).map(([v, words]) => `    "${v} 1") [[ "$cur" != -* ]] && { COMPREPLY=($(compgen -W "${words}" -- "$cur")); return; } ;;`).join('\n')}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$flags $global" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -o default -o bashdefault -F _lifeboat lifeboat
`;
}

async function zsh(entries: readonly Entry[]): Promise<string> {
  const q = (s: string) => s.replace(/'/g, `'\\''`).replace(/:/g, '\\:');
  const cases: string[] = [];
  for (const e of entries) {
    const c = await e.load();
    cases.push(`    ${e.name}) flags=(${flagsOf(c.options).join(' ')}) ;;`);
  }
  return `#compdef lifeboat
# zsh completion for lifeboat: lifeboat completion zsh > "\${fpath[1]}/_lifeboat" (or source it)
_lifeboat() {
  local -a verbs flags global
  verbs=(
${entries.map((e) => `    '${e.name}:${q(e.summary)}'`).join('\n')}
    'help:show the usage of a command'
  )
  global=(${flagsOf(GLOBAL_OPTIONS).join(' ')})
  local i verb=""
  for (( i = 2; i < CURRENT; i++ )); do
    case "\${words[i]}" in
      ${valueFlags(GLOBAL_OPTIONS).join('|')}) (( i++ )) ;;
      -*) ;;
      *) verb="\${words[i]}"; break ;;
    esac
  done
  if [[ -z "$verb" ]]; then
    if [[ "$PREFIX" == -* ]]; then compadd -- $global --version; else _describe 'command' verbs; fi
    return
  fi
  case "$verb" in
${cases.join('\n')}
  esac
  if [[ "$PREFIX" == -* ]]; then compadd -- $flags $global; else _files; fi
}
if [[ "\${funcstack[1]}" == _lifeboat ]]; then _lifeboat "$@"; else compdef _lifeboat lifeboat; fi
`;
}

export function completionCommand(entries: readonly Entry[]): Command {
  return {
    name: 'completion',
    summary: 'print a shell completion script (bash or zsh)',
    usage: [
      'Usage: lifeboat completion bash|zsh',
      '',
      'bash:  lifeboat completion bash > /etc/bash_completion.d/lifeboat   (or: source <(lifeboat completion bash))',
      'zsh:   lifeboat completion zsh > "${fpath[1]}/_lifeboat"            (or: source <(lifeboat completion zsh))',
    ].join('\n'),
    options: {},
    async run(ctx, { positionals }) {
      const [shell, extra] = positionals;
      if ((shell !== 'bash' && shell !== 'zsh') || extra !== undefined) throw new UsageError('completion: give a shell: bash or zsh');
      ctx.io.stdout.write(shell === 'bash' ? await bash(entries) : await zsh(entries));
    },
  };
}

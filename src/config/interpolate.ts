// `${VAR}` interpolation from the environment, applied to string values in the parsed YAML
// document (never to keys). `${VAR:-default}` falls back when VAR is unset or empty; `$${`
// writes a literal `${`. Interpolating the document (not the text) keeps YAML quoting intact:
// a value with quotes or colons cannot break the file's structure.

import { isMap, isScalar, isSeq, Scalar, type Document } from 'yaml';
import type { ConfigPath } from './locate.ts';

export interface PathIssue {
  path: ConfigPath;
  message: string;
}

export interface InterpolationResult {
  issues: PathIssue[];
  /**
   * Paths of unquoted values that were interpolated. Such a value may stand for a number or a
   * boolean (`port: ${PG_PORT}`); the loader converts it when the schema expects one.
   */
  plainInterpolated: Set<string>;
  /** The variables each interpolated value read, by JSON path: where a secret came from (runbook). */
  variables: Map<string, string[]>;
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Substitutes one string; problems are returned as messages (they never include values). */
export function interpolateString(
  text: string,
  env: Record<string, string | undefined>,
): { value: string; changed: boolean; problems: string[]; variables: string[] } {
  const variables: string[] = [];
  if (!text.includes('$')) return { value: text, changed: false, problems: [], variables };
  let out = '';
  let changed = false;
  const problems: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '$' && text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      changed = true;
    } else if (c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) {
        problems.push('unterminated ${ (write $${ for a literal ${)');
        out += text.slice(i);
        break;
      }
      const body = text.slice(i + 2, end);
      const sep = body.indexOf(':-');
      const name = sep < 0 ? body : body.slice(0, sep);
      if (!VAR_NAME.test(name)) {
        problems.push(`invalid variable reference \${${name}} (names are letters, digits and _)`);
      } else {
        variables.push(name);
        const val = env[name];
        if (val !== undefined && (val !== '' || sep < 0)) out += val;
        else if (sep >= 0) out += body.slice(sep + 2);
        else problems.push(`environment variable ${name} is not set`);
      }
      changed = true;
      i = end + 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return { value: out, changed, problems, variables };
}

/** Interpolates every string value of the document in place. */
export function interpolateDocument(doc: Document, env: Record<string, string | undefined>): InterpolationResult {
  const result: InterpolationResult = { issues: [], plainInterpolated: new Set(), variables: new Map() };
  const seen = new Set<unknown>();
  function walk(node: unknown, path: Array<string | number>): void {
    if (node === null || node === undefined || seen.has(node)) return;
    seen.add(node);
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index]));
    } else if (isScalar(node) && typeof node.value === 'string') {
      const { value, changed, problems, variables } = interpolateString(node.value, env);
      for (const message of problems) result.issues.push({ path, message });
      if (variables.length) result.variables.set(JSON.stringify(path), variables);
      if (changed) {
        node.value = value;
        if (node.type === Scalar.PLAIN) result.plainInterpolated.add(JSON.stringify(path));
      }
    }
  }
  walk(doc.contents, []);
  return result;
}

// A tiny tagged-template HTML builder. Every interpolated value is text unless it is already
// Html (built by this tag): a file name like `<img src=x onerror=…>` from a snapshot, a job name
// or an error message always renders as text. Texts stay apart from the markup until the page is
// rendered, where each is redacted (config secrets) and then escaped, so a secret is caught
// whatever characters it has and markup is never touched by redaction. Arrays are joined; null,
// undefined and booleans render nothing, so `${cond && html`…`}` works.

class Text {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

type Part = string | Text;

export class Html {
  readonly parts: readonly Part[];
  constructor(parts: readonly Part[]) {
    this.parts = parts;
  }

  /** The HTML, each text redacted by `redact` and escaped. */
  render(redact: (text: string) => string = (t) => t): string {
    return this.parts.map((p) => (typeof p === 'string' ? p : escapeHtml(redact(p.text)))).join('');
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function collect(v: HtmlValue, out: Part[]): void {
  if (v instanceof Html) out.push(...v.parts);
  else if (Array.isArray(v)) for (const x of v) collect(x, out);
  else if (v !== null && v !== undefined && typeof v !== 'boolean') out.push(new Text(String(v)));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  const parts: Part[] = [strings[0]!];
  values.forEach((v, i) => {
    collect(v, parts);
    parts.push(strings[i + 1]!);
  });
  return new Html(parts);
}

/** Markup that is ours (never data). */
export function trusted(markup: string): Html {
  return new Html([markup]);
}

/** JSON of numbers and times for a `<script type="application/json">` block: `<` escaped so nothing can end it early. */
export function jsonBlock(value: unknown): Html {
  return trusted(JSON.stringify(value).replace(/</g, '\\u003c'));
}

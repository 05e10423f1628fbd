// A snapshot's page: one directory of its tree at a time (directories link deeper, files
// download), and for a database job the objects of each dump (`restore --list`).

import type { DirectoryPage, DumpObjects } from '../../../app/snapshot-browse.ts';
import { enc } from '../components.ts';
import { bytes, utc } from '../format.ts';
import { html, type Html } from '../html.ts';

export interface SnapshotPageData {
  job: string;
  /** `?repo=` to keep in links (empty for the primary repository). */
  repoParam?: string;
  dir: DirectoryPage;
  offset: number;
  dumps?: DumpObjects[];
}

export function snapshotBody(d: SnapshotPageData): Html {
  const snap = d.dir.snapshot;
  const id = String(snap.id);
  const base = `/jobs/${enc(d.job)}/snapshots/${enc(id)}`;
  const q = (params: Record<string, string>) => {
    const p = new URLSearchParams(d.repoParam ? { repo: d.repoParam, ...params } : params).toString();
    return p ? `?${p}` : '';
  };
  const parts = d.dir.path.split('/').filter(Boolean);
  const crumbs = [html`<a href="${base}${q({})}">/</a>`, ...parts.map((p, i) => {
    const to = `/${parts.slice(0, i + 1).join('/')}`;
    return i === parts.length - 1 ? html` <span aria-current="location">${p}</span>` : html` <a href="${base}${q({ path: to })}">${p}</a> /`;
  })];
  return html`<p class="crumbs"><a href="/jobs/${enc(d.job)}">${d.job}</a> › snapshot</p>
<h1>Snapshot <span class="mono">${id.slice(0, 8)}</span></h1>
<dl class="facts">
<div><dt>Repository</dt><dd>${d.dir.repository}</dd></div>
<div><dt>Time</dt><dd>${utc(new Date(String(snap.time)))}</dd></div>
<div><dt>Host</dt><dd>${String(snap.hostname ?? '')}</dd></div>
<div><dt>Paths</dt><dd>${(snap.paths as string[] | undefined ?? []).join(', ')}</dd></div>
<div><dt>Tags</dt><dd>${(snap.tags as string[] | undefined ?? []).join(', ')}</dd></div>
<div><dt>ID</dt><dd class="mono">${id}</dd></div>
</dl>
<section aria-labelledby="tree-h">
<h2 id="tree-h">Files</h2>
<nav class="path" aria-label="Folder">${crumbs}</nav>
${d.dir.entries.length === 0 ? html`<p class="muted">Empty folder.</p>` : html`<div class="table-wrap"><table class="tree stack">
<caption class="visually-hidden">Contents of ${d.dir.path}</caption>
<thead><tr><th scope="col">Name</th><th scope="col" class="num">Size</th><th scope="col">Modified</th></tr></thead>
<tbody>${d.dir.entries.map((e) => html`<tr>
<td data-label="Name" class="name">${e.type === 'dir'
    ? html`<a href="${base}${q({ path: e.path })}">${e.name}/</a>`
    : e.type === 'file'
      ? html`<a href="${base}/file${q({ path: e.path })}" download>${e.name}</a>`
      : html`${e.name} <span class="muted">${e.type}${e.linkTarget !== undefined ? ` → ${e.linkTarget}` : ''}</span>`}</td>
<td data-label="Size" class="num">${e.size !== undefined ? bytes(e.size) : ''}</td>
<td data-label="Modified">${e.mtime !== undefined ? utc(new Date(e.mtime)) : ''}</td>
</tr>`)}</tbody>
</table></div>`}
${(d.offset > 0 || d.dir.more) && html`<nav class="pager" aria-label="Pages">
${d.offset > 0 && html`<a href="${base}${q({ path: d.dir.path })}">First entries</a>`}
${d.dir.more && html`<a href="${base}${q({ path: d.dir.path, offset: String(d.offset + d.dir.entries.length) })}" rel="next">More entries</a>`}
</nav>`}
</section>
${d.dumps && html`<section aria-labelledby="dump-h">
<h2 id="dump-h">Dump objects</h2>
${d.dumps.map((x) => html`<h3>${x.database}</h3>${x.error !== undefined
    ? html`<p class="error-text">${x.error}</p>`
    : html`<details><summary>${x.objects!.length} objects</summary><pre class="objects">${x.objects!.join('\n')}</pre></details>`}`)}
</section>`}`;
}

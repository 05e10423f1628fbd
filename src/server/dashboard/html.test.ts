import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor } from '../../app/redact.ts';
import { html, jsonBlock, trusted } from './html.ts';
import { safeNext } from './session-routes.ts';

test('interpolated values are text: escaped in content and attributes; Html nests as markup', () => {
  const name = '<img src=x onerror=alert(1)>.txt';
  const link = html`<a href="/f?p=${encodeURIComponent(name)}" title="${name}">${name}</a>`;
  assert.equal(link.render(),
    '<a href="/f?p=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.txt" title="&lt;img src=x onerror=alert(1)&gt;.txt">&lt;img src=x onerror=alert(1)&gt;.txt</a>');
  assert.equal(html`<p>${"it's \"&\""}</p>`.render(), '<p>it&#39;s &quot;&amp;&quot;</p>');
  assert.equal(html`<ul>${['a', html`<li>b</li>`, null, undefined, false, true, 3]}</ul>`.render(), '<ul>a<li>b</li>3</ul>');
});

test('texts are redacted before escaping, whatever characters the secret has; markup never is', () => {
  const secret = 'p<a&ss"word';
  const r = new Redactor([secret, 'main']);
  const page = html`<main><p>${`error: ${secret} refused`}</p>${trusted('<span>main</span>')}</main>`;
  assert.equal(page.render((t) => r.redact(t)), '<main><p>error: *** refused</p><span>main</span></main>');
});

test('a JSON data block cannot end its script element', () => {
  assert.equal(jsonBlock({ a: '</script><script>alert(1)</script>' }).render(), '{"a":"\\u003c/script>\\u003cscript>alert(1)\\u003c/script>"}');
});

test('after login only paths of this server are followed', () => {
  assert.equal(safeNext('/jobs/a?b=1'), '/jobs/a?b=1');
  for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'jobs', '', undefined, 42]) assert.equal(safeNext(bad), '/', String(bad));
});

// The login page (the API token, entered once) and the page shown when something fails.

import { html, type Html } from '../html.ts';

export function loginBody(d: { next: string; failed: boolean }): Html {
  return html`<h1>Log in</h1>
<form class="login" method="post" action="/login">
<input type="hidden" name="next" value="${d.next}">
<label for="token">API token <span class="muted">(the content of server.token_file)</span></label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus${d.failed ? html` aria-invalid="true" aria-describedby="login-error"` : ''}>
${d.failed && html`<p id="login-error" class="error-box" role="alert">That is not the token of this server.</p>`}
<button type="submit">Log in</button>
</form>`;
}

export function errorBody(d: { title: string; message: string; hint?: string | undefined }): Html {
  return html`<h1>${d.title}</h1>
<p class="error-box" role="alert">${d.message}</p>
${d.hint !== undefined && html`<p class="muted">${d.hint}</p>`}
<p><a href="/">Back to the overview</a></p>`;
}

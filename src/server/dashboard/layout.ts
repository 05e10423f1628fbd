// The page shell every dashboard page shares: head (CSP-friendly: one stylesheet and one module
// script from /static, the CSRF token in a meta tag for the modules), a skip link, the
// navigation and the main landmark.

import { html, type Html } from './html.ts';

export type Section = 'overview' | 'runs' | 'alerts' | 'none';

export interface Shell {
  title: string;
  section: Section;
  /** The session's CSRF token; absent on the login page. */
  csrf?: string;
  /** Show the logout button (a session with a token). */
  logout: boolean;
  /** Alerts firing now, shown beside the Alerts link. */
  firing?: number;
}

export function page(shell: Shell, body: Html): Html {
  const link = (href: string, label: string, section: Section, extra?: Html) =>
    html`<a href="${href}"${shell.section === section ? html` aria-current="page"` : ''}>${label}${extra}</a>`;
  const firing = shell.firing ? html` <span class="count count-alert">${shell.firing}</span>` : undefined;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${shell.csrf !== undefined && html`<meta name="csrf-token" content="${shell.csrf}">`}
<title>${shell.title} · Lifeboat</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/uplot.min.css">
<link rel="stylesheet" href="/static/dashboard.css">
<script type="module" src="/static/dashboard.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/">Lifeboat</a>
${shell.section !== 'none' || shell.csrf !== undefined ? html`<nav aria-label="Main">
${link('/', 'Overview', 'overview')}
${link('/runs', 'Runs', 'runs')}
${link('/alerts', 'Alerts', 'alerts', firing)}
</nav>` : ''}
${shell.logout && shell.csrf !== undefined && html`<form class="logout" method="post" action="/logout">
<input type="hidden" name="_csrf" value="${shell.csrf}"><button type="submit" class="link">Log out</button>
</form>`}
</header>
<main id="main">
${body}
</main>
</body>
</html>
`;
}

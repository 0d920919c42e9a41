import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Principal } from '../auth/roles.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f4f6f9}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:center}
header a{color:#cfe0ff;text-decoration:none}header b{font-size:16px}
main{padding:20px;max-width:1200px}
table{border-collapse:collapse;background:#fff;margin:8px 0 16px}
th,td{border:1px solid #d8dde6;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f6}
.ok{color:#0a7d32;font-weight:600}.bad{color:#b3261e;font-weight:600}.muted{color:#6b7280}
.err{background:#fde8e7;border:1px solid #f3b2ad;padding:8px;margin:8px 0}
.note{background:#e7f5ec;border:1px solid #a9dbbb;padding:8px;margin:8px 0}
input,select,textarea{font:inherit;padding:2px 4px}
button{font:inherit;padding:4px 10px;cursor:pointer}
svg{background:#fff;border:1px solid #d8dde6}
h2{margin-top:24px}
fieldset{background:#fff;border:1px solid #d8dde6;margin:10px 0;padding:6px 12px}legend{font-weight:600}
input[type=number]{width:6em}.field{margin:6px 0}.field-err{color:#b3261e;font-weight:600;margin-left:4px}
[aria-invalid=true]{border:2px solid #b3261e}
`;

/** Who the header names: the signed-in user's e-mail (an API key has none: its subject). */
export const signedIn = (p: Principal): string => p.email ?? p.subject;

/** The page shell: a header with navigation, flash messages, then the body. */
export function page(
  title: string,
  body: Html | string,
  o: { user?: string; flash?: string; error?: string } = {},
): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} - Ops console</title><style>${CSS}</style></head>
<body><header><b>Contact center ops console</b>${o.user ? html`<a href="/">Sites</a><span class="muted" id="signed-in">${o.user}</span><form method="post" action="/logout" style="margin:0"><button>Log out</button></form>` : ''}</header>
<main><h1>${title}</h1>${o.flash ? html`<div class="note" id="flash">${o.flash}</div>` : ''}${o.error ? html`<div class="err" id="error">${o.error}</div>` : ''}${body}</main></body></html>`;
}

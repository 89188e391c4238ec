/**
 * The page a browser gets instead of the app when its URL carries no access token or a wrong one:
 * what happened and where the right URL is, in words a person can act on (a bare "forbidden" says
 * neither). Static: no script, no asset that would itself need the token, its one style block
 * allowed by hash, and nothing from the server's state (no runs, no token) in it.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenCheck } from './auth.ts';
import { CONTENT_SECURITY_POLICY } from './securityHeaders.ts';

const STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1.25rem;color:#1d2430;background:#f6f7f9}',
  'h1{font-size:1.4rem;margin:0 0 .75rem}',
  'code{background:#e8ebf0;padding:.1rem .3rem;border-radius:4px;font-size:.92em;word-break:break-all}',
  '.card{background:#fff;border:1px solid #d5dae2;border-radius:10px;padding:1.25rem 1.5rem}',
  '@media (prefers-color-scheme:dark){body{background:#12161c;color:#e3e7ee}.card{background:#1a2029;border-color:#303a48}code{background:#28303c}}',
].join('');
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');
const PAGE_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", `style-src 'sha256-${STYLE_HASH}'`);

/** A person's browser opening the app's page: a GET of the page that takes HTML (API calls and assets keep the plain refusal). */
export function wantsTokenPage(req: IncomingMessage, pathname: string): boolean {
  const method = req.method ?? 'GET';
  const accept = String(req.headers.accept ?? '');
  return (method === 'GET' || method === 'HEAD') && (pathname === '/' || pathname === '/index.html') && accept.includes('text/html');
}

export function tokenPageHtml(check: Exclude<TokenCheck, 'ok'>): string {
  const [title, what] = check === 'missing'
    ? ['This address has no access token', 'The earlybird server only answers addresses that carry its access token (<code>?token=…</code>), and this one has none.']
    : ['This access token is not the server\'s', 'The address carries an access token this server did not issue. <code>earlybird serve</code> makes a new token each time it starts, so an address from an earlier start (a bookmark, an old tab) stops working once the server restarts.'];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>earlybird: ${title.toLowerCase()}</title><style>${STYLE}</style></head>
<body><main class="card" data-testid="token-page" data-token-check="${check}">
<h1>${title}</h1>
<p>${what}</p>
<p>To open the app, use the address <code>earlybird serve</code> printed in its terminal, on the line that starts <code>earlybird serve: open http://…/?token=</code>. If the server is no longer running, start it again with <code>earlybird serve</code> and open the new address it prints.</p>
</main></body></html>
`;
}

export function sendTokenPage(res: ServerResponse, status: number, check: Exclude<TokenCheck, 'ok'>, head: boolean): void {
  const body = Buffer.from(tokenPageHtml(check));
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'Content-Security-Policy': PAGE_POLICY });
  res.end(head ? undefined : body);
}

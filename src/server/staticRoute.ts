/**
 * The page and its bundled assets from renderer/dist. Only the files a build produces are served
 * (a fixed list, no path from the URL touches the file system). index.html gets the token added
 * to its asset URLs, since every request must carry it; the page reads the token for API calls
 * from its own URL.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { RENDERER_DIST } from './buildRenderer.ts';
import { sendText } from './httpUtil.ts';

const ASSETS: Readonly<Record<string, string>> = {
  '/app.js': 'text/javascript; charset=utf-8',
  '/app.css': 'text/css; charset=utf-8',
  '/app.js.map': 'application/json; charset=utf-8',
  '/app.css.map': 'application/json; charset=utf-8',
};

export function isStaticPath(pathname: string): boolean {
  return pathname === '/' || pathname === '/index.html' || Object.hasOwn(ASSETS, pathname);
}

/** `src="app.js"` → `src="app.js?token=…"` (the token is base64url: safe in an attribute). */
export function injectToken(html: string, token: string): string {
  return html.replace(/\b(src|href)="(\.\/)?(app\.(?:js|css))"/g, (_m, attr: string, dot: string | undefined, file: string) => `${attr}="${dot ?? ''}${file}?token=${token}"`);
}

export async function serveStatic(pathname: string, token: string, res: ServerResponse, head: boolean): Promise<void> {
  const isPage = pathname === '/' || pathname === '/index.html';
  const file = isPage ? 'index.html' : pathname.slice(1);
  let body: Buffer;
  try {
    body = await readFile(join(RENDERER_DIST, file));
  } catch {
    sendText(res, 404, `${pathname}: not built (run the renderer build)`);
    return;
  }
  if (isPage) body = Buffer.from(injectToken(body.toString('utf8'), token));
  res.writeHead(200, { 'Content-Type': isPage ? 'text/html; charset=utf-8' : ASSETS[pathname]!, 'Content-Length': body.length });
  res.end(head ? undefined : body);
}

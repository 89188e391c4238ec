/**
 * Serves the bundled page (renderer/dist) on earlybird://app/ with the CSP and hardening headers
 * on every response. Pure apart from reading files, so it is tested without Electron; main.ts
 * hands `createAppProtocolHandler(...)` to `protocol.handle`.
 */
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY, INDEX_PATH } from './windowOptions.ts';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers sent with every response of the app scheme. */
export function securityHeaders(type: string): Record<string, string> {
  return {
    'Content-Type': type,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    // Only features Chromium knows: an unknown one (bluetooth) prints a console warning on every load.
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
    'Cache-Control': 'no-cache',
  };
}

/**
 * The file under `root` that an earlybird://app/... URL names, or null when the URL is not ours
 * or escapes `root` (`..`, encoded separators, NUL, absolute paths).
 */
export function resolveAppFile(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname === '/' ? INDEX_PATH : u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const base = resolve(root);
  const file = resolve(join(base, path));
  const rel = relative(base, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return null;
  return file;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Shown when renderer/dist/index.html has not been built yet. */
export function missingRendererPage(root: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>earlybird</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem; line-height: 1.5">
<h1>earlybird: the interface has not been built</h1>
<p>No <code>index.html</code> in <code>${escapeHtml(root)}</code>.</p>
<p>Run <code>npm run build:electron</code> (it bundles the renderer too), then start the app again.</p>
</body></html>`;
}

export type ReadFile = (path: string) => Promise<Uint8Array>;

/** The `protocol.handle(APP_SCHEME, ...)` handler: GET/HEAD of files under `root`, nothing else. */
export function createAppProtocolHandler(root: string, read: ReadFile = (p) => readFile(p)): (request: Request) => Promise<Response> {
  const text = (status: number, body: string, type = 'text/plain; charset=utf-8') =>
    new Response(body, { status, headers: securityHeaders(type) });
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
    const file = resolveAppFile(root, request.url);
    if (!file) return text(404, 'not found');
    try {
      const body = await read(file);
      return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers: securityHeaders(contentType(file)) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && file === resolve(root, INDEX_PATH.slice(1))) {
        return text(200, missingRendererPage(root), MIME['.html']);
      }
      return text(code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? 404 : 500, code === 'ENOENT' ? 'not found' : 'cannot read');
    }
  };
}

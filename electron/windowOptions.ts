/**
 * The window's security settings as plain data, so tests can assert them without Electron:
 * webPreferences (isolated, sandboxed, no Node in the page), the Content-Security-Policy, the
 * app's own origin and the short list of external sites a link may open in the system browser.
 * Follows Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security).
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/**
 * The page is served from a privileged custom scheme rather than file:// (checklist item 18):
 * the page gets a real origin (`earlybird://app`) instead of access to every local file, the CSP
 * travels as a response header, and the sender check compares one origin.
 */
export const APP_SCHEME = 'earlybird';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const INDEX_PATH = '/index.html';
export const INDEX_URL = `${APP_ORIGIN}${INDEX_PATH}`;

/**
 * No inline or eval'd script or style, nothing from the network, no plugins, frames, workers,
 * forms or <base>: the same policy `earlybird serve` sends (src/server/securityHeaders.ts), so
 * the one renderer bundle runs under both. `connect-src 'self'` lets the page fetch its own
 * files; the engine is only reachable through `window.api`.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data: blob:",
  'font-src': "'self'",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};

export const CONTENT_SECURITY_POLICY = Object.entries(CSP_DIRECTIVES)
  .map(([directive, sources]) => `${directive} ${sources}`)
  .join('; ');

export interface WindowSettings {
  /** Absolute path of the bundled preload (electron/dist/preload.cjs). */
  preload: string;
  /** DevTools only in development (unpackaged). */
  devTools: boolean;
  /** Initial background, to avoid a white flash in dark mode. */
  dark: boolean;
  icon?: string;
}

export function webPreferences(settings: Pick<WindowSettings, 'preload' | 'devTools'>): WebPreferences {
  return {
    preload: settings.preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: settings.devTools,
  };
}

export const DEFAULT_SIZE = { width: 1280, height: 800 } as const;
export const MIN_SIZE = { width: 960, height: 640 } as const;

export function mainWindowOptions(settings: WindowSettings): BrowserWindowConstructorOptions {
  return {
    ...DEFAULT_SIZE,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'earlybird',
    show: false,
    backgroundColor: settings.dark ? '#14161a' : '#ffffff',
    ...(settings.icon ? { icon: settings.icon } : {}),
    webPreferences: webPreferences(settings),
  };
}

/** Is `url` our own page (any hash or query), i.e. a navigation we let happen? */
export function isAppPageUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && (u.pathname === INDEX_PATH || u.pathname === '/');
  } catch {
    return false;
  }
}

/**
 * Sites a link in the page may open in the system browser (the paper, the code). Anything else is
 * denied: shell.openExternal with an arbitrary URL can launch local programs.
 */
export const EXTERNAL_HOSTS: readonly string[] = ['arxiv.org', 'github.com', 'openreview.net', 'www.tensorflow.org', 'js.tensorflow.org'];

export function isSafeExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.username === '' && u.password === '' && u.port === '' && EXTERNAL_HOSTS.includes(u.hostname);
  } catch {
    return false;
  }
}

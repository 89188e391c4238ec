/**
 * The Electron main process, kept thin: one hardened window showing the bundled page, the
 * engine's API on IPC (electron/ipc.ts) and run events pushed to the page. Experiments run in
 * worker processes forked by the engine's supervisor (Electron's fork runs them as Node), never
 * on this thread; quitting cancels them cleanly first.
 *
 * Built by electron/build.ts into electron/dist/main.cjs (package.json "main").
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  nativeTheme,
  protocol,
  session,
  shell,
  type OpenDialogOptions,
  type Session,
  type WebContents,
} from 'electron';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ApiChannel, ApiEvent, EngineApi, Settings } from '../src/api/contract.ts';
import type { Engine } from '../src/api/engine.ts';
import { createAppProtocolHandler } from './appProtocol.ts';
import { API_CHANNELS, EVENT_CHANNEL } from './channels.ts';
import { registerApiHandlers } from './ipc.ts';
import { loadEngineModule } from './loadEngine.ts';
import { senderCheckFor } from './senderCheck.ts';
import {
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  INDEX_URL,
  isAppPageUrl,
  isSafeExternalUrl,
  mainWindowOptions,
} from './windowOptions.ts';

// main.cjs lives in <appRoot>/electron/dist/ (in the repository and in the packaged app alike).
const DIST_DIR = __dirname;
const APP_ROOT = resolve(DIST_DIR, '..', '..');
const RENDERER_DIR = join(APP_ROOT, 'renderer', 'dist');
const PRELOAD = join(DIST_DIR, 'preload.cjs');
const WINDOW_ICON = join(APP_ROOT, 'assets', 'icons', '512x512.png');

app.setName('earlybird');
// Every renderer sandboxed, whatever a window asks for.
app.enableSandbox();
// Before `ready`: our page's origin is earlybird://app, a standard, secure scheme (not file://).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

let win: BrowserWindow | null = null;
let engine: Engine | null = null;
let enginePromise: Promise<Engine> | null = null;

// ---------------------------------------------------------------------------------------------
// Settings that outlive the process (the engine keeps them in memory): runs folder and theme.

type SavedSettings = Partial<Settings>;

function settingsFile(): string {
  return join(app.getPath('userData'), 'settings.json');
}

function readSavedSettings(): SavedSettings {
  try {
    const raw = JSON.parse(readFileSync(settingsFile(), 'utf8')) as Record<string, unknown>;
    const out: SavedSettings = {};
    if (typeof raw.runsDir === 'string' && raw.runsDir) out.runsDir = raw.runsDir;
    if (raw.theme === 'system' || raw.theme === 'light' || raw.theme === 'dark') out.theme = raw.theme;
    return out;
  } catch {
    return {};
  }
}

function saveSettings(settings: Settings): void {
  try {
    mkdirSync(app.getPath('userData'), { recursive: true });
    writeFileSync(settingsFile(), `${JSON.stringify({ runsDir: settings.runsDir, theme: settings.theme }, null, 2)}\n`);
  } catch (error) {
    console.warn(`earlybird: could not save settings: ${(error as Error).message}`);
  }
}

/** EARLYBIRD_RUNS, else the saved folder, else ~/Documents/earlybird/runs (never the cwd: it may be /). */
function initialRunsDir(saved: SavedSettings): string {
  const given = process.env.EARLYBIRD_RUNS ?? saved.runsDir ?? join(app.getPath('documents'), 'earlybird', 'runs');
  // `~` as a shell would expand it: never a literal folder named ~.
  const dir = given === '~' || given.startsWith('~/') ? join(app.getPath('home'), given.slice(1)) : given;
  try {
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    const fallback = join(app.getPath('userData'), 'runs');
    mkdirSync(fallback, { recursive: true });
    return fallback;
  }
}

// ---------------------------------------------------------------------------------------------
// The engine, loaded in the background so the window shows at once.

function emit(event: ApiEvent): void {
  const target = win;
  if (target && !target.isDestroyed() && !target.webContents.isDestroyed()) target.webContents.send(EVENT_CHANNEL, event);
}

async function pickFolder(title?: string): Promise<string | null> {
  const options: OpenDialogOptions = { title: title ?? 'Choose a folder', properties: ['openDirectory', 'createDirectory'] };
  const result = win && !win.isDestroyed() ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

/** Opens the folder in the system file manager (Finder, Explorer, Files). */
async function revealFolder(path: string): Promise<void> {
  const problem = await shell.openPath(path);
  if (problem) throw new Error(`could not open ${path}: ${problem}`);
}

async function startEngine(saved: SavedSettings): Promise<Engine> {
  // Installed, the engine runs from its esbuild bundle; the forked workers inherit the setting.
  if (app.isPackaged && !process.env.EARLYBIRD_ENGINE) process.env.EARLYBIRD_ENGINE = 'bundle';
  const { createEngine } = await loadEngineModule(APP_ROOT);
  const created = createEngine({ mode: 'electron', runsDir: initialRunsDir(saved), emit, pickFolder, revealFolder });
  if (saved.theme) await created.api['settings:set']({ settings: { theme: saved.theme } });
  engine = created;
  return created;
}

/**
 * The API the IPC handlers call: every channel waits for the engine, and `settings:set` also
 * applies the theme to the window (nativeTheme drives prefers-color-scheme) and persists.
 */
function desktopApi(ready: Promise<Engine>): EngineApi {
  const forward = (channel: ApiChannel) => async (input: unknown) =>
    ((await ready).api[channel] as (input: unknown) => Promise<unknown>)(input);
  const api = Object.fromEntries(API_CHANNELS.map((channel) => [channel, forward(channel)])) as EngineApi;
  api['settings:set'] = async (input) => {
    const settings = await (await ready).api['settings:set'](input);
    nativeTheme.themeSource = settings.theme;
    saveSettings(settings);
    return settings;
  };
  return api;
}

// ---------------------------------------------------------------------------------------------
// Hardening (Electron security checklist): permissions, navigation, new windows, CSP.

function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
  // The page talks to nothing on the network or the disk: only earlybird://app (and data:/blob:).
  ses.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file://*/*'] }, (_details, callback) =>
    callback({ cancel: true }),
  );
  // Belt and braces: the protocol handler already sends the CSP; this covers any other response.
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders: headers });
  });
}

function hardenContents(contents: WebContents): void {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (isAppPageUrl(url)) return;
    event.preventDefault();
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppPageUrl(url)) event.preventDefault();
  });
}

// ---------------------------------------------------------------------------------------------
// The window.

let closeConfirmed = false;

function createWindow(): BrowserWindow {
  const window = new BrowserWindow(
    mainWindowOptions({
      preload: PRELOAD,
      devTools: !app.isPackaged,
      dark: nativeTheme.shouldUseDarkColors,
      ...(existsSync(WINDOW_ICON) ? { icon: WINDOW_ICON } : {}),
    }),
  );
  window.once('ready-to-show', () => window.show());
  window.on('close', (event) => {
    const running = engine?.supervisor.active().length ?? 0;
    if (closeConfirmed || running === 0) return;
    event.preventDefault();
    void dialog
      .showMessageBox(window, {
        type: 'question',
        buttons: ['Cancel the run and quit', 'Keep running'],
        defaultId: 1,
        cancelId: 1,
        message: running === 1 ? 'An experiment is running.' : `${running} experiments are running.`,
        detail: 'Quitting cancels it after the current batch. The run folder stays, and the run can be resumed later.',
      })
      .then(({ response }) => {
        if (response !== 0 || window.isDestroyed()) return;
        closeConfirmed = true;
        window.close();
      });
  });
  window.on('closed', () => {
    if (win === window) win = null;
  });
  void window.loadURL(INDEX_URL);
  return window;
}

function focusWindow(): void {
  if (!win || win.isDestroyed()) {
    win = createWindow();
    return;
  }
  if (win.isMinimized()) win.restore();
  win.focus();
}

// ---------------------------------------------------------------------------------------------
// Lifecycle: one instance; quitting waits for the workers to stop (bounded by the supervisor).

let shutdownDone = false;
let shuttingDown = false;

app.on('before-quit', (event) => {
  if (shutdownDone) return;
  const current = engine ?? null;
  if (!current && !enginePromise) return;
  event.preventDefault();
  if (shuttingDown) return;
  shuttingDown = true;
  const stop = current ? Promise.resolve(current) : enginePromise!;
  void stop
    .then((e) => e.supervisor.shutdown())
    .catch((error: unknown) => console.error('earlybird: shutdown:', error))
    .finally(() => {
      shutdownDone = true;
      app.quit();
    });
});

// Closing the window quits, on macOS too: a run must not go on with no window to stop it.
app.on('window-all-closed', () => app.quit());

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

app.on('web-contents-created', (_event, contents) => hardenContents(contents));

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  protocol.handle(APP_SCHEME, createAppProtocolHandler(RENDERER_DIR));
  const saved = readSavedSettings();
  // The page follows prefers-color-scheme, which follows nativeTheme (system unless set).
  nativeTheme.themeSource = saved.theme ?? 'system';
  nativeTheme.on('updated', () => {
    if (win && !win.isDestroyed()) win.setBackgroundColor(nativeTheme.shouldUseDarkColors ? '#14161a' : '#ffffff');
  });

  enginePromise = startEngine(saved);
  enginePromise.catch((error: unknown) => {
    console.error('earlybird: the engine failed to load:', error);
    dialog.showErrorBox('earlybird: the engine failed to load', (error as Error)?.stack ?? String(error));
  });
  registerApiHandlers(
    ipcMain,
    desktopApi(enginePromise),
    senderCheckFor(() => (win && !win.isDestroyed() ? win.webContents.id : undefined)),
  );

  win = createWindow();
  app.on('activate', () => {
    if (!win || win.isDestroyed()) win = createWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', focusWindow);
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      console.error('earlybird: could not start:', error);
      app.exit(1);
    });
}

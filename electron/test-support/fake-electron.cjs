/**
 * A stand-in for the 'electron' module, so test/electron.test.ts can run the built main.cjs under
 * plain Node (the Electron binary cannot be downloaded here). Loaded with `node --require`; it
 * answers require('electron') with small fakes that record what main.cjs asks of Electron, then
 * drives a scenario against them: the window and its hardening, IPC calls from trusted and
 * untrusted frames, the page protocol, a real experiment, and closing the window while it runs.
 * The engine and its worker processes are real. Prints one `FAKE_ELECTRON_REPORT <json>` line.
 *
 * Not part of the app (never packaged: electron-builder.yml ships electron/dist only).
 */
'use strict';
const Module = require('node:module');
const { EventEmitter } = require('node:events');
const { join } = require('node:path');
const { existsSync, readFileSync } = require('node:fs');

const USER_ROOT = process.env.FAKE_ELECTRON_HOME;
if (!USER_ROOT) throw new Error('FAKE_ELECTRON_HOME is not set');
const INDEX_URL = 'earlybird://app/index.html';

const report = { calls: [], errors: [], externalOpened: [], dialogs: [], schemes: null, sandbox: false, name: null };
const record = (what) => report.calls.push(what);

function event() {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

const app = new EventEmitter();
const windows = [];
let quitted = false;

Object.assign(app, {
  isPackaged: false,
  setName: (name) => (report.name = name),
  enableSandbox: () => (report.sandbox = true),
  requestSingleInstanceLock: () => true,
  whenReady: () => new Promise((resolve) => setTimeout(resolve, 10)),
  getPath: (name) => join(USER_ROOT, name),
  quit() {
    record('app.quit');
    const e = event();
    app.emit('before-quit', e);
    if (e.defaultPrevented) return;
    for (const w of windows) if (!w.destroyed) w.close();
    finish(0);
  },
  exit(code) {
    record(`app.exit(${code})`);
    finish(code);
  },
});

let nextId = 1;
class WebContents extends EventEmitter {
  constructor() {
    super();
    this.id = nextId++;
    this.sent = [];
    this.openHandler = null;
  }
  send(channel, payload) {
    this.sent.push([channel, payload]);
  }
  isDestroyed() {
    return false;
  }
  setWindowOpenHandler(handler) {
    this.openHandler = handler;
  }
}

class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.destroyed = false;
    this.webContents = new WebContents();
    windows.push(this);
    app.emit('web-contents-created', event(), this.webContents);
  }
  loadURL(url) {
    this.url = url;
    setTimeout(() => this.emit('ready-to-show'), 5);
    return Promise.resolve();
  }
  show() {
    this.shown = true;
  }
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {}
  setBackgroundColor(color) {
    this.background = color;
  }
  close() {
    if (this.destroyed) return;
    const e = event();
    this.emit('close', e);
    if (e.defaultPrevented) {
      record('window.close prevented');
      return;
    }
    this.destroyed = true;
    this.emit('closed');
    if (windows.every((w) => w.destroyed)) app.emit('window-all-closed');
  }
}

const ipcMain = {
  handlers: new Map(),
  handle(channel, listener) {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  },
  removeHandler(channel) {
    this.handlers.delete(channel);
  },
};

const protocol = {
  handlers: new Map(),
  registerSchemesAsPrivileged: (schemes) => (report.schemes = schemes),
  handle(scheme, handler) {
    this.handlers.set(scheme, handler);
  },
};

const defaultSession = new EventEmitter();
Object.assign(defaultSession, {
  permissionRequest: null,
  permissionCheck: null,
  deviceCheck: null,
  beforeRequest: null,
  headersReceived: null,
  setPermissionRequestHandler(h) {
    this.permissionRequest = h;
  },
  setPermissionCheckHandler(h) {
    this.permissionCheck = h;
  },
  setDevicePermissionHandler(h) {
    this.deviceCheck = h;
  },
  webRequest: {
    onBeforeRequest(filter, listener) {
      defaultSession.beforeRequest = { filter, listener };
    },
    onHeadersReceived(listener) {
      defaultSession.headersReceived = listener;
    },
  },
});

const nativeTheme = Object.assign(new EventEmitter(), { themeSource: 'system', shouldUseDarkColors: false });

const dialog = {
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  async showMessageBox(_win, options) {
    report.dialogs.push(options.message);
    return { response: 0 }; // "Cancel the run and quit"
  },
  showErrorBox: (title, content) => report.errors.push(`${title}: ${content}`),
};

const shell = { openExternal: async (url) => void report.externalOpened.push(url) };

const electron = { app, BrowserWindow, ipcMain, protocol, session: { defaultSession }, nativeTheme, dialog, shell };

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'electron') return electron;
  return load.call(this, request, parent, isMain);
};

// ------------------------------------------------------------------------------------------------
// The scenario, once main.cjs has created its window and registered its handlers.

function finish(code) {
  if (quitted) return;
  quitted = true;
  const win = windows[0];
  report.window = win && {
    options: win.options,
    url: win.url,
    shown: Boolean(win.shown),
    destroyed: win.destroyed,
    sent: win.webContents.sent.map(([channel, payload]) => [channel, payload.runId, payload.event.type, payload.event.status ?? null]),
  };
  report.ipcChannels = [...ipcMain.handlers.keys()].sort();
  process.stdout.write(`FAKE_ELECTRON_REPORT ${JSON.stringify(report)}\n`);
  process.exit(code);
}

const until = async (what, predicate, ms = 60_000) => {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

async function scenario() {
  await until('the window and the IPC handlers', () => windows.length > 0 && ipcMain.handlers.has('api:app:info'));
  const win = windows[0];
  const wc = win.webContents;
  const trusted = { sender: { id: wc.id }, senderFrame: { url: INDEX_URL, parent: null } };
  const iframe = { sender: { id: wc.id }, senderFrame: { url: INDEX_URL, parent: {} } };
  const invoke = (ev, channel, input) => ipcMain.handlers.get(`api:${channel}`)(ev, input);

  report.appInfo = await invoke(trusted, 'app:info', {});
  report.fromIframe = await invoke(iframe, 'app:info', {});
  report.settingsSet = await invoke(trusted, 'settings:set', { settings: { theme: 'dark' } });
  report.themeSource = nativeTheme.themeSource;
  const settingsPath = join(USER_ROOT, 'userData', 'settings.json');
  report.savedSettings = existsSync(settingsPath) ? JSON.parse(readFileSync(settingsPath, 'utf8')) : null;

  // The page protocol.
  const pageHandler = protocol.handlers.get('earlybird');
  const page = await pageHandler(new Request(INDEX_URL));
  report.page = { status: page.status, csp: page.headers.get('content-security-policy'), body: await page.text() };

  // Session hardening.
  let permission = null;
  defaultSession.permissionRequest(wc, 'media', (granted) => (permission = granted), {});
  report.permissionGranted = permission;
  report.permissionCheck = defaultSession.permissionCheck(wc, 'clipboard-read', 'earlybird://app', {});
  report.beforeRequestFilter = defaultSession.beforeRequest.filter.urls;
  defaultSession.beforeRequest.listener({ url: 'https://example.com/x' }, (r) => (report.remoteRequest = r));
  defaultSession.headersReceived({ responseHeaders: { 'content-security-policy': ["script-src *"], 'X-A': ['1'] } }, (r) => (report.headers = r.responseHeaders));
  const download = event();
  defaultSession.emit('will-download', download);
  report.downloadPrevented = download.defaultPrevented;

  // Contents hardening: new windows, navigation, webviews.
  report.openEvil = wc.openHandler({ url: 'https://evil.example/' });
  report.openPaper = wc.openHandler({ url: 'https://arxiv.org/abs/1909.11957' });
  const navAway = event();
  wc.emit('will-navigate', navAway, 'https://evil.example/');
  const navHash = event();
  wc.emit('will-navigate', navHash, `${INDEX_URL}#/runs`);
  const webview = event();
  wc.emit('will-attach-webview', webview, {}, {});
  report.navigation = { away: navAway.defaultPrevented, hash: navHash.defaultPrevented, webview: webview.defaultPrevented };

  // A real experiment, then the user closes the window while it trains.
  const config = {
    model: { name: 'tiny' },
    data: { spec: 'mnist', trainLimit: 300, testLimit: 100 },
    training: { epochs: 2, batchSize: 64 },
    search: { queueLength: 2 },
    comparisons: { dense: false },
  };
  report.started = await invoke(trusted, 'experiment:start', { config });
  await until('training progress', () => wc.sent.some(([, p]) => p.event.type === 'progress'));
  win.close(); // asks first (dialog answers "Cancel the run and quit"), then closes, then quits
  await until('the app to quit', () => false, 60_000);
}

process.nextTick(() => {
  scenario().catch((error) => {
    report.errors.push(String(error && error.stack ? error.stack : error));
    finish(1);
  });
});

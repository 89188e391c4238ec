/**
 * The desktop shell without an Electron binary: the IPC handlers registered on an injected ipc
 * object against a real engine, the sender check, the preload's window.api over those handlers,
 * the window's security settings, the page protocol, the build (the preload needs nothing but
 * electron; the main bundle loads the engine through tsx) and a real experiment run in a worker
 * that the supervisor cancels cleanly on shutdown, leaving a resumable run folder.
 */
import assert from 'node:assert/strict';
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import type { IpcMainInvokeEvent } from 'electron';
import { build } from 'esbuild';
import { inputSchemas, type ApiEvent, type EngineApi } from '../src/api/contract.ts';
import { createEngine } from '../src/api/engine.ts';
import { WORKER_ENTRY } from '../src/api/supervisor.ts';
import { listRuns } from '../src/run/runStore.ts';
import { createAppProtocolHandler, resolveAppFile } from '../electron/appProtocol.ts';
import { buildElectron, forbiddenRequires } from '../electron/build.ts';
import { API_CHANNELS, EVENT_CHANNEL, isAllowedChannel } from '../electron/channels.ts';
import { errorReply, registerApiHandlers, REFUSED_STATUS, type IpcRegistrar, type IpcReply } from '../electron/ipc.ts';
import { ApiCallError, createRendererApi, type RendererTransport } from '../electron/rendererApi.ts';
import { isTrustedSender, senderCheckFor } from '../electron/senderCheck.ts';
import {
  CONTENT_SECURITY_POLICY,
  CSP_DIRECTIVES,
  INDEX_URL,
  isAppPageUrl,
  isSafeExternalUrl,
  mainWindowOptions,
  webPreferences,
} from '../electron/windowOptions.ts';

const ROOT = resolve(import.meta.dirname, '..');
const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `earlybird-electron-${prefix}-`));
  temps.push(dir);
  return dir;
}
after(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

// ------------------------------------------------------------------------------------------------
// A fake ipcMain (a Map of channel → handler) and fake senders.

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

class FakeIpc implements IpcRegistrar {
  readonly handlers = new Map<string, Handler>();
  readonly removed: string[] = [];
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.removed.push(channel);
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke would resolve to (Electron rejects when nothing handles the channel). */
  async invoke(event: IpcMainInvokeEvent, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}

const WINDOW_ID = 7;

function senderEvent(options: { id?: number; url?: string; parent?: unknown; noFrame?: boolean } = {}): IpcMainInvokeEvent {
  const frame = options.noFrame ? null : { url: options.url ?? INDEX_URL, parent: options.parent ?? null };
  return { sender: { id: options.id ?? WINDOW_ID }, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}

const trusted = senderCheckFor(() => WINDOW_ID);

/** The engine's API with a count of the calls that reached it. */
function counted(api: EngineApi): { api: EngineApi; calls: string[] } {
  const calls: string[] = [];
  const wrapped = Object.fromEntries(
    Object.entries(api).map(([channel, fn]) => [channel, (input: unknown) => (calls.push(channel), (fn as (i: unknown) => Promise<unknown>)(input))]),
  ) as EngineApi;
  return { api: wrapped, calls };
}

function rendererOver(ipc: FakeIpc, event = senderEvent(), bridgeSafeErrors = false) {
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const invoked: string[] = [];
  const transport: RendererTransport = {
    invoke: (channel, ...args) => (invoked.push(channel), ipc.invoke(event, channel, ...args)),
    on: (channel, listener) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener)),
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const send = (channel: string, payload: unknown) => listeners.get(channel)?.forEach((l) => l({ sender: 'ipc-renderer-event' }, payload));
  return { api: createRendererApi(transport, { bridgeSafeErrors }), invoked, send, listeners };
}

// ------------------------------------------------------------------------------------------------

describe('channels', () => {
  test('the preload allow-list is exactly the contract channel list', () => {
    assert.deepEqual([...API_CHANNELS].sort(), Object.keys(inputSchemas).sort());
    assert.equal(new Set(API_CHANNELS).size, API_CHANNELS.length);
    assert.ok(isAllowedChannel('runs:list'));
    for (const name of ['shell:openExternal', 'api:event', '__proto__', 'toString', 'constructor', '', undefined, 42]) {
      assert.equal(isAllowedChannel(name), false, String(name));
    }
  });
});

describe('IPC handlers against a real engine', () => {
  const runsDir = tempDir('runs');
  const events: ApiEvent[] = [];
  const engine = createEngine({ mode: 'electron', runsDir, emit: (e) => events.push(e) });
  const ipc = new FakeIpc();
  const { api, calls } = counted(engine.api);
  const refused: string[] = [];
  const unregister = registerApiHandlers(ipc, api, trusted, { onRefused: (channel) => refused.push(channel) });
  const call = (channel: string, input?: unknown, event = senderEvent()) => ipc.invoke(event, `api:${channel}`, input) as Promise<IpcReply<any>>;

  test('one handler per contract channel, nothing else', () => {
    assert.deepEqual([...ipc.handlers.keys()].sort(), API_CHANNELS.map((c) => `api:${c}`).sort());
    assert.ok(!ipc.handlers.has('api:shell:exec') && !ipc.handlers.has(EVENT_CHANNEL));
    // Registration first removes any previous handler (there can be only one per channel).
    assert.deepEqual(ipc.removed.sort(), [...ipc.handlers.keys()].sort());
  });

  test('app:info, settings:get and runs:list on an empty folder', async () => {
    const info = await call('app:info', {});
    assert.equal(info.ok, true);
    assert.equal(info.ok && info.result.mode, 'electron');
    assert.equal(info.ok && info.result.canPickFolders, false);
    assert.equal(info.ok && info.result.platform, process.platform);
    assert.match(info.ok ? info.result.version : '', /^\d+\.\d+\.\d+/);

    assert.deepEqual(await call('settings:get', {}), { ok: true, result: { runsDir: resolve(runsDir), theme: 'system' } });
    assert.deepEqual(await call('runs:list', {}), { ok: true, result: { runs: [] } });
    // A missing input is the empty object.
    assert.deepEqual(await call('runs:list'), { ok: true, result: { runs: [] } });
  });

  test('bad input is refused with { ok: false, issues } naming the fields, before the engine runs', async () => {
    const before = calls.length;
    const strict = await call('experiment:validate', { config: {}, extra: 1 });
    assert.equal(strict.ok, false);
    assert.ok(!strict.ok && strict.issues.some((i) => /extra/.test(i.message)), JSON.stringify(strict));
    assert.equal(!strict.ok && strict.status, 400);

    const badId = await call('runs:get', { runId: '../../etc/passwd' });
    assert.ok(!badId.ok && badId.issues.some((i) => i.path === 'runId'), JSON.stringify(badId));

    const badSettings = await call('settings:set', { settings: { theme: 'purple', runsDir: '' } });
    const paths = badSettings.ok ? [] : badSettings.issues.map((i) => i.path).sort();
    assert.deepEqual(paths, ['settings.runsDir', 'settings.theme']);
    assert.equal(calls.length, before, 'the engine was not called');
  });

  test('experiment:validate names every bad config field; experiment:start refuses it with issues', async () => {
    const config = { model: { name: 'vgg' }, training: { epochs: 0 } };
    const validated = await call('experiment:validate', { config });
    assert.equal(validated.ok, true);
    const issues = validated.ok ? validated.result.issues : [];
    assert.equal(validated.ok && validated.result.ok, false);
    assert.ok(issues.some((i: { path: string }) => i.path === 'model.name'), JSON.stringify(issues));
    assert.ok(issues.some((i: { path: string }) => i.path === 'training.epochs'), JSON.stringify(issues));

    const started = await call('experiment:start', { config });
    assert.equal(started.ok, false);
    assert.ok(!started.ok && started.issues.some((i) => i.path === 'model.name'), JSON.stringify(started));
    assert.equal(engine.supervisor.active().length, 0);
    assert.deepEqual(await call('runs:list', {}), { ok: true, result: { runs: [] } }, 'no run folder for a refused config');
  });

  test('engine errors travel as data (status, message), never as thrown errors', async () => {
    const missing = await call('runs:get', { runId: 'no-such-run' });
    assert.equal(missing.ok, false);
    assert.equal(!missing.ok && missing.status, 404);
    assert.match(!missing.ok ? missing.error : '', /no run "no-such-run"/);
    assert.deepEqual(errorReply(new TypeError('boom')), { ok: false, error: 'boom', issues: [], status: 500 });
    assert.deepEqual(errorReply('plain'), { ok: false, error: 'plain', issues: [], status: 500 });
  });

  test('untrusted senders are refused and the engine is not called', async () => {
    const untrusted: [string, IpcMainInvokeEvent][] = [
      ['another window', senderEvent({ id: WINDOW_ID + 1 })],
      ['an iframe in our window', senderEvent({ parent: { url: INDEX_URL } })],
      ['a web page', senderEvent({ url: 'https://evil.example/index.html' })],
      ['a local file', senderEvent({ url: `file://${ROOT}/renderer/dist/index.html` })],
      ['another page of ours', senderEvent({ url: 'earlybird://app/other.html' })],
      ['another host of our scheme', senderEvent({ url: 'earlybird://evil/index.html' })],
      ['credentials in the URL', senderEvent({ url: 'earlybird://user:pw@app/index.html' })],
      ['a destroyed frame', senderEvent({ noFrame: true })],
      ['garbage URL', senderEvent({ url: 'not a url' })],
    ];
    const before = calls.length;
    for (const [what, event] of untrusted) {
      const reply = await call('settings:set', { settings: { theme: 'dark' } }, event);
      assert.deepEqual(reply, { ok: false, error: 'settings:set: refused: the caller is not the earlybird window', issues: [], status: REFUSED_STATUS }, what);
    }
    assert.equal(calls.length, before, 'no untrusted call reached the engine');
    assert.equal(refused.length, untrusted.length);
    assert.equal(engine.settings().theme, 'system');
    // The trusted page, with a hash route, is served.
    const ok = await call('settings:get', {}, senderEvent({ url: `${INDEX_URL}#/runs` }));
    assert.equal(ok.ok, true);
  });

  test('a throwing sender check refuses', async () => {
    const ipc2 = new FakeIpc();
    registerApiHandlers(ipc2, api, () => {
      throw new Error('frame gone');
    }, { onRefused: () => {} });
    const reply = (await ipc2.invoke(senderEvent(), 'api:app:info', {})) as IpcReply;
    assert.equal(reply.ok, false);
  });

  test('the preload api over these handlers: values, thrown issues, unknown channels, events', async () => {
    const page = rendererOver(ipc);
    const info = await page.api.call('app:info', {});
    assert.equal(info.mode, 'electron');
    const runs = await page.api.call('runs:list', {});
    assert.deepEqual(runs, { runs: [] });

    await assert.rejects(page.api.call('runs:get', { runId: '../x' }), (error: unknown) => {
      assert.ok(error instanceof ApiCallError);
      assert.equal(error.status, 400);
      assert.ok(error.issues.some((i) => i.path === 'runId'));
      return true;
    });
    const invokedBefore = page.invoked.length;
    await assert.rejects(page.api.call('shell:exec' as never, {} as never), (error: unknown) => error instanceof ApiCallError && error.status === 404);
    assert.equal(page.invoked.length, invokedBefore, 'an unknown channel never reaches ipcRenderer');

    const seen: ApiEvent[] = [];
    const unsubscribe = page.api.onEvent((e) => seen.push(e));
    const event: ApiEvent = { runId: 'r1', event: { type: 'warning', time: 1, message: 'hello' } };
    page.send(EVENT_CHANNEL, event);
    page.send(EVENT_CHANNEL, { not: 'an event' });
    unsubscribe();
    unsubscribe();
    page.send(EVENT_CHANNEL, event);
    assert.deepEqual(seen, [event], 'the listener gets the payload only (never the IpcRendererEvent), until unsubscribed');
    assert.equal(page.listeners.get(EVENT_CHANNEL)?.size, 0);
    assert.ok(Object.isFrozen(page.api));
  });

  test('bridge-safe errors: plain data that keeps message, issues and status', async () => {
    const page = rendererOver(ipc, senderEvent(), true);
    const error = await page.api.call('runs:get', { runId: '../x' }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(!(error instanceof Error), 'not a native Error (contextBridge would keep only its message)');
    assert.deepEqual(Object.keys(error as object).sort(), ['issues', 'message', 'name', 'status']);
    const e = structuredClone(error) as { name: string; message: string; issues: { path: string }[]; status: number };
    assert.equal(e.name, 'ApiCallError');
    assert.equal(e.status, 400);
    assert.match(e.message, /runId/);
    assert.ok(e.issues.some((i) => i.path === 'runId'));

    const refusedPage = rendererOver(ipc, senderEvent({ url: 'https://evil.example/' }), true);
    const refusal = (await refusedPage.api.call('app:info', {}).catch((x: unknown) => x)) as { status: number };
    assert.equal(refusal.status, REFUSED_STATUS);
  });

  test('unregister removes every handler', () => {
    const ipc3 = new FakeIpc();
    const off = registerApiHandlers(ipc3, api, trusted);
    assert.equal(ipc3.handlers.size, API_CHANNELS.length);
    off();
    assert.equal(ipc3.handlers.size, 0);
    unregister();
    assert.equal(ipc.handlers.size, 0);
  });
});

describe('sender check', () => {
  test('only our window, its main frame, our page', () => {
    const page = { webContentsId: WINDOW_ID };
    assert.equal(isTrustedSender({ sender: { id: WINDOW_ID }, senderFrame: { url: INDEX_URL, parent: null } }, page), true);
    assert.equal(isTrustedSender({ sender: { id: WINDOW_ID }, senderFrame: { url: `${INDEX_URL}?x=1#/a`, parent: null } }, page), true);
    assert.equal(isTrustedSender({ sender: { id: WINDOW_ID }, senderFrame: { url: INDEX_URL, parent: null } }, { webContentsId: undefined }), false, 'no window, no trust');
    assert.equal(isTrustedSender({ sender: { id: WINDOW_ID }, senderFrame: { url: INDEX_URL, parent: {} } }, page), false);
    assert.equal(isTrustedSender({ sender: { id: 1 }, senderFrame: { url: INDEX_URL, parent: null } }, page), false);
    assert.equal(isTrustedSender({ sender: { id: WINDOW_ID }, senderFrame: null }, page), false);
    assert.equal(isTrustedSender({ sender: { id: WINDOW_ID }, senderFrame: { url: 'earlybird://app/index.html/../x', parent: null } }, page), false);
    let id: number | undefined;
    const check = senderCheckFor(() => id);
    const event = { sender: { id: 3 }, senderFrame: { url: INDEX_URL, parent: null } };
    assert.equal(check(event), false);
    id = 3;
    assert.equal(check(event), true);
  });
});

describe('window options', () => {
  test('isolated, sandboxed, no Node in the page, web security on', () => {
    const prefs = webPreferences({ preload: '/x/preload.cjs', devTools: false });
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.preload, '/x/preload.cjs');
    const options = mainWindowOptions({ preload: '/x/preload.cjs', devTools: true, dark: true });
    assert.deepEqual([options.width, options.height], [1280, 800]);
    assert.ok((options.minWidth ?? 0) > 0 && (options.minHeight ?? 0) > 0);
    assert.equal(options.show, false);
    assert.equal(options.webPreferences?.sandbox, true);
  });

  test('a strict CSP: scripts only from the app, nothing inline or eval, nothing remote', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...sources] = d.trim().split(/\s+/);
      return [name!, sources] as const;
    }));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.deepEqual(directives.get('base-uri'), ["'none'"]);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.ok(!/unsafe-inline|unsafe-eval|wasm-unsafe-eval|\*|https?:/.test(CONTENT_SECURITY_POLICY), CONTENT_SECURITY_POLICY);
    assert.equal(Object.keys(CSP_DIRECTIVES).length, directives.size);
  });

  test('navigation stays on our page; only allow-listed https links open outside', () => {
    assert.ok(isAppPageUrl(INDEX_URL) && isAppPageUrl(`${INDEX_URL}#/run/x`) && isAppPageUrl('earlybird://app/'));
    for (const url of ['earlybird://app/other.html', 'earlybird://evil/index.html', 'https://arxiv.org/', 'file:///etc/passwd', 'nope']) {
      assert.equal(isAppPageUrl(url), false, url);
    }
    assert.ok(isSafeExternalUrl('https://arxiv.org/abs/1909.11957'));
    assert.ok(isSafeExternalUrl('https://github.com/RICE-EIC/Early-Bird-Tickets'));
    for (const url of [
      'http://arxiv.org/abs/1909.11957',
      'https://arxiv.org.evil.example/',
      'https://user@github.com/',
      'https://github.com:8443/',
      'file:///bin/sh',
      'javascript:alert(1)',
      'smb://github.com/share',
      'not a url',
    ]) {
      assert.equal(isSafeExternalUrl(url), false, url);
    }
  });
});

describe('page protocol', () => {
  // <base>/secret.txt beside <base>/dist, the served folder.
  const base = tempDir('page');
  const root = join(base, 'dist');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title><script src="app.js"></script>');
  writeFileSync(join(root, 'app.js'), 'console.log(1)');
  writeFileSync(join(base, 'secret.txt'), 'secret');
  const handler = createAppProtocolHandler(root);
  const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

  test('serves the page with the CSP and hardening headers', async () => {
    const index = await get(INDEX_URL);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await index.text(), /app\.js/);
    const root = await get('earlybird://app/');
    assert.equal(root.status, 200);
    const js = await get('earlybird://app/app.js');
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await get('earlybird://app/app.js', 'HEAD')).status, 200);
    assert.equal((await get('earlybird://app/app.js', 'POST')).status, 405);
  });

  test('nothing outside the page folder, nothing of another host', async () => {
    const secret = 'secret.txt';
    for (const url of [
      `earlybird://app/%2e%2e/${secret}`,
      `earlybird://app/..%2f${secret}`,
      `earlybird://app/sub/..%2f..%2f${secret}`,
      `earlybird://app/%5c..%5c${secret}`,
      'earlybird://app/%00index.html',
      'earlybird://app/%E0%A4%A',
      'earlybird://other/index.html',
      'earlybird://app/sub',
      'earlybird://app/missing.js',
    ]) {
      const response = await get(url);
      assert.ok(response.status === 404, `${url}: ${response.status}`);
      assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
      assert.doesNotMatch(await response.text(), /secret/);
    }
    assert.equal(resolveAppFile(root, `earlybird://app/../${secret}`), join(root, secret), 'the URL parser already drops a literal ..');
  });

  test('an unbuilt page explains how to build it', async () => {
    const empty = tempDir('empty');
    const response = await createAppProtocolHandler(empty)(new Request(INDEX_URL));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.match(await response.text(), /npm run build:electron/);
  });
});

describe('build', () => {
  // Inside electron/dist (git-ignored), so the bundles resolve node_modules like the real ones.
  const outdir = join(ROOT, 'electron', 'dist', `test-${process.pid}`);
  after(() => rmSync(outdir, { recursive: true, force: true }));

  test('main.cjs and preload.cjs: the preload requires only electron; main keeps the engine out', async () => {
    const result = await buildElectron({ outdir, renderer: false });
    const preload = readFileSync(result.preload, 'utf8');
    assert.deepEqual(forbiddenRequires(preload), []);
    assert.match(preload, /require\("electron"\)/);
    assert.doesNotMatch(preload, /zod|tensorflow/);
    const main = readFileSync(result.main, 'utf8');
    const required = [...main.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    const packages = [...new Set(required.filter((r) => !r.startsWith('node:')))].sort();
    assert.deepEqual(packages, ['electron', 'zod']);
    assert.match(main, /await import\(TSX_ESM_API\)/, 'tsx is imported as ESM at run time');
    assert.doesNotMatch(main, /@tensorflow/);
    for (const file of [result.main, result.preload]) {
      const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stderr);
    }
    assert.deepEqual(forbiddenRequires('require("fs"); require(name)').sort(), ['(dynamic require)', 'fs']);
  });

  test('the bundled engine loader (as in main.cjs) loads the TypeScript engine through tsx', async () => {
    const loader = join(outdir, 'loader.cjs');
    await build({
      entryPoints: [join(ROOT, 'electron', 'loadEngine.ts')],
      outfile: loader,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      packages: 'external',
      logLevel: 'warning',
    });
    const runsDir = tempDir('loader-runs');
    const script = `require(${JSON.stringify(loader)}).loadEngineModule(${JSON.stringify(ROOT)})
      .then((m) => m.createEngine({ mode: 'electron', runsDir: ${JSON.stringify(runsDir)}, emit() {} }).api['app:info']({}))
      .then((info) => console.log(JSON.stringify(info)))`;
    // Plain Node, no --import tsx: the loader registers tsx itself, as main.cjs does in Electron.
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
    assert.equal(run.status, 0, run.stderr);
    const info = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { mode: string };
    assert.equal(info.mode, 'electron');
  });
});

describe('main process (main.cjs under plain Node, with a fake electron module)', () => {
  test('window, hardening, IPC, page protocol; closing the window mid-run cancels it, then quits', { timeout: 120_000 }, async () => {
    // The packaged app's layout (resources/app): electron/dist beside src, bin, node_modules.
    const base = tempDir('main');
    const appDir = join(base, 'app');
    const home = join(base, 'home');
    mkdirSync(join(appDir, 'renderer', 'dist'), { recursive: true });
    writeFileSync(join(appDir, 'renderer', 'dist', 'index.html'), '<!doctype html><title>earlybird test page</title>');
    for (const name of ['src', 'bin', 'node_modules', 'package.json']) symlinkSync(join(ROOT, name), join(appDir, name));
    const built = await buildElectron({ outdir: join(appDir, 'electron', 'dist'), renderer: false });

    const env: NodeJS.ProcessEnv = { ...process.env, FAKE_ELECTRON_HOME: home, NODE_OPTIONS: '' };
    delete env.EARLYBIRD_RUNS;
    const child = spawn(process.execPath, ['--require', join(ROOT, 'electron', 'test-support', 'fake-electron.cjs'), built.main], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const line = stdout.split('\n').find((l) => l.startsWith('FAKE_ELECTRON_REPORT '));
    assert.ok(line, `no report; stderr:\n${stderr}`);
    const report = JSON.parse(line.slice('FAKE_ELECTRON_REPORT '.length));
    assert.deepEqual(report.errors, [], stderr);
    assert.equal(code, 0, stderr);

    // App and window.
    assert.equal(report.name, 'earlybird');
    assert.equal(report.sandbox, true);
    assert.equal(report.schemes[0].scheme, 'earlybird');
    assert.equal(report.schemes[0].privileges.standard && report.schemes[0].privileges.secure, true);
    const options = report.window.options;
    assert.deepEqual([options.width, options.height], [1280, 800]);
    assert.deepEqual(options.webPreferences, webPreferences({ preload: built.preload, devTools: true }));
    assert.equal(report.window.url, INDEX_URL);
    assert.equal(report.window.shown, true);
    assert.deepEqual(report.ipcChannels, API_CHANNELS.map((c) => `api:${c}`).sort());

    // IPC: the engine answers our page, never an iframe; settings:set applies and keeps the theme.
    assert.equal(report.appInfo.ok && report.appInfo.result.mode, 'electron');
    assert.equal(report.fromIframe.status, REFUSED_STATUS);
    assert.equal(report.settingsSet.ok, true);
    assert.equal(report.themeSource, 'dark');
    assert.equal(report.savedSettings.theme, 'dark');
    assert.equal(report.savedSettings.runsDir, join(home, 'documents', 'earlybird', 'runs'));

    // Page protocol and hardening.
    assert.equal(report.page.status, 200);
    assert.equal(report.page.csp, CONTENT_SECURITY_POLICY);
    assert.match(report.page.body, /earlybird test page/);
    assert.equal(report.permissionGranted, false);
    assert.equal(report.permissionCheck, false);
    assert.ok(report.beforeRequestFilter.includes('https://*/*') && report.beforeRequestFilter.includes('file://*/*'));
    assert.deepEqual(report.remoteRequest, { cancel: true });
    assert.deepEqual(report.headers, { 'X-A': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    assert.equal(report.downloadPrevented, true);
    assert.deepEqual([report.openEvil, report.openPaper], [{ action: 'deny' }, { action: 'deny' }]);
    assert.deepEqual(report.externalOpened, ['https://arxiv.org/abs/1909.11957']);
    assert.deepEqual(report.navigation, { away: true, hash: false, webview: true });

    // The run: events reached the window; closing asked first, then cancelled the run cleanly.
    const runId: string = report.started.result.runId;
    const sent = report.window.sent as [string, string, string, string | null][];
    assert.ok(sent.every(([channel, id]) => channel === EVENT_CHANNEL && id === runId));
    assert.ok(sent.some(([, , type]) => type === 'progress'));
    assert.deepEqual(report.dialogs, ['An experiment is running.']);
    assert.ok(report.calls.includes('window.close prevented'));
    // The window was gone by then, so run-end went to the run folder only; the app quit after the worker.
    assert.deepEqual(sent.filter(([, , type]) => type === 'run-end'), []);
    const runs = await listRuns(join(home, 'documents', 'earlybird', 'runs'));
    assert.deepEqual(runs.map((r) => [r.runId, r.status]), [[runId, 'cancelled']], 'the cancelled run folder remains');
  });
});

describe('worker supervision', () => {
  test('a real run in a worker streams events; shutdown cancels it cleanly and it can be resumed', { timeout: 120_000 }, async () => {
    const runsDir = tempDir('supervised');
    const events: ApiEvent[] = [];
    const children: ChildProcess[] = [];
    let onEvent: (e: ApiEvent) => void = () => {};
    const engine = createEngine({
      mode: 'electron',
      runsDir,
      emit: (e) => {
        events.push(e);
        onEvent(e);
      },
      // The supervisor's own default (fork of bin/earlybird-worker.mjs), kept to watch the child exit.
      spawnWorker: () => {
        const child = fork(WORKER_ENTRY, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
        children.push(child);
        return child;
      },
    });
    const ipc = new FakeIpc();
    registerApiHandlers(ipc, engine.api, trusted);
    const page = rendererOver(ipc);
    const config = {
      model: { name: 'tiny' },
      data: { spec: 'mnist', trainLimit: 300, testLimit: 100 },
      training: { epochs: 2, batchSize: 64 },
      search: { queueLength: 2 },
      comparisons: { dense: false },
    };

    const training = new Promise<void>((resolveTraining) => {
      onEvent = (e) => {
        if (e.event.type === 'progress') resolveTraining();
      };
    });
    const { runId, runDir } = await page.api.call('experiment:start', { config });
    assert.equal(engine.supervisor.isActive(runId), true);
    assert.deepEqual((await page.api.call('experiment:active', {})).runs.map((r) => r.runId), [runId]);
    await training;
    assert.ok(events.every((e) => e.runId === runId));
    assert.ok(events.some((e) => e.event.type === 'run-start'));

    // Closing the app: every worker is asked to stop after its current batch, and exits.
    const child = children[0]!;
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (code, signal) => r([code, signal])));
    await engine.supervisor.shutdown();
    const [code, signal] = await exited;
    assert.equal(signal, null, 'not killed');
    assert.equal(code, 0);
    assert.equal(engine.supervisor.active().length, 0);
    const ends = events.filter((e) => e.event.type === 'run-end');
    assert.equal(ends.length, 1);
    assert.equal(ends[0]!.event.type === 'run-end' && ends[0]!.event.status, 'cancelled');

    // The cancelled run folder remains, listed as cancelled, and can be resumed.
    assert.ok(existsSync(join(runDir, 'config.json')));
    const listed = await page.api.call('runs:list', {});
    assert.deepEqual(listed.runs.map((r) => [r.runId, r.status]), [[runId, 'cancelled']]);
    const details = await page.api.call('runs:get', { runId });
    assert.equal(details.active, false);
    assert.ok(details.events.some((e) => e.type === 'run-end' && e.status === 'cancelled'));

    const resumedTraining = new Promise<void>((resolveTraining) => {
      onEvent = (e) => {
        if (e.event.type === 'run-start' && e.event.resumed) resolveTraining();
      };
    });
    const resumed = await page.api.call('experiment:resume', { runId });
    assert.equal(resumed.runId, runId);
    await resumedTraining;
    assert.deepEqual(await page.api.call('experiment:cancel', { runId }), { cancelled: true });
    assert.equal(children.length, 2);
    assert.equal(children[1]!.exitCode, 0);
    assert.equal(engine.supervisor.active().length, 0);
  });
});

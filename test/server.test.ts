/**
 * The browser-mode server on a real loopback socket: the token guards every route (page, assets,
 * API, event stream, report), API calls map onto the contract with the right status codes, the
 * security headers are on every response, it listens on 127.0.0.1 only, the event stream replays
 * what a reconnecting page missed, and `earlybird serve` stops cleanly on SIGINT, cancelling a
 * running experiment so that it can be resumed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openBrowser } from '../src/server/openBrowser.ts';
import { after, before, describe, test } from 'node:test';
import { EventStream } from '../src/server/eventStream.ts';
import { startServer, type RunningServer } from '../src/server/startServer.ts';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with full control over headers (fetch would add its own). */
function http(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; readMs?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', done);
      // Streams (SSE) never end: read for a while, then stop.
      if (options.readMs) timer = setTimeout(() => {
        req.destroy();
        done();
      }, options.readMs);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function api(server: RunningServer, channel: string, body: unknown, headers: Record<string, string> = {}) {
  return http(server.port, `/api/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, ...headers },
    body: JSON.stringify(body),
  });
}

describe('earlybird serve: the HTTP server', () => {
  let server: RunningServer;
  let runsDir: string;

  before(async () => {
    // runs/ one level down, so the folder above it is ours to plant a decoy in.
    runsDir = join(mkdtempSync(join(tmpdir(), 'eb-server-')), 'runs');
    mkdirSync(runsDir);
    server = await startServer({ runsDir, log: () => undefined });
  });
  after(async () => {
    await server.close();
    rmSync(dirname(runsDir), { recursive: true, force: true });
  });

  test('prints a loopback URL with a random base64url token', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    assert.equal(server.url.split('token=')[1], server.token);
  });

  test('a request without the token gets 401 and nothing else, on every route', async () => {
    const routes: [string, string][] = [['GET', '/'], ['GET', '/index.html'], ['GET', '/app.js'], ['GET', '/api/events'], ['GET', '/report/some-run.pdf'], ['POST', '/api/app:info'], ['GET', '/nowhere']];
    for (const [method, path] of routes) {
      const reply = await http(server.port, path, { method, headers: method === 'POST' ? { 'content-type': 'application/json' } : {}, body: method === 'POST' ? '{}' : undefined });
      assert.equal(reply.status, 401, `${method} ${path}`);
      assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
      assert.doesNotMatch(reply.body, /<html|"ok"|earlybird-worker|data:/i, `${method} ${path} leaks nothing`);
    }
  });

  test('a wrong token is refused with 403, in the query or in the header', async () => {
    const wrong = `${server.token.slice(0, -1)}${server.token.endsWith('A') ? 'B' : 'A'}`;
    assert.equal((await http(server.port, `/?token=${wrong}`)).status, 403);
    assert.equal((await http(server.port, `/api/events?token=short`)).status, 403);
    assert.equal((await api(server, 'app:info', {}, { authorization: `Bearer ${wrong}` })).status, 403);
    assert.equal((await api(server, 'app:info', {}, { authorization: '', 'x-earlybird-token': wrong })).status, 403);
  });

  test('a browser opening the page without the right token gets a page saying what happened and where the URL is', async () => {
    const wrong = `${server.token.slice(0, -1)}${server.token.endsWith('A') ? 'B' : 'A'}`;
    for (const [path, status, check] of [[`/?token=${wrong}`, 403, 'wrong'], ['/', 401, 'missing']] as const) {
      const reply = await http(server.port, path, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      assert.equal(reply.status, status);
      assert.match(reply.headers['content-type']!, /^text\/html/);
      assert.match(reply.body, new RegExp(`data-token-check="${check}"`));
      assert.match(reply.body, /earlybird serve: open http:\/\/…\/\?token=/, 'says where the URL is printed');
      assert.ok(!reply.body.includes(server.token), 'the token is not on the page');
      assert.doesNotMatch(reply.body, /<script|app\.js/, 'no script, no asset');
      assert.doesNotMatch(String(reply.headers['content-security-policy']), /unsafe-inline/, 'its style is allowed by hash only');
    }
    // An API call or an asset keeps the plain refusal, whatever it accepts.
    assert.equal((await http(server.port, '/app.js', { headers: { accept: 'text/html' } })).headers['content-type'], 'text/plain; charset=utf-8');
  });

  test('with the token: the page (assets carry the token), and app:info', async () => {
    const page = await http(server.port, `/?token=${server.token}`);
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type']!, /^text\/html/);
    assert.ok(page.body.includes(`src="app.js?token=${server.token}"`), 'script URL carries the token');
    assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    const script = await http(server.port, `/app.js?token=${server.token}`);
    assert.equal(script.status, 200);
    assert.match(script.headers['content-type']!, /^text\/javascript/);

    const info = await api(server, 'app:info', {});
    assert.equal(info.status, 200);
    const body = JSON.parse(info.body);
    assert.equal(body.ok, true);
    assert.equal(body.result.mode, 'browser');
    assert.equal(body.result.canPickFolders, false);
    const viaHeader = await api(server, 'app:info', {}, { authorization: '', 'x-earlybird-token': server.token });
    assert.equal(viaHeader.status, 200);
  });

  test('invalid input to experiment:start is a 400 naming every bad field', async () => {
    const reply = await api(server, 'experiment:start', { config: { model: { name: 'vgg' }, training: { epochs: 0, batchSize: 'big' }, energy: { pue: 0.5 } } });
    assert.equal(reply.status, 400);
    const body = JSON.parse(reply.body);
    assert.equal(body.ok, false);
    assert.match(body.error, /invalid/);
    const paths = body.issues.map((i: { path: string }) => i.path);
    for (const path of ['model.name', 'training.epochs', 'training.batchSize', 'energy.pue']) assert.ok(paths.includes(path), `${path} in ${paths}`);
    const input = await api(server, 'experiment:start', { config: {}, extra: 1 });
    assert.equal(input.status, 400);
    assert.ok(JSON.parse(input.body).issues.length > 0);
  });

  test('unknown channel 404, unknown run 404, wrong method 405, not JSON 415, bad JSON 400, too big 413', async () => {
    const unknown = await api(server, 'experiment:explode', {});
    assert.equal(unknown.status, 404);
    assert.match(JSON.parse(unknown.body).error, /unknown API call/);
    assert.equal((await api(server, 'runs:get', { runId: 'no-such-run' })).status, 404);
    assert.equal((await api(server, 'runs:get', { runId: '../etc' })).status, 400);
    assert.equal((await http(server.port, '/api/app:info', { headers: { authorization: `Bearer ${server.token}` } })).status, 405);
    assert.equal((await http(server.port, '/api/app:info', { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'text/plain' }, body: '{}' })).status, 415);
    assert.equal((await http(server.port, '/api/app:info', { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{nope' })).status, 400);
    const big = JSON.stringify({ config: { name: 'x'.repeat(1_100_000) } });
    assert.equal((await http(server.port, '/api/experiment:validate', { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: big })).status, 413);
  });

  test('strict security headers on every response, and no CORS', async () => {
    for (const reply of [await http(server.port, '/'), await http(server.port, `/?token=${server.token}`), await api(server, 'app:info', {}, { origin: `http://127.0.0.1:${server.port}` })]) {
      const csp = String(reply.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /default-src 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(reply.headers['x-content-type-options'], 'nosniff');
      assert.equal(reply.headers['referrer-policy'], 'no-referrer');
      assert.equal(reply.headers['cache-control'], 'no-store');
      assert.equal(reply.headers['access-control-allow-origin'], undefined);
    }
  });

  test('cross-origin calls and foreign Host headers (DNS rebinding) are refused even with the token', async () => {
    assert.equal((await api(server, 'app:info', {}, { origin: 'http://evil.example' })).status, 403);
    assert.equal((await api(server, 'app:info', {}, { 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await http(server.port, `/?token=${server.token}`, { headers: { host: `evil.example:${server.port}` } })).status, 403);
    assert.equal((await http(server.port, `/?token=${server.token}`, { headers: { host: `localhost:${server.port}` } })).status, 200);
    const preflight = await http(server.port, '/api/app:info', { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    assert.ok(preflight.status >= 400);
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
  });

  test('listens on 127.0.0.1 only', async () => {
    assert.equal(server.host, '127.0.0.1');
    const others = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
    for (const address of others) {
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        const socket = connect({ host: address, port: server.port });
        socket.once('connect', () => {
          socket.destroy();
          resolve(null);
        });
        socket.once('error', resolve);
      });
      assert.equal(error?.code, 'ECONNREFUSED', `not reachable on ${address}`);
    }
    await assert.rejects(startServer({ host: '0.0.0.0', build: false, log: () => undefined }), /refusing to listen on 0\.0\.0\.0/);
  });

  test('the event stream needs the token and speaks text/event-stream', async () => {
    const stream = await http(server.port, `/api/events?token=${server.token}`, { readMs: 300 });
    assert.equal(stream.status, 200);
    assert.match(stream.headers['content-type']!, /^text\/event-stream/);
    assert.match(stream.body, /^retry: \d+/);
  });

  test('the report route serves an exported PDF from inside the run folder only', async () => {
    const none = await http(server.port, `/report/missing-run.pdf?token=${server.token}`);
    assert.equal(none.status, 404);
    const dir = join(runsDir, '20260101-000000-tiny-mnist');
    mkdirSync(join(dir, 'report'), { recursive: true });
    writeFileSync(join(dir, 'config.json'), '{}');
    writeFileSync(join(dir, 'report', 'report.pdf'), '%PDF-1.7\n%fake\n');
    const pdf = await http(server.port, `/report/20260101-000000-tiny-mnist.pdf?token=${server.token}`);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.match(pdf.headers['content-disposition']!, /attachment; filename="earlybird-20260101-000000-tiny-mnist\.pdf"/);
    assert.ok(pdf.body.startsWith('%PDF'));
    // A PDF in the folder above the runs folder: `/report/...pdf` names the run "..", never served.
    writeFileSync(join(dirname(runsDir), 'report.pdf'), '%PDF-1.7\n%decoy\n');
    for (const path of ['/report/...pdf', '/report/..pdf', '/report/..%2F..%2Fetc%2Fpasswd.pdf', '/report/../config.json', '/report/a/b.pdf']) {
      assert.equal((await http(server.port, `${path}?token=${server.token}`)).status, 404, path);
    }
  });
});

describe('event stream', () => {
  test('replays what a reconnecting page missed, and asks for a resync when it cannot', async () => {
    const stream = new EventStream({ heartbeatMs: 50, bufferSize: 3 });
    const server = createServer((req, res) => stream.attach(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const event = (n: number) => ({ runId: 'r', event: { type: 'warning' as const, time: n, message: `m${n}` } });
      stream.publish(event(1));
      const first = await http(port, '/', { readMs: 150 });
      assert.match(first.body, /: heartbeat/, 'heartbeats flow');
      assert.doesNotMatch(first.body, /m1/, 'a new page gets no history (it asks the API)');
      // Publish once the page is attached, not after a guessed delay (a busy machine attaches late).
      const clients = async (n: number) => {
        while (stream.clientCount !== n) await new Promise((resolve) => setTimeout(resolve, 5));
      };
      await clients(0);
      const live = http(port, '/', { readMs: 200 });
      await clients(1);
      stream.publish(event(2));
      const seen = (await live).body;
      assert.match(seen, /data: \{"runId":"r","event":\{"type":"warning","time":2,"message":"m2"\}\}/, 'a connected page gets each event as JSON');
      const boot = /id: ([0-9a-f]+)-2\n/.exec(seen)?.[1];
      assert.ok(boot, 'events carry ids');
      stream.publish(event(3));
      stream.publish(event(4));
      const replay = await http(port, '/', { readMs: 120, headers: { 'last-event-id': `${boot}-2` } });
      assert.match(replay.body, /m3[\s\S]*m4/);
      assert.doesNotMatch(replay.body, /m2/);
      stream.publish(event(5));
      stream.publish(event(6));
      const gone = await http(port, '/', { readMs: 120, headers: { 'last-event-id': `${boot}-1` } });
      assert.match(gone.body, /event: resync/);
      const restarted = await http(port, '/', { readMs: 120, headers: { 'last-event-id': 'deadbeef-5' } });
      assert.match(restarted.body, /event: resync/);
    } finally {
      stream.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('opening the browser', () => {
  test('the token never goes on the opener\'s command line: it gets a private launcher page instead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eb-open-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // A fake xdg-open on PATH that records its arguments and the page it was given.
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(dir, 'args.tmp')}"\ncp "\${1#file://}" "${join(dir, 'page.html')}"\nstat -c %a "\${1#file://}" > "${join(dir, 'mode')}"\nmv "${join(dir, 'args.tmp')}" "${join(dir, 'args')}"\n`, { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    const url = 'http://127.0.0.1:4321/?token=SECRET-TOKEN-abc';
    const errors: string[] = [];
    try {
      openBrowser(url, (message) => errors.push(message));
    } finally {
      process.env.PATH = path;
    }
    for (let i = 0; i < 600 && !existsSync(join(dir, 'args')); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(errors, []);
    const args = readFileSync(join(dir, 'args'), 'utf8');
    assert.ok(!args.includes('SECRET-TOKEN'), `opener arguments: ${args}`);
    assert.match(args, /^file:\/\/.*open-earlybird\.html\n$/);
    assert.ok(readFileSync(join(dir, 'page.html'), 'utf8').includes('url=http://127.0.0.1:4321/?token=SECRET-TOKEN-abc'));
    assert.equal(readFileSync(join(dir, 'mode'), 'utf8').trim(), '600');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('earlybird serve: the command', () => {
  test('Ctrl+C cancels a running experiment cleanly and exits 0', { timeout: 120_000 }, async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'eb-serve-'));
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
      `const { serveCommand } = await import(${JSON.stringify(new URL('../src/server/serveCommand.ts', import.meta.url).href)});
       process.exitCode = await serveCommand(['--no-open', '--runs', ${JSON.stringify(runsDir)}]);`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout} ${stderr}`)), 60_000);
        child.stdout.on('data', () => {
          const match = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const { port, searchParams } = new URL(url);
      const server = { port: Number(port), token: searchParams.get('token')! } as RunningServer;
      const started = await api(server, 'experiment:start', {
        config: { model: { name: 'tiny' }, data: { spec: 'mnist', trainLimit: 2000, testLimit: 100 }, training: { epochs: 20, batchSize: 32 }, energy: { intervalMs: 200 } },
      });
      assert.equal(started.status, 200, started.body);
      const { runId } = JSON.parse(started.body).result;
      const events = join(runsDir, runId, 'events.jsonl');
      // Wait until it trains (the worker has started and finished a batch or two).
      for (let i = 0; i < 600; i++) {
        let text = '';
        try {
          text = readFileSync(events, 'utf8');
        } catch {
          // not yet
        }
        if (text.includes('"phase-start"')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /cancelling 1 running experiment/);
      const last = readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'run-end').pop();
      assert.equal(last?.status, 'cancelled', 'the worker stopped cleanly, not killed');
    } finally {
      child.kill('SIGKILL');
      rmSync(runsDir, { recursive: true, force: true });
    }
  });

  test('bad flags are usage errors', async () => {
    const { serveCommand } = await import('../src/server/serveCommand.ts');
    await assert.rejects(serveCommand(['--port', 'abc']), { name: 'UsageError' });
    await assert.rejects(serveCommand(['--port', '70000']), { name: 'UsageError' });
    await assert.rejects(serveCommand(['--bogus']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });
});

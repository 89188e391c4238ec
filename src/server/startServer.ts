/**
 * The browser-mode server behind `earlybird serve`: plain node:http on 127.0.0.1, one random
 * token that every request must carry, the page and its bundle, the API as `POST /api/<channel>`,
 * run events as server-sent events and run reports as PDF downloads. Experiments run in worker
 * processes (the engine's supervisor), so the server stays responsive while they train.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import type { ApiEvent, EngineApi } from '../api/contract.ts';
import { createEngine, type Engine } from '../api/engine.ts';
import { API_PREFIX, handleApiCall } from './apiRoute.ts';
import { checkToken, newToken } from './auth.ts';
import { DIST_FILES, ensureRendererBuilt, RENDERER_DIST } from './buildRenderer.ts';
import { EventStream } from './eventStream.ts';
import { sendText } from './httpUtil.ts';
import { sendTokenPage, wantsTokenPage } from './tokenPage.ts';
import { serveStudy, STUDY_PATH } from './studyRoute.ts';
import { REPORT_PATH, serveReport, serveTicket, TICKET_PATH } from './reportRoute.ts';
import { applySecurityHeaders } from './securityHeaders.ts';
import { isStaticPath, serveStatic } from './staticRoute.ts';

export const DEFAULT_HOST = '127.0.0.1';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface ServerOptions {
  /** 0 (default): any free port. */
  port?: number;
  /** Default 127.0.0.1. Anything else needs `allowRemote` (see serveCommand for why). */
  host?: string;
  allowRemote?: boolean;
  runsDir?: string;
  /** Build renderer/dist first when it is missing or stale (default true). */
  build?: boolean;
  heartbeatMs?: number;
  /** Event streams open at once (default DEFAULT_MAX_EVENT_STREAMS); one more is refused with 429. */
  maxEventStreams?: number;
  /** Where unexpected errors go (default stderr). */
  log?(line: string): void;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  host: string;
  engine: Engine;
  /** Cancels running experiments (they stop after their current batch), then stops serving. */
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

function hostHeaderAllowed(req: IncomingMessage, allowed: ReadonlySet<string> | null): boolean {
  if (allowed === null) return true;
  const host = req.headers.host;
  return typeof host === 'string' && allowed.has(host.toLowerCase());
}

/** A cross-site page must not reach the API even if it learnt the token; the page itself is same-origin. */
function crossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = req.headers.origin;
  return typeof origin === 'string' && origin !== `http://${req.headers.host}`;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  if (!isLoopback(host) && !options.allowRemote) {
    throw new Error(`refusing to listen on ${host}: only loopback (127.0.0.1) unless allowRemote is set`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (options.build !== false) {
    try {
      if (await ensureRendererBuilt()) log('earlybird serve: renderer built into renderer/dist');
    } catch (error) {
      // A packaged copy may lack esbuild; a complete older build still serves.
      if (!DIST_FILES.every((name) => existsSync(join(RENDERER_DIST, name)))) throw error;
      log(`earlybird serve: could not rebuild the renderer (${(error as Error).message.split('\n')[0]}); serving the existing build`);
    }
  }

  const token = newToken();
  const events = new EventStream({ heartbeatMs: options.heartbeatMs, maxClients: options.maxEventStreams });
  const engine = createEngine({
    mode: 'browser',
    runsDir: options.runsDir,
    emit: (event: ApiEvent) => events.publish(event),
    reportUrl: (runId) => `/report/${encodeURIComponent(runId)}.pdf?token=${token}`,
    studyUrl: (sweep) => `/study/${encodeURIComponent(sweep)}.pdf?token=${token}`,
    ticketUrl: (runId) => `/ticket/${encodeURIComponent(runId)}.zip?token=${token}`,
  });
  // Remember where each export wrote its PDF, for the download route.
  const reportPaths = new Map<string, string>();
  const api: EngineApi = {
    ...engine.api,
    'report:export': async (input) => {
      const result = await engine.api['report:export'](input);
      reportPaths.set(input.runId, result.path);
      return result;
    },
  };

  let allowedHosts: Set<string> | null = null;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    applySecurityHeaders(res);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      sendText(res, 400, 'bad request');
      return;
    }
    if (!hostHeaderAllowed(req, allowedHosts)) {
      sendText(res, 403, 'forbidden: unexpected Host header');
      return;
    }
    const auth = checkToken(req, url, token);
    if (auth !== 'ok') {
      if (auth === 'missing') res.setHeader('WWW-Authenticate', 'Bearer realm="earlybird"');
      if (wantsTokenPage(req, url.pathname)) {
        sendTokenPage(res, auth === 'missing' ? 401 : 403, auth, req.method === 'HEAD');
        return;
      }
      sendText(res, auth === 'missing' ? 401 : 403, auth === 'missing'
        ? 'unauthorized: open the URL that `earlybird serve` printed (it carries the access token)'
        : 'forbidden: wrong access token');
      return;
    }
    const { pathname } = url;
    const method = req.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';

    if (pathname.startsWith(API_PREFIX) || pathname.startsWith('/report/') || pathname.startsWith('/ticket/') || pathname.startsWith('/study/')) {
      if (crossSite(req)) {
        sendText(res, 403, 'forbidden: cross-origin request');
        return;
      }
    }
    if (pathname === '/api/events') {
      if (method !== 'GET') {
        sendText(res, 405, 'the event stream is GET only', { Allow: 'GET' });
        return;
      }
      events.attach(req, res);
      return;
    }
    if (pathname.startsWith(API_PREFIX)) {
      await handleApiCall(req, res, pathname, api, log);
      return;
    }
    const report = REPORT_PATH.exec(pathname);
    if (report) {
      if (!isRead) {
        sendText(res, 405, 'GET only', { Allow: 'GET, HEAD' });
        return;
      }
      const runId = report[1]!;
      await serveReport(runId, engine.settings().runsDir, engine.runDir(runId), reportPaths.get(runId), res, method === 'HEAD');
      return;
    }
    const study = STUDY_PATH.exec(pathname);
    if (study) {
      if (!isRead) {
        sendText(res, 405, 'GET only', { Allow: 'GET, HEAD' });
        return;
      }
      await serveStudy(study[1]!, engine.settings().runsDir, res, method === 'HEAD');
      return;
    }
    const ticket = TICKET_PATH.exec(pathname);
    if (ticket) {
      if (!isRead) {
        sendText(res, 405, 'GET only', { Allow: 'GET, HEAD' });
        return;
      }
      await serveTicket(ticket[1]!, engine.settings().runsDir, engine.runDir(ticket[1]!), res, method === 'HEAD');
      return;
    }
    if (isStaticPath(pathname)) {
      if (!isRead) {
        sendText(res, 405, 'GET only', { Allow: 'GET, HEAD' });
        return;
      }
      await serveStatic(pathname, token, res, method === 'HEAD');
      return;
    }
    sendText(res, 404, `not found: ${pathname}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`earlybird serve: ${(error as Error)?.stack ?? String(error)}`);
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const port = address.port;
  if (isLoopback(host)) {
    allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`]);
  }
  const urlHost = isIP(host) === 6 ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}/?token=${token}`;

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.supervisor.shutdown();
      events.close();
      server.closeAllConnections();
      await stopped;
    })();
    return closing;
  };

  return { url, token, port, host, engine, close };
}

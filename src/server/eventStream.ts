/**
 * Server-sent events: every `ApiEvent` goes to every connected page as one `message` whose data
 * is the event's JSON. Each message has an id (`<boot>-<n>`); a reconnecting EventSource sends
 * the last one it saw (Last-Event-ID) and gets what it missed from a bounded buffer, or a `resync`
 * event when that is no longer possible (the server restarted, or too much happened) so the page
 * reloads its state through the API. A comment line every `heartbeatMs` keeps proxies and idle
 * timers from closing the stream, and lets the page notice a dead connection.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiEvent } from '../api/contract.ts';

interface Buffered {
  seq: number;
  frame: string;
}

export interface EventStreamOptions {
  heartbeatMs?: number;
  /** Events kept for reconnecting pages. */
  bufferSize?: number;
  /** Milliseconds an EventSource waits before reconnecting. */
  retryMs?: number;
  /** Streams open at once (the server has one token, so this is the cap per token); one more is refused with 429. */
  maxClients?: number;
}

/** Enough for many tabs and windows of the app; far below what would starve the server of sockets. */
export const DEFAULT_MAX_EVENT_STREAMS = 32;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly buffer: Buffered[] = [];
  private readonly boot = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly bufferSize: number;
  private readonly retryMs: number;
  readonly maxClients: number;

  constructor(options: EventStreamOptions = {}) {
    this.maxClients = options.maxClients ?? DEFAULT_MAX_EVENT_STREAMS;
    this.bufferSize = options.bufferSize ?? 5000;
    this.retryMs = options.retryMs ?? 2000;
    this.heartbeat = setInterval(() => this.broadcast(`: heartbeat ${Date.now()}\n\n`), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  publish(event: ApiEvent): void {
    const seq = ++this.seq;
    const frame = `id: ${this.boot}-${seq}\ndata: ${JSON.stringify(event)}\n\n`;
    this.buffer.push({ seq, frame });
    if (this.buffer.length > this.bufferSize) this.buffer.splice(0, this.buffer.length - this.bufferSize);
    this.broadcast(frame);
  }

  /** Takes over the response for as long as the page stays connected; refuses (429, and false) one stream over the cap. */
  attach(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.clients.size >= this.maxClients) {
      // No retry field: a refused EventSource is not to reconnect in a tight loop.
      res.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '30' });
      res.end(`too many event streams: ${this.clients.size} of at most ${this.maxClients} are open for this access token; close another tab or window of the app and reload\n`);
      return false;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.write(`retry: ${this.retryMs}\n: connected\n\n`);
    this.replay(req.headers['last-event-id'], res);
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    return true;
  }

  /** Ends every stream (server shutdown); pages will try to reconnect. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private replay(lastEventId: string | string[] | undefined, res: ServerResponse): void {
    if (typeof lastEventId !== 'string' || lastEventId === '') return;
    const [boot, n] = lastEventId.split('-');
    const last = Number(n);
    const oldest = this.buffer[0]?.seq ?? this.seq + 1;
    if (boot !== this.boot || !Number.isInteger(last) || last > this.seq || last + 1 < oldest) {
      res.write(`id: ${this.boot}-${this.seq}\nevent: resync\ndata: {}\n\n`);
      return;
    }
    for (const item of this.buffer) if (item.seq > last) res.write(item.frame);
  }

  private broadcast(frame: string): void {
    for (const res of this.clients) {
      if (!res.writableEnded) res.write(frame);
    }
  }
}

/** Small response and body helpers for the plain node:http server. */
import { basename } from 'node:path';
import { openRegularFile } from '../run/safeRead.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a JSON request body of at most `limit` bytes; an empty body is `{}`. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Streams a file as a download (the report PDF, the ticket zip, the study PDF); HEAD gets the headers
 * only. The file is opened as a regular file without following a link (safeRead.ts), and what is sent
 * is read from that open file: a name swapped after the checks serves nothing else. A refusal is a 404
 * naming the file's kind, never a hang (FIFO) or an endless body (device).
 */
export async function sendFile(path: string, type: string, filename: string, res: ServerResponse, head: boolean, missing: string): Promise<void> {
  let file: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    file = await openRegularFile(path);
  } catch (error) {
    sendText(res, 404, `${missing} (${(error as Error).message.replace(`${path}: `, `${basename(path)}: `)})`);
    return;
  }
  if (!file) {
    sendText(res, 404, missing);
    return;
  }
  const { handle, size } = file;
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': size,
    'Content-Disposition': `attachment; filename="${filename}"`,
  });
  if (head) {
    await handle.close();
    res.end();
    return;
  }
  // Exactly the size announced, even if the file grows while it is sent.
  const stream = handle.createReadStream({ start: 0, end: Math.max(0, size - 1), autoClose: true });
  if (size === 0) {
    stream.destroy();
    res.end();
    return;
  }
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * Requests to a real `earlybird serve` on loopback, for the tests that drive the API and download
 * files the way the page does: `post` calls a contract channel with the server's token, `get`
 * fetches a path as bytes (no token added: the caller puts `?token=` where the route wants it).
 */
import { request } from 'node:http';
import type { RunningServer } from '../../src/server/startServer.ts';

export function post(server: RunningServer, channel: string, body: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: `/api/${channel}`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export function get(port: number, path: string): Promise<{ status: number; type: string; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), bytes: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

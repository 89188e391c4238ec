/**
 * The server's one secret: a random token printed in the URL. Every request must carry it — the
 * page and the event stream in the query (`?token=`; a page or an EventSource cannot set
 * headers), API calls in `Authorization: Bearer <token>` (or `x-earlybird-token`). Compared in
 * constant time. Loopback alone is not enough: any local process or any web page the user has
 * open could otherwise call `experiment:start` or `runs:delete` on 127.0.0.1.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 32 random bytes, base64url: URL-safe, 43 characters. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameToken(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(token, 'utf8');
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time independent of the guess.
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

export type TokenCheck = 'ok' | 'missing' | 'wrong';

/** Where a request may carry the token: header for API calls, query for the page, assets, stream and report. */
export function checkToken(req: IncomingMessage, url: URL, token: string): TokenCheck {
  const auth = req.headers.authorization;
  const bearer = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : null;
  const header = req.headers['x-earlybird-token'];
  const candidates = [bearer, typeof header === 'string' ? header : null, url.searchParams.get('token')].filter(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
  if (candidates.length === 0) return 'missing';
  return candidates.some((candidate) => sameToken(candidate, token)) ? 'ok' : 'wrong';
}

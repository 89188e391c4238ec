/**
 * `POST /api/<channel>` with a JSON body → `dispatch(api, channel, body)` →
 * `{ ok: true, result }`, or `{ ok: false, error, issues }` with the status the error names
 * (validation 400, unknown channel 404, conflicts 409, anything unexpected 500).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, dispatch, type EngineApi, type ValidationIssue } from '../api/contract.ts';
import { HttpError, readJsonBody, sendJson } from './httpUtil.ts';

export const API_PREFIX = '/api/';
export const MAX_BODY_BYTES = 1024 * 1024;

/** Engine errors whose message is meant for the user (a bad run folder, bad data, bad config). */
const USER_ERRORS = new Set(['RunError', 'ConfigError', 'DataError', 'ModelSpecError', 'UsageError']);

export interface ErrorBody {
  ok: false;
  error: string;
  issues: ValidationIssue[];
}

export function errorResponse(error: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  const e = error as Error & { code?: string; issues?: ValidationIssue[] };
  if (error instanceof ApiError) return { status: error.status, body: { ok: false, error: error.message, issues: error.issues }, unexpected: false };
  if (error instanceof HttpError) return { status: error.status, body: { ok: false, error: error.message, issues: [] }, unexpected: false };
  if (USER_ERRORS.has(e?.name)) return { status: 400, body: { ok: false, error: e.message, issues: Array.isArray(e.issues) ? e.issues : [] }, unexpected: false };
  if (e?.code === 'ERR_MODULE_NOT_FOUND') {
    return { status: 501, body: { ok: false, error: `not available in this build: ${e.message}`, issues: [] }, unexpected: true };
  }
  return { status: 500, body: { ok: false, error: e?.message ?? String(error), issues: [] }, unexpected: true };
}

export async function handleApiCall(req: IncomingMessage, res: ServerResponse, pathname: string, api: EngineApi, log: (line: string) => void): Promise<void> {
  let channel = '';
  try {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      throw new HttpError(405, `${req.method} not allowed: API calls are POST with a JSON body`);
    }
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'API calls need Content-Type: application/json');
    try {
      channel = decodeURIComponent(pathname.slice(API_PREFIX.length));
    } catch {
      throw new HttpError(400, 'malformed channel name');
    }
    const body = await readJsonBody(req, MAX_BODY_BYTES);
    const result = await dispatch(api, channel, body);
    sendJson(res, 200, { ok: true, result });
  } catch (error) {
    const { status, body, unexpected } = errorResponse(error);
    if (unexpected) log(`api ${channel || pathname}: ${(error as Error)?.stack ?? String(error)}`);
    sendJson(res, status, body);
  }
}

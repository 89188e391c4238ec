/**
 * `window.api` as the preload builds it, over any invoke/on transport (ipcRenderer in the app,
 * the handler map in tests). Only contract channels can be called; replies are unwrapped into a
 * value or a thrown Error. Imports nothing at runtime but the channel list, so the sandboxed
 * preload bundle stays a few kilobytes with no zod or tfjs in it.
 *
 * Errors and contextBridge: a native Error crossing the bridge is rebuilt in the page as
 * `new Error(message)`, losing `issues` and `status` (Electron's PassValueToOtherContext). So the
 * preload uses `bridgeSafeErrors`: calls reject with a plain `{ name, message, issues, status }`
 * object, which the bridge deep-copies, and the page's duck-typed helpers (`messageOf`,
 * `issuesOf` in renderer/src/api/connectApi.ts) read it like the browser transport's
 * ApiCallError. Without the option (tests, or no bridge) calls throw ApiCallError instances.
 */
import type { ApiChannel, ApiEvent, ApiOutputs, RendererApi, ValidationIssue } from '../src/api/contract.ts';
import { EVENT_CHANNEL, ipcChannelName, isAllowedChannel } from './channels.ts';

type Listener = (...args: any[]) => void;

export interface RendererTransport {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: Listener): unknown;
  removeListener(channel: string, listener: Listener): unknown;
}

export class ApiCallError extends Error {
  override readonly name = 'ApiError';
  constructor(message: string, readonly issues: ValidationIssue[], readonly status: number) {
    super(message);
  }
}

/** `{ ok: true, result }` → result; `{ ok: false, ... }` → throws ApiCallError carrying the issues. */
export function unwrapReply<T>(channel: string, reply: unknown): T {
  if (typeof reply !== 'object' || reply === null || typeof (reply as { ok?: unknown }).ok !== 'boolean') {
    throw new ApiCallError(`${channel}: malformed reply from the main process`, [], 500);
  }
  const r = reply as { ok: true; result: T } | { ok: false; error?: unknown; issues?: unknown; status?: unknown };
  if (r.ok) return r.result;
  const issues = Array.isArray(r.issues)
    ? r.issues.map((i: { path?: unknown; message?: unknown }) => ({ path: String(i?.path ?? ''), message: String(i?.message ?? '') }))
    : [];
  throw new ApiCallError(typeof r.error === 'string' ? r.error : `${channel} failed`, issues, typeof r.status === 'number' ? r.status : 500);
}

function isApiEvent(payload: unknown): payload is ApiEvent {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    typeof (payload as ApiEvent).runId === 'string' &&
    typeof (payload as ApiEvent).event === 'object' &&
    (payload as ApiEvent).event !== null
  );
}

/** What a failed call rejects with under `bridgeSafeErrors`: plain data the bridge copies whole. */
export interface BridgedApiError {
  name: 'ApiCallError';
  message: string;
  issues: ValidationIssue[];
  status: number;
}

export function toBridgedError(error: unknown): BridgedApiError {
  if (error instanceof ApiCallError) {
    return { name: 'ApiCallError', message: error.message, issues: error.issues.map((i) => ({ ...i })), status: error.status };
  }
  return { name: 'ApiCallError', message: error instanceof Error ? error.message : String(error), issues: [], status: 0 };
}

export interface RendererApiOptions {
  /** Reject with plain `BridgedApiError` objects instead of Errors (for contextBridge). */
  bridgeSafeErrors?: boolean;
}

export function createRendererApi(transport: RendererTransport, options: RendererApiOptions = {}): RendererApi {
  const call = async (channel: unknown, input: unknown): Promise<unknown> => {
    if (!isAllowedChannel(channel)) throw new ApiCallError(`unknown API call "${String(channel)}"`, [], 404);
    const reply = await transport.invoke(ipcChannelName(channel), input ?? {});
    return unwrapReply(channel, reply);
  };
  const api: RendererApi = {
    async call<C extends ApiChannel>(channel: C, input: unknown): Promise<ApiOutputs[C]> {
      if (!options.bridgeSafeErrors) return (await call(channel, input)) as ApiOutputs[C];
      try {
        return (await call(channel, input)) as ApiOutputs[C];
      } catch (error) {
        throw toBridgedError(error);
      }
    },
    onEvent(listener: (event: ApiEvent) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('onEvent needs a listener function');
      // The IpcRendererEvent (first argument) is never handed to the page.
      const relay: Listener = (_event: unknown, payload: unknown) => {
        if (isApiEvent(payload)) listener(payload);
      };
      transport.on(EVENT_CHANNEL, relay);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        transport.removeListener(EVENT_CHANNEL, relay);
      };
    },
  };
  return Object.freeze(api);
}

/**
 * `window.api` for a plain browser (`earlybird serve`): calls are `POST /api/<channel>` with the
 * token in a header; events come over one shared EventSource (`/api/events?token=`), which the
 * browser reconnects by itself. The server replays what a reconnecting page missed, or sends
 * `resync` when it cannot, which is passed on as a `earlybird:resync` window event.
 */
import type { ApiChannel, ApiEvent, ApiInput, ApiOutputs, RendererApi, ValidationIssue } from '../../../src/api/contract.ts';

/** A failed call: the engine's message, the fields it names and the HTTP status. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(message: string, readonly issues: ValidationIssue[] = [], readonly status = 0) {
    super(message);
  }
}

/** `closed`: the server refused the stream (it restarted with a new token, or stopped). */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Fired on window whenever the event stream's state changes (also kept in <html data-connection>). */
export const CONNECTION_EVENT = 'earlybird:connection';
export const RESYNC_EVENT = 'earlybird:resync';

export function createBrowserApi(token: string): RendererApi {
  const listeners = new Set<(event: ApiEvent) => void>();
  let source: EventSource | null = null;

  const announce = (state: ConnectionState) => {
    document.documentElement.dataset.connection = state;
    window.dispatchEvent(new CustomEvent(CONNECTION_EVENT, { detail: state }));
  };

  const open = () => {
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    announce('connecting');
    source.onopen = () => announce('open');
    source.onerror = () => announce(source?.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    source.onmessage = (message) => {
      let event: ApiEvent;
      try {
        event = JSON.parse(message.data) as ApiEvent;
      } catch {
        return;
      }
      for (const listener of listeners) listener(event);
    };
    source.addEventListener('resync', () => window.dispatchEvent(new CustomEvent(RESYNC_EVENT)));
  };

  return {
    async call<C extends ApiChannel>(channel: C, input: ApiInput<C>): Promise<ApiOutputs[C]> {
      let response: Response;
      try {
        response = await fetch(`/api/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
          cache: 'no-store',
        });
      } catch (error) {
        throw new ApiCallError(`cannot reach the earlybird server (${(error as Error).message})`);
      }
      let body: { ok: boolean; result?: unknown; error?: string; issues?: ValidationIssue[] };
      try {
        body = await response.json();
      } catch {
        throw new ApiCallError(`${channel}: the server answered ${response.status} without JSON`, [], response.status);
      }
      if (!body.ok) throw new ApiCallError(body.error ?? `${channel} failed (${response.status})`, body.issues ?? [], response.status);
      return body.result as ApiOutputs[C];
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!source) open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
  };
}

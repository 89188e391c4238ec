/**
 * The engine's IPC surface, kept apart from Electron so it is tested with an injected `ipc`:
 * one `ipcMain.handle('api:<channel>')` per contract channel, nothing else. Each handler refuses
 * callers other than our own page, validates its input with the contract's schema (`dispatch`)
 * and answers with a plain envelope, since thrown errors lose their fields crossing IPC.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { dispatch, type ApiChannel, type ApiOutputs, type EngineApi, type ValidationIssue } from '../src/api/contract.ts';
import { API_CHANNELS, ipcChannelName } from './channels.ts';

/** What `ipcRenderer.invoke('api:<channel>', input)` resolves to. */
export type IpcReply<T = unknown> =
  | { ok: true; result: T }
  | { ok: false; error: string; issues: ValidationIssue[]; status: number };

/**
 * The typed channel map (after Heroic Games Launcher's `src/common/types/ipc.ts`): IPC channel
 * name → handler, derived from the contract so a new contract channel is a compile error until
 * it is handled.
 */
export type IpcHandlerMap = {
  [C in ApiChannel as `api:${C}`]: (event: IpcMainInvokeEvent, input?: unknown) => Promise<IpcReply<ApiOutputs[C]>>;
};

export type IpcRegistrar = Pick<IpcMain, 'handle' | 'removeHandler'>;

export interface RegisterOptions {
  /** Called when a caller is refused (default: a warning on stderr). */
  onRefused?(channel: ApiChannel, event: IpcMainInvokeEvent): void;
}

export const REFUSED_STATUS = 403;

interface ApiErrorLike {
  message: string;
  issues: ValidationIssue[];
  status?: unknown;
}

/** ApiError/ConfigError by shape, not class: the engine may be loaded as a separate module copy. */
function isApiErrorLike(error: unknown): error is ApiErrorLike {
  return typeof error === 'object' && error !== null && typeof (error as ApiErrorLike).message === 'string' && Array.isArray((error as ApiErrorLike).issues);
}

/** An error as a structured-clone-safe reply: message, every field issue, an HTTP-like status. */
export function errorReply(error: unknown): Extract<IpcReply, { ok: false }> {
  if (isApiErrorLike(error)) {
    const issues = error.issues.map((i) => ({ path: String(i.path), message: String(i.message) }));
    const status = typeof error.status === 'number' ? error.status : 400;
    return { ok: false, error: error.message, issues, status };
  }
  return { ok: false, error: error instanceof Error ? error.message : String(error), issues: [], status: 500 };
}

/** The handlers for every contract channel, before registration (exported for tests). */
export function createApiHandlers(
  api: EngineApi,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
  options: RegisterOptions = {},
): IpcHandlerMap {
  const onRefused = options.onRefused ?? ((channel, event) => {
    console.warn(`earlybird: refused ${channel} from an untrusted sender (${event.senderFrame?.url ?? 'no frame'})`);
  });
  const handler = (channel: ApiChannel) => async (event: IpcMainInvokeEvent, input?: unknown): Promise<IpcReply> => {
    let trusted = false;
    try {
      trusted = isTrustedSender(event);
    } catch {
      trusted = false;
    }
    if (!trusted) {
      onRefused(channel, event);
      return { ok: false, error: `${channel}: refused: the caller is not the earlybird window`, issues: [], status: REFUSED_STATUS };
    }
    try {
      return { ok: true, result: await dispatch(api, channel, input) };
    } catch (error) {
      return errorReply(error);
    }
  };
  return Object.fromEntries(API_CHANNELS.map((channel) => [ipcChannelName(channel), handler(channel)])) as IpcHandlerMap;
}

/**
 * Registers one `handle` per contract channel; returns a function that removes them all.
 * Channels outside the contract are never registered, so `invoke` on them rejects in the page.
 */
export function registerApiHandlers(
  ipc: IpcRegistrar,
  api: EngineApi,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
  options: RegisterOptions = {},
): () => void {
  const handlers = createApiHandlers(api, isTrustedSender, options);
  const names = Object.keys(handlers) as (keyof IpcHandlerMap)[];
  for (const name of names) {
    ipc.removeHandler(name); // there can be only one handler per channel
    ipc.handle(name, handlers[name]);
  }
  return () => names.forEach((name) => ipc.removeHandler(name));
}

/**
 * Who may call the engine: only the main frame of our own window while it shows our own page
 * (Electron security checklist item 17, "validate the sender of all IPC messages"). Pure, so it is
 * tested without Electron; the structural types below are satisfied by IpcMainInvokeEvent.
 */
import { APP_HOST, APP_SCHEME, INDEX_PATH } from './windowOptions.ts';

export interface FrameLike {
  readonly url: string;
  /** null for a main (top-level) frame. */
  readonly parent: unknown;
}

export interface SenderEventLike {
  readonly sender: { readonly id: number };
  /** null when the frame navigated away or was destroyed before the message was handled. */
  readonly senderFrame: FrameLike | null;
}

export interface TrustedPage {
  /** webContents.id of our window, or undefined when there is no window (nothing is trusted). */
  webContentsId: number | undefined;
  scheme?: string;
  host?: string;
  path?: string;
}

/** True only for our window's top-level frame showing earlybird://app/index.html. */
export function isTrustedSender(event: SenderEventLike, page: TrustedPage): boolean {
  if (page.webContentsId === undefined || event.sender?.id !== page.webContentsId) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  return (
    url.protocol === `${page.scheme ?? APP_SCHEME}:` &&
    url.host === (page.host ?? APP_HOST) &&
    url.username === '' &&
    url.password === '' &&
    url.pathname === (page.path ?? INDEX_PATH)
  );
}

/** A checker bound to a window that may not exist yet (or any more). */
export function senderCheckFor(webContentsId: () => number | undefined): (event: SenderEventLike) => boolean {
  return (event) => isTrustedSender(event, { webContentsId: webContentsId() });
}

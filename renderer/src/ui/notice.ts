/**
 * One line of feedback under an action (a polite live region), e.g. "Report written: …". Shown where
 * it can be seen: a notice that appears outside the visible part of the page is scrolled into it
 * (the page's scroll padding keeps it clear of the sticky bars). Feedback that only confirms, such as
 * "Demo settings loaded.", may be given an expiry, so it does not stand for something long past;
 * an error stays until the next action replaces it.
 */
import { h, replaceChildren } from './dom.ts';

export type NoticeKind = 'info' | 'ok' | 'error';

export interface NoticeOptions {
  /** Clears an ok or info notice this long after it is shown (errors stay). */
  expireMs?: number;
  /** Scrolls a notice shown off screen into view; false for one that sits in a sticky bar. Default true. */
  reveal?: boolean;
}

export interface Notice {
  element: HTMLElement;
  show(kind: NoticeKind, ...content: (Node | string)[]): void;
  /** Clears what is shown now after `ms`, unless something else is shown before then. */
  expireAfter(ms: number): void;
  clear(): void;
}

/** Scroll padding of the page (the sticky header and bars), in px. */
function scrollPadding(): { top: number; bottom: number } {
  const style = getComputedStyle(document.documentElement);
  return { top: parseFloat(style.scrollPaddingTop) || 0, bottom: parseFloat(style.scrollPaddingBottom) || 0 };
}

export function createNotice(testId: string, options: NoticeOptions = {}): Notice {
  const element = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite', testid: testId, hidden: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const clear = () => {
    clearTimeout(timer);
    element.hidden = true;
    element.replaceChildren();
  };
  const expireAfter = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(clear, ms);
  };
  const reveal = () => {
    if (options.reveal === false) return;
    requestAnimationFrame(() => {
      if (element.hidden || !element.isConnected || element.closest('[hidden]')) return;
      const box = element.getBoundingClientRect();
      const { top, bottom } = scrollPadding();
      if (box.top < top || box.bottom > window.innerHeight - bottom) element.scrollIntoView({ block: 'nearest' });
    });
  };
  return {
    element,
    show(kind, ...content) {
      clearTimeout(timer);
      element.className = `notice ${kind}`;
      element.dataset.kind = kind;
      replaceChildren(element, ...content);
      element.hidden = false;
      if (options.expireMs !== undefined && kind !== 'error') expireAfter(options.expireMs);
      reveal();
    },
    expireAfter,
    clear,
  };
}

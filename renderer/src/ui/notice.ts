/** One line of feedback under an action (a polite live region), e.g. "Report written: …". */
import { h, replaceChildren } from './dom.ts';

export type NoticeKind = 'info' | 'ok' | 'error';

export interface Notice {
  element: HTMLElement;
  show(kind: NoticeKind, ...content: (Node | string)[]): void;
  clear(): void;
}

export function createNotice(testId: string): Notice {
  const element = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite', testid: testId, hidden: true });
  return {
    element,
    show(kind, ...content) {
      element.className = `notice ${kind}`;
      element.dataset.kind = kind;
      replaceChildren(element, ...content);
      element.hidden = false;
    },
    clear() {
      element.hidden = true;
      element.replaceChildren();
    },
  };
}

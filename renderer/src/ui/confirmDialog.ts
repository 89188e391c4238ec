/** A modal yes/no question on a native <dialog> (focus trapped, Esc cancels). */
import { h } from './dom.ts';

export function confirmDialog(options: { title: string; message: string; confirmLabel: string; danger?: boolean; testId?: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', testid: 'confirm-cancel' }, 'Cancel');
    const confirm = h('button', { type: 'button', class: options.danger ? 'danger' : 'primary', testid: 'confirm-ok' }, options.confirmLabel);
    const dialog = h('dialog', { class: 'confirm', testid: options.testId ?? 'confirm-dialog', 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title' }, options.title),
      h('p', {}, options.message),
      h('div', { class: 'actions' }, cancel, confirm),
    );
    const finish = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener('click', () => finish(false));
    confirm.addEventListener('click', () => finish(true));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

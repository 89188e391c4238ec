/**
 * The screen switcher: a WAI-ARIA tab list (arrow keys, Home/End move between tabs; Tab enters
 * the panel). Screens are told when they are shown so they can refresh.
 */
import { h } from './dom.ts';

export interface TabSpec {
  id: string;
  label: string;
  panel: HTMLElement;
  onShow?(): void;
}

export interface Tabs {
  element: HTMLElement;
  show(id: string, focus?: boolean): void;
  current(): string;
}

export function createTabs(specs: TabSpec[], onChange?: (id: string) => void): Tabs {
  let currentId = specs[0]!.id;
  const buttons = new Map<string, HTMLButtonElement>();
  const list = h('div', { role: 'tablist', 'aria-label': 'Screens', class: 'tabs' });

  const select = (id: string) => {
    currentId = id;
    for (const s of specs) {
      const selected = s.id === id;
      const button = buttons.get(s.id)!;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      s.panel.hidden = !selected;
    }
  };

  const show = (id: string, focus = false) => {
    const spec = specs.find((s) => s.id === id);
    if (!spec) return;
    select(id);
    if (focus) buttons.get(id)!.focus();
    spec.onShow?.();
    onChange?.(id);
  };

  for (const spec of specs) {
    const button = h('button', {
      type: 'button', role: 'tab', id: `tab-${spec.id}`, 'aria-controls': `panel-${spec.id}`, testid: `tab-${spec.id}`,
      onclick: () => show(spec.id),
    }, spec.label);
    spec.panel.id = `panel-${spec.id}`;
    spec.panel.setAttribute('role', 'tabpanel');
    spec.panel.setAttribute('aria-labelledby', `tab-${spec.id}`);
    spec.panel.tabIndex = -1;
    buttons.set(spec.id, button);
    list.append(button);
  }

  list.addEventListener('keydown', (event) => {
    const index = specs.findIndex((s) => s.id === currentId);
    const next = event.key === 'ArrowRight' ? (index + 1) % specs.length
      : event.key === 'ArrowLeft' ? (index - 1 + specs.length) % specs.length
      : event.key === 'Home' ? 0 : event.key === 'End' ? specs.length - 1 : -1;
    if (next < 0) return;
    event.preventDefault();
    show(specs[next]!.id, true);
  });

  // Selected from the start, so no moment shows every panel at once or a tab with no state
  // while the caller is still deciding which screen to open.
  select(currentId);

  return { element: list, show, current: () => currentId };
}

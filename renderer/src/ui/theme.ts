/**
 * Light, dark or the system's choice: `data-theme` on <html> drives the CSS variables;
 * `system` follows prefers-color-scheme. Listeners (the charts) hear every effective change.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

const listeners = new Set<() => void>();
const media = window.matchMedia('(prefers-color-scheme: dark)');
media.addEventListener('change', () => {
  if (document.documentElement.dataset.theme === 'system') listeners.forEach((l) => l());
});

export function applyTheme(choice: ThemeChoice): void {
  if (document.documentElement.dataset.theme === choice) return;
  document.documentElement.dataset.theme = choice;
  listeners.forEach((l) => l());
}

export function isDark(): boolean {
  const choice = document.documentElement.dataset.theme;
  return choice === 'dark' || (choice !== 'light' && media.matches);
}

export function onThemeChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A CSS custom property's current value, e.g. cssVar('--text'). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Chart colours from the page's CSS variables, so charts follow the light/dark theme. */
import { cssVar } from '../ui/theme.ts';

export interface ChartTheme {
  text: string;
  muted: string;
  grid: string;
  surface: string;
  font: string;
}

export function chartTheme(): ChartTheme {
  return {
    text: cssVar('--text') || '#1b1f24',
    muted: cssVar('--muted') || '#5b6470',
    grid: cssVar('--grid') || 'rgba(0,0,0,0.08)',
    surface: cssVar('--surface') || '#ffffff',
    font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  };
}

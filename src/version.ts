import { readFileSync } from 'node:fs';

/** The installed version of a dependency, or of earlybird itself when no name is given; 'unknown' if unreadable. */
export function packageVersion(name?: string): string {
  const path = name ? `../node_modules/${name}/package.json` : '../package.json';
  try {
    return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

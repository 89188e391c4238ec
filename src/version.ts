import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from './appRoot.ts';

/** The installed version of a dependency, or of earlybird itself when no name is given; 'unknown' if unreadable. */
export function packageVersion(name?: string): string {
  try {
    const path = name ? join(appRoot(), 'node_modules', name, 'package.json') : join(appRoot(), 'package.json');
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

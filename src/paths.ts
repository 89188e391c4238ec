import { homedir } from 'node:os';
import { join } from 'node:path';

/** `~` and `~/…` as the user's home directory, as a shell would expand them. */
export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

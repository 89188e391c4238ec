/** Where downloaded datasets are kept: `~/.cache/earlybird/datasets/<name>` unless told otherwise. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDatasetsRoot(): string {
  return join(homedir(), '.cache', 'earlybird', 'datasets');
}

export function defaultDatasetDir(name: string, root: string = defaultDatasetsRoot()): string {
  return join(root, name);
}

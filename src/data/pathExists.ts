import { stat } from 'node:fs/promises';

/** Whether anything exists at `path` (asynchronous: loaders never block the event loop). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

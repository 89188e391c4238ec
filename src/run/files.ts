/** Small file helpers with the durability rules a killable run needs. */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes a file so that readers see the old or the new content, never half of it. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Appends one line and hands it to the OS before returning: a process killed right after loses
 * nothing it appended (the kernel owns the bytes). fsync is left out on purpose: it guards
 * against power loss, not against a killed process, and costs milliseconds per event.
 */
export function appendLine(path: string, line: string): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, `${line}\n`);
  } finally {
    closeSync(fd);
  }
}

/** Replaces a directory with a freshly written one in one rename (the old one is removed after). */
export async function replaceDirAtomic(dir: string, write: (tempDir: string) => Promise<void> | void): Promise<void> {
  const temp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  await write(temp);
  const fd = openSync(temp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  let hadOld = false;
  try {
    renameSync(dir, old);
    hadOld = true;
  } catch {
    // No previous directory.
  }
  renameSync(temp, dir);
  if (hadOld) rmSync(old, { recursive: true, force: true });
}

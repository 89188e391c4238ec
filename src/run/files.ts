/** Small file helpers with the durability rules a killable run needs. */
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { RunError } from './errors.ts';
import { dirname } from 'node:path';

/**
 * Writes a file so that readers see the old or the new content, never half of it. The temp file is
 * created exclusively without following links (a symlink planted at its name makes this fail, it is
 * never written through), and the rename replaces a link at `path` instead of writing to its target.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  rmSync(temp, { force: true }); // our own leftover from a killed attempt (rm does not follow links)
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/**
 * A directory to write into that is what it says: created when missing, refused when it (or the
 * name) is a symlink or not a directory, so nothing is written through a planted link.
 */
export function ensureOwnDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const stat = lstatSync(dir);
  if (stat.isSymbolicLink()) throw new RunError(`${dir}: is a symbolic link; not written through`);
  if (!stat.isDirectory()) throw new RunError(`${dir}: is not a directory`);
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
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
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

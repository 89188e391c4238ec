/**
 * A write that failed for want of space, said in one line naming the file and the space left, so
 * the user knows what to free; the writer has already removed its temp file and touched nothing
 * written earlier, so the run resumes once there is room.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { RunError } from './errors.ts';

/** The errno codes of a full disk or an exhausted quota. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

export function isNoSpace(error: unknown): boolean {
  return NO_SPACE.has((error as NodeJS.ErrnoException | null)?.code ?? '');
}

export class DiskFullError extends RunError {
  constructor(readonly path: string, readonly freeBytes: number | null, readonly code: string) {
    super(`disk full: could not write ${path} (${code}; ${freeBytes === null ? 'free space unknown' : `${formatBytes(freeBytes)} free`} on its file system); ` +
      'temp files removed, earlier files untouched: free some space, then resume the run');
  }
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Bytes an unprivileged writer may still use on the file system holding `path` (its nearest existing folder). */
export function freeBytesAt(path: string): number | null {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      const s = statfsSync(dir);
      return Number(s.bavail) * Number(s.bsize);
    } catch {
      if (dirname(dir) === dir) return null;
    }
  }
}

/** `error` as a DiskFullError naming `path` when it is a full disk; any other error unchanged. */
export function asDiskFull(error: unknown, path: string): unknown {
  if (error instanceof DiskFullError || !isNoSpace(error)) return error;
  return new DiskFullError(path, freeBytesAt(path), (error as NodeJS.ErrnoException).code!);
}

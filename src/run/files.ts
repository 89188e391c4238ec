/** Small file helpers with the durability rules a killable run needs. */
import { createHash } from 'node:crypto';
import {
  closeSync, constants, existsSync, fstatSync, fsyncSync, ftruncateSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { asDiskFull } from './diskFull.ts';
import { RunError } from './errors.ts';
import { faultPoint } from './faultPoints.ts';

/**
 * Writes a file so that readers see the old or the new content, never half of it. The temp file is
 * created exclusively without following links (a symlink planted at its name makes this fail, it is
 * never written through), and the rename replaces a link at `path` instead of writing to its target.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(temp, { force: true }); // our own leftover from a killed attempt (rm does not follow links)
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } finally {
      closeSync(fd);
    }
    faultPoint('write:temp-written');
    renameSync(temp, path);
  } catch (error) {
    // A failed write leaves nothing behind; what was at `path` is untouched.
    rmSync(temp, { force: true });
    throw asDiskFull(error, path);
  }
  faultPoint('write:renamed');
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
  faultPoint('append');
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    throw asDiskFull(error, path);
  }
  let size = -1;
  try {
    size = fstatSync(fd).size;
    writeSync(fd, `${line}\n`);
  } catch (error) {
    // A line the disk had no room for is taken back whole: the file ends where it ended before.
    if (size >= 0) {
      try {
        ftruncateSync(fd, size);
      } catch {
        // The reader skips a torn last line.
      }
    }
    throw asDiskFull(error, path);
  } finally {
    closeSync(fd);
  }
}

/**
 * The file a replaced directory carries last: every other file's size and SHA-256, so a copy left
 * by a killed swap can be told complete (and promoted) from one cut off mid-write (removed).
 */
export const REPLACE_MANIFEST = 'complete.json';

interface ReplaceManifest {
  writtenAt: number;
  files: Record<string, { bytes: number; sha256: string }>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function writeManifest(dir: string): void {
  const files: ReplaceManifest['files'] = {};
  for (const name of readdirSync(dir).sort()) {
    if (name === REPLACE_MANIFEST) continue;
    const stat = lstatSync(join(dir, name));
    if (!stat.isFile()) throw new RunError(`${join(dir, name)}: a replaced directory holds regular files only`);
    const bytes = readFileSync(join(dir, name));
    files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  }
  const manifest: ReplaceManifest = { writtenAt: Date.now(), files };
  writeFileSync(join(dir, REPLACE_MANIFEST), JSON.stringify(manifest));
}

/** The manifest of `dir` when every file it lists is there, a regular file, with its size and hash; else null. */
export function verifiedManifest(dir: string): ReplaceManifest | null {
  try {
    if (!lstatSync(dir).isDirectory()) return null;
    const manifest = JSON.parse(readFileSync(join(dir, REPLACE_MANIFEST), 'utf8')) as ReplaceManifest;
    if (typeof manifest?.files !== 'object' || manifest.files === null || !Number.isFinite(manifest.writtenAt)) return null;
    for (const [name, want] of Object.entries(manifest.files)) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      if (!stat.isFile() || stat.size !== want.bytes) return null;
      if (sha256(readFileSync(path)) !== want.sha256) return null;
    }
    return manifest;
  } catch {
    return null;
  }
}

/**
 * Replaces a directory with a freshly written one. The new copy is written beside it (`.tmp-PID`),
 * sealed with its manifest, then swapped in by two renames (old copy to `.old-PID`, new copy into
 * place) and the old copy removed. A kill between any two of these steps leaves at least one
 * complete copy, which `settleReplacedDir` finds. A failed write (a full disk) removes the new
 * copy and leaves the old one in place.
 */
export async function replaceDirAtomic(dir: string, write: (tempDir: string) => Promise<void> | void): Promise<void> {
  settleReplacedDir(dir); // a dead writer's copies first: our temp name may be one of them (pid reuse)
  const temp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  let moved = false;
  try {
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { recursive: true });
    await write(temp);
    writeManifest(temp);
    const fd = openSync(temp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    faultPoint('replace:temp-written');
    try {
      renameSync(dir, old);
      moved = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // else: no previous directory
    }
    faultPoint('replace:old-moved');
    renameSync(temp, dir);
  } catch (error) {
    if (moved) {
      try {
        renameSync(old, dir);
      } catch {
        // settleReplacedDir finds the old copy on the next start.
      }
    }
    rmSync(temp, { recursive: true, force: true });
    throw asDiskFull(error, dir);
  }
  faultPoint('replace:new-moved');
  if (moved) rmSync(old, { recursive: true, force: true });
  faultPoint('replace:old-removed');
}

const LEFTOVER = /^\.(tmp|old)-(\d+)$/;

interface Copy {
  path: string;
  kind: 'tmp' | 'final' | 'old';
  /** When its manifest was written; null without one (written before manifests, or cut off). */
  writtenAt: number | null;
  complete: boolean;
}

/** `dir` and the copies a swap of it left beside it, newest first: new copies, the directory, old copies. */
export function replacedDirCopies(dir: string): Copy[] {
  const parent = dirname(dir);
  const base = basename(dir);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const copies: Copy[] = [];
  for (const name of names) {
    const match = name.startsWith(`${base}.`) ? LEFTOVER.exec(name.slice(base.length)) : null;
    const isFinal = name === base;
    if (!match && !isFinal) continue;
    const path = join(parent, name);
    let isDir = false;
    try {
      isDir = lstatSync(path).isDirectory();
    } catch {
      continue;
    }
    const manifest = isDir ? verifiedManifest(path) : null;
    let hasManifest = false;
    try {
      hasManifest = isDir && lstatSync(join(path, REPLACE_MANIFEST)).isFile();
    } catch {
      // none
    }
    const kind = isFinal ? 'final' : (match![1] as 'tmp' | 'old');
    // A new copy counts only with a verified manifest; the directory and old copies were complete
    // when they were in place (copies without a manifest predate manifests), unless a manifest
    // they carry no longer matches.
    const complete = isDir && (manifest !== null || (kind !== 'tmp' && !hasManifest));
    copies.push({ path, kind, writtenAt: manifest?.writtenAt ?? null, complete });
  }
  const rank = { tmp: 0, final: 1, old: 2 };
  return copies.sort((a, b) => rank[a.kind] - rank[b.kind] || (b.writtenAt ?? 0) - (a.writtenAt ?? 0));
}

export interface Settled {
  /** The copy now at `dir`, or null when there is none. */
  kept: string | null;
  /** The copy moved into place (a new or old copy a killed swap left), else null. */
  promoted: string | null;
  removed: string[];
}

/**
 * Puts the newest complete copy of a replaced directory in place and removes the others, after a
 * writer was killed mid-swap. `accept` may turn down a complete copy (e.g. one the run's log does
 * not back); the next newest is tried. Only the run's lock holder may call this.
 */
export function settleReplacedDir(dir: string, accept: (path: string) => boolean = () => true): Settled {
  if (!hasLeftovers(dir)) return { kept: existsSync(dir) ? dir : null, promoted: null, removed: [] };
  const copies = replacedDirCopies(dir);
  const final = copies.find((c) => c.kind === 'final') ?? null;
  if (copies.length === 0 || (copies.length === 1 && final)) return { kept: final?.path ?? null, promoted: null, removed: [] };
  const chosen = copies.find((c) => c.complete && accept(c.path)) ?? null;
  const removed: string[] = [];
  if (!chosen) {
    // Nothing to promote: only copies cut off mid-write go; the rest stay for the error to name.
    for (const c of copies) if (c.kind === 'tmp' && !c.complete) removeCopy(c.path, removed);
    return { kept: final?.path ?? null, promoted: null, removed };
  }
  if (chosen !== final) {
    if (final) {
      const aside = `${dir}.old-${process.pid}`;
      rmSync(aside, { recursive: true, force: true });
      renameSync(dir, aside);
      faultPoint('replace:old-moved');
    }
    renameSync(chosen.path, dir);
    faultPoint('replace:new-moved');
  }
  for (const c of replacedDirCopies(dir)) if (c.kind !== 'final') removeCopy(c.path, removed);
  return { kept: dir, promoted: chosen === final ? null : chosen.path, removed };
}

/** Whether a swap of `dir` left copies beside it (a directory listing, no file read). */
function hasLeftovers(dir: string): boolean {
  const base = basename(dir);
  try {
    return readdirSync(dirname(dir)).some((name) => name.startsWith(`${base}.`) && LEFTOVER.test(name.slice(base.length)));
  } catch {
    return false;
  }
}

function removeCopy(path: string, removed: string[]): void {
  rmSync(path, { recursive: true, force: true });
  removed.push(path);
}

/**
 * The one rule for every folder the server and the CLI read from or write into below a trusted root
 * (the runs folder, a run folder, a sweep folder): each level below the root is a real directory,
 * never a symbolic link and never something else. The root itself may be a link (the user chose it);
 * what lies under it may not lead out of it. Writes create missing levels one at a time and refuse a
 * planted link at any level; reads refuse the same links instead of following them out of the root.
 * Files themselves are read through safeRead.ts (regular files only, O_NOFOLLOW, capped).
 */
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RunError } from './errors.ts';
import { writeFileAtomic } from './files.ts';

/** The levels of `path` below `root` (empty for the root itself); RunError when `path` is not inside `root`. */
export function levelsBelow(root: string, path: string): string[] {
  const rel = relative(resolve(root), resolve(path));
  if (rel === '') return [];
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new RunError(`${path}: is outside ${root}; not used`);
  return rel.split(sep);
}

function refusal(path: string, stat: Stats, doing: string): RunError | null {
  if (stat.isSymbolicLink()) return new RunError(`${path}: is a symbolic link; not ${doing} through`);
  if (!stat.isDirectory()) return new RunError(`${path}: is not a directory; not ${doing}`);
  return null;
}

/**
 * Makes `dir` (at or below `root`) a folder to write into: every missing level is created on its own,
 * every existing level must be a real directory. Throws RunError naming the first level that is a
 * link or not a directory. Returns `dir` resolved.
 */
export function ensureDirBelow(root: string, dir: string): string {
  let path = resolve(root);
  for (const level of levelsBelow(root, dir)) {
    path = join(path, level);
    let stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) {
      try {
        mkdirSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new RunError(`${path}: cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      stat = lstatSync(path);
    }
    const refused = refusal(path, stat, 'written');
    if (refused) throw refused;
  }
  return resolve(dir);
}

/** Writes `path` (below `root`) atomically, through real directories only; a link at `path` itself is replaced, never followed. */
export function writeFileBelow(root: string, path: string, data: string | Uint8Array): void {
  ensureDirBelow(root, resolve(path, '..'));
  writeFileAtomic(path, data);
}

/**
 * Whether every level from below `root` down to `dir` is a real directory: null when so, else why
 * not (naming the level). A missing level is "missing", not a refusal.
 */
export async function realDirProblem(root: string, dir: string): Promise<{ missing: string } | { refused: string } | null> {
  let path = resolve(root);
  let levels: string[];
  try {
    levels = levelsBelow(root, dir);
  } catch (error) {
    return { refused: (error as Error).message };
  }
  for (const level of levels) {
    path = join(path, level);
    let stat: Stats;
    try {
      stat = await lstat(path);
    } catch {
      return { missing: path };
    }
    const refused = refusal(path, stat, 'read');
    if (refused) return { refused: refused.message };
  }
  return null;
}

/** Throws RunError unless every level below `root` down to `dir` exists and is a real directory. */
export async function assertRealDirBelow(root: string, dir: string): Promise<string> {
  const problem = await realDirProblem(root, dir);
  if (problem && 'refused' in problem) throw new RunError(problem.refused);
  if (problem) throw new RunError(`${problem.missing}: no such folder`);
  return resolve(dir);
}

/** Synchronous twin of realDirProblem, for readers that are synchronous end to end (the study aggregate). */
export function realDirProblemSync(root: string, dir: string): string | null {
  let path = resolve(root);
  let levels: string[];
  try {
    levels = levelsBelow(root, dir);
  } catch (error) {
    return (error as Error).message;
  }
  for (const level of levels) {
    path = join(path, level);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) return `${path}: no such folder`;
    const refused = refusal(path, stat, 'read');
    if (refused) return refused.message;
  }
  return null;
}

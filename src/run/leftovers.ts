/**
 * What a killed or failed attempt leaves in a run folder besides its data: the temp files of
 * atomic writes (`<file>.tmp-PID`) and the copies of a checkpoint swap (`<dir>.tmp-PID`,
 * `<dir>.old-PID`). Cleared when the run starts again, under its lock: a swap's newest complete
 * copy is put in place first, and a temp file is removed only when the process that wrote it is
 * gone (a report written beside the run by another process keeps its own).
 */
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { asDiskFull, DiskFullError, isNoSpace } from './diskFull.ts';
import { settleReplacedDir } from './files.ts';
import { checkpointsDir } from './paths.ts';

const TEMP_FILE = /\.tmp-(\d+)$/;
const SWAP_COPY = /^(.+)\.(tmp|old)-\d+$/;
const MAX_DEPTH = 3;

function processGone(pid: number): boolean {
  if (pid === process.pid) return true; // our own leftover: this process is not writing it now
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Settles every checkpoint swap and removes dead writers' temp files; returns one line per thing done. */
export function clearRunLeftovers(runDir: string): string[] {
  const done: string[] = [];
  const checkpoints = checkpointsDir(runDir);
  const swapped = new Set(entries(checkpoints).map((name) => SWAP_COPY.exec(name)?.[1]).filter((b): b is string => Boolean(b)));
  for (const base of swapped) {
    const settled = settleReplacedDir(join(checkpoints, base));
    if (settled.promoted) done.push(`checkpoints/${base}: a killed swap left it out of place; its newest complete copy was put back`);
    if (settled.removed.length > 0) done.push(`checkpoints/${base}: removed ${settled.removed.length} leftover ${settled.removed.length === 1 ? 'copy' : 'copies'} of an interrupted swap`);
  }
  const walk = (dir: string, depth: number) => {
    for (const name of entries(dir)) {
      const path = join(dir, name);
      let stat;
      try {
        stat = lstatSync(path);
      } catch {
        continue;
      }
      const temp = TEMP_FILE.exec(name);
      if (temp && stat.isFile() && processGone(Number(temp[1]))) {
        rmSync(path, { force: true });
        done.push(`${path.slice(runDir.length + 1)}: removed the temp file of an interrupted write`);
      } else if (stat.isDirectory() && !stat.isSymbolicLink() && depth < MAX_DEPTH && path !== checkpoints) {
        walk(path, depth + 1);
      }
    }
  };
  walk(runDir, 0);
  return done;
}

/**
 * The error a failed run reports: a full disk (wherever it was hit) becomes one line naming the
 * file and the space left, after the temp files of the failed writes are cleared.
 */
export function settleFailure(error: unknown, runDir: string): unknown {
  if (!isNoSpace(error) && !(error instanceof DiskFullError)) return error;
  clearRunLeftovers(runDir);
  return asDiskFull(error, (error as NodeJS.ErrnoException).path ?? runDir);
}

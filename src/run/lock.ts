/**
 * One writer per run. A process that writes a run folder (runs it, resumes it, deletes it) first
 * creates `run.lock` exclusively (O_CREAT|O_EXCL), holding its pid, host and start time, and removes
 * it when done. A second writer is refused with the holder named. A lock whose process is gone (same
 * host, pid not alive) is stale: it is named in a warning and taken over. A lock from another host
 * cannot be checked from here, so it is refused with the path to remove by hand.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import { lockPath } from './paths.ts';
import { RunError } from './errors.ts';

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  startedAt: string;
  /** What the holder is doing: run, resume, delete. */
  purpose: string;
}

export class RunLockedError extends RunError {
  constructor(message: string, readonly holder: LockHolder | null) {
    super(message);
  }
}

export type LockState =
  | { state: 'free' }
  | { state: 'held'; holder: LockHolder; path: string }
  | { state: 'stale'; holder: LockHolder; path: string; why: string }
  | { state: 'unknown'; holder: LockHolder | null; path: string; why: string };

/**
 * When the process with this pid started (ms since the epoch), on Linux from /proc; null elsewhere.
 * A pid whose process started after the lock was taken was reused: the lock's writer is gone.
 */
function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime, clock ticks since boot) counted after the ")" that ends the command name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!Number.isFinite(ticks) || !btime) return null;
    return Number(btime[1]) * 1000 + (ticks / USER_HZ) * 1000;
  } catch {
    return null;
  }
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times (100 on every mainstream architecture). */
const USER_HZ = 100;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') {
      return { pid: value.pid, host: value.host, startedAt: String(value.startedAt ?? 'unknown'), purpose: String(value.purpose ?? 'unknown') };
    }
  } catch {
    // Torn or foreign content: handled as unknown below.
  }
  return null;
}

export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host} (${holder.purpose}, since ${holder.startedAt})`;
}

/** Who holds the run's lock, without touching it. */
export function inspectLock(runDir: string): LockState {
  const path = lockPath(runDir);
  let text: string;
  try {
    // O_NOFOLLOW|O_NONBLOCK: a symlink or FIFO planted as the lock must not redirect or hang us.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      // A lock is a few hundred bytes: read 4 KiB at most, whatever size the file claims (fstat refuses a FIFO).
      if (!fstatSync(fd).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
      const buffer = Buffer.alloc(4096);
      text = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'free' };
    return { state: 'unknown', holder: null, path, why: `${path} cannot be read (${code ?? (error as Error).message})` };
  }
  const holder = parseHolder(text);
  if (!holder) {
    // A lock being written right now is empty for an instant; treat it as held, never as stale.
    return { state: 'unknown', holder: null, path, why: `${path} holds no pid/host (being written, or damaged)` };
  }
  if (holder.host !== hostname()) {
    return { state: 'unknown', holder, path, why: `held by ${describeHolder(holder)}, another host, which cannot be checked from here` };
  }
  if (!processAlive(holder.pid)) {
    return { state: 'stale', holder, path, why: `stale lock ${path}: ${describeHolder(holder)}, but that process is gone` };
  }
  const started = processStartMs(holder.pid);
  const locked = Date.parse(holder.startedAt);
  // 30 s of slack: btime and the tick count are coarse, and the wall clock may have been stepped since boot.
  if (started !== null && Number.isFinite(locked) && started > locked + 30_000) {
    return { state: 'stale', holder, path, why: `stale lock ${path}: ${describeHolder(holder)}, but pid ${holder.pid} now belongs to a process started later (${new Date(started).toISOString()})` };
  }
  return { state: 'held', holder, path };
}

/** The refusal for a run someone else writes; null when the run is free (or only stale-locked). */
export function lockRefusal(runDir: string, action: string): RunLockedError | null {
  const lock = inspectLock(runDir);
  if (lock.state === 'held') {
    return new RunLockedError(`cannot ${action} ${runDir}: it is being written by ${describeHolder(lock.holder)} (lock ${lock.path})`, lock.holder);
  }
  if (lock.state === 'unknown') {
    return new RunLockedError(`cannot ${action} ${runDir}: ${lock.why}; if no process writes this run, remove ${lock.path}`, lock.holder);
  }
  return null;
}

export interface RunLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** The stale lock that was taken over, named, if any. */
  readonly tookOver: string | null;
  release(): void;
}

function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new RunError(`cannot create the run lock ${path}: ${(error as Error).message}`);
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Takes the run's lock for this process or throws RunLockedError naming the holder. A stale lock is
 * moved aside (run.lock.stale-<pid>) and taken over; the returned lock says which one it replaced.
 */
export function acquireRunLock(runDir: string, purpose: string): RunLock {
  const path = lockPath(runDir);
  const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), purpose };
  let tookOver: string | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, holder)) {
      let released = false;
      return {
        path, holder, tookOver,
        release() {
          if (released) return;
          released = true;
          // Only our own lock: never remove one a later process took over.
          const now = inspectLock(runDir);
          if ((now.state === 'held' || now.state === 'stale') && now.holder.pid === holder.pid && now.holder.host === holder.host && now.holder.startedAt === holder.startedAt) {
            rmSync(path, { force: true });
          }
        },
      };
    }
    const lock = inspectLock(runDir);
    if (lock.state === 'free') continue; // released between our try and our look
    if (lock.state !== 'stale') throw lockRefusal(runDir, purpose) ?? new RunLockedError(`cannot ${purpose} ${runDir}: locked`, null);
    // Move the stale lock aside, then check that what moved is the stale one (another process may
    // have taken it over in between: then put theirs back and give up).
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    const moved = (() => {
      try {
        return parseHolder(readFileSync(aside, 'utf8'));
      } catch {
        return null;
      }
    })();
    if (!moved || moved.pid !== lock.holder.pid || moved.startedAt !== lock.holder.startedAt) {
      try {
        renameSync(aside, path);
      } catch {
        // Nothing more we can do safely.
      }
      throw new RunLockedError(`cannot ${purpose} ${runDir}: another process took the lock over just now`, moved);
    }
    rmSync(aside, { force: true });
    tookOver = lock.why;
  }
  throw new RunLockedError(`cannot ${purpose} ${runDir}: could not take the lock ${path}`, null);
}

/**
 * The runs index: what the run list shows of each run, kept with the (size, mtime, inode) of the
 * files it was read from (config.json, summary.json, events.jsonl). A list re-reads only the runs
 * whose files changed, so a list is O(changed runs) however big an unchanged event log is. The
 * index lives in memory for a long-lived process (the server) and in `<runs>/.earlybird-runs-index.json`
 * for the next CLI call. The file is only a cache: it is read like any file the user can replace
 * (regular file, capped, schema-checked), anything wrong with it means "read the runs again", and a
 * runs folder that cannot be written to just goes without it. Lock state is never cached.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './files.ts';
import { configPath, eventsPath, summaryPath } from './paths.ts';
import { READ_CAPS, readRegularFile } from './safeRead.ts';

export const RUNS_INDEX_FILE = '.earlybird-runs-index.json';
export const runsIndexPath = (runsDir: string) => join(runsDir, RUNS_INDEX_FILE);

const stamp = z.tuple([z.number(), z.number(), z.number()]).nullable();
export type FileStamp = z.infer<typeof stamp>;

const stamps = z.strictObject({ config: stamp, summary: stamp, events: stamp });
export type RunStamps = z.infer<typeof stamps>;

const numOrNull = z.number().nullable();
const textOrNull = z.string().nullable();

/** A run's list line as read from its files (everything but where it is and who holds its lock). */
export const cachedItemSchema = z.strictObject({
  name: textOrNull,
  createdAt: textOrNull,
  model: textOrNull,
  data: textOrNull,
  status: z.enum(['completed', 'cancelled', 'failed', 'incomplete', 'unreadable']),
  ebEpoch: numOrNull,
  plannedEpochs: numOrNull,
  seed: numOrNull,
  seconds: numOrNull,
  testAccuracy: z.strictObject({ ebTrain: numOrNull, dense: numOrNull }),
  joules: z.strictObject({ ebTrain: numOrNull, dense: numOrNull }),
  savedPercent: numOrNull,
  savedKind: z.enum(['measured', 'estimated', 'projected']).nullable(),
  savedReason: textOrNull,
  savedInterval: z.strictObject({ low: z.number(), high: z.number(), clear: z.boolean() }).nullable().optional(),
  savedWarning: textOrNull.optional(),
  estimateModel: textOrNull,
  /** A failure a resume would repeat (the run's data or settings); null for any other end. */
  failure: z.enum(['data', 'config']).nullable(),
  /** Epochs the run finished over all its phases; null for a completed run (its summary has the rest). */
  epochsFinished: numOrNull,
  problem: textOrNull,
});
export type CachedRunItem = z.infer<typeof cachedItemSchema>;

const entry = z.strictObject({ stamps, item: cachedItemSchema });
type IndexEntry = z.infer<typeof entry>;

const indexFile = z.strictObject({ kind: z.literal('earlybird-runs-index'), version: z.literal(1), runs: z.record(z.string(), entry) });

/** (size, mtime, inode) of the file itself (a link is stamped, never followed); null when missing. */
async function stampOf(path: string): Promise<FileStamp> {
  try {
    const stat = await lstat(path);
    return [stat.size, stat.mtimeMs, stat.ino];
  } catch {
    return null;
  }
}

export async function runStamps(dir: string): Promise<RunStamps> {
  const [config, summary, events] = await Promise.all([stampOf(configPath(dir)), stampOf(summaryPath(dir)), stampOf(eventsPath(dir))]);
  return { config, summary, events };
}

function sameStamps(a: RunStamps, b: RunStamps): boolean {
  return (['config', 'summary', 'events'] as const).every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

// One map per folder of runs, shared by every list in this process; keyed by run folder name.
const memory = new Map<string, Map<string, IndexEntry>>();

export class RunsIndex {
  private changed = false;
  private readonly seen = new Set<string>();

  private constructor(private readonly runsDir: string, private readonly entries: Map<string, IndexEntry>, private readonly persist: boolean) {}

  /** The index of `runsDir`: this process's copy, else the index file when it is sound, else empty. */
  static async open(runsDir: string, options: { persist?: boolean } = {}): Promise<RunsIndex> {
    const persist = options.persist ?? true;
    let entries = memory.get(runsDir);
    if (!entries) {
      entries = new Map();
      if (persist) {
        try {
          const text = await readRegularFile(runsIndexPath(runsDir), READ_CAPS.runsIndex);
          const parsed = text === null ? null : indexFile.safeParse(JSON.parse(text));
          if (parsed?.success) for (const [name, e] of Object.entries(parsed.data.runs)) entries.set(name, e);
        } catch {
          // Not a sound index (replaced, torn, a FIFO): the runs are read again.
        }
      }
      memory.set(runsDir, entries);
    }
    return new RunsIndex(runsDir, entries, persist);
  }

  /** The run's cached line when its files are unchanged since it was read; else reads it with `read` and keeps it. */
  async item(name: string, dir: string, read: () => Promise<CachedRunItem>): Promise<CachedRunItem> {
    this.seen.add(name);
    const now = await runStamps(dir);
    const cached = this.entries.get(name);
    if (cached && sameStamps(cached.stamps, now)) return cached.item;
    const item = await read();
    // Stamped before the read: a file changed while it was read is read again next time.
    this.entries.set(name, { stamps: now, item });
    this.changed = true;
    return item;
  }

  /** Drops runs not seen by this list (deleted folders) and writes the index file when anything changed. */
  save(): void {
    for (const name of this.entries.keys()) {
      if (!this.seen.has(name)) {
        this.entries.delete(name);
        this.changed = true;
      }
    }
    if (!this.changed || !this.persist) return;
    this.changed = false;
    try {
      writeFileAtomic(runsIndexPath(this.runsDir), `${JSON.stringify({ kind: 'earlybird-runs-index', version: 1, runs: Object.fromEntries(this.entries) })}\n`);
    } catch {
      // A read-only runs folder lists without an index file.
    }
  }
}

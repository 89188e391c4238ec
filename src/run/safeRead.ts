/**
 * Reads of run-folder files that cannot hang or explode, whatever sits in the folder: only regular
 * files are read (a FIFO, device or directory is refused, never waited on), symlinks are not followed
 * (O_NOFOLLOW), whole-file reads have a size cap, and the event log is streamed line by line with a
 * cap per line. Every refusal is a RunError naming the file and, for caps, the cap.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { RunError } from './errors.ts';

const MiB = 1024 * 1024;

/** Caps for whole-file reads, by file. A legal run stays far below each. */
export const READ_CAPS = {
  config: 1 * MiB,
  summary: 32 * MiB,
  metrics: 128 * MiB,
  checkpointMeta: 64 * MiB,
  /** earlybird-run.json: a few hundred bytes when the engine wrote it. */
  marker: 64 * 1024,
  /** A sweep's sweep.json: ~200 bytes a point. */
  sweepManifest: 16 * MiB,
  /** One file of an exported model (model.json, weights.bin) packed into the ticket zip. */
  modelFile: 1024 * MiB,
  /** The runs index (runsIndex.ts): a few hundred bytes a run. */
  runsIndex: 64 * MiB,
} as const;

/** The longest events.jsonl line kept; a longer one is skipped and counted (a legal event is < 1 MiB). */
export const EVENT_LINE_CAP = 16 * MiB;

// O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer; the
// fstat below then refuses it. For regular files the flag changes nothing.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(bytes < MiB ? 2 : 0)} MiB`;
}

function openError(path: string, error: unknown): RunError | null {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return null;
  if (code === 'ELOOP') return new RunError(`${path}: is a symbolic link; run-folder files are read only as regular files`);
  return new RunError(`${path}: cannot be opened (${code ?? (error as Error).message})`);
}

function kindOf(stat: { isFIFO(): boolean; isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function checkStat(path: string, stat: { size: number; isFile(): boolean } & Parameters<typeof kindOf>[0], cap: number | null): void {
  if (!stat.isFile()) throw new RunError(`${path}: is ${kindOf(stat)}, not a regular file; not read`);
  if (cap !== null && stat.size > cap) throw new RunError(`${path}: ${mib(stat.size)} is over the ${mib(cap)} cap for this file; not read`);
}

/** The file's bytes; null when it does not exist. Throws RunError for anything but a regular file under `cap`. */
export async function readRegularBytes(path: string, cap: number): Promise<Buffer | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    const refusal = openError(path, error);
    if (refusal) throw refusal;
    return null;
  }
  try {
    const stat = await handle.stat();
    checkStat(path, stat, cap);
    // Sized to the file (plus one byte to notice growth), grown to the cap only if it is appended to.
    let buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      // Grew past the cap while we read (a writer appending): refuse rather than read on.
      if (length > cap) throw new RunError(`${path}: grew over the ${mib(cap)} cap while being read; not read`);
      if (length === buffer.length) buffer = Buffer.concat([buffer, Buffer.alloc(cap + 1 - buffer.length)]);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** The file's text; null when it does not exist. Throws RunError for anything but a regular file under `cap`. */
export async function readRegularFile(path: string, cap: number): Promise<string | null> {
  const bytes = await readRegularBytes(path, cap);
  return bytes === null ? null : bytes.toString('utf8');
}

/**
 * An open handle on a regular file, for streaming it (a download): the link, FIFO or device refused
 * before anything is sent, and the size of what is served taken from the open file. Null when missing.
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; size: number } | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    const refusal = openError(path, error);
    if (refusal) throw refusal;
    return null;
  }
  try {
    const stat = await handle.stat();
    checkStat(path, stat, null);
    return { handle, size: stat.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Synchronous twin of readRegularFile, for the runner's own folder (it never waits on a FIFO either). */
export function readRegularFileSync(path: string, cap: number): string | null {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (error) {
    const refusal = openError(path, error);
    if (refusal) throw refusal;
    return null;
  }
  try {
    const stat = fstatSync(fd);
    checkStat(path, stat, cap);
    // Sized to the file (plus one byte to notice growth), grown to the cap only if it is appended to.
    let buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > cap) throw new RunError(`${path}: grew over the ${mib(cap)} cap while being read; not read`);
      if (length === buffer.length) buffer = Buffer.concat([buffer, Buffer.alloc(cap + 1 - buffer.length)]);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export interface LineScan {
  /** False when the file does not exist. */
  present: boolean;
  /** Lines over the line cap, skipped unread. */
  oversized: number;
  /** The last line had no newline (the writer stopped mid-line). Its text went to onLine all the same. */
  endsWithoutNewline: boolean;
  /** Byte offset where the file's complete lines end (where a torn tail starts). */
  completeBytes: number;
  bytes: number;
}

/** Splits chunks into lines, skipping any line longer than the cap without holding it in memory. */
class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private skipping = false;
  oversized = 0;
  completeBytes = 0;
  private offset = 0;

  constructor(private readonly lineCap: number, private readonly onLine: (line: string, last: boolean) => boolean | void) {}
  /** onLine asked to stop. */
  stopped = false;

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      if (this.stopped) return;
      const newline = chunk.indexOf(0x0a, start);
      if (newline < 0) break;
      this.take(chunk.subarray(start, newline));
      this.emit(false);
      this.completeBytes = this.offset + newline + 1;
      start = newline + 1;
    }
    this.take(chunk.subarray(start));
    this.offset += chunk.length;
  }

  /** Returns whether an unterminated last line was there. */
  end(): boolean {
    if (this.stopped) return false;
    const torn = this.skipping || this.partBytes > 0;
    if (torn) this.emit(true);
    return torn;
  }

  private take(piece: Buffer): void {
    if (this.skipping || piece.length === 0) return;
    if (this.partBytes + piece.length > this.lineCap) {
      this.skipping = true;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    this.parts.push(Buffer.from(piece));
    this.partBytes += piece.length;
  }

  private emit(last: boolean): void {
    if (this.skipping) this.oversized++;
    else if (this.partBytes > 0 && this.onLine(Buffer.concat(this.parts, this.partBytes).toString('utf8'), last) === true) this.stopped = true;
    this.parts = [];
    this.partBytes = 0;
    this.skipping = false;
  }
}

const CHUNK = 1 * MiB;

/** Streams a regular file line by line; onLine returning true stops the scan (async: the event loop keeps serving while a big log is read). */
export async function scanLines(path: string, onLine: (line: string, last: boolean) => boolean | void, lineCap = EVENT_LINE_CAP): Promise<LineScan> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    const refusal = openError(path, error);
    if (refusal) throw refusal;
    return { present: false, oversized: 0, endsWithoutNewline: false, completeBytes: 0, bytes: 0 };
  }
  try {
    checkStat(path, await handle.stat(), null);
    const splitter = new LineSplitter(lineCap, onLine);
    const buffer = Buffer.alloc(CHUNK);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0 || splitter.stopped) break;
      bytes += bytesRead;
      splitter.push(buffer.subarray(0, bytesRead));
    }
    const endsWithoutNewline = splitter.end();
    return { present: true, oversized: splitter.oversized, endsWithoutNewline, completeBytes: splitter.completeBytes, bytes };
  } finally {
    await handle.close();
  }
}

/** Synchronous scanLines, for the runner reading its own (locked) folder. */
export function scanLinesSync(path: string, onLine: (line: string, last: boolean) => boolean | void, lineCap = EVENT_LINE_CAP): LineScan {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (error) {
    const refusal = openError(path, error);
    if (refusal) throw refusal;
    return { present: false, oversized: 0, endsWithoutNewline: false, completeBytes: 0, bytes: 0 };
  }
  try {
    checkStat(path, fstatSync(fd), null);
    const splitter = new LineSplitter(lineCap, onLine);
    const buffer = Buffer.alloc(CHUNK);
    let bytes = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, CHUNK, null);
      if (bytesRead === 0 || splitter.stopped) break;
      bytes += bytesRead;
      splitter.push(buffer.subarray(0, bytesRead));
    }
    const endsWithoutNewline = splitter.end();
    return { present: true, oversized: splitter.oversized, endsWithoutNewline, completeBytes: splitter.completeBytes, bytes };
  } finally {
    closeSync(fd);
  }
}

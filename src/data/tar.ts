/**
 * Minimal streaming reader for .tar.gz archives, enough to pull named members out of
 * cifar-10-binary.tar.gz without a dependency. A tar file is a sequence of 512-byte headers, each
 * followed by the member's bytes padded to a multiple of 512, and ends with zero blocks.
 * Supported: ustar/GNU regular files, the ustar name prefix, GNU long names ('L') and pax `path`
 * records ('x'). Only the requested members are written, each to a path chosen by the caller, so
 * names inside the archive can never write outside the target folder.
 */
import { createReadStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { DataError } from './errors.ts';

const BLOCK = 512;

function cString(bytes: Buffer, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** Numeric fields are octal text, or big-endian base-256 when the high bit is set (sizes >= 8 GiB). */
function numericField(bytes: Buffer, start: number, length: number): number {
  if (bytes[start]! & 0x80) {
    let value = bytes[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + bytes[i]!;
    return value;
  }
  const text = cString(bytes, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumMatches(header: Buffer): boolean {
  const stored = numericField(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === stored;
}

function isZeroBlock(header: Buffer): boolean {
  for (const byte of header) if (byte !== 0) return false;
  return true;
}

function headerName(header: Buffer): string {
  const name = cString(header, 0, 100);
  const ustar = header.subarray(257, 262).toString('latin1') === 'ustar';
  const prefix = ustar ? cString(header, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function paxPath(records: Buffer): string | undefined {
  // Records are "<length> <key>=<value>\n".
  for (const line of records.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

const normalise = (name: string) => name.replace(/^\.\//, '');

/**
 * Extracts the members named in `wanted` (archive path -> destination file) from a .tar.gz.
 * Each member is written to `<destination>.part` and renamed when complete. Throws a DataError
 * naming any member that was not found, or when the archive is not a valid tar.gz.
 */
export async function extractTarGzMembers(archive: string, wanted: ReadonlyMap<string, string>): Promise<string[]> {
  const source = createReadStream(archive);
  const gunzip = createGunzip();
  source.on('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);

  const extracted: string[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let bodyLeft = 0;
  let padLeft = 0;
  let ended = false;
  let member: { kind: 'file'; handle: FileHandle; temp: string; dest: string; name: string } | { kind: 'meta'; type: string; chunks: Buffer[] } | undefined;
  let nextName: string | undefined;

  const finishMember = async () => {
    if (member?.kind === 'file') {
      await member.handle.close();
      await rename(member.temp, member.dest);
      extracted.push(member.name);
    } else if (member?.kind === 'meta') {
      const body = Buffer.concat(member.chunks);
      nextName = member.type === 'L' ? cString(body, 0, body.length) : paxPath(body) ?? nextName;
    }
    member = undefined;
  };

  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (!ended) {
        if (bodyLeft > 0) {
          if (pending.length === 0) break;
          const piece = pending.subarray(0, Math.min(bodyLeft, pending.length));
          if (member?.kind === 'file') await member.handle.write(piece);
          else if (member?.kind === 'meta') member.chunks.push(Buffer.from(piece));
          bodyLeft -= piece.length;
          pending = pending.subarray(piece.length);
          if (bodyLeft === 0) await finishMember();
          continue;
        }
        if (padLeft > 0) {
          const skip = Math.min(padLeft, pending.length);
          if (skip === 0) break;
          padLeft -= skip;
          pending = pending.subarray(skip);
          continue;
        }
        if (pending.length < BLOCK) break;
        const header = pending.subarray(0, BLOCK);
        pending = pending.subarray(BLOCK);
        if (isZeroBlock(header)) {
          ended = true;
          break;
        }
        if (!checksumMatches(header)) throw new DataError(`${archive} is not a valid tar.gz: bad tar header checksum`, { path: archive });
        const type = String.fromCharCode(header[156]!);
        const size = numericField(header, 124, 12);
        const name = normalise(nextName ?? headerName(header));
        if (type !== 'L' && type !== 'x') nextName = undefined;
        const dest = wanted.get(name);
        if (type === 'L' || type === 'x') member = { kind: 'meta', type, chunks: [] };
        else if ((type === '0' || type === '\0') && dest !== undefined) {
          const temp = `${dest}.part`;
          member = { kind: 'file', handle: await open(temp, 'w'), temp, dest, name };
        }
        bodyLeft = size;
        padLeft = (BLOCK - (size % BLOCK)) % BLOCK;
        if (size === 0) await finishMember();
      }
      if (ended) break;
    }
  } catch (error) {
    if (member?.kind === 'file') {
      await member.handle.close().catch(() => {});
      await rm(member.temp, { force: true });
    }
    if (error instanceof DataError) throw error;
    throw new DataError(`cannot extract ${archive}: ${(error as Error).message}`, { path: archive, cause: error });
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  if (bodyLeft > 0 || member !== undefined) {
    if (member?.kind === 'file') {
      await member.handle.close().catch(() => {});
      await rm(member.temp, { force: true });
    }
    throw new DataError(`${archive} is truncated: the archive ends inside a member`, { path: archive });
  }
  const missing = [...wanted.keys()].filter((name) => !extracted.includes(name));
  if (missing.length > 0) throw new DataError(`${archive} does not contain ${missing.join(', ')}`, { path: archive });
  return extracted;
}

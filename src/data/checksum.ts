/** Streaming digests of downloaded files (whole archives are too big to hash from one buffer). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/** Hex digest of a file's bytes. */
export async function fileDigest(path: string, algorithm: 'md5' | 'sha256' = 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Hex digest of a gzip file's decompressed content, or undefined when it does not decompress
 * (not gzip, corrupt, truncated): a corrupt file then simply fails the comparison.
 */
export async function gunzippedDigest(path: string, algorithm: 'md5' | 'sha256' = 'md5'): Promise<string | undefined> {
  const hash = createHash(algorithm);
  try {
    await pipeline(createReadStream(path), createGunzip(), hash);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

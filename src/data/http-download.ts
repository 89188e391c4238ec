/**
 * Resumable HTTP(S) download into a `.part` file. When a `.part` file already holds some bytes
 * (an earlier attempt or run was cut off), the request asks for the rest with `Range: bytes=N-` and
 * appends; a server that ignores the range (200 instead of 206) makes us start over. Connection
 * drops are retried a few times, each retry resuming where the last one stopped. Redirects are
 * followed. No checksum here: the caller verifies the finished file.
 */
import { createWriteStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataError } from './errors.ts';

export interface DownloadProgress {
  /** The file being fetched (its name in the dataset). */
  file: string;
  /** Bytes in the `.part` file so far, including bytes from earlier attempts. */
  receivedBytes: number;
  /** Full size when the server said it. */
  totalBytes: number | undefined;
}

export interface HttpDownloadOptions {
  /** Name shown in progress reports and errors. */
  label?: string;
  onProgress?: (progress: DownloadProgress) => void;
  /** Give up on a connection that is silent this long (ms). Default 30,000. */
  timeoutMs?: number;
  /** Tries in total, counting the first. Default 4. */
  maxAttempts?: number;
  /** Pause before a retry (ms), doubled each time. Default 500. */
  retryDelayMs?: number;
  maxRedirects?: number;
}

/** A failure worth retrying (connection dropped, timeout, server error), as opposed to e.g. 404. */
class RetryableError extends Error {}

async function partSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** GET `url`, following redirects; resolves with the final response (body not yet read). */
function request(url: string, headers: Record<string, string>, options: Required<Pick<HttpDownloadOptions, 'timeoutMs' | 'maxRedirects'>>): Promise<{ response: IncomingMessage; url: string }> {
  return new Promise((resolve, reject) => {
    const follow = (current: string, redirectsLeft: number) => {
      let parsed: URL;
      try {
        parsed = new URL(current);
      } catch {
        reject(new DataError(`invalid download URL: ${current}`, { path: current }));
        return;
      }
      const client = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : undefined;
      if (!client) {
        reject(new DataError(`unsupported URL scheme in ${current} (use http or https)`, { path: current }));
        return;
      }
      const req = client.get(parsed, { headers }, (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && location) {
          discard(response); // read the redirect body so the socket is released
          if (redirectsLeft === 0) {
            reject(new DataError(`too many redirects while downloading ${url}`, { path: url }));
            return;
          }
          follow(new URL(location, current).toString(), redirectsLeft - 1);
          return;
        }
        resolve({ response, url: current });
      });
      req.setTimeout(options.timeoutMs, () => req.destroy(new RetryableError(`no data from ${current} for ${options.timeoutMs} ms`)));
      req.on('error', (error) => reject(error instanceof DataError ? error : new RetryableError(`${current}: ${error.message}`)));
    };
    follow(url, options.maxRedirects);
  });
}

/** Parses `Content-Range: bytes start-end/total`. */
function parseContentRange(value: string | undefined): { start: number; total: number | undefined } | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) };
}

/** One request: appends what it gets to the part file. Resolves when the server sent everything it promised. */
async function attempt(url: string, partPath: string, options: Required<Omit<HttpDownloadOptions, 'onProgress'>> & Pick<HttpDownloadOptions, 'onProgress'>): Promise<void> {
  const have = await partSize(partPath);
  const headers: Record<string, string> = { 'user-agent': 'earlybird-dataset-download', 'accept-encoding': 'identity' };
  if (have > 0) headers.range = `bytes=${have}-`;
  const { response, url: finalUrl } = await request(url, headers, options);
  const status = response.statusCode ?? 0;

  let offset: number;
  let total: number | undefined;
  const length = response.headers['content-length'] === undefined ? undefined : Number(response.headers['content-length']);
  if (status === 206) {
    const range = parseContentRange(response.headers['content-range']);
    if (!range || range.start !== have) {
      // The server resumed from somewhere else: safest is to start again from zero.
      discard(response);
      await truncate(partPath, 0);
      throw new RetryableError(`${finalUrl} answered a range request with an unexpected Content-Range (${response.headers['content-range']})`);
    }
    offset = have;
    total = range.total;
  } else if (status === 200) {
    offset = 0; // range ignored (or nothing to resume): the body is the whole file
    total = length;
  } else if (status === 416 && have > 0) {
    // Nothing left to send: the part file is already complete (the checksum will confirm).
    discard(response);
    return;
  } else {
    discard(response);
    const message = `download of ${finalUrl} failed: HTTP ${status} ${response.statusMessage ?? ''}`.trim();
    if (status >= 500 || status === 429) throw new RetryableError(message);
    throw new DataError(message, { path: finalUrl });
  }

  let received = offset;
  const report = () => options.onProgress?.({ file: options.label, receivedBytes: received, totalBytes: total });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      report();
      callback(null, chunk);
    },
  });
  report();
  try {
    await pipeline(response, counter, createWriteStream(partPath, { flags: offset === 0 ? 'w' : 'a' }));
  } catch (error) {
    throw new RetryableError(`connection to ${finalUrl} broke after ${received} bytes: ${(error as Error).message}`);
  }
  if (length !== undefined && received - offset < length) {
    throw new RetryableError(`${finalUrl} closed the connection after ${received - offset} of ${length} bytes`);
  }
}

/** Reads and drops a response body we do not want, without letting a late socket error crash the process. */
function discard(response: IncomingMessage): void {
  response.on('error', () => {});
  response.resume();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Downloads `url` into `partPath`, resuming from whatever the part file already holds. On failure
 * the part file is kept, so a later call resumes instead of starting over.
 */
export async function downloadToPart(url: string, partPath: string, options: HttpDownloadOptions = {}): Promise<void> {
  const settings = {
    label: options.label ?? url,
    onProgress: options.onProgress,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxAttempts: Math.max(1, options.maxAttempts ?? 4),
    retryDelayMs: options.retryDelayMs ?? 500,
    maxRedirects: options.maxRedirects ?? 5,
  };
  for (let tryNumber = 1; ; tryNumber++) {
    try {
      await attempt(url, partPath, settings);
      return;
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      if (tryNumber >= settings.maxAttempts) {
        throw new DataError(
          `download of ${url} failed after ${tryNumber} attempt(s): ${error.message}. ` +
            `The ${await partSize(partPath)} bytes received are kept in ${partPath}; run again to resume.`,
          { path: url, cause: error },
        );
      }
      await sleep(settings.retryDelayMs * 2 ** (tryNumber - 1));
    }
  }
}

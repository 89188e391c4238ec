/**
 * Dataset download against a real HTTP server on 127.0.0.1 (port chosen by the OS) that serves the
 * real Fashion-MNIST files of the Debian package, with Range support, a connection drop, a corrupted
 * file and a redirect on demand. No other address is contacted; the server is closed at the end.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CIFAR10_RECORD_BYTES } from '../src/data/cifar10.ts';
import { DATASET_MANIFESTS, datasetBaseUrl, downloadDataset, MIRROR_ENV, type DatasetManifest, type DownloadProgress } from '../src/data/download.ts';
import { DataError } from '../src/data/errors.ts';
import { loadData } from '../src/data/load.ts';
import { extractTarGzMembers } from '../src/data/tar.ts';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION = DATASET_MANIFESTS['fashion-mnist'];

// ---------- the loopback server ----------

interface Served {
  bytes: Buffer;
  /** Send only this many bytes of the body, then drop the connection (once). */
  dropAfter?: number;
}

interface RequestLog {
  path: string;
  range: string | undefined;
  status: number;
}

const served = new Map<string, Served>();
const log: RequestLog[] = [];
let server: http.Server;
let root: string;

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const entry = { path, range: req.headers.range, status: 0 };
  log.push(entry);
  const reply = (status: number, headers: http.OutgoingHttpHeaders = {}, body?: Buffer) => {
    entry.status = status;
    res.writeHead(status, headers);
    res.end(body);
  };
  if (path.startsWith('/old/')) return reply(302, { location: `/mirror/${path.slice('/old/'.length)}` });
  const file = served.get(path);
  if (!file) return reply(404, { 'content-type': 'text/plain' }, Buffer.from('not found'));

  const size = file.bytes.length;
  let start = 0;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range) {
    start = Number(range[1]);
    if (start >= size) return reply(416, { 'content-range': `bytes */${size}` });
  }
  const body = file.bytes.subarray(start);
  const headers: http.OutgoingHttpHeaders = { 'content-length': body.length, 'accept-ranges': 'bytes' };
  if (range) headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
  entry.status = range ? 206 : 200;
  res.writeHead(entry.status, headers);
  if (file.dropAfter !== undefined) {
    const cut = file.dropAfter;
    file.dropAfter = undefined; // only the first time
    res.write(body.subarray(0, cut), () => res.socket?.destroy());
    return;
  }
  res.end(body);
}

before(async () => {
  assert.ok(existsSync(FASHION_DIR), `${FASHION_DIR} is missing: install the Debian package dataset-fashion-mnist`);
  root = await mkdtemp(join(tmpdir(), 'earlybird-download-'));
  server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

const mirror = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/mirror`;

async function serveFashion(name: string, extra: Partial<Served> = {}): Promise<Buffer> {
  const bytes = await readFile(join(FASHION_DIR, name));
  served.set(`/mirror/fashion-mnist/${name}`, { bytes, ...extra });
  return bytes;
}

/** The real Fashion-MNIST manifest (published checksums) cut down to some of its files, to keep tests fast. */
function fashionSubset(...names: string[]): DatasetManifest {
  return { ...FASHION, files: FASHION.files.filter((f) => names.includes(f.name)) };
}

const fast = { retryDelayMs: 10, timeoutMs: 10_000 };
const requestsFor = (name: string) => log.filter((r) => r.path.endsWith(`/${name}`));

// ---------- tests ----------

describe('dataset download', { timeout: 60_000 }, () => {
  test('downloads the real Fashion-MNIST files; checksums pass; loadable; second call is a no-op', async () => {
    const originals = new Map<string, Buffer>();
    for (const file of FASHION.files) originals.set(file.name, await serveFashion(file.name));
    const progress: DownloadProgress[] = [];
    const result = await downloadDataset('fashion-mnist', { cacheRoot: join(root, 'cache'), mirror: mirror(), ...fast, onProgress: (p) => progress.push(p) });

    assert.equal(result.dir, join(root, 'cache', 'fashion-mnist'));
    assert.deepEqual(result.files.map((f) => f.name), FASHION.files.map((f) => f.name));
    for (const file of result.files) {
      assert.deepEqual(await readFile(file.path), originals.get(file.name));
      // Debian recompressed the archives (different gzip header), so the published archive MD5 does
      // not match them, but the MD5 of the IDX content inside does.
      assert.equal(file.verifiedBy, 'content-md5');
      assert.equal(existsSync(`${file.path}.part`), false);
    }
    const last = progress.filter((p) => p.file === 'fashion-mnist/train-images-idx3-ubyte.gz').at(-1)!;
    assert.equal(last.receivedBytes, originals.get('train-images-idx3-ubyte.gz')!.length);
    assert.equal(last.totalBytes, last.receivedBytes);

    const data = await loadData(result.spec, { seed: 1, trainLimit: 100, testLimit: 100 });
    assert.equal(data.test.count, 100);

    const before = log.length;
    const again = await downloadDataset('fashion-mnist', { cacheRoot: join(root, 'cache'), mirror: mirror() });
    assert.ok(again.files.every((f) => f.verifiedBy === 'already-present'));
    assert.equal(log.length, before);
  });

  test('a dropped connection is resumed with a Range request and completes', async () => {
    const name = 't10k-images-idx3-ubyte.gz';
    const original = await serveFashion(name, { dropAfter: 1 << 20 });
    const result = await downloadDataset(fashionSubset(name), { dir: join(root, 'resume'), mirror: mirror(), ...fast });
    assert.deepEqual(await readFile(result.files[0]!.path), original);

    const requests = requestsFor(name).slice(-2);
    assert.equal(requests[0]!.range, undefined);
    const resumedFrom = Number(/^bytes=(\d+)-$/.exec(requests[1]!.range ?? '')?.[1]);
    assert.ok(resumedFrom > 0 && resumedFrom <= 1 << 20, `resumed from ${requests[1]!.range}`);
    assert.equal(requests[1]!.status, 206);
  });

  test('a .part file left by an interrupted run is resumed by the next run', async () => {
    const name = 't10k-images-idx3-ubyte.gz';
    const original = await serveFashion(name, { dropAfter: 300_000 });
    const dir = join(root, 'resume-later');
    const error = await downloadDataset(fashionSubset(name), { dir, mirror: mirror(), ...fast, maxAttempts: 1 }).then(
      () => assert.fail('expected the first run to fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DataError);
    assert.match(error.message, /run again to resume/);
    const kept = (await stat(join(dir, `${name}.part`))).size;
    assert.ok(kept > 0 && kept <= 300_000);

    const result = await downloadDataset(fashionSubset(name), { dir, mirror: mirror(), ...fast });
    assert.deepEqual(await readFile(result.files[0]!.path), original);
    assert.equal(requestsFor(name).at(-1)!.range, `bytes=${kept}-`);
  });

  test('a corrupted file fails the checksum clearly and is deleted', async () => {
    const name = 't10k-labels-idx1-ubyte.gz';
    const bytes = Buffer.from(await readFile(join(FASHION_DIR, name)));
    bytes[bytes.length >> 1] ^= 0xff;
    served.set(`/mirror/fashion-mnist/${name}`, { bytes });
    const dir = join(root, 'corrupt');
    const error = await downloadDataset(fashionSubset(name), { dir, mirror: mirror(), ...fast }).then(
      () => assert.fail('expected a checksum error'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DataError);
    assert.match(error.message, /checksum mismatch for t10k-labels-idx1-ubyte\.gz/);
    assert.match(error.message, /expected bb300cfdad3c16e7a12a480ee83cd310 \(published\)/);
    assert.match(error.message, /was deleted/);
    assert.equal(existsSync(join(dir, `${name}.part`)), false);
    assert.equal(existsSync(join(dir, name)), false);
  });

  test('redirects are followed; HTTP errors are reported without retrying', async () => {
    const name = 't10k-labels-idx1-ubyte.gz';
    const original = await serveFashion(name);
    const viaRedirect = mirror().replace(/\/mirror$/, '/old');
    const result = await downloadDataset(fashionSubset(name), { dir: join(root, 'redirect'), mirror: viaRedirect, ...fast });
    assert.deepEqual(await readFile(result.files[0]!.path), original);

    const before = log.length;
    const error = await downloadDataset(fashionSubset(name), { dir: join(root, 'missing'), mirror: `${mirror()}/nothing-here`, ...fast }).then(
      () => assert.fail('expected HTTP 404'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DataError);
    assert.match(error.message, /HTTP 404/);
    assert.equal(log.length, before + 1);
  });

  test('EARLYBIRD_DATA_MIRROR replaces the public base URL', () => {
    const saved = process.env[MIRROR_ENV];
    try {
      process.env[MIRROR_ENV] = 'http://127.0.0.1:1/datasets/';
      assert.equal(datasetBaseUrl(FASHION), 'http://127.0.0.1:1/datasets/fashion-mnist/');
      delete process.env[MIRROR_ENV];
      assert.equal(datasetBaseUrl(FASHION), FASHION.defaultBaseUrl);
      assert.equal(datasetBaseUrl(DATASET_MANIFESTS.cifar10, 'http://m'), 'http://m/cifar10/');
    } finally {
      if (saved === undefined) delete process.env[MIRROR_ENV];
      else process.env[MIRROR_ENV] = saved;
    }
  });
});

// ---------- CIFAR-10 archive ----------

/** A ustar header + padded body: what `tar` writes for a regular file. */
function tarEntry(name: string, body: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, padding]);
}

const tarEnd = () => Buffer.alloc(1024);

function cifarBatch(labels: number[]): Buffer {
  const out = Buffer.alloc(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((label, n) => {
    out[n * CIFAR10_RECORD_BYTES] = label;
    for (let i = 1; i < CIFAR10_RECORD_BYTES; i++) out[n * CIFAR10_RECORD_BYTES + i] = (n + i) & 255;
  });
  return out;
}

describe('CIFAR-10 archive', { timeout: 30_000 }, () => {
  test('download extracts the binary batches from the tar.gz and deletes the archive', async () => {
    const members = Object.keys(DATASET_MANIFESTS.cifar10.extract.members);
    const entries = [tarEntry('cifar-10-batches-bin/readme.html', Buffer.from('<html></html>'))];
    for (const member of members) {
      const body = member.endsWith('.txt') ? Buffer.from('airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n') : cifarBatch([1, 2, 3]);
      entries.push(tarEntry(member, body));
    }
    const archive = gzipSync(Buffer.concat([...entries, tarEnd()]));
    served.set('/mirror/cifar10/cifar-10-binary.tar.gz', { bytes: archive });
    // The real manifest's extraction list, with the checksum of this small stand-in archive.
    const manifest: DatasetManifest = {
      ...DATASET_MANIFESTS.cifar10,
      files: [{ name: 'cifar-10-binary.tar.gz', md5: createHash('md5').update(archive).digest('hex') }],
    };
    const result = await downloadDataset(manifest, { cacheRoot: join(root, 'cache'), mirror: mirror(), ...fast });
    assert.equal(result.spec, `cifar10:${join(root, 'cache', 'cifar10')}`);
    assert.equal(result.files.length, 7);
    assert.ok(result.files.every((f) => f.verifiedBy === 'md5'));
    assert.equal(existsSync(join(result.dir, 'cifar-10-binary.tar.gz')), false);
    assert.equal(existsSync(join(result.dir, 'readme.html')), false);
    const data = await loadData(result.spec, { seed: 1, validationFraction: 0.2 });
    assert.deepEqual([data.train.count, data.validation.count, data.test.count], [12, 3, 3]);
  });

  test('tar reader: member missing, truncated archive, not a tar', async () => {
    const dir = await mkdtemp(join(root, 'tar-'));
    const write = async (name: string, bytes: Buffer) => {
      await writeFile(join(dir, name), bytes);
      return join(dir, name);
    };
    const body = Buffer.alloc(1000, 7);
    const good = await write('good.tar.gz', gzipSync(Buffer.concat([tarEntry('a/b.bin', body), tarEnd()])));
    await extractTarGzMembers(good, new Map([['a/b.bin', join(dir, 'b.bin')]]));
    assert.deepEqual(await readFile(join(dir, 'b.bin')), body);

    await assert.rejects(extractTarGzMembers(good, new Map([['a/c.bin', join(dir, 'c.bin')]])), /does not contain a\/c\.bin/);
    const cut = await write('cut.tar.gz', gzipSync(tarEntry('a/b.bin', body).subarray(0, 700)));
    await assert.rejects(extractTarGzMembers(cut, new Map([['a/b.bin', join(dir, 'b2.bin')]])), /truncated/);
    assert.equal(existsSync(join(dir, 'b2.bin.part')), false);
    const junk = await write('junk.tar.gz', gzipSync(Buffer.alloc(1024, 1)));
    await assert.rejects(extractTarGzMembers(junk, new Map([['a/b.bin', join(dir, 'b3.bin')]])), /bad tar header checksum/);
  });
});

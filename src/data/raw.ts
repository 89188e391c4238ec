/**
 * Images as they come out of a file: uint8 pixels 0..255, NHWC. Loaders produce these; `load.ts`
 * splits and normalises them into float `ImageSet`s. Keeping the raw form as bytes keeps a
 * 60,000-image set at 47 MB until the split sizes are known.
 */
export interface RawImages {
  /** `count * height * width * channels` bytes, NHWC. */
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** Values per image. */
export function imageSize(raw: Pick<RawImages, 'height' | 'width' | 'channels'>): number {
  return raw.height * raw.width * raw.channels;
}

/** Concatenates sets of the same image shape (e.g. the five CIFAR-10 training batches). */
export function concatRaw(parts: RawImages[]): RawImages {
  const first = parts[0];
  if (!first) throw new Error('concatRaw needs at least one part');
  const per = imageSize(first);
  const count = parts.reduce((sum, p) => sum + p.count, 0);
  const pixels = new Uint8Array(count * per);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    if (p.height !== first.height || p.width !== first.width || p.channels !== first.channels) {
      throw new Error('concatRaw: parts have different image shapes');
    }
    pixels.set(p.pixels.subarray(0, p.count * per), at * per);
    labels.set(p.labels.subarray(0, p.count), at);
    at += p.count;
  }
  return { pixels, labels, count, height: first.height, width: first.width, channels: first.channels };
}

/**
 * A stranger's program, run as its own process by test/export.test.ts: plain JavaScript that imports
 * only @tensorflow/tfjs (and Node's own fs/zlib). It knows nothing of earlybird: it reads an exported
 * model.json + weights.bin, reads the Fashion-MNIST test set from its IDX files, scales the bytes to
 * [0, 1] and nothing else, and prints, per model, the accuracy and what model.json says about itself.
 *
 *   node test/helpers/strangerAccuracy.mjs <t10k-images.gz> <t10k-labels.gz> <model folder>...
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const [imagesFile, labelsFile, ...dirs] = process.argv.slice(2);

// IDX: big-endian magic, counts, then the bytes.
const images = gunzipSync(readFileSync(imagesFile));
const labels = gunzipSync(readFileSync(labelsFile));
const count = images.readUInt32BE(4);
const [height, width] = [images.readUInt32BE(8), images.readUInt32BE(12)];

for (const dir of dirs) {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = json.weightsManifest.map((group) => group.paths.map((p) => readFileSync(join(dir, p)))).flat();
  const bytes = Buffer.concat(weights);
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    userDefinedMetadata: json.userDefinedMetadata,
  }));
  let correct = 0;
  const batch = 1000;
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const predicted = tf.tidy(() => {
      const pixels = tf.tensor4d(images.subarray(16 + start * height * width, 16 + (start + n) * height * width), [n, height, width, 1], 'float32').div(255);
      return model.predict(pixels).argMax(-1);
    });
    const classes = predicted.dataSync();
    predicted.dispose();
    for (let i = 0; i < n; i++) if (classes[i] === labels[8 + start + i]) correct++;
  }
  const meta = model.getUserDefinedMetadata() ?? {};
  process.stdout.write(`${JSON.stringify({ dir, images: count, accuracy: correct / count, classNames: meta.classNames, input: meta.input, backend: tf.getBackend() })}\n`);
}

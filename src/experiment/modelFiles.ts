/**
 * Models on disk in the TF.js layers format — `model.json` (topology + weights manifest) and one
 * `weights.bin` — which `tf.loadLayersModel` reads in any TF.js program (with tfjs-node's
 * `file://` handler, or `tf.io.fromMemory` as `loadModelFromDir` does).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '../run/errors.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

function concatWeightData(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  return Array.isArray(data) ? concatBytes(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
}

/**
 * 8-bit affine quantisation of every float32 weight, in TF.js's own manifest format
 * (`quantization: {dtype: 'uint8', min, scale}`), which tf.loadLayersModel dequantises on load:
 * a quarter of the bytes, each weight within scale/2 of its value.
 */
function quantizeWeights(data: Uint8Array, specs: tf.io.WeightsManifestEntry[]): { data: Uint8Array; specs: tf.io.WeightsManifestEntry[] } {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = count * 4;
    if (spec.dtype !== 'float32') {
      parts.push(data.subarray(offset, offset + bytes));
      out.push(spec);
    } else {
      const values = new Float32Array(data.slice(offset, offset + bytes).buffer);
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      if (count === 0) min = max = 0;
      const scale = max > min ? (max - min) / 255 : 1;
      const q = new Uint8Array(count);
      for (let i = 0; i < count; i++) q[i] = Math.round((values[i]! - min) / scale);
      parts.push(q);
      out.push({ ...spec, quantization: { dtype: 'uint8', min, scale } });
    }
    offset += bytes;
  }
  return { data: concatBytes(parts), specs: out };
}

/**
 * Writes model.json + weights.bin into `dir` (which must exist); returns the weight bytes written.
 * With `quantize`, weights are stored as 8-bit (see quantizeWeights).
 */
export async function saveModelToDir(model: tf.LayersModel, dir: string, options: { quantize?: boolean } = {}): Promise<number> {
  let bytes = 0;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    let weights = concatWeightData(artifacts.weightData!);
    if (options.quantize) {
      const q = quantizeWeights(weights, artifacts.weightSpecs!);
      weights = q.data;
      artifacts.weightSpecs = q.specs;
    }
    bytes = weights.byteLength;
    writeFileSync(join(dir, WEIGHTS_BIN), weights);
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: 'earlybird',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
    };
    writeFileSync(join(dir, MODEL_JSON), JSON.stringify(modelJson));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes } };
  }));
  return bytes;
}

function bytesPerValue(spec: tf.io.WeightsManifestEntry): number {
  const quantized = spec.quantization?.dtype;
  if (quantized) return quantized === 'uint8' ? 1 : 2;
  return spec.dtype === 'bool' ? 1 : 4;
}

function group0Path(json: { weightsManifest: { paths: string[] }[] }): string {
  return json.weightsManifest[0]?.paths[0] ?? WEIGHTS_BIN;
}

/** Reads model.json and its weight files from `dir`. */
export function modelArtifactsFromDir(dir: string): tf.io.ModelArtifacts {
  let text: string;
  try {
    text = readFileSync(join(dir, MODEL_JSON), 'utf8');
  } catch (error) {
    throw new RunError(`${join(dir, MODEL_JSON)}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RunError(`${join(dir, MODEL_JSON)}: not JSON (${(error as Error).message})`);
  }
  const json = parsed as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  if (!Array.isArray(json?.weightsManifest)) throw new RunError(`${join(dir, MODEL_JSON)}: has no weightsManifest list`);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const path of group.paths) {
      try {
        buffers.push(readFileSync(join(dir, path)));
      } catch (error) {
        throw new RunError(`${join(dir, path)}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }
  }
  const data = concatBytes(buffers);
  // Checked here so a short or padded weights file is one clear line, not an error from deep in TF.js.
  const needed = specs.reduce((n, spec) => n + spec.shape.reduce((a, b) => a * b, 1) * bytesPerValue(spec), 0);
  if (data.byteLength !== needed) {
    throw new RunError(`${join(dir, group0Path(json))}: ${data.byteLength} bytes where ${join(dir, MODEL_JSON)} lists weights of ${needed} bytes`);
  }
  return { modelTopology: json.modelTopology, weightSpecs: specs, weightData: data.buffer as ArrayBuffer };
}

export async function loadModelFromDir(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(modelArtifactsFromDir(dir)));
}

/**
 * Saves the model's output for the first test images next to the exported files, so anyone who
 * loads the export (another process, another TF.js) can check it predicts exactly the same.
 */
export async function writePredictionCheck(model: tf.LayersModel, images: Float32Array, shape: [number, number, number], dir: string, count = 8): Promise<void> {
  const per = shape[0] * shape[1] * shape[2];
  const n = Math.min(count, Math.floor(images.length / per));
  const outputs = tf.tidy(() => model.predict(tf.tensor4d(images.subarray(0, n * per), [n, ...shape])) as tf.Tensor);
  const values = Array.from(await outputs.data());
  outputs.dispose();
  writeFileSync(join(dir, 'predictions.json'), JSON.stringify({ images: n, inputShape: shape, outputShape: [n, values.length / n], outputs: values }));
}

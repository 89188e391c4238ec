/**
 * Models on disk in the TF.js layers format — `model.json` (topology + weights manifest) and one
 * `weights.bin` — which `tf.loadLayersModel` reads in any TF.js program (with tfjs-node's
 * `file://` handler, or `tf.io.fromMemory` as `loadModelFromDir` does).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

function concatWeightData(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/** Writes model.json + weights.bin into `dir` (which must exist); returns the weight bytes written. */
export async function saveModelToDir(model: tf.LayersModel, dir: string): Promise<number> {
  let bytes = 0;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = concatWeightData(artifacts.weightData!);
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

/** Reads model.json and its weight files from `dir`. */
export function modelArtifactsFromDir(dir: string): tf.io.ModelArtifacts {
  const json = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const path of group.paths) buffers.push(readFileSync(join(dir, path)));
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    data.set(b, offset);
    offset += b.byteLength;
  }
  return { modelTopology: json.modelTopology, weightSpecs: specs, weightData: data.buffer };
}

export async function loadModelFromDir(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(modelArtifactsFromDir(dir)));
}

/**
 * Saves the model's output for the first test images next to the exported files, so anyone who
 * loads the export (another process, another TF.js) can check it predicts exactly the same.
 */
export function writePredictionCheck(model: tf.LayersModel, images: Float32Array, shape: [number, number, number], dir: string, count = 8): void {
  const per = shape[0] * shape[1] * shape[2];
  const n = Math.min(count, Math.floor(images.length / per));
  const outputs = tf.tidy(() => model.predict(tf.tensor4d(images.subarray(0, n * per), [n, ...shape])) as tf.Tensor);
  const values = Array.from(outputs.dataSync());
  outputs.dispose();
  writeFileSync(join(dir, 'predictions.json'), JSON.stringify({ images: n, inputShape: shape, outputShape: [n, values.length / n], outputs: values }));
}

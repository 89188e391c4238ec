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

/** Name of the layer an exported model starts with: raw [0,1] pixels in, normalised pixels out. */
export const INPUT_NORMALISATION_LAYER = 'input_normalisation';

/** What a model taken home needs besides its weights: how its input was prepared and what its outputs mean. */
export interface ExportedInput {
  /** Per-channel mean and std of the training split on the [0,1] scale (what training subtracted and divided by). */
  mean: readonly number[];
  std: readonly number[];
  classNames: readonly string[];
  /** Dataset id, e.g. `fashion-mnist`. */
  dataset: string;
  /** Which trained network this is (`ebTrain`, `dense` …) and what wrote it. */
  method: string;
  producedBy: string;
}

interface LayerJson { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[] }
interface TopologyJson { class_name: string; config: { layers: LayerJson[]; input_layers: [string, number, number][] } }

/**
 * Puts the training normalisation into the model itself, so the file works on raw pixels / 255:
 * a BatchNormalization layer in inference form (no γ/β; moving mean = training mean, moving
 * variance = std² − ε) right after the input, and every layer that read the input reads it instead.
 * BatchNormalization rather than a preprocessing layer because every TF.js and Keras loads it, and
 * it normalises per channel (CIFAR has three). Works on the JSON topology, so any graph shape
 * (residual branches included) is rewired the same way. Its weights stay float32 even in the 8-bit
 * export: rounding the statistics would shift every pixel.
 */
function withInputNormalisation(
  topology: TopologyJson, weights: Uint8Array, specs: tf.io.WeightsManifestEntry[], input: ExportedInput,
): { topology: TopologyJson; weights: Uint8Array; specs: tf.io.WeightsManifestEntry[] } {
  if (topology.class_name !== 'Model' || topology.config.input_layers.length !== 1) {
    throw new Error(`internal: cannot add input normalisation to a ${topology.class_name} with ${topology.config.input_layers.length} inputs`);
  }
  const inputName = topology.config.input_layers[0]![0];
  const channels = input.mean.length;
  const minVariance = Math.min(...input.std.map((s) => s * s));
  // ε must stay below every variance so that variance − ε is positive; 1e-3 is TF.js's default.
  const epsilon = Math.min(1e-3, minVariance / 2);
  const layer: LayerJson = {
    name: INPUT_NORMALISATION_LAYER,
    class_name: 'BatchNormalization',
    config: {
      name: INPUT_NORMALISATION_LAYER, trainable: false, axis: -1, momentum: 0.99, epsilon, center: false, scale: false,
      moving_mean_initializer: { class_name: 'Zeros', config: {} }, moving_variance_initializer: { class_name: 'Ones', config: {} },
    },
    inbound_nodes: [[[inputName, 0, 0, {}]]],
  };
  const rewired = topology.config.layers.map((l) => ({
    ...l,
    inbound_nodes: JSON.parse(JSON.stringify(l.inbound_nodes).replaceAll(`[${JSON.stringify(inputName)},`, `[${JSON.stringify(INPUT_NORMALISATION_LAYER)},`)) as unknown[],
  }));
  const inputIndex = rewired.findIndex((l) => l.name === inputName);
  rewired.splice(inputIndex + 1, 0, layer);
  const stats = new Float32Array(2 * channels);
  for (let c = 0; c < channels; c++) {
    stats[c] = input.mean[c]!;
    stats[channels + c] = input.std[c]! * input.std[c]! - epsilon;
  }
  const statSpecs: tf.io.WeightsManifestEntry[] = [
    { name: `${INPUT_NORMALISATION_LAYER}/moving_mean`, shape: [channels], dtype: 'float32' },
    { name: `${INPUT_NORMALISATION_LAYER}/moving_variance`, shape: [channels], dtype: 'float32' },
  ];
  return {
    topology: { ...topology, config: { ...topology.config, layers: rewired } },
    weights: concatBytes([new Uint8Array(stats.buffer), weights]),
    specs: [...statSpecs, ...specs],
  };
}

/** model.json's userDefinedMetadata: what a stranger needs to feed the model and read its answer. */
function exportMetadata(input: ExportedInput, shape: readonly number[]): Record<string, unknown> {
  return {
    classNames: input.classNames,
    input: {
      shape: [null, ...shape],
      layout: 'NHWC: batch, height, width, channels',
      dtype: 'float32',
      range: [0, 1],
      description: `pixel bytes divided by 255, nothing else: the first layer (${INPUT_NORMALISATION_LAYER}) subtracts the training mean and divides by the training std per channel`,
      normalisation: { layer: INPUT_NORMALISATION_LAYER, mean: input.mean, std: input.std },
    },
    output: { description: 'softmax probabilities, one per class, in the order of classNames' },
    dataset: input.dataset,
    method: input.method,
    producedBy: input.producedBy,
  };
}

/**
 * Writes model.json + weights.bin into `dir` (which must exist); returns the network's weight bytes
 * (the input normalisation's few statistics not counted: they are not part of the network's size).
 * With `quantize`, weights are stored as 8-bit (see quantizeWeights). With `input` (every model a
 * user takes home; not checkpoints), the file takes raw [0,1] pixels and says what its classes are
 * (see withInputNormalisation).
 */
export async function saveModelToDir(model: tf.LayersModel, dir: string, options: { quantize?: boolean; input?: ExportedInput } = {}): Promise<number> {
  let bytes = 0;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    let weights = concatWeightData(artifacts.weightData!);
    let topology = artifacts.modelTopology as unknown as TopologyJson;
    if (options.quantize) {
      const q = quantizeWeights(weights, artifacts.weightSpecs!);
      weights = q.data;
      artifacts.weightSpecs = q.specs;
    }
    bytes = weights.byteLength;
    if (options.input) {
      const n = withInputNormalisation(topology, weights, artifacts.weightSpecs!, options.input);
      topology = n.topology;
      weights = n.weights;
      artifacts.weightSpecs = n.specs;
    }
    writeFileSync(join(dir, WEIGHTS_BIN), weights);
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: 'earlybird',
      modelTopology: topology,
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
      ...(options.input ? { userDefinedMetadata: exportMetadata(options.input, model.inputs[0]!.shape.slice(1) as number[]) } : {}),
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
 * The weights of an exported model in `target`'s order, without its input normalisation: for code
 * that goes on training the network on already normalised data (the lottery ticket reuses the dense baseline).
 */
export function weightsInto(exported: tf.LayersModel, target: tf.LayersModel): void {
  for (const layer of target.layers) {
    if (layer.weights.length > 0) layer.setWeights(exported.getLayer(layer.name).getWeights());
  }
}

/**
 * Saves the trained model's output for the first test images next to the exported files, so anyone
 * who loads the export (another process, another TF.js) and feeds it those images as raw pixels / 255
 * can check it predicts the same. `images` are the normalised pixels the model trained on.
 */
export async function writePredictionCheck(model: tf.LayersModel, images: Float32Array, shape: [number, number, number], dir: string, count = 8): Promise<void> {
  const per = shape[0] * shape[1] * shape[2];
  const n = Math.min(count, Math.floor(images.length / per));
  const outputs = tf.tidy(() => model.predict(tf.tensor4d(images.subarray(0, n * per), [n, ...shape])) as tf.Tensor);
  const values = Array.from(await outputs.data());
  outputs.dispose();
  writeFileSync(join(dir, 'predictions.json'), JSON.stringify({ images: n, input: 'the first test images, pixels / 255', inputShape: shape, outputShape: [n, values.length / n], outputs: values }));
}

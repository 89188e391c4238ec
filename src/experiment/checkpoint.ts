/**
 * A phase's checkpoint: the model (TF.js format), the optimizer's slots and what the phase needs
 * to continue (epoch, history, detector state). Written after every finished epoch by replacing
 * the directory in one rename, so a kill leaves either the previous or the new checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSpec } from '../models/index.ts';
import type { EpochLogs } from '../train/callbacks.ts';
import type { Optimizer, OptimizerState } from '../train/optimizer.ts';
import { replaceDirAtomic } from '../run/files.ts';
import { loadModelFromDir, saveModelToDir } from './modelFiles.ts';

export interface CheckpointMeta {
  phase: string;
  /** Last finished epoch (zero-based). */
  epoch: number;
  spec: ModelSpec;
  history: EpochLogs[];
  /** Anything else the phase needs to resume (detector state, Early-Bird facts, ...). */
  extra?: Record<string, unknown>;
}

interface SlotEntry {
  key: string;
  shape: number[];
  offset: number;
  length: number;
}

export async function saveCheckpoint(dir: string, model: tf.LayersModel, optimizer: Optimizer | null, meta: CheckpointMeta): Promise<void> {
  await replaceDirAtomic(dir, async (temp) => {
    await saveModelToDir(model, temp);
    if (optimizer) {
      const state = await optimizer.getState();
      const entries: SlotEntry[] = [];
      let offset = 0;
      for (const [key, slot] of Object.entries(state.slots)) {
        entries.push({ key, shape: slot.shape, offset, length: slot.values.length });
        offset += slot.values.length;
      }
      const values = new Float32Array(offset);
      for (const e of entries) values.set(state.slots[e.key]!.values, e.offset);
      writeFileSync(join(temp, 'optimizer.bin'), new Uint8Array(values.buffer));
      writeFileSync(join(temp, 'optimizer.json'), JSON.stringify({ kind: state.kind, step: state.step, slots: entries }));
    }
    writeFileSync(join(temp, 'checkpoint.json'), JSON.stringify(meta));
  });
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'checkpoint.json'));
}

export function readCheckpointMeta(dir: string): CheckpointMeta {
  return JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointMeta;
}

export function readOptimizerState(dir: string): OptimizerState | null {
  const jsonPath = join(dir, 'optimizer.json');
  if (!existsSync(jsonPath)) return null;
  const info = JSON.parse(readFileSync(jsonPath, 'utf8')) as { kind: OptimizerState['kind']; step: number; slots: SlotEntry[] };
  const bytes = readFileSync(join(dir, 'optimizer.bin'));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const slots: OptimizerState['slots'] = {};
  for (const e of info.slots) slots[e.key] = { shape: e.shape, values: all.subarray(e.offset, e.offset + e.length) };
  return { kind: info.kind, step: info.step, slots };
}

/** Copies the checkpoint's weights into `model` (same architecture). */
export async function restoreWeights(dir: string, model: tf.LayersModel): Promise<void> {
  const saved = await loadModelFromDir(dir);
  model.setWeights(saved.getWeights());
  saved.dispose();
}

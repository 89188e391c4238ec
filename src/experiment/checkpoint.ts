/**
 * A phase's checkpoint: the model (TF.js format), the optimizer's slots and what the phase needs
 * to continue (epoch, history, detector state). Written after every finished epoch by swapping in
 * a sealed copy of the directory (see replaceDirAtomic); a kill at any step leaves a complete copy,
 * which every reader here first puts in place (settleCheckpoint).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSpec } from '../models/index.ts';
import type { EpochLogs } from '../train/callbacks.ts';
import type { Optimizer, OptimizerState } from '../train/optimizer.ts';
import { replaceDirAtomic, settleReplacedDir, type Settled } from '../run/files.ts';
import { RunError } from '../run/errors.ts';
import { READ_CAPS, readRegularFileSync } from '../run/safeRead.ts';
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
    writeFileSync(checkpointMetaPath(temp), JSON.stringify(meta));
  });
}

/** A checkpoint's own description (phase, epoch, spec, history): present when the checkpoint is. */
export const checkpointMetaPath = (dir: string) => join(dir, 'checkpoint.json');

/**
 * Puts the newest complete copy of a checkpoint in place after a writer was killed mid-swap (and
 * removes the other copies): the first one whose description reads and that `accept` takes.
 */
export function settleCheckpoint(dir: string, accept: (meta: CheckpointMeta, path: string) => boolean = () => true): Settled {
  return settleReplacedDir(dir, (path) => {
    try {
      return accept(readMetaAt(path), path);
    } catch {
      return false;
    }
  });
}

export function hasCheckpoint(dir: string): boolean {
  settleCheckpoint(dir);
  return existsSync(checkpointMetaPath(dir));
}

/** A damaged checkpoint, said in one line naming the file and what is wrong. */
function damaged(file: string, what: string): RunError {
  return new RunError(`checkpoint file ${file} is damaged: ${what}`);
}

export function readCheckpointMeta(dir: string): CheckpointMeta {
  settleCheckpoint(dir);
  return readMetaAt(dir);
}

function readMetaAt(dir: string): CheckpointMeta {
  const path = checkpointMetaPath(dir);
  let text: string | null;
  try {
    text = readRegularFileSync(path, READ_CAPS.checkpointMeta);
  } catch (error) {
    throw damaged(path, (error as Error).message);
  }
  if (text === null) throw new RunError(`checkpoint file ${path} is missing`);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(text) as CheckpointMeta;
  } catch (error) {
    throw damaged(path, `not JSON (${(error as Error).message})`);
  }
  if (typeof meta !== 'object' || meta === null || !Number.isInteger(meta.epoch) || meta.epoch < 0 || !Array.isArray(meta.history) || typeof meta.spec !== 'object') {
    throw damaged(path, 'it lacks a whole-number epoch, a history list or a model spec');
  }
  return meta;
}

export function readOptimizerState(dir: string): OptimizerState | null {
  settleCheckpoint(dir);
  const jsonPath = join(dir, 'optimizer.json');
  const binPath = join(dir, 'optimizer.bin');
  if (!existsSync(jsonPath)) return null;
  let info: { kind: OptimizerState['kind']; step: number; slots: SlotEntry[] };
  try {
    info = JSON.parse(readFileSync(jsonPath, 'utf8')) as typeof info;
  } catch (error) {
    throw damaged(jsonPath, `not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(info?.slots)) throw damaged(jsonPath, 'it has no slot list');
  let bytes: Buffer;
  try {
    bytes = readFileSync(binPath);
  } catch (error) {
    throw damaged(binPath, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const floats = info.slots.reduce((n, e) => Math.max(n, (Number(e.offset) || 0) + (Number(e.length) || 0)), 0);
  if (bytes.byteLength !== floats * 4) {
    throw damaged(binPath, `${bytes.byteLength} bytes where optimizer.json's slots need ${floats * 4} (${floats} float32 values)`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const slots: OptimizerState['slots'] = {};
  for (const e of info.slots) slots[e.key] = { shape: e.shape, values: all.subarray(e.offset, e.offset + e.length) };
  return { kind: info.kind, step: info.step, slots };
}

/** Copies the checkpoint's weights into `model` (same architecture). */
export async function restoreWeights(dir: string, model: tf.LayersModel): Promise<void> {
  settleCheckpoint(dir);
  let saved: tf.LayersModel;
  try {
    saved = await loadModelFromDir(dir);
  } catch (error) {
    if (error instanceof RunError) throw error;
    throw damaged(join(dir, 'model.json'), firstLine((error as Error).message));
  }
  try {
    model.setWeights(saved.getWeights());
  } catch (error) {
    throw damaged(join(dir, 'weights.bin'), `its weights do not fit this run's network (${firstLine((error as Error).message)})`);
  } finally {
    saved.dispose();
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

import type * as tf from '@tensorflow/tfjs';
import type { ChannelPlan, ModelName } from './types.ts';

/** A validated spec with every default filled in. */
export interface ResolvedSpec {
  name: ModelName;
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
  width: number;
  /** Null for models without a depth knob. */
  depth: number | null;
  batchNorm: boolean;
}

/** What the registry needs to know about one architecture. */
export interface ModelDefinition {
  name: ModelName;
  /** One line for CLI help. */
  summary: string;
  /** Default `depth`, or null when the architecture has no depth knob. */
  defaultDepth: number | null;
  /** Smallest input height and width the downsampling accepts, and why. */
  minInputSize: { size: number; reason: string };
  /** Widths of the prunable producers (conv layers; hidden dense layers in the mlp), by name. */
  defaultPlan(spec: ResolvedSpec): ChannelPlan;
  /** Builds the network with exactly the widths of `plan` (same keys as `defaultPlan`). */
  build(spec: ResolvedSpec, plan: ChannelPlan): tf.LayersModel;
}

/** A base width scaled by the width multiplier; never below one channel. */
export function scaleWidth(base: number, width: number): number {
  return Math.max(1, Math.round(base * width));
}

/** Reads a width from the plan; a missing key is a bug in the definition, not in the spec. */
export function planned(plan: ChannelPlan, layerName: string): number {
  const channels = plan[layerName];
  if (channels === undefined) throw new Error(`internal: channel plan has no entry for ${layerName}`);
  return channels;
}

/** Model registry: seeded TF.js layers models built from an explicit channel plan. */
export type { ChannelPlan, LayerStats, ModelName, ModelSpec, ModelStats, PrunableGroup } from './types.ts';
export { MODEL_NAMES, ModelSpecError, buildModel, channelPlan, describeModel, isModelName, logitsModel } from './registry.ts';
export { prunableGroups } from './groups.ts';
export { modelStats } from './stats.ts';
export { LOGITS_LAYER, PROBS_LAYER } from './layers.ts';
export { layerSeed } from './seeds.ts';

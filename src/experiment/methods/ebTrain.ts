/**
 * EB Train: the Early-Bird search (the dense network trained with the slimming term, the detector
 * watching the channel masks after every epoch; the ticket checkpointed when found), the surgery
 * (the ticket cut into a physically smaller network, checked and timed), and the retrain (the slim
 * network from its Early-Bird weights for the rest of the epoch budget; optionally exported with
 * 8-bit weights). Its result's epochs and seconds include the search and the surgery.
 */
import type * as tf from '@tensorflow/tfjs';
import { mkdirSync } from 'node:fs';
import { unitPixels } from '../../data/normalise.ts';
import { buildModel } from '../../models/index.ts';
import { channelMask } from '../../prune/channelMask.ts';
import { EarlyBirdCallback } from '../../prune/earlyBirdCallback.ts';
import { EarlyBirdDetector } from '../../prune/earlyBirdDetector.ts';
import { gammaLayers } from '../../prune/slimModel.ts';
import { SlimmingPenalty } from '../../prune/slimmingPenalty.ts';
import { evaluate } from '../../train/evaluate.ts';
import { finishedPhase } from '../../core/project.ts';
import { writeJsonAtomic } from '../../run/files.ts';
import { maskPath, modelDir, modelFolder, phaseCheckpointDir } from '../../run/paths.ts';
import type { RunStore } from '../../run/runStore.ts';
import { hasCheckpoint, readCheckpointMeta, restoreWeights, saveCheckpoint } from '../checkpoint.ts';
import { optimizerOf } from '../../core/config.ts';
import { loadModelFromDir, saveModelToDir } from '../modelFiles.ts';
import { checkpointDir, runTrainingPhase } from '../phaseTrainer.ts';
import { runSurgery, type SurgeryOutcome } from '../surgeryPhase.ts';
import { beginPhase, exportedInput, trainMethod, type MethodContext } from './context.ts';

export async function ebTrain(ctx: MethodContext): Promise<boolean> {
  const search = await searchPhase(ctx);
  if (search.cancelled) return true;
  ctx.surgery = await surgeryPhase(ctx, search.ebEpoch);
  return retrainPhase(ctx, search, ctx.surgery);
}

interface SearchOutcome {
  cancelled: boolean;
  /** The epoch whose weights and mask become the ticket (the detection epoch, or the last one). */
  ebEpoch: number;
  found: boolean;
  searchEpochs: number;
  seconds: number;
}

const EB_DIR = 'eb';
/** Energy-meter phase of the surgery's equality check and speed measurement. */
export const SURGERY_CHECKS_PHASE = 'surgery-checks';

async function searchPhase(ctx: MethodContext): Promise<SearchOutcome> {
  const { store, config, emit } = ctx;
  const done = finishedPhase(ctx.before, 'search');
  const ebDir = phaseCheckpointDir(store.dir, EB_DIR);
  if (done) {
    const meta = readCheckpointMeta(ebDir);
    return { cancelled: false, ebEpoch: meta.epoch, found: Boolean(meta.extra?.found), searchEpochs: done.epochsTrained, seconds: done.seconds };
  }
  const N = config.training.epochs;
  const p = config.search.pruneRatio;
  const resume = ctx.resumed;
  const savedDetector = resume && hasCheckpoint(checkpointDir(store, 'search')) ? readCheckpointMeta(checkpointDir(store, 'search')).extra?.detector : undefined;
  const detector = savedDetector
    ? EarlyBirdDetector.fromJSON(savedDetector)
    : new EarlyBirdDetector({ ratios: config.search.ratios, queueLength: config.search.queueLength, epsilon: config.search.epsilon });
  const model = buildModel(ctx.spec);
  const saveTicket = async (epoch: number, mask: ReturnType<typeof channelMask>, found: boolean, m: tf.LayersModel) => {
    const bits: Record<string, number[]> = {};
    for (const layer of mask.layers) bits[layer.layer] = Array.from(layer.keep);
    await saveCheckpoint(ebDir, m, null, {
      phase: 'search', epoch, spec: ctx.spec, history: [], extra: { found, ratio: p, mask: bits, warnings: mask.warnings },
    });
    emit({ type: 'layer-mask', time: Date.now(), ratio: p, layers: mask.layers.map((l) => ({ layer: l.layer, kept: l.kept, total: l.total })) });
  };
  const earlyBird = new EarlyBirdCallback({
    detector, pruneRatio: p, stopOnFound: config.search.stopOnFound,
    onObservation: (o) => {
      writeMasks(store, `epoch-${String(o.epoch + 1).padStart(3, '0')}.json`, o.epoch, o.masks);
      emit({
        type: 'mask-distance', time: Date.now(), epoch: o.epoch, seconds: o.seconds, percentOfEpoch: o.percentOfEpoch,
        ratios: o.ratios.map((r) => ({ ratio: r.ratio, distances: r.distances, maxDistance: r.maxDistance, found: r.found, ...(r.foundEpoch !== undefined ? { foundEpoch: r.foundEpoch } : {}) })),
        matrices: o.matrices,
      });
    },
    onFound: async (ticket, m) => {
      writeMasks(store, 'early-bird.json', ticket.epoch, [{ ratio: p, mask: ticket.mask }]);
      await saveTicket(ticket.epoch, ticket.mask, true, m);
      emit({ type: 'eb-found', time: Date.now(), epoch: ticket.epoch, ratio: p, plannedEpochs: N, checkpoint: `checkpoints/${EB_DIR}`, warnings: ticket.mask.warnings });
    },
  });
  await beginPhase(ctx, 'search', N, 0, N);
  const outcome = await runTrainingPhase({
    store, phase: 'search', model, spec: ctx.spec, data: ctx.data, training: config.training,
    plannedEpochs: N, startEpoch: 0, endEpoch: N, seed: config.seed, signal: ctx.signal, emit, resume, previous: ctx.before, meter: ctx.energy,
    callbacks: [new SlimmingPenalty(config.search.l1), earlyBird, ...(ctx.callbacks?.('search') ?? [])],
    checkpointExtra: () => ({ detector: detector.toJSON() }),
    endedBefore: () => (config.search.stopOnFound && detector.foundFor(p) ? `Early-Bird ticket found at epoch ${detector.ticket(p)!.epoch + 1}` : null),
  });
  const epochs = outcome.history.length;
  const seconds = outcome.history.reduce((s, h) => s + h.seconds, 0);
  if (outcome.result.status === 'cancelled') {
    model.dispose();
    emit({ type: 'phase-end', time: Date.now(), phase: 'search', status: 'cancelled', seconds, epochs });
    return { cancelled: true, ebEpoch: -1, found: false, searchEpochs: epochs, seconds };
  }
  const ticket = detector.ticket(p);
  if (!ticket) {
    // No ticket within the budget: prune with the last mask, and say so.
    const last = outcome.history[outcome.history.length - 1]!;
    const mask = channelMask(await gammaLayers(model), p);
    await saveTicket(last.epoch, mask, false, model);
    emit({ type: 'warning', time: Date.now(), message: `no Early-Bird ticket within ${N} epochs (ε = ${config.search.epsilon}); pruning with the mask of the last epoch` });
  }
  model.dispose();
  const ebEpoch = ticket?.epoch ?? outcome.history[outcome.history.length - 1]!.epoch;
  emit({ type: 'phase-end', time: Date.now(), phase: 'search', status: outcome.result.status, seconds, epochs, ...(outcome.result.stopReason ? { stopReason: outcome.result.stopReason } : {}) });
  return { cancelled: false, ebEpoch, found: Boolean(ticket), searchEpochs: epochs, seconds };
}

/**
 * masks/<name>: the channel masks as 0/1 strings per layer and ratio — readable, diffable, and
 * enough to rebuild any slim network of the run.
 */
function writeMasks(store: RunStore, name: string, epoch: number, masks: { ratio: number; mask: ReturnType<typeof channelMask> }[]): void {
  writeJsonAtomic(maskPath(store.dir, name), {
    epoch,
    ratios: masks.map(({ ratio, mask }) => ({
      ratio,
      threshold: mask.threshold,
      layers: Object.fromEntries(mask.layers.map((l) => [l.layer, Array.from(l.keep).join('')])),
    })),
  });
}

async function surgeryPhase(ctx: MethodContext, ebEpoch: number): Promise<SurgeryOutcome> {
  const done = finishedPhase(ctx.before, 'surgery');
  const dir = checkpointDir(ctx.store, 'surgery');
  if (done && ctx.before.slim && hasCheckpoint(dir)) {
    const meta = readCheckpointMeta(dir);
    return { slimSpec: meta.spec, slim: ctx.before.slim, seconds: done.seconds };
  }
  await beginPhase(ctx, 'surgery', 0, ebEpoch, ebEpoch);
  const outcome = await runSurgery({
    ebDir: phaseCheckpointDir(ctx.store.dir, EB_DIR), spec: ctx.spec, data: ctx.data, batchSize: ctx.config.training.batchSize,
    optimizer: optimizerOf(ctx.config.training), learningRate: ctx.config.training.learningRate,
    saveSlim: async (model, slimSpec) => saveCheckpoint(dir, model, null, { phase: 'surgery', epoch: ebEpoch, spec: slimSpec, history: [] }),
    // Equality check and speed measurement are diagnostics: metered apart from the ticket's cost.
    onChecksStart: () => ctx.energy.setPhase(SURGERY_CHECKS_PHASE),
  });
  const stats = outcome.slim;
  ctx.emit({ type: 'model', time: Date.now(), method: 'ebTrain', params: stats.params.slim, flops: stats.flops.slim, channels: outcome.slimSpec.channels ?? {} });
  ctx.emit({ type: 'phase-end', time: Date.now(), phase: 'surgery', status: 'completed', seconds: outcome.seconds, epochs: 0, slim: outcome.slim });
  return outcome;
}

async function retrainPhase(ctx: MethodContext, search: SearchOutcome, surgery: SurgeryOutcome): Promise<boolean> {
  if (finishedPhase(ctx.before, 'retrain')) return false;
  const model = buildModel(surgery.slimSpec);
  // The ticket's own weights, as cut by the surgery (a resumed retrain restores its checkpoint instead).
  await restoreWeights(checkpointDir(ctx.store, 'surgery'), model);
  const N = ctx.config.training.epochs;
  if (search.ebEpoch + 1 >= N) {
    ctx.emit({
      type: 'warning', time: Date.now(),
      message: `no fine-tuning epochs left: the ticket was cut at the last epoch (${search.ebEpoch + 1} of ${N}), so EB Train is the pruned network as cut, without retraining`,
    });
  }
  return trainMethod(ctx, {
    phase: 'retrain', method: 'ebTrain', spec: surgery.slimSpec, model, plannedEpochs: N,
    // The schedule continues where the search stopped: the remaining epoch budget.
    startEpoch: Math.min(search.ebEpoch + 1, N), endEpoch: N,
    carried: { epochs: search.searchEpochs, seconds: search.seconds + surgery.seconds },
    afterTrain: ctx.config.export.quantize ? (m, accuracy, bytes) => exportQuantized(ctx, m, accuracy, bytes) : undefined,
  });
}

/**
 * The ticket with 8-bit weights: its size and the test accuracy it keeps after dequantisation,
 * measured as a user would: the written file, fed raw pixels / 255.
 */
async function exportQuantized(ctx: MethodContext, model: tf.LayersModel, accuracyBefore: number, bytesBefore: number): Promise<void> {
  const dir = modelDir(ctx.store.dir, 'ebTrain-uint8');
  mkdirSync(dir, { recursive: true });
  const bytesAfter = await saveModelToDir(model, dir, { quantize: true, input: exportedInput(ctx, 'ebTrain-uint8') });
  const reloaded = await loadModelFromDir(dir);
  const accuracyAfter = (await evaluate(reloaded, unitPixels(ctx.data.test, ctx.data), ctx.data.numClasses, ctx.config.training.batchSize)).accuracy;
  reloaded.dispose();
  ctx.emit({ type: 'quantization', time: Date.now(), method: 'ebTrain', modelDir: modelFolder('ebTrain-uint8'), bytesBefore, bytesAfter, accuracyBefore, accuracyAfter });
}


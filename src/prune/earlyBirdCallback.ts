/**
 * Watches the channel mask at the end of every search epoch (a training callback): reads |γ| of
 * the prunable BatchNorm layers, feeds the Early-Bird detector, reports the distances and what the
 * detection cost, and on detection hands the ticket to the runner and, by default, ends the search.
 */
import type * as tf from '@tensorflow/tfjs';
import { prunableGroups } from '../models/index.ts';
import type { EpochLogs, TrainCallback, TrainContext } from '../train/callbacks.ts';
import type { ChannelMask } from './channelMask.ts';
import type { EarlyBirdDetector, EarlyBirdTicket, RatioObservation } from './earlyBirdDetector.ts';
import { gammaLayers } from './slimModel.ts';

export interface EarlyBirdObservation {
  epoch: number;
  ratios: RatioObservation[];
  /** This epoch's mask per tracked ratio. */
  masks: { ratio: number; mask: ChannelMask }[];
  /** Pairwise distances among the queued masks per ratio (oldest first), for charts. */
  matrices: { ratio: number; epochs: number[]; distances: number[][] }[];
  /** Seconds spent reading γ and updating the detector. */
  seconds: number;
  percentOfEpoch: number;
}

export interface EarlyBirdCallbackOptions {
  detector: EarlyBirdDetector;
  /** The ratio whose ticket ends the search and gets retrained. */
  pruneRatio: number;
  stopOnFound: boolean;
  onObservation?(observation: EarlyBirdObservation): void | Promise<void>;
  /** Runs once, at the epoch the ticket for `pruneRatio` appears, before the search stops. */
  onFound?(ticket: EarlyBirdTicket, model: tf.LayersModel): void | Promise<void>;
}

export class EarlyBirdCallback implements TrainCallback {
  private reported = false;
  /** Detector cost per observed epoch, as % of that epoch's training time. */
  readonly overheadPercents: number[] = [];

  constructor(private readonly options: EarlyBirdCallbackOptions) {
    this.reported = options.detector.foundFor(options.pruneRatio);
  }

  async onEpochEnd(logs: EpochLogs, ctx: TrainContext): Promise<void> {
    const { detector, pruneRatio } = this.options;
    const started = performance.now();
    const ratios = detector.observe(logs.epoch, await gammaLayers(ctx.model, prunableGroups(ctx.model)));
    const seconds = (performance.now() - started) / 1000;
    const percentOfEpoch = (100 * seconds) / Math.max(logs.seconds, 1e-9);
    this.overheadPercents.push(percentOfEpoch);
    await this.options.onObservation?.({
      epoch: logs.epoch, ratios, seconds, percentOfEpoch,
      masks: detector.options.ratios.map((ratio) => ({ ratio, mask: detector.latestMask(ratio)! })),
      matrices: detector.options.ratios.map((ratio) => ({ ratio, ...detector.distanceMatrix(ratio) })),
    });
    const ticket = detector.ticket(pruneRatio);
    if (ticket && !this.reported) {
      this.reported = true;
      await this.options.onFound?.(ticket, ctx.model);
      if (this.options.stopOnFound) ctx.requestStop(`Early-Bird ticket found at epoch ${ticket.epoch + 1} for p = ${pruneRatio}`);
    }
  }
}

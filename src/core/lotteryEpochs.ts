/**
 * How many epochs the lottery-ticket baseline trains, without TF.js: the runner's progress and the
 * app's whole-experiment ETA both need it.
 */
export interface LotteryEpochSettings {
  mode: 'one-shot' | 'iterative';
  rounds: number;
  reset: 'init' | 'rewind';
  rewindEpoch: number;
}

/**
 * Round 0's dense run (none when a trained dense network is given, except the epochs up to the
 * rewind point), then `epochs` per pruning round (one round for one-shot).
 */
export function plannedLotteryEpochs(settings: LotteryEpochSettings, epochs: number, denseGiven: boolean): number {
  const dense = denseGiven ? (settings.reset === 'rewind' ? settings.rewindEpoch : 0) : epochs;
  return dense + (settings.mode === 'one-shot' ? 1 : settings.rounds) * epochs;
}

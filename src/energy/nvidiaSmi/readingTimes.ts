/**
 * When each nvidia-smi sample happened, on the Date.now() clock the rest of the engine uses.
 * Lines that arrive together (a pipe may batch them) keep the spacing of nvidia-smi's own
 * timestamps, anchored on the arrival time of the newest one, so the trapezoid sees real intervals
 * instead of several samples at the same instant. Times never go backwards per GPU.
 */
import type { NvidiaSmiSample } from './parseLine.ts';

export function readingTimes(
  samples: readonly Pick<NvidiaSmiSample, 'index' | 'deviceTimeMs'>[],
  arrivalMs: number,
  lastTimeByGpu: Map<number, number>,
): number[] {
  const deviceTimes = samples.map((s) => s.deviceTimeMs).filter((t): t is number => t !== null);
  const newest = deviceTimes.length ? Math.max(...deviceTimes) : null;
  return samples.map((sample) => {
    const lag = sample.deviceTimeMs !== null && newest !== null ? newest - sample.deviceTimeMs : 0;
    const previous = lastTimeByGpu.get(sample.index) ?? -Infinity;
    const timeMs = Math.max(previous, arrivalMs - lag);
    lastTimeByGpu.set(sample.index, timeMs);
    return timeMs;
  });
}

/**
 * Two pruning ratios are the same when they differ by less than this (0.1 + 0.2 is 0.3): the config
 * and the detector match ratios the same way, with sameRatio.
 */
export const RATIO_TOLERANCE = 1e-9;
export const sameRatio = (a: number, b: number): boolean => Math.abs(a - b) < RATIO_TOLERANCE;

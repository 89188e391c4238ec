/**
 * RAPL energy counters are unsigned and wrap to 0 after `max_energy_range_uj` (around 262 kJ on
 * many Intel parts: minutes at full load), so consecutive reads are differenced modulo that range.
 */
export function counterDelta(previous: number, current: number, maxRange: number): number {
  if (current >= previous) return current - previous;
  // Wrapped once (the sampler reads far more often than a counter can wrap twice).
  if (maxRange > previous) return maxRange - previous + current;
  // No usable range: the interval cannot be known, count nothing rather than something wrong.
  return 0;
}

/**
 * Energy units and the carbon conversion. Joules are the engine's only internal unit; Wh and kWh exist
 * for people (and for carbon intensities, which are quoted per kWh).
 */
import { sig } from '../core/numbers.ts';

export const JOULES_PER_WH = 3600;
export const JOULES_PER_KWH = 3_600_000;

/** CodeCarbon's world-average grid intensity (IEA 2019), used when the user gives none. */
export const DEFAULT_CARBON_INTENSITY_G_PER_KWH = 475;
/** Power usage effectiveness of the room the machine sits in; 1.0 means "count the machine only". */
export const DEFAULT_PUE = 1.0;

export const joulesToWh = (joules: number): number => joules / JOULES_PER_WH;
export const whToJoules = (wh: number): number => wh * JOULES_PER_WH;
export const joulesToKwh = (joules: number): number => joules / JOULES_PER_KWH;
export const kwhToJoules = (kwh: number): number => kwh * JOULES_PER_KWH;

/**
 * Grams of CO2-equivalent for `joules` drawn by the machine: the facility draws `pue` times as much,
 * and the grid emits `carbonIntensity` grams per kWh delivered.
 */
export function co2eGrams(
  joules: number,
  carbonIntensity: number = DEFAULT_CARBON_INTENSITY_G_PER_KWH,
  pue: number = DEFAULT_PUE,
): number {
  if (!(carbonIntensity >= 0)) throw new RangeError(`carbon intensity must be >= 0 g/kWh, got ${carbonIntensity}`);
  if (!(pue >= 1)) throw new RangeError(`PUE must be >= 1, got ${pue}`);
  return joulesToKwh(joules) * pue * carbonIntensity;
}

/** Short human form, picking the unit that keeps the number readable: "512 J", "12.3 kJ (3.42 Wh)". */
export function formatEnergy(joules: number): string {
  const abs = Math.abs(joules);
  if (abs < 1000) return `${round3(joules)} J`;
  const wh = joulesToWh(joules);
  if (abs < 1e6) return `${round3(joules / 1000)} kJ (${round3(wh)} Wh)`;
  return `${round3(joules / 1e6)} MJ (${round3(joulesToKwh(joules))} kWh)`;
}

/** Three significant digits (the one `sig`, shared by the PDF and the page). */
const round3 = (value: number): string => sig(value, 3);

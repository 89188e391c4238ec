/**
 * Finds the RAPL domains Linux exposes under powercap and checks that their energy counters can be
 * read. Layout (one flat directory per zone, parents before children):
 *   /sys/class/powercap/intel-rapl:0/{name=package-0, energy_uj, max_energy_range_uj}
 *   /sys/class/powercap/intel-rapl:0:0/{name=core|dram, ...}   (inside package 0)
 *   /sys/class/powercap/intel-rapl:1/{name=package-1|psys, ...}
 * AMD Zen parts appear under the same intel-rapl names. Since the 2020 PLATYPUS fix (CVE-2020-8694)
 * `energy_uj` is readable by root only, so "exists but EACCES" is the common case on desktops.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../types.ts';

export const DEFAULT_POWERCAP_ROOT = '/sys/class/powercap';

const ZONE_DIRECTORY = /^intel-rapl:\d+(:\d+)*$/;

export interface RaplZone {
  /** Directory name, e.g. `intel-rapl:0:0`. */
  id: string;
  directory: string;
  /** Contents of the `name` file: package-0, dram, core, uncore, psys. */
  name: string;
  /** Label used in readings: the name, plus the id when two zones share a name (dram per socket). */
  label: string;
  maxEnergyRangeUj: number;
}

export type ZoneDiscovery =
  | { ok: true; zones: RaplZone[]; notSummed: string[] }
  | { ok: false; reason: string };

/** How to make energy_uj readable without running training as root. */
export function raplPermissionFix(root: string): string {
  return (
    `run \`sudo chmod o+r ${root}/intel-rapl:*/energy_uj\` (lasts until reboot), or add a udev rule such as ` +
    `\`SUBSYSTEM=="powercap", ACTION=="add", RUN+="/bin/chmod o+r /sys%p/energy_uj"\` in /etc/udev/rules.d/`
  );
}

export function isPermissionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

export async function readMicrojoules(file: string): Promise<number> {
  const text = (await readFile(file, 'utf8')).trim();
  if (!/^\d+$/.test(text)) throw new Error(`${file} does not hold a counter: "${text.slice(0, 40)}"`);
  return Number(text);
}

/**
 * Which zones to sum: every package and DRAM. core/uncore sit inside their package, and psys covers
 * the packages too, so adding them would count the same joules twice; psys is used only when there
 * is no package zone at all.
 */
function chooseZones(zones: RaplZone[]): { chosen: RaplZone[]; notSummed: string[] } {
  const packages = zones.filter((z) => /^package-\d+$/.test(z.name) || z.name === 'dram');
  const chosen = packages.some((z) => z.name.startsWith('package-')) ? packages : zones.filter((z) => z.name === 'psys');
  const notSummed = zones
    .filter((z) => !chosen.includes(z))
    .map((z) => `${z.label} (${z.name === 'psys' ? 'overlaps the packages' : 'already inside its package'})`);
  return { chosen, notSummed };
}

export async function discoverRaplZones(root: string = DEFAULT_POWERCAP_ROOT): Promise<ZoneDiscovery> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: `RAPL: ${root} does not exist (no powercap in this kernel, or not Linux)` };
    return { ok: false, reason: `RAPL: cannot list ${root}: ${messageOf(error)}` };
  }
  const ids = entries.filter((entry) => ZONE_DIRECTORY.test(entry)).sort();
  if (ids.length === 0) return { ok: false, reason: `RAPL: ${root} has no intel-rapl domains (no RAPL on this machine)` };

  const zones: RaplZone[] = [];
  for (const id of ids) {
    const directory = join(root, id);
    const name = await readFile(join(directory, 'name'), 'utf8').then((t) => t.trim(), () => id);
    const maxEnergyRangeUj = await readMicrojoules(join(directory, 'max_energy_range_uj')).catch(() => 0);
    zones.push({ id, directory, name, label: name, maxEnergyRangeUj });
  }
  for (const zone of zones) {
    if (zones.filter((z) => z.name === zone.name).length > 1) zone.label = `${zone.name} (${zone.id})`;
  }

  const { chosen, notSummed } = chooseZones(zones);
  if (chosen.length === 0) {
    return { ok: false, reason: `RAPL: ${root} has domains (${zones.map((z) => z.name).join(', ')}) but no package, DRAM or psys domain` };
  }

  // Probe each counter now, so an unreadable one becomes a reason instead of a failure mid-training.
  const denied: string[] = [];
  const broken: string[] = [];
  for (const zone of chosen) {
    const file = join(zone.directory, 'energy_uj');
    try {
      await readMicrojoules(file);
    } catch (error) {
      if (isPermissionError(error)) denied.push(file);
      else broken.push(`${file}: ${messageOf(error)}`);
    }
  }
  if (denied.length > 0) {
    return {
      ok: false,
      reason:
        `RAPL: ${denied.join(', ')} exists but is not readable by this user (root-only since the 2020 ` +
        `PLATYPUS fix, CVE-2020-8694); to measure the CPU, ${raplPermissionFix(root)}`,
    };
  }
  if (broken.length > 0) return { ok: false, reason: `RAPL: cannot read ${broken.join('; ')}` };
  return { ok: true, zones: chosen, notSummed };
}

/**
 * Rebuilds assets/energy/cpu_power.csv from CodeCarbon's files (MIT, github.com/mlco2/codecarbon):
 *   codecarbon/data/hardware/cpu_power.csv                               Name,TDP
 *   codecarbon/data/hardware/cpu_dataset_builder/intel_cpu_ark_dataset.csv   cpu_name,total_cores,...
 *   codecarbon/data/hardware/cpu_dataset_builder/amd_cpu_{desktop,server}_dataset.csv  "Name","# of CPU Cores",...
 * Usage: node --import tsx scripts/update-cpu-power-table.ts <folder holding those four files>
 * Keeps CodeCarbon's rows and TDPs as they are and adds a Cores column where the datasets know it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvField, csvRows } from '../src/energy/estimate/csvRows.ts';
import { CPU_POWER_TABLE_PATH, normaliseCpuName } from '../src/energy/estimate/cpuPowerTable.ts';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: update-cpu-power-table.ts <folder with cpu_power.csv, intel_cpu_ark_dataset.csv, amd_cpu_desktop_dataset.csv, amd_cpu_server_dataset.csv>');
  process.exit(2);
}
const table = (file: string) => csvRows(readFileSync(join(dir, file), 'utf8'));
const cores = new Map<string, number>();
function learn(file: string, nameColumn: string, coresColumn: string) {
  const [header, ...rows] = table(file);
  const n = header!.indexOf(nameColumn);
  const c = header!.indexOf(coresColumn);
  if (n < 0 || c < 0) throw new Error(`${file}: columns ${nameColumn} / ${coresColumn} not found`);
  for (const row of rows) {
    const count = Number(row[c]);
    if (count > 0) cores.set(normaliseCpuName(row[n]!), count);
  }
}
learn('intel_cpu_ark_dataset.csv', 'cpu_name', 'total_cores');
learn('amd_cpu_desktop_dataset.csv', 'Name', '# of CPU Cores');
learn('amd_cpu_server_dataset.csv', 'Name', '# of CPU Cores');

const [header, ...rows] = table('cpu_power.csv');
const nameAt = header!.indexOf('Name');
const tdpAt = header!.indexOf('TDP');
const lines = ['Name,TDP,Cores'];
let withCores = 0;
for (const row of rows) {
  const name = row[nameAt]!;
  const count = cores.get(normaliseCpuName(name));
  if (count) withCores++;
  lines.push([csvField(name), row[tdpAt]!, count ? String(count) : ''].join(','));
}
writeFileSync(CPU_POWER_TABLE_PATH, `${lines.join('\n')}\n`);
console.log(`${rows.length} models, ${withCores} with a core count → ${CPU_POWER_TABLE_PATH}`);

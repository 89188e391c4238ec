/// <reference types="@webgpu/types" />
/**
 * Finds the WebGPU adapter Dawn (npm `webgpu`, Google's WebGPU in a Node addon) would train on, says
 * whether it is a real GPU or a software emulation, and — when Dawn finds none — why.
 *
 * Dawn speaks Vulkan on Linux, D3D12 on Windows and Metal on macOS, so no CUDA install is needed.
 * On Linux it loads the Vulkan loader (`libvulkan.so.1`), which loads the drivers ("ICDs") named by
 * JSON manifests; a missing loader or driver makes `requestAdapter()` return null without a word,
 * so the reason is worked out here from the files the loader itself would read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the report says about the adapter that runs (or was passed over). */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** True for a CPU emulation (SwiftShader, lavapipe/llvmpipe, WARP, a fallback adapter). */
  software: boolean;
  /** Dawn's native API on this platform: vulkan, d3d12 or metal. */
  api: 'vulkan' | 'd3d12' | 'metal';
}

export type WebGpuProbe =
  | { ok: true; adapter: AdapterReport; gpuAdapter: GPUAdapter }
  | { ok: false; reason: string };

/** The Dawn-backed adapter info fields we read (the GPUAdapterInfo of the WebGPU spec). */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|\bwarp\b/i;

export function nativeApi(platform: NodeJS.Platform = process.platform): AdapterReport['api'] {
  return platform === 'win32' ? 'd3d12' : platform === 'darwin' ? 'metal' : 'vulkan';
}

/** The adapter's identity, and whether it emulates a GPU on the CPU. */
export function describeAdapter(info: AdapterInfoLike, platform: NodeJS.Platform = process.platform): AdapterReport {
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const isFallbackAdapter = info.isFallbackAdapter === true;
  const software = isFallbackAdapter || SOFTWARE_NAMES.test([vendor, architecture, device, description].join(' '));
  return { vendor, architecture, device, description, isFallbackAdapter, software, api: nativeApi(platform) };
}

/** "NVIDIA: 580.159.04 580.159.4.0": a description that holds only the driver's version. */
const DRIVER_ONLY = /^[^:]*:\s*[\d.]+(\s+[\d.]+)*\s*$/;

/** "nvidia-h100-80gb-hbm3" → "NVIDIA H100 80GB HBM3": short words and model numbers in capitals. */
function deviceSlugName(slug: string): string {
  return slug.split(/[-_\s]+/).filter(Boolean)
    .map((word) => (word.length <= 4 || /\d/.test(word) || word === 'nvidia' ? word.toUpperCase() : word[0]!.toUpperCase() + word.slice(1)))
    .join(' ');
}

/**
 * The GPU's name for people. Dawn's description is usually it ("SwiftShader driver 5.0.0",
 * "AMD Radeon RX 7900 XTX"), but NVIDIA's Vulkan driver gives only its version there
 * ("NVIDIA: 580.159.04 580.159.4.0", seen on an H100) and the name as a slug in `device`
 * ("nvidia-h100-80gb-hbm3"): then the name comes from the slug and the driver version follows it.
 */
export function adapterName(adapter: Pick<AdapterReport, 'description' | 'device'>): string {
  const { description, device } = adapter;
  const slugUsable = /[a-z]/i.test(device) && !/^(0x)?[0-9a-f]+$/i.test(device);
  if (slugUsable && (!description || DRIVER_ONLY.test(description))) {
    const version = description ? description.split(':').slice(1).join(':').trim().split(/\s+/)[0] : '';
    return `${deviceSlugName(device)}${version ? `, driver ${version}` : ''}`;
  }
  return description || device || 'unnamed adapter';
}

/** One line naming the adapter: "SwiftShader driver 5.0.0 (google swiftshader, Vulkan)". */
export function adapterLabel(adapter: AdapterReport): string {
  const id = [adapter.vendor, adapter.architecture].filter(Boolean).join(' ');
  const api = adapter.api === 'd3d12' ? 'D3D12' : adapter.api === 'metal' ? 'Metal' : 'Vulkan';
  return `${adapterName(adapter)} (${[id, api].filter(Boolean).join(', ')})`;
}

export const SOFTWARE_WARNING =
  'a software adapter: the GPU is emulated on the CPU, so this trains far slower than wasm and measures no GPU';

// ---------------------------------------------------------------------------------------------
// Why no adapter (Linux): the Vulkan loader and its driver manifests, read as the loader reads them.

export interface VulkanEnvironment {
  /** Filesystem root, `/` in real use; a fixture tree in tests. */
  root: string;
  env: NodeJS.ProcessEnv;
}

const LOADER_DIRS = [
  'usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu', 'usr/lib/aarch64-linux-gnu', 'lib/aarch64-linux-gnu',
  'usr/lib64', 'lib64', 'usr/lib', 'lib', 'usr/local/lib',
];

/** Where `libvulkan.so.1` is, or null: the loader Dawn opens at run time. */
export function findVulkanLoader({ root, env }: VulkanEnvironment): string | null {
  const extra = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  for (const dir of [...extra.map((d) => (root === '/' ? d : join(root, d))), ...LOADER_DIRS.map((d) => join(root, d))]) {
    const file = join(dir, 'libvulkan.so.1');
    if (existsSync(file)) return file;
  }
  return null;
}

/** The driver manifests the loader would read: VK_DRIVER_FILES / VK_ICD_FILENAMES, else the icd.d folders. */
export function vulkanDriverManifests({ root, env }: VulkanEnvironment): string[] {
  const at = (p: string) => (root === '/' ? p : join(root, p));
  const listed = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  const added = (env.VK_ADD_DRIVER_FILES ?? '').split(':').filter(Boolean).map(at).filter((f) => existsSync(f));
  if (listed) return [...listed.split(':').filter(Boolean).map(at).filter((f) => existsSync(f)), ...added];
  const dataDirs = (env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':').filter(Boolean);
  const configDirs = (env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':').filter(Boolean);
  const home = env.XDG_DATA_HOME ?? (env.HOME ? join(env.HOME, '.local', 'share') : null);
  const dirs = [...configDirs, '/etc', ...(home ? [home] : []), ...dataDirs, '/usr/share'].map((d) => at(join(d, 'vulkan', 'icd.d')));
  const files = new Set<string>(added);
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (name.endsWith('.json')) files.add(join(dir, name));
  }
  return [...files];
}

/** The driver library a manifest names (`ICD.library_path`), or the file name when it can't be read. */
function driverName(manifest: string): string {
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { ICD?: { library_path?: string } };
    const lib = parsed.ICD?.library_path;
    if (lib) return lib.split('/').pop()!;
  } catch {
    // fall through to the manifest's own name
  }
  return manifest.split('/').pop()!;
}

/**
 * Why Dawn found no adapter on Linux, from the loader and driver files present. Checked in the order
 * the loader fails: no loader library, no driver manifest, only drivers Dawn refuses, other drivers.
 */
export function explainNoVulkanAdapter(vk: VulkanEnvironment): string {
  if (!findVulkanLoader(vk)) {
    return 'no Vulkan loader: libvulkan.so.1 is missing (install the libvulkan1 package, or your distribution\'s vulkan-loader)';
  }
  const manifests = vulkanDriverManifests(vk);
  const nvidiaKernel = existsSync(join(vk.root, 'proc/driver/nvidia')) || existsSync(join(vk.root, 'dev/nvidia0'));
  if (manifests.length === 0) {
    const listed = vk.env.VK_DRIVER_FILES ?? vk.env.VK_ICD_FILENAMES;
    if (listed) return `no Vulkan driver: the manifest(s) named by VK_DRIVER_FILES/VK_ICD_FILENAMES (${listed}) do not exist`;
    return nvidiaKernel
      ? 'no Vulkan driver: the NVIDIA kernel driver is loaded but its Vulkan driver (nvidia_icd.json, from the NVIDIA user-space driver package) is not installed'
      : 'no Vulkan driver: no *.json manifest under /etc/vulkan/icd.d or /usr/share/vulkan/icd.d (install your GPU\'s Vulkan driver: mesa-vulkan-drivers for AMD and Intel, the NVIDIA driver for NVIDIA)';
  }
  const names = manifests.map(driverName);
  if (names.every((n) => /lvp|lavapipe/i.test(n))) {
    return `only Mesa's lavapipe is installed (${names.join(', ')}), a CPU rasteriser that Dawn refuses; no GPU driver is present`;
  }
  return `Dawn found no usable adapter on the Vulkan driver(s) ${names.join(', ')}: the GPU may be absent from this container (no /dev/dri or /dev/nvidia*), not readable by this user, or the driver too old for Vulkan 1.1`;
}

/**
 * On Linux, the reason Dawn cannot find an adapter, known before loading it: no Vulkan loader or no
 * driver manifest at all. Null when Dawn has to be asked. (Asking anyway would cost a 21 MB addon
 * load and a "vkCreateInstance: Found no drivers" warning on stderr.)
 */
export function vulkanPrecheck(vk: VulkanEnvironment = { root: '/', env: process.env }, platform: NodeJS.Platform = process.platform): string | null {
  if (platform !== 'linux') return null;
  if (!findVulkanLoader(vk) || vulkanDriverManifests(vk).length === 0) return explainNoVulkanAdapter(vk);
  return null;
}

/** Why no adapter, on any platform. */
export function explainNoAdapter(platform: NodeJS.Platform = process.platform, vk: VulkanEnvironment = { root: '/', env: process.env }): string {
  if (platform === 'linux') return explainNoVulkanAdapter(vk);
  if (platform === 'win32') return 'Dawn found no D3D12 adapter (update the GPU driver; Windows 10 or newer is needed)';
  if (platform === 'darwin') return 'Dawn found no Metal device';
  return `Dawn has no native GPU API on ${platform}`;
}

// ---------------------------------------------------------------------------------------------

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

let dawn: DawnModule | null = null;
let dawnGpu: GPU | null = null;

/** Loads dawn.node once and returns its `navigator.gpu`. Throws when the addon can't load. */
export async function dawnGpuInstance(): Promise<GPU> {
  if (dawnGpu) return dawnGpu;
  dawn ??= (await import('webgpu')) as unknown as DawnModule;
  // tfjs-backend-webgpu reads the GPU* classes (GPUBufferUsage, GPUMapMode, ...) as globals.
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  dawnGpu = dawn.create([]);
  return dawnGpu;
}

/**
 * Asks Dawn for its high-performance adapter. Never throws: a failure to load the addon or to find
 * an adapter comes back as `{ ok: false, reason }`.
 */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const precheck = vulkanPrecheck();
  if (precheck) return { ok: false, reason: precheck };
  let gpu: GPU;
  try {
    gpu = await dawnGpuInstance();
  } catch (error) {
    return { ok: false, reason: `Dawn (npm webgpu) did not load on ${process.platform}-${process.arch}: ${(error as Error).message.split('\n')[0]}` };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, reason: `Dawn's requestAdapter failed: ${(error as Error).message.split('\n')[0]}` };
  }
  if (!adapter) return { ok: false, reason: explainNoAdapter() };
  return { ok: true, adapter: describeAdapter(adapter.info as AdapterInfoLike), gpuAdapter: adapter };
}

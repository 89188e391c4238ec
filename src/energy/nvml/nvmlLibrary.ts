/**
 * The few NVML entry points the energy engine needs, bound with koffi. Every call goes through
 * koffi's `.async`, which runs it on a worker thread: NVML calls can take milliseconds (nvmlInit
 * much more), and the sampler must never stall the training loop on the event-loop thread.
 *
 * Signatures (nvml.h):
 *   nvmlReturn_t nvmlInit_v2(void)
 *   nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount)
 *   nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
 *   nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
 *   nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy)  // mJ, Volta+
 *   nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)                    // mW
 *   nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization)  // {gpu, memory} %
 *   nvmlReturn_t nvmlShutdown(void)
 *   const char*  nvmlErrorString(nvmlReturn_t result)                                                   // optional here
 */

export const NVML_SUCCESS = 0;
export const NVML_ERROR_NOT_SUPPORTED = 3;
/** NVML_DEVICE_NAME_V2_BUFFER_SIZE */
const NAME_BUFFER_SIZE = 96;

/** Fallback names for the codes that matter, used when the library has no nvmlErrorString. */
const KNOWN_ERRORS: Record<number, string> = {
  1: 'Uninitialized',
  2: 'Invalid Argument',
  3: 'Not Supported',
  4: 'No Permission',
  9: 'Driver Not Loaded',
  12: 'Library Not Found',
  15: 'GPU is lost',
  999: 'Unknown Error',
};

export type NvmlResult<T> = { ok: true; value: T } | { ok: false; code: number; message: string };

/** Opaque device handle (a pointer, which koffi represents as a bigint). */
export type NvmlDeviceHandle = unknown;

export interface NvmlUtilisation {
  gpuPercent: number;
  memoryPercent: number;
}

export interface NvmlLibrary {
  readonly path: string;
  init(): Promise<NvmlResult<void>>;
  deviceCount(): Promise<NvmlResult<number>>;
  handleByIndex(index: number): Promise<NvmlResult<NvmlDeviceHandle>>;
  name(device: NvmlDeviceHandle): Promise<NvmlResult<string>>;
  /** "GPU-…" (fails where the library lacks nvmlDeviceGetUUID). */
  uuid(device: NvmlDeviceHandle): Promise<NvmlResult<string>>;
  totalEnergyMillijoules(device: NvmlDeviceHandle): Promise<NvmlResult<number>>;
  powerMilliwatts(device: NvmlDeviceHandle): Promise<NvmlResult<number>>;
  utilisation(device: NvmlDeviceHandle): Promise<NvmlResult<NvmlUtilisation>>;
  shutdown(): Promise<NvmlResult<void>>;
}

type AsyncCallable = { async: (...args: unknown[]) => void };

/**
 * Loads the library and binds the functions. Throws (with the loader's message) when the library or
 * one of the required symbols is missing; the caller turns that into a "skipped" sentence.
 */
export async function loadNvmlLibrary(path: string): Promise<NvmlLibrary> {
  const koffi = await import('koffi').catch((error: unknown) => {
    throw new NvmlLoadError('koffi', `koffi (the FFI module) is unavailable: ${String(error)}`);
  });
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(path);
  } catch (error) {
    throw new NvmlLoadError('library', `cannot load ${path} (${(error as Error).message})`);
  }
  try {
    return bind(koffi, lib, path);
  } catch (error) {
    throw new NvmlLoadError('symbol', `${path} lacks an entry point (${(error as Error).message}); driver too old?`);
  }
}

/** Which step of loading failed, so the skip reason can say something true about the machine. */
export class NvmlLoadError extends Error {
  constructor(readonly stage: 'koffi' | 'library' | 'symbol', message: string) {
    super(message);
    this.name = 'NvmlLoadError';
  }
}

type Koffi = typeof import('koffi');

function bind(koffi: Koffi, lib: ReturnType<Koffi['load']>, path: string): NvmlLibrary {
  // Anonymous types: koffi's named types are process-global, and this may be loaded more than once.
  const deviceHandle = koffi.pointer(koffi.opaque());
  const utilisationStruct = koffi.struct({ gpu: 'unsigned int', memory: 'unsigned int' });
  const outUint = koffi.out(koffi.pointer('unsigned int'));

  const fn = {
    init: lib.func('nvmlInit_v2', 'int', []),
    count: lib.func('nvmlDeviceGetCount_v2', 'int', [outUint]),
    handle: lib.func('nvmlDeviceGetHandleByIndex_v2', 'int', ['unsigned int', koffi.out(koffi.pointer(deviceHandle))]),
    name: lib.func('nvmlDeviceGetName', 'int', [deviceHandle, 'uint8_t *', 'unsigned int']),
    energy: lib.func('nvmlDeviceGetTotalEnergyConsumption', 'int', [deviceHandle, koffi.out(koffi.pointer('unsigned long long'))]),
    power: lib.func('nvmlDeviceGetPowerUsage', 'int', [deviceHandle, outUint]),
    utilisation: lib.func('nvmlDeviceGetUtilizationRates', 'int', [deviceHandle, koffi.out(koffi.pointer(utilisationStruct))]),
    shutdown: lib.func('nvmlShutdown', 'int', []),
  };
  let uuidFn: AsyncCallable | null = null;
  try {
    uuidFn = lib.func('nvmlDeviceGetUUID', 'int', [deviceHandle, 'uint8_t *', 'unsigned int']);
  } catch {
    uuidFn = null; // only needed when CUDA_VISIBLE_DEVICES names GPUs by UUID
  }
  let errorString: ((code: number) => string) | undefined;
  try {
    const bound = lib.func('nvmlErrorString', 'const char *', ['int']);
    errorString = (code) => String(bound(code));
  } catch {
    errorString = undefined; // very old drivers: fall back to the table above
  }

  const describe = (code: number): string => {
    const text = errorString?.(code) ?? KNOWN_ERRORS[code] ?? 'Unknown Error';
    return `${text} (NVML error ${code})`;
  };

  // Runs one NVML call on koffi's worker pool and maps its status code.
  const call = <T>(f: AsyncCallable, args: unknown[], value: () => T): Promise<NvmlResult<T>> =>
    new Promise((resolve) => {
      f.async(...args, (error: unknown, code: number) => {
        if (error) resolve({ ok: false, code: -1, message: String(error) });
        else if (code !== NVML_SUCCESS) resolve({ ok: false, code, message: describe(code) });
        else resolve({ ok: true, value: value() });
      });
    });

  return {
    path,
    init: () => call(fn.init, [], () => undefined),
    deviceCount: () => {
      const out = [0];
      return call(fn.count, [out], () => Number(out[0]));
    },
    handleByIndex: (index) => {
      const out: unknown[] = [null];
      return call(fn.handle, [index, out], () => out[0]);
    },
    name: (device) => {
      const buffer = Buffer.alloc(NAME_BUFFER_SIZE);
      return call(fn.name, [device, buffer, NAME_BUFFER_SIZE], () => {
        const end = buffer.indexOf(0);
        return buffer.toString('utf8', 0, end < 0 ? buffer.length : end);
      });
    },
    uuid: (device) => {
      if (!uuidFn) return Promise.resolve({ ok: false, code: -1, message: 'nvmlDeviceGetUUID is missing from this NVML' });
      const buffer = Buffer.alloc(NAME_BUFFER_SIZE);
      return call(uuidFn, [device, buffer, NAME_BUFFER_SIZE], () => {
        const end = buffer.indexOf(0);
        return buffer.toString('utf8', 0, end < 0 ? buffer.length : end);
      });
    },
    totalEnergyMillijoules: (device) => {
      // unsigned long long may come back as a bigint past 2^53; a GPU would need decades to get there.
      const out: (number | bigint)[] = [0];
      return call(fn.energy, [device, out], () => Number(out[0]));
    },
    powerMilliwatts: (device) => {
      const out = [0];
      return call(fn.power, [device, out], () => Number(out[0]));
    },
    utilisation: (device) => {
      const out: { gpu?: number; memory?: number } = {};
      return call(fn.utilisation, [device, out], () => ({
        gpuPercent: Number(out.gpu ?? 0),
        memoryPercent: Number(out.memory ?? 0),
      }));
    },
    shutdown: () => call(fn.shutdown, [], () => undefined),
  };
}

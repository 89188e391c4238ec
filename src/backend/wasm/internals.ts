/**
 * The few internals of `@tensorflow/tfjs-backend-wasm` 4.22 that our kernels need, typed narrowly.
 * Kernels run synchronously inside the engine, so they may touch the wasm heap directly; every
 * typed-array view must be taken after the last allocation, because a heap growth detaches old views.
 */
import { getKernel, type DataId, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';

export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: string;
  refCount: number;
}

export interface WasmModule {
  cwrap(name: string, returnType: null | 'number', argTypes: string[]): (...args: unknown[]) => void;
  HEAPU8: Uint8Array;
  /** Emscripten's exports; `memory` is the linear memory our own kernels import (src/backend/wasm/native). */
  asm: { memory: WebAssembly.Memory };
}

export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: DataId): WasmTensorData; has(dataId: DataId): boolean };
  makeOutput(shape: number[], dtype: 'float32' | 'int32' | 'bool'): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
}

export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  attrs: NamedAttrMap;
  backend: WasmBackend;
}

/** The backend's numeric id of a tensor (what the C++ kernels take). */
export function wasmId(backend: WasmBackend, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).id;
}

/** Byte offset of a tensor's data in the wasm memory (what src/backend/wasm/native's kernels take). */
export function heapOffset(backend: WasmBackend, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

/** A float32 view of a tensor on the wasm heap. Take it after allocating outputs, never before. */
export function heapF32(backend: WasmBackend, t: TensorInfo, size = elementCount(t.shape)): Float32Array {
  const { memoryOffset } = backend.dataIdMap.get(t.dataId);
  return new Float32Array(backend.wasm.HEAPU8.buffer, memoryOffset, size);
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The same data seen with another shape: no copy, no reference taken (valid inside one kernel call). */
export function view(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/**
 * Calls another registered wasm kernel directly (not through `tf.*`, which would record on the
 * gradient tape and track tensors). The caller frees the result with `backend.disposeData`.
 */
export function callWasmKernel(
  name: string,
  backend: WasmBackend,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const config = getKernel(name, 'wasm');
  if (!config) throw new Error(`wasm kernel ${name} is not registered`);
  return config.kernelFunc({ inputs, attrs, backend: backend as never }) as TensorInfo;
}

export type StockKernels = Map<string, KernelConfig>;

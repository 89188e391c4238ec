/**
 * WGSL programs of our training kernels on tfjs-backend-webgpu. Each class is a WebGPUProgram as
 * the package's own are written (tfjs-backend-webgpu 4.22, `src/webgpu_program.ts`): the backend
 * adds the bindings (`result`, then one storage array per `variableNames` entry), the `uniforms`
 * struct (shapes and strides of every tensor, then the fields named in `uniforms`, filled in order
 * from the kernel's uniform data) and the `_start` entry point that calls our `main`. Every value
 * that is baked into the source (a mode, a tile size) is part of `shaderKey`: the backend caches
 * pipelines by that key and the tensors' ranks and dtypes only.
 *
 * Barriers sit in loops whose bounds come from uniforms alone, as WGSL's uniformity rules want.
 */

export interface WebGpuProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms?: string;
  workgroupSize: [number, number, number];
  size?: boolean;
  getUserCode(): string;
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** An elementwise program over `outputShape`: one invocation per element, `main(index)`. */
abstract class FlatProgram implements WebGpuProgram {
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  abstract shaderKey: string;
  abstract variableNames: string[];
  uniforms?: string;

  constructor(public outputShape: number[]) {
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(product(outputShape) / 64), 1, 1];
  }

  abstract body(): string;

  getUserCode(): string {
    return `fn main(index : i32) {\n  if (index < uniforms.size) {\n${this.body()}\n  }\n}`;
  }
}

// -------------------------------------------------------------------------------------------------
// The filter gradient: dW[k, co] = Σ_m im2col(x)[m, k] · dy[m, co], m over batch × output rows ×
// output columns, k over (filter row, filter column, input channel) — the layout of a
// [kh, kw, Cin, Cout] filter. A 64-thread workgroup computes a 32 x 32 block of dW, each thread
// 4 x 4 of it, over one split of m, staging 16 rows of im2col(x) and dy in workgroup memory per
// tile; the splits' partial sums are added by SumSplitsProgram. So the work is spread over
// (K/32) · (Cout/32) · splits workgroups instead of one long thread per filter weight.

export const FILTER_TILE = 32;
export const FILTER_TILE_M = 16;

export class FilterGradientProgram implements WebGpuProgram {
  variableNames = ['x', 'dy'];
  uniforms = 'pads : vec2<i32>, strides : vec2<i32>, filterSize : vec2<i32>, rowsM : i32, tilesPerSplit : i32,';
  workgroupSize: [number, number, number] = [8, 8, 1];
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  shaderKey = 'earlybirdFilterGradient';
  outputShape: number[];

  /**
   * Output [splits, K, Cout], one partial dW per split of m; with one split, dW itself in the
   * filter's shape (the same memory layout).
   */
  constructor(splits: number, k: number, cout: number, filterShape: number[]) {
    this.outputShape = splits === 1 ? filterShape : [splits, k, cout];
    this.dispatchLayout = splits === 1 ? { x: [3], y: [2], z: [0, 1] } : { x: [2], y: [1], z: [0] };
    this.dispatch = [Math.ceil(cout / FILTER_TILE), Math.ceil(k / FILTER_TILE), splits];
  }

  getUserCode(): string {
    const quads = FILTER_TILE / 4;
    return `
var<workgroup> tileA : array<array<vec4<f32>, ${quads}>, ${FILTER_TILE_M}>;
var<workgroup> tileB : array<array<vec4<f32>, ${quads}>, ${FILTER_TILE_M}>;

fn main() {
  let inH = uniforms.xShape.y;
  let inW = uniforms.xShape.z;
  let cin = uniforms.xShape.w;
  let outW = uniforms.dyShape.z;
  let outHW = uniforms.dyShape.y * outW;
  let cout = uniforms.dyShape.w;
  let kw = uniforms.filterSize.y;
  let kTotal = uniforms.filterSize.x * kw * cin;
  let lx = i32(localId.x);
  let ly = i32(localId.y);
  let li = i32(localIndex);
  let c0 = i32(workgroupId.x) * ${FILTER_TILE};
  let k0 = i32(workgroupId.y) * ${FILTER_TILE};
  let split = i32(workgroupId.z);
  let mStart = split * uniforms.tilesPerSplit * ${FILTER_TILE_M};
  let mEnd = min(mStart + uniforms.tilesPerSplit * ${FILTER_TILE_M}, uniforms.rowsM);
  // This thread stages 4 adjacent columns (k for im2col(x), c for dy) of rows li / ${quads} and
  // li / ${quads} + ${64 / quads}: the columns stay the same from tile to tile, so the filter position
  // and channel of each k are worked out once.
  let quad = li % ${quads};
  var fr : vec4<i32>;
  var fc : vec4<i32>;
  var ci : vec4<i32>;
  var kValid : vec4<bool>;
  for (var q = 0; q < 4; q++) {
    let k = k0 + quad * 4 + q;
    kValid[q] = k < kTotal;
    ci[q] = k % cin;
    fr[q] = (k / cin) / kw;
    fc[q] = (k / cin) % kw;
  }
  let c = c0 + quad * 4;
  var acc : array<vec4<f32>, 4>;
  for (var i = 0; i < 4; i++) { acc[i] = vec4<f32>(0.0); }
  for (var t = 0; t < uniforms.tilesPerSplit; t++) {
    for (var half = 0; half < ${(FILTER_TILE_M * quads) / 64}; half++) {
      let row = li / ${quads} + half * ${64 / quads};
      let m = mStart + t * ${FILTER_TILE_M} + row;
      var a = vec4<f32>(0.0);
      var b = vec4<f32>(0.0);
      if (m < mEnd) {
        let n = m / outHW;
        let hw = m - n * outHW;
        let oh = hw / outW;
        let ih0 = oh * uniforms.strides.x - uniforms.pads.x;
        let iw0 = (hw - oh * outW) * uniforms.strides.y - uniforms.pads.y;
        for (var q = 0; q < 4; q++) {
          let ih = ih0 + fr[q];
          let iw = iw0 + fc[q];
          if (kValid[q] && ih >= 0 && ih < inH && iw >= 0 && iw < inW) {
            a[q] = x[((n * inH + ih) * inW + iw) * cin + ci[q]];
          }
          if (c + q < cout) { b[q] = dy[m * cout + c + q]; }
        }
      }
      tileA[row][quad] = a;
      tileB[row][quad] = b;
    }
    workgroupBarrier();
    for (var mm = 0; mm < ${FILTER_TILE_M}; mm++) {
      let av = tileA[mm][ly];
      let bv = tileB[mm][lx];
      acc[0] = fma(vec4<f32>(av.x), bv, acc[0]);
      acc[1] = fma(vec4<f32>(av.y), bv, acc[1]);
      acc[2] = fma(vec4<f32>(av.z), bv, acc[2]);
      acc[3] = fma(vec4<f32>(av.w), bv, acc[3]);
    }
    workgroupBarrier();
  }
  for (var i = 0; i < 4; i++) {
    let k = k0 + ly * 4 + i;
    if (k < kTotal) {
      for (var j = 0; j < 4; j++) {
        let cj = c0 + lx * 4 + j;
        if (cj < cout) { result[(split * kTotal + k) * cout + cj] = acc[i][j]; }
      }
    }
  }
}`;
  }
}

/** out[i] = Σ_s partial[s, i]: adds the splits' partial results. */
export class SumSplitsProgram extends FlatProgram {
  variableNames = ['partial'];
  override uniforms = 'splits : i32,';
  shaderKey = 'earlybirdSumSplits';

  body(): string {
    return `    var sum = 0.0;
    for (var s = 0; s < uniforms.splits; s++) { sum += partial[s * uniforms.size + index]; }
    result[index] = sum;`;
  }
}

// -------------------------------------------------------------------------------------------------
// Per-channel reductions over rows (every axis but the last, channels-last): a 16 x 16 workgroup,
// 16 channels side by side (adjacent addresses) and 16 rows, over one split of the rows; the 16 row
// lanes are merged in workgroup memory and one partial per (split, channel) is written.

export const CHANNEL_LANES = 16;
export const ROW_LANES = 16;

abstract class ChannelPartialProgram implements WebGpuProgram {
  abstract variableNames: string[];
  abstract shaderKey: string;
  uniforms = 'rows : i32, channels : i32, rowsPerSplit : i32,';
  workgroupSize: [number, number, number] = [CHANNEL_LANES, ROW_LANES, 1];
  dispatchLayout = { x: [1], y: [0], z: [2] };
  dispatch: [number, number, number];
  outputShape: number[];

  constructor(splits: number, channels: number, fields: number) {
    this.outputShape = [splits, channels, fields];
    this.dispatch = [Math.ceil(channels / CHANNEL_LANES), splits, 1];
  }

  abstract getUserCode(): string;
}

/**
 * Partial moments of x per (split, channel): [count, mean, M2] (M2 = Σ (x − mean)²), from sums
 * shifted by the lane's first value so that large means lose no precision; lanes and splits are
 * merged with Chan's pairwise formula.
 */
export class MomentsPartialProgram extends ChannelPartialProgram {
  variableNames = ['x'];
  shaderKey = 'earlybirdMomentsPartial';

  constructor(splits: number, channels: number) {
    super(splits, channels, 3);
  }

  getUserCode(): string {
    return `
var<workgroup> laneN : array<array<f32, ${CHANNEL_LANES}>, ${ROW_LANES}>;
var<workgroup> laneMean : array<array<f32, ${CHANNEL_LANES}>, ${ROW_LANES}>;
var<workgroup> laneM2 : array<array<f32, ${CHANNEL_LANES}>, ${ROW_LANES}>;

fn main() {
  let lx = i32(localId.x);
  let ly = i32(localId.y);
  let c = i32(workgroupId.x) * ${CHANNEL_LANES} + lx;
  let split = i32(workgroupId.y);
  let start = split * uniforms.rowsPerSplit;
  let end = min(start + uniforms.rowsPerSplit, uniforms.rows);
  var n = 0.0;
  var s1 = 0.0;
  var s2 = 0.0;
  var shift = 0.0;
  if (c < uniforms.channels && start + ly < end) {
    shift = x[(start + ly) * uniforms.channels + c];
    for (var r = start + ly; r < end; r += ${ROW_LANES}) {
      let d = x[r * uniforms.channels + c] - shift;
      s1 += d;
      s2 = fma(d, d, s2);
      n += 1.0;
    }
  }
  var mean = shift;
  var m2 = 0.0;
  if (n > 0.0) {
    mean = shift + s1 / n;
    m2 = max(s2 - s1 * s1 / n, 0.0);
  }
  laneN[ly][lx] = n;
  laneMean[ly][lx] = mean;
  laneM2[ly][lx] = m2;
  workgroupBarrier();
  for (var stride = ${ROW_LANES / 2}; stride > 0; stride = stride / 2) {
    if (ly < stride) {
      let nb = laneN[ly + stride][lx];
      if (nb > 0.0) {
        let na = laneN[ly][lx];
        let total = na + nb;
        let delta = laneMean[ly + stride][lx] - laneMean[ly][lx];
        laneMean[ly][lx] = laneMean[ly][lx] + delta * nb / total;
        laneM2[ly][lx] = laneM2[ly][lx] + laneM2[ly + stride][lx] + delta * delta * na * nb / total;
        laneN[ly][lx] = total;
      }
    }
    workgroupBarrier();
  }
  if (ly == 0 && c < uniforms.channels) {
    let o = (split * uniforms.channels + c) * 3;
    result[o] = laneN[0][lx];
    result[o + 1] = laneMean[0][lx];
    result[o + 2] = laneM2[0][lx];
  }
}`;
  }
}

/** Mean (mode 'mean') or biased variance (mode 'variance') per channel from the split moments. */
export class MomentsCombineProgram extends FlatProgram {
  variableNames = ['partial'];
  override uniforms = 'splits : i32,';
  shaderKey: string;

  constructor(channels: number, private readonly mode: 'mean' | 'variance') {
    super([channels]);
    this.shaderKey = `earlybirdMomentsCombine_${mode}`;
  }

  body(): string {
    return `    var n = 0.0;
    var mean = 0.0;
    var m2 = 0.0;
    for (var s = 0; s < uniforms.splits; s++) {
      let o = (s * uniforms.size + index) * 3;
      let nb = partial[o];
      if (nb > 0.0) {
        let total = n + nb;
        let delta = partial[o + 1] - mean;
        mean = mean + delta * nb / total;
        m2 = m2 + partial[o + 2] + delta * delta * n * nb / total;
        n = total;
      }
    }
    result[index] = ${this.mode === 'mean' ? 'mean' : 'm2 / max(n, 1.0)'};`;
  }
}

/** y = (x − mean) · gamma / sqrt(variance + ε) + beta, per channel. */
export class BatchNormApplyProgram extends FlatProgram {
  variableNames = ['x', 'mean', 'variance', 'gamma', 'beta'];
  override uniforms = 'channels : i32, epsilon : f32,';
  shaderKey = 'earlybirdBatchNormApply';

  body(): string {
    return `    let c = index % uniforms.channels;
    let scale = gamma[c] * inverseSqrt(variance[c] + uniforms.epsilon);
    result[index] = (x[index] - mean[c]) * scale + beta[c];`;
  }
}

/** Partial [Σ dy, Σ dy · (x − mean)] per (split, channel): what dbeta and dgamma need. */
export class BatchNormGradPartialProgram extends ChannelPartialProgram {
  variableNames = ['x', 'dy', 'mean'];
  shaderKey = 'earlybirdBatchNormGradPartial';

  constructor(splits: number, channels: number) {
    super(splits, channels, 2);
  }

  getUserCode(): string {
    return `
var<workgroup> laneB : array<array<f32, ${CHANNEL_LANES}>, ${ROW_LANES}>;
var<workgroup> laneG : array<array<f32, ${CHANNEL_LANES}>, ${ROW_LANES}>;

fn main() {
  let lx = i32(localId.x);
  let ly = i32(localId.y);
  let c = i32(workgroupId.x) * ${CHANNEL_LANES} + lx;
  let split = i32(workgroupId.y);
  let start = split * uniforms.rowsPerSplit;
  let end = min(start + uniforms.rowsPerSplit, uniforms.rows);
  var sb = 0.0;
  var sg = 0.0;
  if (c < uniforms.channels) {
    let m = mean[c];
    for (var r = start + ly; r < end; r += ${ROW_LANES}) {
      let i = r * uniforms.channels + c;
      let g = dy[i];
      sb += g;
      sg = fma(g, x[i] - m, sg);
    }
  }
  laneB[ly][lx] = sb;
  laneG[ly][lx] = sg;
  workgroupBarrier();
  for (var stride = ${ROW_LANES / 2}; stride > 0; stride = stride / 2) {
    if (ly < stride) {
      laneB[ly][lx] = laneB[ly][lx] + laneB[ly + stride][lx];
      laneG[ly][lx] = laneG[ly][lx] + laneG[ly + stride][lx];
    }
    workgroupBarrier();
  }
  if (ly == 0 && c < uniforms.channels) {
    let o = (split * uniforms.channels + c) * 2;
    result[o] = laneB[0][lx];
    result[o + 1] = laneG[0][lx];
  }
}`;
  }
}

/**
 * From the split sums: 'dbeta' = Σ dy; 'dgamma' = Σ dy · x̂; 'coefficients' [3, C] = k1, k2, k3 with
 * dx = k1 · dy + k2 · x + k3, which folds in the upstream gradients of the batch mean and variance
 * (the same algebra as the wasm kernel, src/backend/wasm/native/kernels.c).
 */
export class BatchNormGradCombineProgram extends FlatProgram {
  variableNames = ['partial', 'gamma', 'mean', 'variance', 'dmean', 'dvariance'];
  override uniforms = 'splits : i32, channels : i32, rows : i32, epsilon : f32,';
  shaderKey: string;

  constructor(channels: number, private readonly mode: 'dbeta' | 'dgamma' | 'coefficients') {
    super(mode === 'coefficients' ? [3, channels] : [channels]);
    this.shaderKey = `earlybirdBatchNormGradCombine_${mode}`;
  }

  body(): string {
    const sums = `    let c = index % uniforms.channels;
    var sb = 0.0;
    var sg = 0.0;
    for (var s = 0; s < uniforms.splits; s++) {
      let o = (s * uniforms.channels + c) * 2;
      sb += partial[o];
      sg += partial[o + 1];
    }
    let inv = inverseSqrt(variance[c] + uniforms.epsilon);
    let perRow = 1.0 / f32(uniforms.rows);
    let gs = gamma[c] * inv;
    let slope = -gs * inv * (sg * inv) * perRow + 2.0 * dvariance[c] * perRow;
    let k3 = -gs * sb * perRow + dmean[c] * perRow - slope * mean[c];`;
    // Every mode reads every input: the pipeline's 'auto' layout drops bindings a shader never uses.
    if (this.mode === 'dbeta') return `${sums}\n    result[index] = select(sb, k3, uniforms.rows < 0);`;
    if (this.mode === 'dgamma') return `${sums}\n    result[index] = select(sg * inv, k3, uniforms.rows < 0);`;
    return `${sums}
    let which = index / uniforms.channels;
    result[index] = select(select(k3, slope, which == 1), gs, which == 0);`;
  }
}

/** dx = k1 · dy + k2 · x + k3, per channel. */
export class BatchNormGradApplyProgram extends FlatProgram {
  variableNames = ['x', 'dy', 'coefficients'];
  override uniforms = 'channels : i32,';
  shaderKey = 'earlybirdBatchNormGradApply';

  body(): string {
    return `    let c = index % uniforms.channels;
    result[index] = fma(dy[index], coefficients[c], fma(x[index], coefficients[uniforms.channels + c], coefficients[2 * uniforms.channels + c]));`;
  }
}

/** dx = x > 0 ? dy : 0, in one pass. */
export class ReluGradProgram extends FlatProgram {
  variableNames = ['dy', 'x'];
  shaderKey = 'earlybirdReluGrad';

  body(): string {
    return `    result[index] = select(0.0, dy[index], x[index] > 0.0);`;
  }
}

// -------------------------------------------------------------------------------------------------
// The forward convolution and the input gradient as one tiled matrix product, C[m, j] = Σ_k A[m, k] ·
// B[k, j], with A gathered from a channels-last tensor on the fly (implicit im2col):
//   forward:    m = (n, oh, ow), k = (r, s, ci), A = x[n, oh·sh − pt + r, ow·sw − pl + s, ci],
//               B = W[r, s, ci, j] (the filter is already [K, Cout]), C = y.
//   input grad: m = (n, ih, iw), k = (r, s, co), A = dy[n, (ih + pt − r)/sh, (iw + pl − s)/sw, co]
//               where those divide exactly, B = W[r, s, j, co], C = dx.
// A 64-thread workgroup computes a 32 x 32 block of C, each thread 4 x 4, stepping k 16 at a time.
// Each thread decomposes its one row m once and its k's incrementally, so the loads cost no integer
// division per element (which a CPU-emulated GPU pays dearly for).

export const CONV_TILE = 32;
export const CONV_TILE_K = 16;

export class ConvMatMulProgram implements WebGpuProgram {
  variableNames: string[];
  uniforms = 'pads : vec2<i32>, strides : vec2<i32>, filterSize : vec2<i32>, kTotal : i32, kTiles : i32,';
  workgroupSize: [number, number, number] = [8, 8, 1];
  dispatchLayout = { x: [3], y: [2], z: [0, 1] };
  dispatch: [number, number, number];
  shaderKey: string;

  /** `outputShape` [N, Ho, Wo, C] (forward: y; input grad: dx). */
  /** `unitStride`: the input gradient's taps need no division (baked into the shader). */
  constructor(public outputShape: number[], private readonly mode: 'forward' | 'inputGrad', private readonly unitStride = false) {
    this.variableNames = mode === 'forward' ? ['x', 'w'] : ['dy', 'w'];
    this.shaderKey = `earlybirdConvMatMul_${mode}_${unitStride && mode === 'inputGrad' ? 'unit' : 'any'}`;
    const [n, h, w, c] = outputShape as [number, number, number, number];
    this.dispatch = [Math.ceil(c / CONV_TILE), Math.ceil((n * h * w) / CONV_TILE), 1];
  }

  getUserCode(): string {
    const forward = this.mode === 'forward';
    const src = forward ? 'x' : 'dy';
    const srcShape = forward ? 'uniforms.xShape' : 'uniforms.dyShape';
    // Source row and column of (output row, filter offset), and whether the tap exists.
    const tap = forward
      ? `let sr = rowBase + r;
          let sc = colBase + s;
          let inside = sr >= 0 && sr < srcH && sc >= 0 && sc < srcW;`
      : this.unitStride ? `let sr = rowBase - r;
          let sc = colBase - s;
          let inside = sr >= 0 && sc >= 0 && sr < srcH && sc < srcW;`
      : `let ar = rowBase - r;
          let ac = colBase - s;
          let sr = ar / uniforms.strides.x;
          let sc = ac / uniforms.strides.y;
          let inside = ar >= 0 && ac >= 0 && sr * uniforms.strides.x == ar && sc * uniforms.strides.y == ac && sr < srcH && sc < srcW;`;
    const bIndex = forward
      ? 'kk * cols + j'
      : '(bFilterPos * cols + j) * srcC + bChannel';
    return `
var<workgroup> tileA : array<array<vec4<f32>, ${CONV_TILE / 4}>, ${CONV_TILE_K}>;
var<workgroup> tileB : array<array<vec4<f32>, ${CONV_TILE / 4}>, ${CONV_TILE_K}>;

fn main() {
  let srcH = ${srcShape}.y;
  let srcW = ${srcShape}.z;
  let srcC = ${srcShape}.w;
  let outH = uniforms.outShape.y;
  let outW = uniforms.outShape.z;
  let cols = uniforms.outShape.w;
  let rowsM = uniforms.outShape.x * outH * outW;
  let kw = uniforms.filterSize.y;
  let lx = i32(localId.x);
  let ly = i32(localId.y);
  let li = i32(localIndex);
  let j0 = i32(workgroupId.x) * ${CONV_TILE};
  let m0 = i32(workgroupId.y) * ${CONV_TILE};

  // The A row this thread stages, decomposed once.
  let aRow = li / 2;
  let aHalf = li % 2;
  let am = m0 + aRow;
  let rowValid = am < rowsM;
  let an = am / (outH * outW);
  let ahw = am - an * outH * outW;
  let aoh = ahw / outW;
  let aow = ahw - aoh * outW;
  let rowBase = ${forward ? 'aoh * uniforms.strides.x - uniforms.pads.x' : 'aoh + uniforms.pads.x'};
  let colBase = ${forward ? 'aow * uniforms.strides.y - uniforms.pads.y' : 'aow + uniforms.pads.y'};
  let srcBatch = an * srcH;
  // The B row and 8 columns this thread stages.
  let bRow = li / 4;
  let bCol = j0 + (li % 4) * 8;

  var acc : array<vec4<f32>, 4>;
  for (var i = 0; i < 4; i++) { acc[i] = vec4<f32>(0.0); }
  for (var t = 0; t < uniforms.kTiles; t++) {
    // A: 8 consecutive k of row aRow; (r, s, c) of the first by division, then by counting.
    let kStart = t * ${CONV_TILE_K} + aHalf * 8;
    var c = kStart % srcC;
    var rs = kStart / srcC;
    var s = rs % kw;
    var r = rs / kw;
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    for (var q = 0; q < 8; q++) {
      var v = 0.0;
      if (rowValid && kStart + q < uniforms.kTotal) {
        ${tap}
        if (inside) { v = ${src}[((srcBatch + sr) * srcW + sc) * srcC + c]; }
      }
      if (q < 4) { a0[q] = v; } else { a1[q - 4] = v; }
      c++;
      if (c == srcC) {
        c = 0;
        s++;
        if (s == kw) { s = 0; r++; }
      }
    }
    for (var q = 0; q < 4; q++) {
      tileA[aHalf * 8 + q][aRow / 4][aRow % 4] = a0[q];
      tileA[aHalf * 8 + 4 + q][aRow / 4][aRow % 4] = a1[q];
    }
    // B: row kk, 8 consecutive output columns.
    let kk = t * ${CONV_TILE_K} + bRow;
    var b0 = vec4<f32>(0.0);
    var b1 = vec4<f32>(0.0);
    if (kk < uniforms.kTotal) {${forward ? '' : `
      let bFilterPos = kk / srcC;
      let bChannel = kk - bFilterPos * srcC;`}
      for (var q = 0; q < 8; q++) {
        let j = bCol + q;
        if (j < cols) {
          let v = w[${bIndex}];
          if (q < 4) { b0[q] = v; } else { b1[q - 4] = v; }
        }
      }
    }
    tileB[bRow][(li % 4) * 2] = b0;
    tileB[bRow][(li % 4) * 2 + 1] = b1;
    workgroupBarrier();
    for (var k = 0; k < ${CONV_TILE_K}; k++) {
      let av = tileA[k][ly];
      let bv = tileB[k][lx];
      acc[0] = fma(vec4<f32>(av.x), bv, acc[0]);
      acc[1] = fma(vec4<f32>(av.y), bv, acc[1]);
      acc[2] = fma(vec4<f32>(av.z), bv, acc[2]);
      acc[3] = fma(vec4<f32>(av.w), bv, acc[3]);
    }
    workgroupBarrier();
  }
  for (var i = 0; i < 4; i++) {
    let m = m0 + ly * 4 + i;
    if (m < rowsM) {
      for (var jj = 0; jj < 4; jj++) {
        let j = j0 + lx * 4 + jj;
        if (j < cols) { result[m * cols + j] = acc[i][jj]; }
      }
    }
  }
}`;
  }
}

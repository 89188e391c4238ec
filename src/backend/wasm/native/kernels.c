/*
 * earlybird's own WebAssembly SIMD kernels. They run inside the tfjs wasm backend's memory (this
 * module imports it), so they read and write tensors where they lie, by byte offset.
 *
 * Rules that keep this module safe inside someone else's memory (checked by build.sh and a test):
 * no data segments, no globals, no stack: every function works only on its arguments and on
 * scalar or v128 locals, which WebAssembly keeps outside linear memory.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/*
 * acc + a * b, the convolutions' inner step. Built twice (build.sh): plain SIMD, a multiply then an
 * add; and with EARLYBIRD_RELAXED, WebAssembly's relaxed-SIMD f32x4.relaxed_madd, which the engine
 * turns into one fused multiply-add where the CPU has one (about twice the arithmetic per cycle).
 * clang 14 knows that instruction only by its prototype opcode; build.sh rewrites it to the final one.
 */
#ifdef EARLYBIRD_RELAXED
#define MADD(acc, a, b) __builtin_wasm_fma_f32x4((a), (b), (acc))
#else
#define MADD(acc, a, b) wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b)))
#endif

static inline void zero(float *p, long n) {
  for (long i = 0; i < n; i++) p[i] = 0.0f;
}

typedef struct { int lo, hi; } Range;

/* Output positions o in [0, outSize) whose input position o*stride + offset lies in [0, inSize). */
static inline Range validOutputs(int outSize, int inSize, int stride, int offset) {
  Range r;
  int lo = 0;
  if (offset < 0) lo = (-offset + stride - 1) / stride;
  int hi = outSize;
  /* o*stride + offset <= inSize - 1  <=>  o <= (inSize - 1 - offset) / stride */
  int last = inSize - 1 - offset;
  if (last < 0) hi = 0;
  else if (last / stride + 1 < hi) hi = last / stride + 1;
  r.lo = lo;
  r.hi = hi < lo ? lo : hi;
  return r;
}

/*
 * The filter gradient reads dy's channels 8 at a time; in the last block of a channel count that is
 * not a multiple of 8, the extra lanes are the next pixel's channels, except after the tensor's
 * last pixel. lastInRange: the end of the row's pixels [.., hi) whose 8 lanes from channel c lie
 * inside dy; lastPixel: the one pixel beyond it (if any), done lane by lane for channels c..co.
 */
static inline int lastInRange(const float *dyRow, int hi, int co, int c, const float *dyEnd) {
  return (hi > 0 && dyRow + (long)(hi - 1) * co + c + 8 > dyEnd) ? hi - 1 : hi;
}

static inline void lastPixel(float *d, int coPad, const float *xp, int rows, const float *g, int c, int co) {
  for (int i = 0; i < rows; i++) {
    for (int j = c; j < co; j++) d[i * coPad + (j - c)] += xp[i] * g[j];
  }
}

/*
 * Filter gradient of an NHWC convolution, accumulated into dw [kh, kw, ci, coPad] (zeroed here):
 *   dw[ky,kx,a,b] = sum over n, oy, ox of x[n, oy*sh + ky*dh - padTop, ox*sw + kx*dwl - padLeft, a] * dy[n, oy, ox, b]
 * For each output row and filter tap the inner loop runs along the row; a 4 x 8 block of dw stays in
 * eight v128 accumulators while x's four channels are broadcast and dy's eight channels loaded.
 * dw's rows are coPad >= co floats apart, coPad a multiple of 8: the last block of dy's channels is
 * read 8 wide too, its extra lanes being the next pixel's first channels, which only reach dw's
 * padding columns (the caller crops them); dy's very last pixel is done lane by lane.
 */
EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const float *x, const float *dy, float *dw,
                        int n, int h, int w, int ci, int ho, int wo, int co, int coPad,
                        int kh, int kw, int sh, int sw, int dh, int dwl, int padTop, int padLeft) {
  zero(dw, (long)kh * kw * ci * coPad);
  const int ci4 = ci & ~3;
  const float *dyEnd = dy + (long)n * ho * wo * co;
  for (int b = 0; b < n; b++) {
    for (int oy = 0; oy < ho; oy++) {
      const float *dyRow = dy + ((long)(b * ho + oy) * wo) * co;
      for (int ky = 0; ky < kh; ky++) {
        const int iy = oy * sh + ky * dh - padTop;
        if (iy < 0 || iy >= h) continue;
        const float *xRow = x + ((long)(b * h + iy) * w) * ci;
        for (int kx = 0; kx < kw; kx++) {
          const int offset = kx * dwl - padLeft;
          const Range r = validOutputs(wo, w, sw, offset);
          if (r.lo >= r.hi) continue;
          float *tap = dw + (ky * kw + kx) * ci * coPad;
          const int xStep = sw * ci;
          for (int a = 0; a < ci4; a += 4) {
            float *d0 = tap + a * coPad;
            for (int c = 0; c < coPad; c += 8) {
              float *d = d0 + c;
              v128_t s00 = wasm_v128_load(d), s01 = wasm_v128_load(d + 4);
              v128_t s10 = wasm_v128_load(d + coPad), s11 = wasm_v128_load(d + coPad + 4);
              v128_t s20 = wasm_v128_load(d + 2 * coPad), s21 = wasm_v128_load(d + 2 * coPad + 4);
              v128_t s30 = wasm_v128_load(d + 3 * coPad), s31 = wasm_v128_load(d + 3 * coPad + 4);
              const float *xp = xRow + (r.lo * sw + offset) * ci + a;
              const float *gp = dyRow + r.lo * co + c;
              const int hi = lastInRange(dyRow, r.hi, co, c, dyEnd);
              for (int ox = r.lo; ox < hi; ox++) {
                const v128_t g0 = wasm_v128_load(gp), g1 = wasm_v128_load(gp + 4);
                v128_t xv = wasm_f32x4_splat(xp[0]);
                s00 = MADD(s00, xv, g0);
                s01 = MADD(s01, xv, g1);
                xv = wasm_f32x4_splat(xp[1]);
                s10 = MADD(s10, xv, g0);
                s11 = MADD(s11, xv, g1);
                xv = wasm_f32x4_splat(xp[2]);
                s20 = MADD(s20, xv, g0);
                s21 = MADD(s21, xv, g1);
                xv = wasm_f32x4_splat(xp[3]);
                s30 = MADD(s30, xv, g0);
                s31 = MADD(s31, xv, g1);
                xp += xStep;
                gp += co;
              }
              wasm_v128_store(d, s00); wasm_v128_store(d + 4, s01);
              wasm_v128_store(d + coPad, s10); wasm_v128_store(d + coPad + 4, s11);
              wasm_v128_store(d + 2 * coPad, s20); wasm_v128_store(d + 2 * coPad + 4, s21);
              wasm_v128_store(d + 3 * coPad, s30); wasm_v128_store(d + 3 * coPad + 4, s31);
              if (hi < r.hi) lastPixel(d, coPad, xRow + (hi * sw + offset) * ci + a, 4, dyRow + hi * co, c, co);
            }
          }
          /* x's channels beyond the 4-blocks, one at a time, still 8 of dy's channels per step. */
          for (int a = ci4; a < ci; a++) {
            float *d0 = tap + a * coPad;
            for (int c = 0; c < coPad; c += 8) {
              float *d = d0 + c;
              v128_t s0 = wasm_v128_load(d), s1 = wasm_v128_load(d + 4);
              const float *xp = xRow + (r.lo * sw + offset) * ci + a;
              const float *gp = dyRow + r.lo * co + c;
              const int hi = lastInRange(dyRow, r.hi, co, c, dyEnd);
              for (int ox = r.lo; ox < hi; ox++) {
                const v128_t xv = wasm_f32x4_splat(xp[0]);
                const v128_t g0 = wasm_v128_load(gp), g1 = wasm_v128_load(gp + 4);
                s0 = MADD(s0, xv, g0);
                s1 = MADD(s1, xv, g1);
                xp += xStep;
                gp += co;
              }
              wasm_v128_store(d, s0); wasm_v128_store(d + 4, s1);
              if (hi < r.hi) lastPixel(d, coPad, xRow + (hi * sw + offset) * ci + a, 1, dyRow + hi * co, c, co);
            }
          }
        }
      }
    }
  }
}

/*
 * Batch normalisation in training, fused: per-channel mean and (biased) variance over `rows`
 * positions of `c` channels (NHWC seen as [rows, c]), then y = x * scale + shift in one pass,
 * scale = gamma / sqrt(variance + eps), shift = beta - mean * scale. Three reads of x and one
 * write of y, where the composite ops take about seven passes. Sums are two-level (blocks of
 * SUM_BLOCK rows in `scratch`, then into the total), so float32 rounding stays near that of a
 * pairwise sum. scratch: 2 * c floats.
 */
#define SUM_BLOCK 256

/* acc[j] += p[j] for j < c: SIMD over the channels. */
static inline void addRow(float *acc, const float *p, int c) {
  int j = 0;
  for (; j + 4 <= c; j += 4) wasm_v128_store(acc + j, wasm_f32x4_add(wasm_v128_load(acc + j), wasm_v128_load(p + j)));
  for (; j < c; j++) acc[j] += p[j];
}

EXPORT(batch_norm_train)
void batch_norm_train(const float *x, const float *gamma, const float *beta, float *y, float *mean, float *variance,
                      float *scratch, int rows, int c, float eps) {
  float *block = scratch;
  const float inv = 1.0f / (float)rows;
  /* Pass 1: mean. */
  zero(mean, c);
  for (int r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
    const int r1 = r0 + SUM_BLOCK < rows ? r0 + SUM_BLOCK : rows;
    zero(block, c);
    for (int r = r0; r < r1; r++) addRow(block, x + (long)r * c, c);
    addRow(mean, block, c);
  }
  for (int j = 0; j < c; j++) mean[j] *= inv;
  /* Pass 2: variance as the mean squared deviation (as tf.moments computes it). */
  zero(variance, c);
  for (int r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
    const int r1 = r0 + SUM_BLOCK < rows ? r0 + SUM_BLOCK : rows;
    zero(block, c);
    for (int r = r0; r < r1; r++) {
      const float *p = x + (long)r * c;
      int j = 0;
      for (; j + 4 <= c; j += 4) {
        const v128_t d = wasm_f32x4_sub(wasm_v128_load(p + j), wasm_v128_load(mean + j));
        wasm_v128_store(block + j, wasm_f32x4_add(wasm_v128_load(block + j), wasm_f32x4_mul(d, d)));
      }
      for (; j < c; j++) { const float d = p[j] - mean[j]; block[j] += d * d; }
    }
    addRow(variance, block, c);
  }
  for (int j = 0; j < c; j++) variance[j] *= inv;
  /* Pass 3: y = x * scale + shift. */
  float *scale = scratch, *shift = scratch + c;
  for (int j = 0; j < c; j++) {
    scale[j] = gamma[j] / __builtin_sqrtf(variance[j] + eps);
    shift[j] = beta[j] - mean[j] * scale[j];
  }
  for (int r = 0; r < rows; r++) {
    const float *p = x + (long)r * c;
    float *q = y + (long)r * c;
    int j = 0;
    for (; j + 4 <= c; j += 4) {
      wasm_v128_store(q + j, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(p + j), wasm_v128_load(scale + j)), wasm_v128_load(shift + j)));
    }
    for (; j < c; j++) q[j] = p[j] * scale[j] + shift[j];
  }
}

/*
 * Its whole backward pass in two passes. With m = rows, s = 1/sqrt(variance + eps), and the
 * upstream gradients dy (of y), dmean and dvariance (of the statistics outputs, zeros when unused):
 *   dbeta = sum dy,  dgamma = s * sum dy (x - mean)
 *   dx = gamma s dy - gamma s dbeta / m - gamma s^2 (x - mean) dgamma / m + dmean / m + 2 dvariance (x - mean) / m
 * which is k1 * dy + k2 * x + k3 per channel. Pass 1 sums, pass 2 writes dx. scratch: 3 * c floats.
 */
EXPORT(batch_norm_train_grad)
void batch_norm_train_grad(const float *x, const float *dy, const float *gamma, const float *mean, const float *variance,
                           const float *dmean, const float *dvariance, float *dx, float *dgamma, float *dbeta,
                           float *scratch, int rows, int c, float eps) {
  float *blockB = scratch, *blockG = scratch + c;
  zero(dbeta, c);
  zero(dgamma, c);
  for (int r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
    const int r1 = r0 + SUM_BLOCK < rows ? r0 + SUM_BLOCK : rows;
    zero(blockB, c);
    zero(blockG, c);
    for (int r = r0; r < r1; r++) {
      const float *p = x + (long)r * c;
      const float *g = dy + (long)r * c;
      int j = 0;
      for (; j + 4 <= c; j += 4) {
        const v128_t gv = wasm_v128_load(g + j);
        const v128_t d = wasm_f32x4_sub(wasm_v128_load(p + j), wasm_v128_load(mean + j));
        wasm_v128_store(blockB + j, wasm_f32x4_add(wasm_v128_load(blockB + j), gv));
        wasm_v128_store(blockG + j, wasm_f32x4_add(wasm_v128_load(blockG + j), wasm_f32x4_mul(gv, d)));
      }
      for (; j < c; j++) { blockB[j] += g[j]; blockG[j] += g[j] * (p[j] - mean[j]); }
    }
    addRow(dbeta, blockB, c);
    addRow(dgamma, blockG, c);
  }
  float *k1 = scratch, *k2 = scratch + c, *k3 = scratch + 2 * c;
  const float inv = 1.0f / (float)rows;
  for (int j = 0; j < c; j++) {
    const float s = 1.0f / __builtin_sqrtf(variance[j] + eps);
    dgamma[j] *= s;
    const float gs = gamma[j] * s;
    const float slope = -gs * s * dgamma[j] * inv + 2.0f * dvariance[j] * inv;
    k1[j] = gs;
    k2[j] = slope;
    k3[j] = -gs * dbeta[j] * inv + dmean[j] * inv - slope * mean[j];
  }
  for (int r = 0; r < rows; r++) {
    const float *p = x + (long)r * c;
    const float *g = dy + (long)r * c;
    float *q = dx + (long)r * c;
    int j = 0;
    for (; j + 4 <= c; j += 4) {
      const v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(g + j), wasm_v128_load(k1 + j)),
                                      wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(p + j), wasm_v128_load(k2 + j)), wasm_v128_load(k3 + j)));
      wasm_v128_store(q + j, v);
    }
    for (; j < c; j++) q[j] = g[j] * k1[j] + p[j] * k2[j] + k3[j];
  }
}

/* ReLU's gradient in one pass: dx = x > 0 ? dy : 0 (the composite is Step, Cast and Multiply). */
EXPORT(relu_grad)
void relu_grad(const float *x, const float *dy, float *dx, int size) {
  const v128_t zeroV = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= size; i += 4) {
    const v128_t positive = wasm_f32x4_gt(wasm_v128_load(x + i), zeroV);
    wasm_v128_store(dx + i, wasm_v128_and(wasm_v128_load(dy + i), positive));
  }
  for (; i < size; i++) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

/*
 * MaxPoolGrad for 2x2 windows at stride 2 without padding (every pooling layer here): each dy value
 * goes to the first position of its window, in the order top-left, top-right, bottom-left,
 * bottom-right, that is strictly greater than all before it (so NaN and -inf never take it) — the
 * cpu backend's rule. Positions no window covers (an odd last row or column) get zero.
 * x, dx: [n, h, w, c]; dy: [n, ho, wo, c] with 2 ho <= h, 2 wo <= w.
 */
EXPORT(max_pool_grad_2x2)
void max_pool_grad_2x2(const float *x, const float *dy, float *dx, int n, int h, int w, int ho, int wo, int c) {
  const v128_t minusInf = wasm_f32x4_splat(-__builtin_inff());
  const long rowStride = (long)w * c;
  for (int b = 0; b < n; b++) {
    for (int oy = 0; oy < ho; oy++) {
      const long top = ((long)(b * h + 2 * oy) * w) * c;
      for (int ox = 0; ox < wo; ox++) {
        const long p00 = top + (long)2 * ox * c, p01 = p00 + c, p10 = p00 + rowStride, p11 = p10 + c;
        const float *g = dy + ((long)(b * ho + oy) * wo + ox) * c;
        int j = 0;
        for (; j + 4 <= c; j += 4) {
          const v128_t v00 = wasm_v128_load(x + p00 + j), v01 = wasm_v128_load(x + p01 + j);
          const v128_t v10 = wasm_v128_load(x + p10 + j), v11 = wasm_v128_load(x + p11 + j);
          v128_t best = minusInf;
          const v128_t c00 = wasm_f32x4_gt(v00, best); best = wasm_v128_bitselect(v00, best, c00);
          const v128_t c01 = wasm_f32x4_gt(v01, best); best = wasm_v128_bitselect(v01, best, c01);
          const v128_t c10 = wasm_f32x4_gt(v10, best); best = wasm_v128_bitselect(v10, best, c10);
          const v128_t c11 = wasm_f32x4_gt(v11, best);
          /* The winner is the last position whose comparison held. */
          const v128_t w11 = c11;
          const v128_t w10 = wasm_v128_andnot(c10, c11);
          const v128_t w01 = wasm_v128_andnot(c01, wasm_v128_or(c10, c11));
          const v128_t w00 = wasm_v128_andnot(c00, wasm_v128_or(c01, wasm_v128_or(c10, c11)));
          const v128_t gv = wasm_v128_load(g + j);
          wasm_v128_store(dx + p00 + j, wasm_v128_and(gv, w00));
          wasm_v128_store(dx + p01 + j, wasm_v128_and(gv, w01));
          wasm_v128_store(dx + p10 + j, wasm_v128_and(gv, w10));
          wasm_v128_store(dx + p11 + j, wasm_v128_and(gv, w11));
        }
        for (; j < c; j++) {
          float best = -__builtin_inff();
          int at = -1;
          if (x[p00 + j] > best) { best = x[p00 + j]; at = 0; }
          if (x[p01 + j] > best) { best = x[p01 + j]; at = 1; }
          if (x[p10 + j] > best) { best = x[p10 + j]; at = 2; }
          if (x[p11 + j] > best) { at = 3; }
          dx[p00 + j] = at == 0 ? g[j] : 0.0f;
          dx[p01 + j] = at == 1 ? g[j] : 0.0f;
          dx[p10 + j] = at == 2 ? g[j] : 0.0f;
          dx[p11 + j] = at == 3 ? g[j] : 0.0f;
        }
      }
      /* An odd last column: no window reaches it. */
      if (2 * wo < w) {
        for (int r = 0; r < 2; r++) zero(dx + top + r * rowStride + (long)2 * wo * c, (long)(w - 2 * wo) * c);
      }
    }
    /* Rows no window reaches. */
    zero(dx + ((long)(b * h + 2 * ho) * w) * c, (long)(h - 2 * ho) * rowStride);
  }
}

/* Stores the first `lanes` (1..8) of lo:hi at q. */
static inline void store8(float *q, v128_t lo, v128_t hi, int lanes) {
  if (lanes == 8) { wasm_v128_store(q, lo); wasm_v128_store(q + 4, hi); return; }
  if (lanes >= 4) {
    wasm_v128_store(q, lo);
    if (lanes > 4) q[4] = wasm_f32x4_extract_lane(hi, 0);
    if (lanes > 5) q[5] = wasm_f32x4_extract_lane(hi, 1);
    if (lanes > 6) q[6] = wasm_f32x4_extract_lane(hi, 2);
    return;
  }
  q[0] = wasm_f32x4_extract_lane(lo, 0);
  if (lanes > 1) q[1] = wasm_f32x4_extract_lane(lo, 1);
  if (lanes > 2) q[2] = wasm_f32x4_extract_lane(lo, 2);
}

/*
 * Forward convolution, NHWC, filter [kh, kw, ci, co], no bias, dilation 1, explicit padding:
 *   y[n, oy, ox, b] = sum over ky, kx, a of x[n, oy*sh + ky - padTop, ox*sw + kx - padLeft, a] * f[ky, kx, a, b]
 * Positions outside x count as zero. A tile of 4 output pixels along a row times 8 output channels
 * stays in eight v128 accumulators while, per filter tap and input channel, the 4 pixels' values
 * are broadcast and 8 filter values loaded — the filter gradient's inner loop turned around.
 * `zeros` holds ci zeros: the stand-in for a pixel in the padding (or past the row's end).
 */
EXPORT(conv2d_forward)
void conv2d_forward(const float *x, const float *f, float *y, const float *zeros,
                    int n, int h, int w, int ci, int ho, int wo, int co, int fco,
                    int kh, int kw, int sh, int sw, int padTop, int padLeft) {
  for (int b = 0; b < n; b++) {
    for (int oy = 0; oy < ho; oy++) {
      float *yRow = y + ((long)(b * ho + oy) * wo) * co;
      for (int c = 0; c < fco; c += 8) {
        for (int ox0 = 0; ox0 < wo; ox0 += 4) {
          v128_t s00 = wasm_f32x4_splat(0.0f), s01 = s00, s10 = s00, s11 = s00;
          v128_t s20 = s00, s21 = s00, s30 = s00, s31 = s00;
          for (int ky = 0; ky < kh; ky++) {
            const int iy = oy * sh + ky - padTop;
            if (iy < 0 || iy >= h) continue;
            const float *xRow = x + ((long)(b * h + iy) * w) * ci;
            for (int kx = 0; kx < kw; kx++) {
              const float *p[4];
              for (int i = 0; i < 4; i++) {
                const int ix = (ox0 + i) * sw + kx - padLeft;
                p[i] = (ox0 + i < wo && ix >= 0 && ix < w) ? xRow + (long)ix * ci : zeros;
              }
              const float *p0 = p[0], *p1 = p[1], *p2 = p[2], *p3 = p[3];
              const float *fp = f + ((long)(ky * kw + kx) * ci) * fco + c;
              for (int a = 0; a < ci; a++) {
                const v128_t f0 = wasm_v128_load(fp), f1 = wasm_v128_load(fp + 4);
                v128_t xv = wasm_f32x4_splat(p0[a]);
                s00 = MADD(s00, xv, f0);
                s01 = MADD(s01, xv, f1);
                xv = wasm_f32x4_splat(p1[a]);
                s10 = MADD(s10, xv, f0);
                s11 = MADD(s11, xv, f1);
                xv = wasm_f32x4_splat(p2[a]);
                s20 = MADD(s20, xv, f0);
                s21 = MADD(s21, xv, f1);
                xv = wasm_f32x4_splat(p3[a]);
                s30 = MADD(s30, xv, f0);
                s31 = MADD(s31, xv, f1);
                fp += fco;
              }
            }
          }
          float *q = yRow + (long)ox0 * co + c;
          const int lanes = co - c < 8 ? co - c : 8;
          store8(q, s00, s01, lanes);
          if (ox0 + 1 < wo) store8(q + co, s10, s11, lanes);
          if (ox0 + 2 < wo) store8(q + 2 * co, s20, s21, lanes);
          if (ox0 + 3 < wo) store8(q + 3 * co, s30, s31, lanes);
        }
      }
    }
  }
}

/*
 * [rows, from] -> [rows, to]: each row's first min(from, to) channels copied, any added channels
 * zero. Pads a filter's output channels to the 8-blocks, and crops a padded gradient back.
 */
EXPORT(resize_channels)
void resize_channels(const float *src, float *dst, int rows, int from, int to) {
  const int kept = from < to ? from : to;
  for (int r = 0; r < rows; r++) {
    const float *p = src + (long)r * from;
    float *q = dst + (long)r * to;
    int j = 0;
    for (; j + 4 <= kept; j += 4) wasm_v128_store(q + j, wasm_v128_load(p + j));
    for (; j < kept; j++) q[j] = p[j];
    zero(q + kept, to - kept);
  }
}

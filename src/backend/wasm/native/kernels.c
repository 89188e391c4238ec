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
 * Filter gradient of an NHWC convolution, accumulated into dw [kh, kw, ci, co] (zeroed here):
 *   dw[ky,kx,a,b] = sum over n, oy, ox of x[n, oy*sh + ky*dh - padTop, ox*sw + kx*dwl - padLeft, a] * dy[n, oy, ox, b]
 * For each output row and filter tap the inner loop runs along the row; a 4 x 8 block of dw stays in
 * eight v128 accumulators while x's four channels are broadcast and dy's eight channels loaded.
 */
EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const float *x, const float *dy, float *dw,
                        int n, int h, int w, int ci, int ho, int wo, int co,
                        int kh, int kw, int sh, int sw, int dh, int dwl, int padTop, int padLeft) {
  const int dwSize = kh * kw * ci * co;
  for (int i = 0; i < dwSize; i++) dw[i] = 0.0f;
  const int co8 = co & ~7;
  const int ci4 = ci & ~3;
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
          float *tap = dw + (ky * kw + kx) * ci * co;
          const int xStep = sw * ci;
          for (int a = 0; a < ci4; a += 4) {
            float *d0 = tap + a * co;
            for (int c = 0; c < co8; c += 8) {
              float *d = d0 + c;
              v128_t s00 = wasm_v128_load(d), s01 = wasm_v128_load(d + 4);
              v128_t s10 = wasm_v128_load(d + co), s11 = wasm_v128_load(d + co + 4);
              v128_t s20 = wasm_v128_load(d + 2 * co), s21 = wasm_v128_load(d + 2 * co + 4);
              v128_t s30 = wasm_v128_load(d + 3 * co), s31 = wasm_v128_load(d + 3 * co + 4);
              const float *xp = xRow + (r.lo * sw + offset) * ci + a;
              const float *gp = dyRow + r.lo * co + c;
              for (int ox = r.lo; ox < r.hi; ox++) {
                const v128_t g0 = wasm_v128_load(gp), g1 = wasm_v128_load(gp + 4);
                v128_t xv = wasm_f32x4_splat(xp[0]);
                s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(xv, g0));
                s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(xv, g1));
                xv = wasm_f32x4_splat(xp[1]);
                s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(xv, g0));
                s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(xv, g1));
                xv = wasm_f32x4_splat(xp[2]);
                s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(xv, g0));
                s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(xv, g1));
                xv = wasm_f32x4_splat(xp[3]);
                s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(xv, g0));
                s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(xv, g1));
                xp += xStep;
                gp += co;
              }
              wasm_v128_store(d, s00); wasm_v128_store(d + 4, s01);
              wasm_v128_store(d + co, s10); wasm_v128_store(d + co + 4, s11);
              wasm_v128_store(d + 2 * co, s20); wasm_v128_store(d + 2 * co + 4, s21);
              wasm_v128_store(d + 3 * co, s30); wasm_v128_store(d + 3 * co + 4, s31);
            }
          }
          /* x's channels beyond the 4-blocks, one at a time, still 8 of dy's channels per step. */
          for (int a = ci4; a < ci; a++) {
            float *d0 = tap + a * co;
            for (int c = 0; c < co8; c += 8) {
              float *d = d0 + c;
              v128_t s0 = wasm_v128_load(d), s1 = wasm_v128_load(d + 4);
              const float *xp = xRow + (r.lo * sw + offset) * ci + a;
              const float *gp = dyRow + r.lo * co + c;
              for (int ox = r.lo; ox < r.hi; ox++) {
                const v128_t xv = wasm_f32x4_splat(xp[0]);
                s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(xv, wasm_v128_load(gp)));
                s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(xv, wasm_v128_load(gp + 4)));
                xp += xStep;
                gp += co;
              }
              wasm_v128_store(d, s0); wasm_v128_store(d + 4, s1);
            }
          }
          /* dy's channels beyond the 8-blocks, for every x channel. */
          if (co8 < co) {
            for (int a = 0; a < ci; a++) {
              float *d = tap + a * co;
              for (int ox = r.lo; ox < r.hi; ox++) {
                const float xa = xRow[(ox * sw + offset) * ci + a];
                const float *gp = dyRow + ox * co;
                for (int c = co8; c < co; c++) d[c] += xa * gp[c];
              }
            }
          }
        }
      }
    }
  }
}

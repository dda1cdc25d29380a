/* The convolution's Helium (MVE) path, for the Cortex-M55: the same integer result as ep_conv.c's
 * reference, bit for bit, in far fewer instructions.
 *
 * NWC makes one output position's taps (kernel x in_c int8) one contiguous run of the input, so no
 * scratch copy is needed inside the input; a position whose taps reach past an edge is copied once into
 * the scratch with the zero point in the padded taps (with the input offset folded into bias_full, a
 * zero-point tap contributes nothing, as a skipped tap). Then, four output channels at a time, each
 * sixteen taps cost one load of the input, four of the weights and four VMLADAVA (64 multiply-
 * accumulates into four scalar accumulators); the last partial sixteen is tail-predicated. The four
 * sums are requantised as one vector (VQRDMULH and a rounding shift with the sign fix-up that makes it
 * round half away from zero, as TFLite's RoundingDivideByPOT), the fused ADD looks its two inputs'
 * rescaling up with gather loads, and four int8 are stored with one narrowing store. */
#include "ep_conv_mve.h"

#ifdef EP_MVE
#include "ep_add.h"
#include "ep_fixedpoint.h"

/* Four channels' sums over n taps of x: w is channel 0's row, the others `row` bytes apart. */
static inline int32x4_t dot4(const int8_t *x, const int8_t *w, int32_t row, int32_t n, int32x4_t bias) {
  const int8_t *w0 = w, *w1 = w + row, *w2 = w + 2 * row, *w3 = w + 3 * row;
  int32_t a0 = vgetq_lane_s32(bias, 0), a1 = vgetq_lane_s32(bias, 1);
  int32_t a2 = vgetq_lane_s32(bias, 2), a3 = vgetq_lane_s32(bias, 3);
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const int8x16_t xv = vldrbq_s8(x + i);
    a0 = vmladavaq_s8(a0, xv, vldrbq_s8(w0 + i));
    a1 = vmladavaq_s8(a1, xv, vldrbq_s8(w1 + i));
    a2 = vmladavaq_s8(a2, xv, vldrbq_s8(w2 + i));
    a3 = vmladavaq_s8(a3, xv, vldrbq_s8(w3 + i));
  }
  if (i < n) {
    const mve_pred16_t p = vctp8q((uint32_t)(n - i));
    const int8x16_t xv = vldrbq_z_s8(x + i, p);
    a0 = vmladavaq_s8(a0, xv, vldrbq_z_s8(w0 + i, p));
    a1 = vmladavaq_s8(a1, xv, vldrbq_z_s8(w1 + i, p));
    a2 = vmladavaq_s8(a2, xv, vldrbq_z_s8(w2 + i, p));
    a3 = vmladavaq_s8(a3, xv, vldrbq_z_s8(w3 + i, p));
  }
  int32x4_t acc = vdupq_n_s32(a0);
  acc = vsetq_lane_s32(a1, acc, 1);
  acc = vsetq_lane_s32(a2, acc, 2);
  return vsetq_lane_s32(a3, acc, 3);
}

/* One channel's sum over n taps of x. */
static inline int32_t dot1(const int8_t *x, const int8_t *w, int32_t n, int32_t acc) {
  for (int32_t i = 0; i < n; i += 16) {
    const mve_pred16_t p = vctp8q((uint32_t)(n - i));
    acc = vmladavaq_s8(acc, vldrbq_z_s8(x + i, p), vldrbq_z_s8(w + i, p));
  }
  return acc;
}

/* Input rows start .. start + rows - 1 with the zero point for those outside the input: the input itself when
 * all are inside, else a copy in the scratch, sixteen bytes per store. */
static const int8_t *rows_in(const ep_conv_params *p, const int8_t *input, int32_t start, int32_t rows,
                             int8_t *scratch) {
  if (start >= 0 && start + rows <= p->in_w) return input + start * p->in_c;
  const int8x16_t zp = vdupq_n_s8((int8_t)-p->input_offset);
  for (int32_t k = 0; k < rows; ++k) {
    const int32_t at = start + k;
    const int8_t *src = input + at * p->in_c;
    int8_t *dst = scratch + k * p->in_c;
    const int inside = at >= 0 && at < p->in_w;
    for (int32_t c = 0; c < p->in_c; c += 16) {
      const mve_pred16_t m = vctp8q((uint32_t)(p->in_c - c));
      vstrbq_p_s8(dst + c, inside ? vldrbq_z_s8(src + c, m) : zp, m);
    }
  }
  return scratch;
}

/* Requantise four channels' sums and store them at dst, fused with the ADD of the residual already there. */
static inline void store4(const ep_conv_params *p, const ep_conv_add *f, int32x4_t acc, int32x4_t mult,
                          int32x4_t shift, int8_t *dst) {
  int32x4_t v = ep_clamp4(vaddq_n_s32(ep_requant4(acc, mult, shift), p->output_offset), p->act_min, p->act_max);
  if (f->add) v = ep_add4(f->add, f->table1, f->table2, v, vldrbq_s32(dst));
  vstrbq_s32(dst, v);
}

/* One channel's value, as store4 does four. */
static inline void store1(const ep_conv_params *p, const ep_conv_add *f, int32_t acc, int32_t mult, int32_t shift,
                          int8_t *dst) {
  const ep_requant q = ep_requant_of(mult, shift);
  const int32_t v = ep_clamp(ep_requant_apply(&q, acc) + p->output_offset, p->act_min, p->act_max);
  if (!f->add) {
    *dst = (int8_t)v;
    return;
  }
  const ep_requant out = ep_requant_of(f->add->out_mult, f->add->out_shift);
  *dst = (int8_t)ep_clamp(ep_requant_apply(&out, f->table1[v + 128] + f->table2[*dst + 128]) + f->add->out_offset,
                          f->add->act_min, f->add->act_max);
}

/* Three positions (x, x + step, x + 2 * step) against two channels (w, w + row) over the n taps: 96
 * multiply-accumulates per sixteen taps for five loads and six VMLADAVA, the accumulators in the even
 * registers VMLADAVA needs (constraint Te), the loop a low-overhead one (WLS/LE, its count in LR); the
 * last partial sixteen is tail-predicated. a[] holds the biases on entry, the six sums on return:
 * a[2 * j + c] for position j, channel c. */
static inline void dot3x2(const int8_t *x0, int32_t step, const int8_t *w0, int32_t row, int32_t n, int32_t a[6]) {
  const int8_t *x1 = x0 + step, *x2 = x0 + 2 * step, *w1 = w0 + row;
  int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5];
  register int32_t blocks __asm__("lr") = n >> 4;
  __asm__ volatile(
      "wls     lr, lr, 2f\n"
      "1:\n\t"
      "vldrb.8 q0, [%[w0]], #16\n\t"
      "vldrb.8 q1, [%[w1]], #16\n\t"
      "vldrb.8 q2, [%[x0]], #16\n\t"
      "vmladava.s8 %[a0], q2, q0\n\t"
      "vmladava.s8 %[a1], q2, q1\n\t"
      "vldrb.8 q2, [%[x1]], #16\n\t"
      "vmladava.s8 %[a2], q2, q0\n\t"
      "vmladava.s8 %[a3], q2, q1\n\t"
      "vldrb.8 q2, [%[x2]], #16\n\t"
      "vmladava.s8 %[a4], q2, q0\n\t"
      "vmladava.s8 %[a5], q2, q1\n\t"
      "le      lr, 1b\n"
      "2:"
      : [a0] "+Te"(a0), [a1] "+Te"(a1), [a2] "+Te"(a2), [a3] "+Te"(a3), [a4] "+Te"(a4), [a5] "+Te"(a5),
        [x0] "+r"(x0), [x1] "+r"(x1), [x2] "+r"(x2), [w0] "+r"(w0), [w1] "+r"(w1), [n] "+r"(blocks)
      :
      : "q0", "q1", "q2", "memory");
  if (n & 15) {
    const mve_pred16_t p = vctp8q((uint32_t)(n & 15));
    const int8x16_t u = vldrbq_z_s8(w0, p), v = vldrbq_z_s8(w1, p);
    int8x16_t x = vldrbq_z_s8(x0, p);
    a0 = vmladavaq_s8(a0, x, u);
    a1 = vmladavaq_s8(a1, x, v);
    x = vldrbq_z_s8(x1, p);
    a2 = vmladavaq_s8(a2, x, u);
    a3 = vmladavaq_s8(a3, x, v);
    x = vldrbq_z_s8(x2, p);
    a4 = vmladavaq_s8(a4, x, u);
    a5 = vmladavaq_s8(a5, x, v);
  }
  a[0] = a0;
  a[1] = a1;
  a[2] = a2;
  a[3] = a3;
  a[4] = a4;
  a[5] = a5;
}

/* One output position, every channel (four at a time): the positions whose taps leave the input, and those
 * left over from the blocks of three. */
static void position(const ep_conv_params *p, const ep_conv_add *f, const int8_t *input, const int8_t *filter,
                     const int32_t *bias_full, const int32_t *mult, const int32_t *shift, int8_t *scratch,
                     int8_t *output, int32_t ox) {
  const int32_t n = p->kernel * p->in_c, out_c = p->out_c, whole = out_c & ~3;
  const int8_t *x = rows_in(p, input, ox * p->stride - p->pad_left, p->kernel, scratch);
  int8_t *out = output + ox * out_c;
  for (int32_t oc = 0; oc < whole; oc += 4) {
    const int32x4_t acc = dot4(x, filter + oc * p->row, p->row, n, vldrwq_s32(bias_full + oc));
    store4(p, f, acc, vldrwq_s32(mult + oc), vldrwq_s32(shift + oc), out + oc);
  }
  for (int32_t oc = whole; oc < out_c; ++oc)
    store1(p, f, dot1(x, filter + oc * p->row, n, bias_full[oc]), mult[oc], shift[oc], out + oc);
}

/* The channels one pass of three positions computes before requantising them (int32 sums on the stack). */
#define EP_MVE_TILE 64 /* tile3x2 stores its rows 256 bytes apart */

#define EP_TILE_STEP                \
  "vldrb.8 q0, [r7], #16\n\t"      \
  "vldrb.8 q1, [r9], #16\n\t"      \
  "vldrb.8 q2, [r1], #16\n\t"      \
  "vmladava.s8 r0, q2, q0\n\t"     \
  "vmladava.s8 r2, q2, q1\n\t"     \
  "vldrb.8 q2, [r3], #16\n\t"      \
  "vmladava.s8 r4, q2, q0\n\t"     \
  "vmladava.s8 r6, q2, q1\n\t"     \
  "vldrb.8 q2, [r5], #16\n\t"      \
  "vmladava.s8 r8, q2, q0\n\t"     \
  "vmladava.s8 r10, q2, q1\n\t"

/* What tile3x2 reads: three positions' taps (x, x + step, x + 2 * step) of n bytes each, n % 16 == 0, the
 * weights rows n bytes apart too, `pairs` channel pairs. */
typedef struct {
  const int8_t *x;
  int32_t step, n, pairs;
} tile_job;

/* sums[j * EP_MVE_TILE + c] = bias[c] + (taps of position j) . (weights of channel c), for the three positions
 * and 2 * pairs channels: dot3x2's inner loop, unrolled twice, with the loop over channel pairs around it in
 * the same assembly, so a pair costs about twenty instructions besides its multiply-accumulates. Registers:
 * the sums in the even ones VMLADAVA needs (r0, r2, r4, r6, r8, r10), the positions in r1, r3, r5, the two
 * weights rows in r7, r9 (each pair's rows follow the last's), the sums' store in r11, the biases in r12,
 * the loop count in LR; the job's fields on the stack. */
#define EP_ARG __attribute__((unused)) /* a naked function reads its arguments from r0-r3 */
__attribute__((naked, noinline)) static void tile3x2(EP_ARG const tile_job *job, EP_ARG const int8_t *w,
                                                     EP_ARG const int32_t *bias, EP_ARG int32_t *sums) {
  __asm__ volatile(
      "push    {r4-r11, lr}\n\t"
      "sub     sp, sp, #16\n\t"
      "ldm     r0, {r4, r5, r6, r8}\n\t" /* x, step, n, pairs */
      "stm     sp, {r4, r5, r6, r8}\n\t"
      "mov     r12, r2\n\t"
      "mov     r11, r3\n\t"
      "mov     r7, r1\n"
      "1:\n\t"
      "ldrd    r0, r2, [r12], #8\n\t"
      "mov     r4, r0\n\t"
      "mov     r6, r2\n\t"
      "mov     r8, r0\n\t"
      "mov     r10, r2\n\t"
      "ldrd    r1, r5, [sp]\n\t"
      "add     r3, r1, r5\n\t"
      "add     r5, r3, r5\n\t"
      "ldr     lr, [sp, #8]\n\t"
      "add     r9, r7, lr\n\t"
      "tst     lr, #16\n\t" /* an odd count of sixteens: one step alone first */
      "beq     2f\n\t"
      EP_TILE_STEP
      "2:\n\t"
      "ldr     lr, [sp, #8]\n\t"
      "lsr     lr, lr, #5\n\t"
      "wls     lr, lr, 4f\n"
      "3:\n\t"
      EP_TILE_STEP EP_TILE_STEP
      "le      lr, 3b\n"
      "4:\n\t"
      "strd    r0, r2, [r11]\n\t" /* rows EP_MVE_TILE int32 apart */
      "strd    r4, r6, [r11, #256]\n\t"
      "strd    r8, r10, [r11, #512]\n\t"
      "add     r11, r11, #8\n\t"
      "mov     r7, r9\n\t"
      "ldr     lr, [sp, #12]\n\t"
      "subs    lr, lr, #1\n\t"
      "str     lr, [sp, #12]\n\t"
      "bne     1b\n\t"
      "add     sp, sp, #16\n\t"
      "pop     {r4-r11, pc}\n");
}

/* Requantise n channels' sums (and ADD the residual at out, when fused) into out, four at a time, the last
 * four tail-predicated: whole vectors of contiguous channels, with their constants loaded as vectors. The
 * parameters are copied first: stores through out could alias them, and the loops would reload them. */
static void requant_row(const ep_conv_params *p, const ep_conv_add *f, const int32_t *sums, const int32_t *mult,
                        const int32_t *shift, int32_t n, int8_t *out) {
  const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max;
  const int32_t whole = n & ~3;
  if (!f->add) {
    for (int32_t c = 0; c < whole; c += 4) {
      const int32x4_t v = ep_requant4(vldrwq_s32(sums + c), vldrwq_s32(mult + c), vldrwq_s32(shift + c));
      vstrbq_s32(out + c, ep_clamp4(vaddq_n_s32(v, offset), lo, hi));
    }
  } else {
    const ep_add_params add = *f->add;
    const int32_t *t1 = f->table1, *t2 = f->table2;
    for (int32_t c = 0; c < whole; c += 4) {
      int32x4_t v = ep_requant4(vldrwq_s32(sums + c), vldrwq_s32(mult + c), vldrwq_s32(shift + c));
      v = ep_clamp4(vaddq_n_s32(v, offset), lo, hi);
      vstrbq_s32(out + c, ep_add4(&add, t1, t2, v, vldrbq_s32(out + c)));
    }
  }
  if (whole < n) {
    const mve_pred16_t k = vctp32q((uint32_t)(n - whole));
    int32x4_t v = ep_requant4(vldrwq_z_s32(sums + whole, k), vldrwq_z_s32(mult + whole, k),
                              vldrwq_z_s32(shift + whole, k));
    v = ep_clamp4(vaddq_n_s32(v, offset), lo, hi);
    if (f->add) v = ep_add4(f->add, f->table1, f->table2, v, vldrbq_z_s32(out + whole, k));
    vstrbq_p_s32(out + whole, v, k);
  }
}

void ep_conv1d_mve(const ep_conv_params *p, const ep_conv_add *f, const int8_t *input, const int8_t *filter,
                   const int32_t *bias_full, const int32_t *mult, const int32_t *shift, int16_t *scratch,
                   int8_t *output) {
  int8_t *pad = (int8_t *)(void *)scratch;
  const int32_t n = p->kernel * p->in_c, out_c = p->out_c, step = p->stride * p->in_c;
  /* blocks of three positions; at the edges their input rows are copied with the padding into the scratch,
   * which holds them (a test holds ep_conv_scratch_len to that) */
  const int32_t rows = 2 * p->stride + p->kernel;
  const int32_t blocked = rows * p->in_c <= 2 * ep_conv_scratch_len(p) ? p->out_w / 3 * 3 : 0;
  int32_t sums[3][EP_MVE_TILE];
  for (int32_t ox = 0; ox < blocked; ox += 3) {
    const int8_t *x = rows_in(p, input, ox * p->stride - p->pad_left, rows, pad);
    for (int32_t oc0 = 0; oc0 < out_c; oc0 += EP_MVE_TILE) {
      const int32_t tile = out_c - oc0 < EP_MVE_TILE ? out_c - oc0 : EP_MVE_TILE;
      const int8_t *w = filter + oc0 * p->row;
      int32_t c = 0;
      if (n % 16 == 0 && p->row == n && tile >= 2) { /* the assembly's case: every layer but the stem's */
        const tile_job job = {x, step, n, tile / 2};
        tile3x2(&job, w, bias_full + oc0, sums[0]);
        c = tile & ~1;
        w += c * p->row;
      }
      for (; c + 2 <= tile; c += 2, w += 2 * p->row) {
        const int32_t b0 = bias_full[oc0 + c], b1 = bias_full[oc0 + c + 1];
        int32_t a[6] = {b0, b1, b0, b1, b0, b1};
        dot3x2(x, step, w, p->row, n, a);
        sums[0][c] = a[0];
        sums[0][c + 1] = a[1];
        sums[1][c] = a[2];
        sums[1][c + 1] = a[3];
        sums[2][c] = a[4];
        sums[2][c + 1] = a[5];
      }
      if (c < tile) /* an odd channel count's last */
        for (int32_t j = 0; j < 3; ++j) sums[j][c] = dot1(x + j * step, w, n, bias_full[oc0 + c]);
      for (int32_t j = 0; j < 3; ++j)
        requant_row(p, f, sums[j], mult + oc0, shift + oc0, tile, output + (ox + j) * out_c + oc0);
    }
  }
  for (int32_t ox = blocked; ox < p->out_w; ++ox)
    position(p, f, input, filter, bias_full, mult, shift, pad, output, ox);
}

#endif

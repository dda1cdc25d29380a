/* The convolution's Helium (MVE) path, for the Cortex-M55: the same integer result as ep_conv.c's
 * reference, bit for bit, in about a seventh of the DSP build's instructions.
 *
 * NWC makes one output position's taps (kernel x in_c int8) one contiguous run of the input, and with the
 * input offset folded into bias_full a zero-point tap contributes nothing, so padding is a copy of the edge
 * rows with the zero point (rows_in). The work goes in blocks of three positions x two channels: six sums in
 * the even registers VMLADAVA accumulates into, sixteen taps per instruction, five loads per six VMLADAVA
 * (tile3x2, in assembly with the loop over channel pairs around it); for a stride-1 layer of 16, 32 or 64
 * channels neighbouring positions share their input rows, so one input load serves all three (slide3x2:
 * three loads per six). The block's int32 sums wait on the stack until up to 64 channels are done; then
 * they are requantised four channels at a time (VQRDMULH and a rounding shift with the sign fix-up that
 * makes it round half away from zero, ep_fixedpoint.h), the fused ADD looks its two inputs' rescaling up
 * with gather loads, and four int8 are stored at once. A layer too short for a block, or whose block rows
 * would not fit the scratch, goes one position at a time (four channels per pass). */
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
  *dst = ep_add_element_fast(f->add, f->table1, f->table2, &out, v, *dst);
}

/* One output position, every channel (four at a time): for a layer whose blocks of three positions would
 * not fit their input rows in the scratch, or that is shorter than three (the head). */
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

/* A pair's start: the biases into the six sums, the three positions' pointers from the stack (x, step). */
#define EP_TILE_PAIR                \
  "ldrd    r0, r2, [r12], #8\n\t"    \
  "mov     r4, r0\n\t"               \
  "mov     r6, r2\n\t"               \
  "mov     r8, r0\n\t"               \
  "mov     r10, r2\n\t"              \
  "ldrd    r1, r5, [sp]\n\t"         \
  "add     r3, r1, r5\n\t"           \
  "add     r5, r3, r5\n\t"
/* The whole sixteens (their count's bytes in LR and at [sp, #8]): an odd one alone, then two per pass. */
#define EP_TILE_SIXTEENS             \
  "tst     lr, #16\n\t"               \
  "beq     2f\n\t" EP_TILE_STEP        \
  "2:\n\t"                            \
  "ldr     lr, [sp, #8]\n\t"          \
  "lsr     lr, lr, #5\n\t"            \
  "wls     lr, lr, 4f\n"               \
  "3:\n\t" EP_TILE_STEP EP_TILE_STEP   \
  "le      lr, 3b\n"                   \
  "4:\n\t"
/* A pair's six sums into the three rows of the block's sums (EP_MVE_TILE int32 apart), and on. */
#define EP_TILE_STORE                  \
  "strd    r0, r2, [r11]\n\t"           \
  "strd    r4, r6, [r11, #256]\n\t"     \
  "strd    r8, r10, [r11, #512]\n\t"    \
  "add     r11, r11, #8\n\t"

/* What tile3x2 reads: three positions' taps (x, x + step, x + 2 * step), n of them, the first whole16 in whole
 * sixteens and the rest (tail < 16) tail-predicated; `pairs` channel pairs of weights rows `row` bytes apart. */
typedef struct {
  const int8_t *x;
  int32_t step, whole16, pairs, row, tail;
} tile_job;

/* sums[j * EP_MVE_TILE + c] = bias[c] + (taps of position j) . (weights of channel c), for the three positions
 * and 2 * pairs channels: EP_TILE_STEP (five loads, six VMLADAVA) unrolled twice, with the loop over channel
 * pairs around it in the same assembly, so a pair costs about twenty-five instructions besides its multiply-accumulates.
 * Registers: the sums in the even ones VMLADAVA needs (r0, r2, r4, r6, r8, r10), the positions in r1, r3, r5,
 * the two weights rows in r7, r9, the sums' store in r11, the biases in r12, the loop count in LR; the job's
 * fields and the pair's first weights row on the stack. */
#define EP_ARG __attribute__((unused)) /* a naked function reads its arguments from r0-r3 */
__attribute__((naked, noinline)) static void tile3x2(EP_ARG const tile_job *job, EP_ARG const int8_t *w,
                                                     EP_ARG const int32_t *bias, EP_ARG int32_t *sums) {
  __asm__ volatile(
      "push    {r4-r11, lr}\n\t"
      "sub     sp, sp, #32\n\t"
      "ldm     r0!, {r4, r5, r6, r8}\n\t" /* x, step, whole16, pairs */
      "stm     sp, {r4, r5, r6, r8}\n\t"
      "ldm     r0, {r4, r5}\n\t"          /* row, tail */
      "strd    r4, r5, [sp, #16]\n\t"
      "str     r1, [sp, #24]\n\t"         /* the pair's first weights row */
      "mov     r12, r2\n\t"
      "mov     r11, r3\n"
      "1:\n\t"
      EP_TILE_PAIR
      "ldr     r7, [sp, #24]\n\t"
      "ldr     lr, [sp, #16]\n\t"
      "add     r9, r7, lr\n\t"
      "add     lr, r9, lr\n\t"
      "str     lr, [sp, #24]\n\t"         /* the next pair's */
      "ldr     lr, [sp, #8]\n\t"
      EP_TILE_SIXTEENS
      "ldr     lr, [sp, #20]\n\t"         /* the tail, lanes past it loaded as zeros */
      "cmp     lr, #0\n\t"
      "beq     5f\n\t"
      "vctp.8  lr\n\t"
      "vpstt\n\t"
      "vldrbt.8 q0, [r7]\n\t"
      "vldrbt.8 q1, [r9]\n\t"
      "vpst\n\t"
      "vldrbt.8 q2, [r1]\n\t"
      "vmladava.s8 r0, q2, q0\n\t"
      "vmladava.s8 r2, q2, q1\n\t"
      "vpst\n\t"
      "vldrbt.8 q2, [r3]\n\t"
      "vmladava.s8 r4, q2, q0\n\t"
      "vmladava.s8 r6, q2, q1\n\t"
      "vpst\n\t"
      "vldrbt.8 q2, [r5]\n\t"
      "vmladava.s8 r8, q2, q0\n\t"
      "vmladava.s8 r10, q2, q1\n"
      "5:\n\t"
      EP_TILE_STORE
      "ldr     lr, [sp, #12]\n\t"
      "subs    lr, lr, #1\n\t"
      "str     lr, [sp, #12]\n\t"
      "bne     1b\n\t"
      "add     sp, sp, #32\n\t"
      "pop     {r4-r11, pc}\n");
}

/* tile3x2 for a layer whose taps are whole sixteens and whose weights rows are exactly that long (every layer but
 * the stem): each pair's rows follow the last pair's, so the pointers carry on, and the pairs are counted by the
 * biases' pointer against its end; about a quarter fewer instructions per pair. */
__attribute__((naked, noinline)) static void tile3x2_whole(EP_ARG const tile_job *job, EP_ARG const int8_t *w,
                                                           EP_ARG const int32_t *bias, EP_ARG int32_t *sums) {
  __asm__ volatile(
      "push    {r4-r11, lr}\n\t"
      "sub     sp, sp, #16\n\t"
      "ldm     r0, {r4, r5, r6, r8}\n\t" /* x, step, n, pairs */
      "add     r8, r2, r8, lsl #3\n\t"   /* the biases' end */
      "stm     sp, {r4, r5, r6, r8}\n\t"
      "mov     r12, r2\n\t"
      "mov     r11, r3\n\t"
      "mov     r9, r1\n"                 /* where the pair's first row starts: the last pair's second row's end */
      "1:\n\t"
      EP_TILE_PAIR
      "mov     r7, r9\n\t"
      "ldr     lr, [sp, #8]\n\t"
      "add     r9, r7, lr\n\t"
      EP_TILE_SIXTEENS
      EP_TILE_STORE
      "ldr     lr, [sp, #12]\n\t"
      "cmp     r12, lr\n\t"
      "bne     1b\n\t"
      "add     sp, sp, #16\n\t"
      "pop     {r4-r11, pc}\n");
}

/* tile3x2 for a stride-1 layer of C input channels (16, 32 or 64) and a kernel that is a multiple of three:
 * neighbouring positions' taps overlap, so each sixteen bytes of input is loaded once for all three. The
 * taps split into C / 16 chains (the sixteens at the same place in every input row); along a chain, step t
 * needs rows t, t + 1 and t + 2 of it, of which the step before loaded two: one new load, two of weights and
 * six VMLADAVA per step, the three x registers taking turns (q2, q3, q4), three steps per loop pass. */
#define EP_SLIDE_STEP(C, XA, XB, XC)                    \
  "vldrb.8 " XC ", [r1], #" #C "\n\t"                   \
  "vldrb.8 q0, [r7], #" #C "\n\t"                       \
  "vldrb.8 q1, [r9], #" #C "\n\t"                       \
  "vmladava.s8 r0, " XA ", q0\n\t"                      \
  "vmladava.s8 r2, " XA ", q1\n\t"                      \
  "vmladava.s8 r4, " XB ", q0\n\t"                      \
  "vmladava.s8 r6, " XB ", q1\n\t"                      \
  "vmladava.s8 r8, " XC ", q0\n\t"                      \
  "vmladava.s8 r10, " XC ", q1\n\t"

/* One chain: its first two rows, then `passes` (K / 3) passes of three steps; and the rewind from one chain's
 * end to the next chain's start (the stack holds both distances). */
#define EP_SLIDE_CHAIN(C)                                                                                      \
  "vldrb.8 q2, [r1], #" #C "\n\t"                                                                              \
  "vldrb.8 q3, [r1], #" #C "\n\t"                                                                              \
  "ldr     lr, [sp, #4]\n\t"                                                                                   \
  "dls     lr, lr\n"                                                                                           \
  "3:\n\t" EP_SLIDE_STEP(C, "q2", "q3", "q4") EP_SLIDE_STEP(C, "q3", "q4", "q2") EP_SLIDE_STEP(C, "q4", "q2", "q3") \
  "le      lr, 3b\n\t"
#define EP_SLIDE_REWIND                                                                                        \
  "ldr     lr, [sp, #12]\n\t"                                                                                  \
  "sub     r1, r1, lr\n\t"                                                                                     \
  "ldr     lr, [sp, #16]\n\t"                                                                                  \
  "sub     r7, r7, lr\n\t"                                                                                     \
  "sub     r9, r9, lr\n\t"
#define EP_SLIDE_CHAINS_16 EP_SLIDE_CHAIN(16)
#define EP_SLIDE_CHAINS_32 EP_SLIDE_CHAIN(32) EP_SLIDE_REWIND EP_SLIDE_CHAIN(32)
#define EP_SLIDE_CHAINS_64 \
  EP_SLIDE_CHAIN(64) EP_SLIDE_REWIND EP_SLIDE_CHAIN(64) EP_SLIDE_REWIND EP_SLIDE_CHAIN(64) EP_SLIDE_REWIND EP_SLIDE_CHAIN(64)

/* The job (x: position 0's taps, whole16: n, pairs) and `passes` = K / 3; the stack keeps x, passes, n and the
 * rewinds: C * (K + 2) - 16 bytes of input and n - 16 of weights. */
#define EP_SLIDE_DEFINE(C)                                                                                      \
  __attribute__((naked, noinline)) static void slide3x2_##C(EP_ARG const tile_job *job, EP_ARG const int8_t *w, \
                                                            EP_ARG const int32_t *bias, EP_ARG int32_t *sums,   \
                                                            EP_ARG int32_t passes) {                            \
    __asm__ volatile(                                                                                          \
        "push    {r4-r11, lr}\n\t"                                                                             \
        "vpush   {d8-d9}\n\t"                                                                                  \
        "sub     sp, sp, #24\n\t"                                                                              \
        "mov     r11, r3\n\t"                    /* the sums */                                                 \
        "mov     r12, r2\n\t"                    /* the biases */                                               \
        "ldr     r4, [r0]\n\t"                   /* x */                                                        \
        "ldr     r5, [sp, #24 + 16 + 36]\n\t"    /* passes: the fifth argument, past the saved registers */     \
        "ldr     r6, [r0, #8]\n\t"               /* n */                                                        \
        "ldr     r3, [r0, #12]\n\t"              /* pairs, counted down */                                      \
        "add     r8, r5, r5, lsl #1\n\t"         /* K = 3 * passes; the input's rewind C * (K + 2) - 16 */      \
        "add     r8, r8, #2\n\t"                                                                               \
        "mov     r10, #" #C "\n\t"                                                                             \
        "mul     r8, r8, r10\n\t"                                                                              \
        "sub     r8, r8, #16\n\t"                                                                              \
        "sub     r10, r6, #16\n\t"               /* the weights' rewind */                                      \
        "stm     sp, {r4, r5, r6, r8, r10}\n\t"                                                                \
        "mov     r5, r1\n"                       /* the pair's first weights row */                             \
        "1:\n\t"                                                                                               \
        "ldrd    r0, r2, [r12], #8\n\t"                                                                        \
        "mov     r4, r0\n\t"                                                                                   \
        "mov     r6, r2\n\t"                                                                                   \
        "mov     r8, r0\n\t"                                                                                   \
        "mov     r10, r2\n\t"                                                                                  \
        "ldr     r1, [sp]\n\t"                                                                                 \
        "mov     r7, r5\n\t"                                                                                   \
        "ldr     lr, [sp, #8]\n\t"                                                                             \
        "add     r9, r5, lr\n\t"                                                                               \
        "add     r5, r9, lr\n\t"                 /* the next pair's */                                          \
        EP_SLIDE_CHAINS_##C                                                                                    \
        "strd    r0, r2, [r11]\n\t"                                                                            \
        "strd    r4, r6, [r11, #256]\n\t"                                                                      \
        "strd    r8, r10, [r11, #512]\n\t"                                                                     \
        "add     r11, r11, #8\n\t"                                                                             \
        "subs    r3, r3, #1\n\t"                                                                               \
        "bne     1b\n\t"                                                                                       \
        "add     sp, sp, #24\n\t"                                                                              \
        "vpop    {d8-d9}\n\t"                                                                                  \
        "pop     {r4-r11, pc}\n");                                                                             \
  }
EP_SLIDE_DEFINE(16)
EP_SLIDE_DEFINE(32)
EP_SLIDE_DEFINE(64)

/* ep_requant4 for shifts that are all <= 0 (every multiplier below one, as in most layers): no left shift, and
 * the shift is already the negated right shift. */
static inline int32x4_t requant4_right(int32x4_t x, int32x4_t multiplier, int32x4_t neg_right) {
  x = vqrdmulhq_s32(x, multiplier);
  x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, neg_right), 31));
  return vrshlq_s32(x, neg_right);
}

/* Requantise n channels' sums (and ADD the residual at out, when fused) into out, four at a time, the last
 * four tail-predicated: whole vectors of contiguous channels, with their constants loaded as vectors. The
 * parameters are copied first: stores through out could alias them, and the loops would reload them. */
static void requant_rows(const ep_conv_params *p, const ep_conv_add *f, const int32_t *sums, const int32_t *mult,
                        const int32_t *shift, int32_t n, int right_only, int8_t *out, int32_t rows) {
  const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max, out_c = p->out_c;
  const int32_t whole = n & ~3;
  for (; rows > 0; --rows, sums += EP_MVE_TILE, out += out_c) {
    if (!f->add && right_only) {
      for (int32_t c = 0; c < whole; c += 4) {
        const int32x4_t v = requant4_right(vldrwq_s32(sums + c), vldrwq_s32(mult + c), vldrwq_s32(shift + c));
        vstrbq_s32(out + c, ep_clamp4(vaddq_n_s32(v, offset), lo, hi));
      }
    } else if (!f->add) {
      for (int32_t c = 0; c < whole; c += 4) {
        const int32x4_t v = ep_requant4(vldrwq_s32(sums + c), vldrwq_s32(mult + c), vldrwq_s32(shift + c));
        vstrbq_s32(out + c, ep_clamp4(vaddq_n_s32(v, offset), lo, hi));
      }
    } else {
      const ep_add_params add = *f->add;
      const int32_t *t1 = f->table1, *t2 = f->table2;
      for (int32_t c = 0; c < whole; c += 4) {
        const int32x4_t m = vldrwq_s32(mult + c), sh = vldrwq_s32(shift + c), acc = vldrwq_s32(sums + c);
        int32x4_t v = right_only ? requant4_right(acc, m, sh) : ep_requant4(acc, m, sh);
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
}

/* Whether no channel's shift is above zero. */
static int right_shifts_only(const int32_t *shift, int32_t n) {
  int32_t most = INT32_MIN;
  for (int32_t c = 0; c < n; c += 4) most = vmaxvq_p_s32(most, vldrwq_z_s32(shift + c, vctp32q((uint32_t)(n - c))),
                                                         vctp32q((uint32_t)(n - c)));
  return most <= 0;
}

void ep_conv1d_mve(const ep_conv_params *p, const ep_conv_add *f, const int8_t *input, const int8_t *filter,
                   const int32_t *bias_full, const int32_t *mult, const int32_t *shift, int16_t *scratch,
                   int8_t *output) {
  int8_t *pad = (int8_t *)(void *)scratch;
  const int32_t n = p->kernel * p->in_c, out_c = p->out_c, step = p->stride * p->in_c;
  /* blocks of three positions; at the edges their input rows are copied with the padding into the scratch
   * (ep_conv_scratch_len() int16, the M4's size, holds them for every layer edgeppg makes) */
  const int32_t rows = 2 * p->stride + p->kernel;
  if (rows * p->in_c > 2 * ep_conv_scratch_len(p) || p->out_w < 3) {
    for (int32_t ox = 0; ox < p->out_w; ++ox) position(p, f, input, filter, bias_full, mult, shift, pad, output, ox);
    return;
  }
  int32_t sums[3][EP_MVE_TILE];
  const int right_only = right_shifts_only(shift, out_c);
  /* 16, 32 or 64 input channels: the taps are whole sixteens */
  const int slide = p->stride == 1 && p->kernel % 3 == 0 && p->row == n;
  for (int32_t ox = 0; ox < p->out_w; ox += 3) {
    /* the last positions of a length that is not a multiple of three: a block that ends there, of which only
     * the new positions are stored (a stored position may already hold its fused ADD's sum) */
    const int32_t at = ox + 3 <= p->out_w ? ox : p->out_w - 3, fresh = ox - at;
    const int8_t *x = rows_in(p, input, at * p->stride - p->pad_left, rows, pad);
    for (int32_t oc0 = 0; oc0 < out_c; oc0 += EP_MVE_TILE) {
      const int32_t tile = out_c - oc0 < EP_MVE_TILE ? out_c - oc0 : EP_MVE_TILE, even = tile & ~1;
      const int8_t *w = filter + oc0 * p->row;
      if (even) {
        const tile_job job = {x, step, n & ~15, even / 2, p->row, n & 15};
        if (slide && p->in_c == 16) slide3x2_16(&job, w, bias_full + oc0, sums[0], p->kernel / 3);
        else if (slide && p->in_c == 32) slide3x2_32(&job, w, bias_full + oc0, sums[0], p->kernel / 3);
        else if (slide && p->in_c == 64) slide3x2_64(&job, w, bias_full + oc0, sums[0], p->kernel / 3);
        else if (p->row == n && !(n & 15)) tile3x2_whole(&job, w, bias_full + oc0, sums[0]);
        else tile3x2(&job, w, bias_full + oc0, sums[0]);
      }
      if (even < tile) /* an odd channel count's last */
        for (int32_t j = 0; j < 3; ++j) sums[j][even] = dot1(x + j * step, w + even * p->row, n, bias_full[oc0 + even]);
      requant_rows(p, f, sums[fresh], mult + oc0, shift + oc0, tile, right_only, output + (at + fresh) * out_c + oc0,
                  3 - fresh);
    }
  }
}

#endif

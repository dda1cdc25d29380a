/* CONV_2D with a 1 x k filter, int8 in and out, int32 bias, per-channel requantisation: TFLite's
 * reference ConvPerChannel for batch 1 and height 1, optionally followed by a fused residual ADD.
 *
 * Plain C (EP_PLAIN_C, and every host build) is the reference: padded taps are skipped, as TFLite's
 * reference does, and the input offset is added per element.
 *
 * Only bias_full = bias + input_offset * (sum of the channel's weights) is stored, the bias with the
 * input offset folded in (the generator computes it); the plain path takes the offset out again.
 *
 * On the M4 (EP_DSP) the input of `span` output positions (the generator's choice, per layer) is first
 * sign-extended into an int16 scratch copy, in the order SXTB16 unpacks a word (bytes 0, 2 then 1, 3),
 * so the weights stay int8 as stored and each weight word, unpacked once, feeds the SMLADs of
 * EP_CONV_POSITIONS positions (ep_conv_dot.h: the inner loop specialised per layer). A padded tap is written as
 * the input's zero point: with the offset folded into the bias (bias_full), it then contributes
 * (zero_point + offset) * w = 0, exactly as a skipped tap, so every position takes the same loop. Two
 * layouts, chosen from the shape:
 *   sliding (in_c % 4 == 0): the rows the positions read, once; position j's taps start j * stride rows on.
 *   im2col  (otherwise, e.g. the 1-channel stem): each position's `row` taps one after another.
 * On the M55 with Helium (EP_MVE) the convolution is ep_conv_mve.c's.
 * Integer arithmetic throughout, so the result is TFLite's bit for bit. */
#include "ep_add.h"
#include "ep_conv_mve.h"
#include "ep_dot.h"
#include "ep_fixedpoint.h"
#include "ep_kernels.h"

typedef ep_conv_add fused_add;

#if !defined(EP_DSP) && !defined(EP_MVE)
/* TFLite's reference arithmetic for one output value: the convolution's int8 result, or the fused ADD of
 * it and the residual at *dst. */
static inline void store(const ep_conv_params *p, const fused_add *f, int32_t acc, int32_t mult, int32_t shift,
                         int8_t *dst) {
  const int32_t v = ep_clamp(ep_multiply_by_quantized_multiplier(acc, mult, shift) + p->output_offset, p->act_min,
                             p->act_max);
  *dst = f->add ? ep_add_element(f->add, v, *dst) : (int8_t)v;
}
#endif

int32_t ep_conv_scratch_len(const ep_conv_params *p) {
  if (p->in_c % 4 == 0) return ((p->span - 1) * p->stride + p->kernel) * p->in_c;
  return p->span * p->row;
}

#ifdef EP_DSP
/* n int8 (n % 4 == 0) into int16 in SXTB16 order: each word's bytes 0 and 2, then 1 and 3. */
static void widen(const int8_t *src, int16_t *dst, int32_t n) {
  uint32_t *d = (uint32_t *)(void *)dst;
  for (int32_t i = n >> 2; i > 0; --i) {
    const uint32_t w = ep_load4(&src);
    *d++ = (uint32_t)__sxtb16((int8x4_t)w);
    *d++ = (uint32_t)ep_sxtb16_ror8(w);
  }
}

static void fill(int16_t *dst, int32_t n, int16_t value) {
  for (int32_t i = 0; i < n; ++i) dst[i] = value;
}

/* The scratch copy for output positions ox .. ox + span - 1; returns the distance, in int16, from one
 * position's taps to the next's. Rows outside the input hold the zero point. */
static int32_t gather(const ep_conv_params *p, const int8_t *input, int16_t *scratch, int32_t ox) {
  const int16_t zp = (int16_t)-p->input_offset;
  const int32_t first = ox * p->stride - p->pad_left;
  if (p->in_c % 4 == 0) {
    const int32_t rows = (p->span - 1) * p->stride + p->kernel;
    for (int32_t r = 0; r < rows; ++r) {
      const int32_t at = first + r;
      if (at >= 0 && at < p->in_w) widen(input + at * p->in_c, scratch + r * p->in_c, p->in_c);
      else fill(scratch + r * p->in_c, p->in_c, zp);
    }
    return p->stride * p->in_c;
  }
  static const uint8_t order[4] = {0, 2, 1, 3}; /* where byte b of a word lands after SXTB16 */
  for (int32_t j = 0; j < p->span; ++j) {
    int16_t *col = scratch + j * p->row;
    const int32_t start = first + j * p->stride;
    int32_t t = 0;
    for (int32_t k = 0; k < p->kernel; ++k) {
      const int32_t at = start + k;
      const int inside = at >= 0 && at < p->in_w;
      for (int32_t c = 0; c < p->in_c; ++c, ++t) col[(t & ~3) | order[t & 3]] = inside ? input[at * p->in_c + c] : zp;
    }
    for (; t < p->row; ++t) col[(t & ~3) | order[t & 3]] = zp; /* against zero weights */
  }
  return p->row;
}

/* The general inner loop, for a layer without its own (ep_conv_dot.h): a[j] = sum over `words` weight
 * words of x_j (int16, SXTB16 order) . w, for three positions x0, x1, x2, each through its own pointer:
 * per word, one load and two unpacks of the weights, three LDRDs and six SMLADs (12 MACs); unrolled
 * twice. Registers are allocated by hand: GCC spilled the C version's twelve live values. */
static inline void dot3(const int16_t *x0, const int16_t *x1, const int16_t *x2, const int8_t *w, int32_t words,
                        int32_t a[3]) {
  int32_t a0 = a[0], a1 = a[1], a2 = a[2];
  uint32_t wv, wb, xa, xb;
#define EP_DOT3_STEP                                  \
  "ldr    %[wv], [%[w]], #4\n\t"                      \
  "ldrd   %[xa], %[xb], [%[x0]], #8\n\t"              \
  "sxtb16 %[wb], %[wv], ror #8\n\t"                   \
  "sxtb16 %[wv], %[wv]\n\t"                           \
  "smlad  %[a0], %[xa], %[wv], %[a0]\n\t"             \
  "smlad  %[a0], %[xb], %[wb], %[a0]\n\t"             \
  "ldrd   %[xa], %[xb], [%[x1]], #8\n\t"              \
  "smlad  %[a1], %[xa], %[wv], %[a1]\n\t"             \
  "smlad  %[a1], %[xb], %[wb], %[a1]\n\t"             \
  "ldrd   %[xa], %[xb], [%[x2]], #8\n\t"              \
  "smlad  %[a2], %[xa], %[wv], %[a2]\n\t"             \
  "smlad  %[a2], %[xb], %[wb], %[a2]\n\t"
  __asm__ volatile(
      "tst    %[n], #1\n\t"
      "beq    1f\n\t" EP_DOT3_STEP
      "1:\n\t"
      "lsrs   %[n], %[n], #1\n\t"
      "beq    3f\n"
      "2:\n\t" EP_DOT3_STEP EP_DOT3_STEP
      "subs   %[n], %[n], #1\n\t"
      "bne    2b\n"
      "3:"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [wv] "=&r"(wv), [wb] "=&r"(wb), [xa] "=&r"(xa),
        [xb] "=&r"(xb), [x0] "+r"(x0), [x1] "+r"(x1), [x2] "+r"(x2), [w] "+r"(w), [n] "+r"(words)
      :
      : "cc", "memory");
#undef EP_DOT3_STEP
  a[0] = a0;
  a[1] = a1;
  a[2] = a2;
}

/* store()'s values for n positions of one channel, `stride` bytes apart, with the requantisation
 * constants made once per channel (ep_requant) and the fused ADD's fast form (ep_add.h); one loop each,
 * so neither carries the other's registers. */
static inline void store_fast(const ep_conv_params *p, const fused_add *f, const ep_requant *add_out,
                              const ep_requant *q, const int32_t *acc, int32_t n, int8_t *dst, int32_t stride) {
  const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max;
  if (!f->add) {
    for (int32_t i = 0; i < n; ++i, dst += stride) *dst = (int8_t)ep_clamp(ep_requant_apply(q, acc[i]) + offset, lo, hi);
    return;
  }
  const ep_add_params a = *f->add; /* a local copy: the int8 stores could alias the original's fields */
  for (int32_t i = 0; i < n; ++i, dst += stride) {
    const int32_t v = ep_clamp(ep_requant_apply(q, acc[i]) + offset, lo, hi);
    *dst = ep_add_element_fast(&a, f->table1, f->table2, add_out, v, *dst);
  }
}

/* One position: acc + x . w over `words` weight words. */
static inline int32_t dot1(const int16_t *x, const int8_t *w, int32_t words, int32_t acc) {
  const uint32_t *xp = (const uint32_t *)(const void *)x;
  for (; words > 0; --words, xp += 2) {
    const uint32_t wv = ep_load4(&w);
    acc = __smlad((int16x2_t)xp[0], __sxtb16((int8x4_t)wv), acc);
    acc = __smlad((int16x2_t)xp[1], ep_sxtb16_ror8(wv), acc);
  }
  return acc;
}

/* span positions are gathered at once; then, channel by channel (its constants made once), six
 * positions per pass: the layer's own inner loop (p->dot), or two of the general one. */
static void conv_dsp(const ep_conv_params *p, const fused_add *f, const int8_t *input, const int8_t *filter,
                     const int32_t *bias_full, const int32_t *mult, const int32_t *shift, int16_t *scratch,
                     int8_t *output) {
  const int32_t words = p->row >> 2, out_c = p->out_c;
  const ep_requant add_out = f->add ? ep_requant_of(f->add->out_mult, f->add->out_shift) : ep_requant_of(0, 0);
  for (int32_t ox = 0; ox < p->out_w; ox += p->span) {
    const int32_t step = gather(p, input, scratch, ox);
    /* positions past the end read zero-point rows and are computed, not stored */
    const int32_t count = p->out_w - ox < p->span ? p->out_w - ox : p->span;
    for (int32_t oc = 0; oc < out_c; ++oc) {
      const ep_requant q = ep_requant_of(mult[oc], shift[oc]);
      const int8_t *w = filter + oc * p->row;
      int8_t *out = output + ox * out_c + oc;
      const int16_t *x = scratch;
      for (int32_t j = 0; j < count; j += EP_CONV_POSITIONS, x += EP_CONV_POSITIONS * step) {
        const int32_t b = bias_full[oc];
        int32_t a[EP_CONV_POSITIONS] = {b, b, b, b, b, b};
        const int32_t n = count - j < EP_CONV_POSITIONS ? count - j : EP_CONV_POSITIONS;
        if (n == 1) { /* a layer of one position (the head), or the last of a length */
          a[0] = dot1(x, w, words, a[0]);
        } else if (n <= 3) {
          dot3(x, x + step, x + 2 * step, w, words, a);
        } else if (p->dot) {
          p->dot(x, w, words, a);
        } else {
          dot3(x, x + step, x + 2 * step, w, words, a);
          dot3(x + 3 * step, x + 4 * step, x + 5 * step, w, words, a + 3);
        }
        store_fast(p, f, &add_out, &q, a, n, out + j * out_c, out_c);
      }
    }
  }
}

#elif !defined(EP_MVE)
/* The model's bias: bias_full less the folded input offset (only bias_full is stored: flash); integer
 * arithmetic, wrapping as the generator's, so it is the model's bias exactly. */
static int32_t model_bias(const ep_conv_params *p, const int8_t *w, int32_t bias_full) {
  uint32_t bias = (uint32_t)bias_full;
  for (int32_t i = 0; i < p->row; ++i) bias -= (uint32_t)(p->input_offset * w[i]);
  return (int32_t)bias;
}

/* Four rows' dot products with the same n inputs (the input offset added per element): each input
 * element is read once for four output channels. */
static void dot4_plain(const int8_t *x, const int8_t *w, int32_t row, int32_t n, int32_t offset, int32_t acc[4]) {
  const int8_t *w0 = w, *w1 = w + row, *w2 = w + 2 * row, *w3 = w + 3 * row;
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  for (int32_t i = 0; i < n; ++i) {
    const int32_t xv = x[i] + offset;
    a0 += w0[i] * xv;
    a1 += w1[i] * xv;
    a2 += w2[i] * xv;
    a3 += w3[i] * xv;
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

/* TFLite's reference arithmetic: each position's valid taps only, four output channels at a time. */
static void conv_plain(const ep_conv_params *p, const fused_add *f, const int8_t *input, const int8_t *filter,
                       const int32_t *bias_full, const int32_t *mult, const int32_t *shift, int8_t *output) {
  for (int32_t oc0 = 0; oc0 < p->out_c; oc0 += 4) {
    const int32_t channels = p->out_c - oc0 < 4 ? p->out_c - oc0 : 4;
    int32_t bias[4] = {0, 0, 0, 0};
    for (int32_t c = 0; c < channels; ++c) bias[c] = model_bias(p, filter + (oc0 + c) * p->row, bias_full[oc0 + c]);
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t start = ox * p->stride - p->pad_left;
      const int32_t k0 = start < 0 ? -start : 0;
      const int32_t k1 = start + p->kernel > p->in_w ? p->in_w - start : p->kernel;
      const int32_t n = k1 > k0 ? (k1 - k0) * p->in_c : 0;
      const int8_t *x = input + (start + k0) * p->in_c, *w = filter + oc0 * p->row + k0 * p->in_c;
      int32_t acc[4] = {bias[0], bias[1], bias[2], bias[3]};
      if (channels == 4) {
        dot4_plain(x, w, p->row, n, p->input_offset, acc);
      } else {
        for (int32_t c = 0; c < channels; ++c) acc[c] += ep_dot_s8(x, w + c * p->row, n, p->input_offset);
      }
      for (int32_t c = 0; c < channels; ++c)
        store(p, f, acc[c], mult[oc0 + c], shift[oc0 + c], output + ox * p->out_c + oc0 + c);
    }
  }
}
#endif

static void conv(const ep_conv_params *p, const fused_add *f, const int8_t *input, const int8_t *filter,
                 const int32_t *bias_full, const int32_t *mult, const int32_t *shift, int16_t *scratch,
                 int8_t *output) {
#if defined(EP_DSP)
  conv_dsp(p, f, input, filter, bias_full, mult, shift, scratch, output);
#elif defined(EP_MVE)
  ep_conv1d_mve(p, f, input, filter, bias_full, mult, shift, scratch, output);
#else
  (void)scratch;
  conv_plain(p, f, input, filter, bias_full, mult, shift, output);
#endif
}

void ep_conv1d_s8(const ep_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *bias_full,
                  const int32_t *mult, const int32_t *shift, int16_t *scratch, int8_t *output) {
  const fused_add none = {0, 0, 0};
  conv(p, &none, input, filter, bias_full, mult, shift, scratch, output);
}

void ep_conv1d_add_s8(const ep_conv_add_params *p, const int8_t *input, const int8_t *residual, const int8_t *filter,
                      const int32_t *bias_full, const int32_t *mult, const int32_t *shift, const int32_t *table1,
                      const int32_t *table2, int16_t *scratch, int8_t *output) {
  (void)residual; /* the same buffer as output: each sum is written over the residual element it read */
  const fused_add add = {&p->add, table1, table2};
  conv(&p->conv, &add, input, filter, bias_full, mult, shift, scratch, output);
}

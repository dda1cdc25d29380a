/* CONV_2D with a 1 x k filter, int8 in and out, int32 bias, per-channel requantisation: TFLite's
 * reference ConvPerChannel for batch 1 and height 1. Padded positions are skipped, which is what
 * TFLite's reference does (they would contribute (zero_point + offset) * w = 0). For each output
 * position the valid taps [k0, k1) read one contiguous run of (k1 - k0) * in_c inputs, and the
 * filter row for those taps is contiguous too, so the inner loop is a dot product, taken for four
 * output channels at a time.
 *
 * On the M4 (EP_DSP), positions whose taps are all inside the input take a faster path: two
 * positions x two output channels per pass, so each unpacked input pair feeds two
 * SMLADs and each unpacked weight pair two; and the input offset is not added per element but folded
 * into the bias once, at code generation (bias_full = bias + offset * sum of the channel's weights;
 * integer arithmetic, so the result is the same bit for bit). */
#include "ep_dot.h"
#include "ep_fixedpoint.h"
#include "ep_kernels.h"

static inline int8_t requantize(const ep_conv_params *p, int32_t acc, const int32_t *bias, const int32_t *mult,
                               const int32_t *shift, int32_t oc) {
  acc = ep_multiply_by_quantized_multiplier(acc + bias[oc], mult[oc], shift[oc]) + p->output_offset;
  return (int8_t)ep_clamp(acc, p->act_min, p->act_max);
}

#ifdef EP_DSP
/* acc[pos][ch] for positions x0, x1 and filter rows w0, w1 over n inputs, no offset. */
static inline void dot_2x2(const int8_t *x0, const int8_t *x1, const int8_t *w0, const int8_t *w1, int32_t n,
                           int32_t acc[4]) {
  int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
  for (int32_t j = n >> 2; j > 0; --j) {
    const uint32_t xa = ep_load4(&x0), xb = ep_load4(&x1);
    const int16x2_t xa02 = __sxtb16((int8x4_t)xa), xa13 = ep_sxtb16_ror8(xa);
    const int16x2_t xb02 = __sxtb16((int8x4_t)xb), xb13 = ep_sxtb16_ror8(xb);
    uint32_t ww = ep_load4(&w0);
    int16x2_t w02 = __sxtb16((int8x4_t)ww), w13 = ep_sxtb16_ror8(ww);
    a00 = __smlad(xa13, w13, __smlad(xa02, w02, a00));
    a10 = __smlad(xb13, w13, __smlad(xb02, w02, a10));
    ww = ep_load4(&w1);
    w02 = __sxtb16((int8x4_t)ww);
    w13 = ep_sxtb16_ror8(ww);
    a01 = __smlad(xa13, w13, __smlad(xa02, w02, a01));
    a11 = __smlad(xb13, w13, __smlad(xb02, w02, a11));
  }
  for (int32_t j = n & 3; j > 0; --j) { /* a row that is not a multiple of 4 (the stem: in_c = 1) */
    const int32_t xa = *x0++, xb = *x1++, wa = *w0++, wb = *w1++;
    a00 += xa * wa;
    a01 += xa * wb;
    a10 += xb * wa;
    a11 += xb * wb;
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

/* Output positions ox and ox + 1, all taps inside the input, every channel pair. */
static void pair_of_positions(const ep_conv_params *p, const int8_t *input, const int8_t *filter,
                              const int32_t *bias_full, const int32_t *mult, const int32_t *shift, int8_t *output,
                              int32_t ox) {
  const int32_t n = p->kernel * p->in_c;
  const int8_t *x0 = input + (ox * p->stride - p->pad_left) * p->in_c, *x1 = x0 + p->stride * p->in_c;
  int8_t *out0 = output + ox * p->out_c, *out1 = out0 + p->out_c;
  int32_t acc[4];
  int32_t oc = 0;
  for (; oc + 2 <= p->out_c; oc += 2) {
    dot_2x2(x0, x1, filter + oc * n, filter + (oc + 1) * n, n, acc);
    out0[oc] = requantize(p, acc[0], bias_full, mult, shift, oc);
    out0[oc + 1] = requantize(p, acc[1], bias_full, mult, shift, oc + 1);
    out1[oc] = requantize(p, acc[2], bias_full, mult, shift, oc);
    out1[oc + 1] = requantize(p, acc[3], bias_full, mult, shift, oc + 1);
  }
  if (oc < p->out_c) {
    out0[oc] = requantize(p, ep_dot_s8(x0, filter + oc * n, n, 0), bias_full, mult, shift, oc);
    out1[oc] = requantize(p, ep_dot_s8(x1, filter + oc * n, n, 0), bias_full, mult, shift, oc);
  }
}
#endif

/* Is every tap of output position ox inside the input? */
static inline int interior(const ep_conv_params *p, int32_t ox) {
  const int32_t start = ox * p->stride - p->pad_left;
  return start >= 0 && start + p->kernel <= p->in_w;
}

void ep_conv1d_s8(const ep_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                  const int32_t *bias_full, const int32_t *mult, const int32_t *shift, int8_t *output) {
  const int32_t row = p->kernel * p->in_c;
  for (int32_t ox = 0; ox < p->out_w; ++ox) {
#ifdef EP_DSP
    if (ox + 1 < p->out_w && interior(p, ox) && interior(p, ox + 1)) {
      pair_of_positions(p, input, filter, bias_full, mult, shift, output, ox);
      ++ox;
      continue;
    }
#else
    (void)bias_full;
    (void)interior;
#endif
    const int32_t start = ox * p->stride - p->pad_left;
    int32_t k0 = start < 0 ? -start : 0;
    int32_t k1 = p->kernel;
    if (start + k1 > p->in_w) k1 = p->in_w - start;
    if (k1 < k0) k1 = k0;
    const int32_t n = (k1 - k0) * p->in_c;
    const int8_t *x = input + (start + k0) * p->in_c;
    int8_t *out = output + ox * p->out_c;
    int32_t acc[4];
    int32_t oc = 0;
    for (; oc + 4 <= p->out_c; oc += 4) {
      ep_dot4_s8(x, filter + oc * row + k0 * p->in_c, row, n, p->input_offset, acc);
      for (int32_t j = 0; j < 4; ++j) out[oc + j] = requantize(p, acc[j], bias, mult, shift, oc + j);
    }
    for (; oc < p->out_c; ++oc)
      out[oc] = requantize(p, ep_dot_s8(x, filter + oc * row + k0 * p->in_c, n, p->input_offset), bias, mult, shift, oc);
  }
}

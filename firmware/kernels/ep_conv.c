/* CONV_2D with a 1 x k filter, int8 in and out, int32 bias, per-channel requantisation: TFLite's
 * reference ConvPerChannel for batch 1 and height 1. Padded positions are skipped, which is what
 * TFLite's reference does (they would contribute (zero_point + offset) * w = 0). For each output
 * position the valid taps [k0, k1) read one contiguous run of (k1 - k0) * in_c inputs, and the
 * filter row for those taps is contiguous too, so the inner loop is a dot product, taken for four
 * output channels at a time. */
#include "ep_dot.h"
#include "ep_fixedpoint.h"
#include "ep_kernels.h"

static inline int8_t requantize(const ep_conv_params *p, int32_t acc, const int32_t *bias, const int32_t *mult,
                               const int32_t *shift, int32_t oc) {
  acc = ep_multiply_by_quantized_multiplier(acc + bias[oc], mult[oc], shift[oc]) + p->output_offset;
  return (int8_t)ep_clamp(acc, p->act_min, p->act_max);
}

void ep_conv1d_s8(const ep_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                  const int32_t *mult, const int32_t *shift, int8_t *output) {
  const int32_t row = p->kernel * p->in_c;
  for (int32_t ox = 0; ox < p->out_w; ++ox) {
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

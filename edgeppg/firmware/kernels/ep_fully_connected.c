/* FULLY_CONNECTED, int8: TFLite's integer FullyConnected (symmetric weights), with one multiplier and
 * shift per output feature (a per-tensor model repeats them), requantised with single rounding as
 * TFLite's interpreter does for this op (see ep_fixedpoint.h). */
#include "ep_dot.h"
#include "ep_fixedpoint.h"
#include "ep_kernels.h"

void ep_fully_connected_s8(const ep_fc_params *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, int8_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *x = input + b * p->in_features;
    for (int32_t o = 0; o < p->out_features; ++o) {
      int32_t acc = ep_dot_s8(x, weights + o * p->in_features, p->in_features, p->input_offset) + bias[o];
      acc = ep_multiply_by_quantized_multiplier_single(acc, mult[o], shift[o]) + p->output_offset;
      output[b * p->out_features + o] = (int8_t)ep_clamp(acc, p->act_min, p->act_max);
    }
  }
}

/* MEAN over the middle axis of [outer][length][inner], int8: TFLite's reference QuantizedMeanOrSum.
 * The int32 sum minus length * zero point is requantised with a multiplier that already divides by
 * the length (computed by the generator exactly as TFLite computes it). With Helium, four channels at a time. */
#include "ep_fixedpoint.h"
#include "ep_kernels.h"

void ep_mean_s8(const ep_mean_params *p, const int8_t *input, int8_t *output) {
#ifdef EP_MVE /* Helium: four channels' sums at a time, requantised as a vector */
  const int32x4_t mult = vdupq_n_s32(p->mult), shift = vdupq_n_s32(p->shift);
  const int32_t bias = -p->input_zp * p->length;
  for (int32_t o = 0; o < p->outer; ++o) {
    for (int32_t c = 0; c < p->inner; c += 4) {
      const mve_pred16_t k = vctp32q((uint32_t)(p->inner - c));
      const int8_t *x = input + o * p->length * p->inner + c;
      int32x4_t sum = vdupq_n_s32(bias);
      for (int32_t i = 0; i < p->length; ++i) sum = vaddq_s32(sum, vldrbq_z_s32(x + i * p->inner, k));
      const int32x4_t v = vaddq_n_s32(ep_requant4(sum, mult, shift), p->output_zp);
      vstrbq_p_s32(output + o * p->inner + c, ep_clamp4(v, -128, 127), k);
    }
  }
#else
  for (int32_t o = 0; o < p->outer; ++o) {
    for (int32_t c = 0; c < p->inner; ++c) {
      int32_t sum = 0;
      const int8_t *x = input + o * p->length * p->inner + c;
      for (int32_t i = 0; i < p->length; ++i) sum += x[i * p->inner];
      sum -= p->input_zp * p->length;
      const int32_t out = ep_multiply_by_quantized_multiplier(sum, p->mult, p->shift) + p->output_zp;
      output[o * p->inner + c] = (int8_t)ep_clamp(out, -128, 127);
    }
  }
#endif
}

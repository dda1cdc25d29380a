/* ADD, int8, same shapes: TFLite's reference AddElementwise. Both inputs are rescaled to a common
 * scale with 20 bits of headroom (left_shift), added, and requantised to the output.
 *
 * An input's rescaling depends on its int8 value alone, so the generator tabulates it for all 256
 * values (table1, table2) and the optimised path looks it up: two of the three fixed-point multiplies
 * per element go. The plain C path (EP_PLAIN_C) computes them, as the reference. */
#include "ep_fixedpoint.h"
#include "ep_kernels.h"

void ep_add_s8(const ep_add_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table1,
               const int32_t *table2, int8_t *output) {
  for (int32_t i = 0; i < p->size; ++i) {
#ifdef EP_PLAIN_C
    (void)table1;
    (void)table2;
    const int32_t a = (in1[i] + p->in1_offset) * (1 << p->left_shift);
    const int32_t b = (in2[i] + p->in2_offset) * (1 << p->left_shift);
    const int32_t sum = ep_multiply_smaller_than_one(a, p->in1_mult, p->in1_shift) +
                        ep_multiply_smaller_than_one(b, p->in2_mult, p->in2_shift);
#else
    const int32_t sum = table1[in1[i] + 128] + table2[in2[i] + 128];
#endif
    const int32_t out = ep_multiply_smaller_than_one(sum, p->out_mult, p->out_shift) + p->out_offset;
    output[i] = (int8_t)ep_clamp(out, p->act_min, p->act_max);
  }
}

/* One element of ADD, int8: TFLite's reference AddElementwise arithmetic, shared by the ADD kernel and
 * the convolution with a fused ADD, so the two cannot drift apart. */
#ifndef EP_ADD_H
#define EP_ADD_H
#include <stdint.h>

#include "ep_fixedpoint.h"
#include "ep_kernels.h"

/* The reference: both inputs rescaled to a common scale with 20 bits of headroom (left_shift), added,
 * and requantised to the output. */
static inline int8_t ep_add_element(const ep_add_params *p, int32_t a, int32_t b) {
  const int32_t x = (a + p->in1_offset) * (1 << p->left_shift), y = (b + p->in2_offset) * (1 << p->left_shift);
  const int32_t sum = ep_multiply_smaller_than_one(x, p->in1_mult, p->in1_shift) +
                      ep_multiply_smaller_than_one(y, p->in2_mult, p->in2_shift);
  return (int8_t)ep_clamp(ep_multiply_smaller_than_one(sum, p->out_mult, p->out_shift) + p->out_offset, p->act_min,
                          p->act_max);
}

/* The same value faster: an input's rescaling depends on its int8 value alone, so the generator tabulates
 * it for all 256 values (table1, table2, index q + 128); the output's requantisation constants are made
 * once by the caller (out = ep_requant_of(out_mult, out_shift)). */
static inline int8_t ep_add_element_fast(const ep_add_params *p, const int32_t *table1, const int32_t *table2,
                                         const ep_requant *out, int32_t a, int32_t b) {
  return (int8_t)ep_clamp(ep_requant_apply(out, table1[a + 128] + table2[b + 128]) + p->out_offset, p->act_min,
                          p->act_max);
}

#ifdef EP_MVE
/* ep_add_element_fast on four lanes (Helium): the tables read with gather loads. */
static inline int32x4_t ep_add4(const ep_add_params *p, const int32_t *table1, const int32_t *table2, int32x4_t a,
                                int32x4_t b) {
  const int32x4_t sum = vaddq_s32(vldrwq_gather_shifted_offset_s32(table1, vreinterpretq_u32_s32(vaddq_n_s32(a, 128))),
                                  vldrwq_gather_shifted_offset_s32(table2, vreinterpretq_u32_s32(vaddq_n_s32(b, 128))));
  const int32x4_t v = ep_requant4(sum, vdupq_n_s32(p->out_mult), vdupq_n_s32(p->out_shift));
  return ep_clamp4(vaddq_n_s32(v, p->out_offset), p->act_min, p->act_max);
}
#endif

#endif

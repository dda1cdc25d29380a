/* ADD, int8, same shapes: TFLite's reference AddElementwise (ep_add.h). The plain C path (EP_PLAIN_C)
 * computes each input's rescaling, as the reference; the optimised path looks it up in the generator's
 * tables, two of the three fixed-point multiplies per element fewer; with Helium, four elements at a time. */
#include "ep_add.h"
#include "ep_kernels.h"

void ep_add_s8(const ep_add_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table1,
               const int32_t *table2, int8_t *output) {
#ifdef EP_PLAIN_C
  (void)table1;
  (void)table2;
  for (int32_t i = 0; i < p->size; ++i) output[i] = ep_add_element(p, in1[i], in2[i]);
#elif defined(EP_MVE)
  int32_t i = 0;
  for (; i + 4 <= p->size; i += 4)
    vstrbq_s32(output + i, ep_add4(p, table1, table2, vldrbq_s32(in1 + i), vldrbq_s32(in2 + i)));
  const ep_requant out = ep_requant_of(p->out_mult, p->out_shift);
  for (; i < p->size; ++i) output[i] = ep_add_element_fast(p, table1, table2, &out, in1[i], in2[i]);
#else
  const ep_requant out = ep_requant_of(p->out_mult, p->out_shift);
  for (int32_t i = 0; i < p->size; ++i) output[i] = ep_add_element_fast(p, table1, table2, &out, in1[i], in2[i]);
#endif
}

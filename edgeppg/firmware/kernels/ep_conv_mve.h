/* What ep_conv.c and its Helium path (ep_conv_mve.c) share: the fused ADD a convolution may carry, and
 * the Helium convolution itself, which exists only where EP_MVE is defined (ep_dot.h says when). */
#ifndef EP_CONV_MVE_H
#define EP_CONV_MVE_H
#include "ep_dot.h"
#include "ep_kernels.h"

typedef struct { /* the fused ADD, or add == 0 for a plain convolution */
  const ep_add_params *add;
  const int32_t *table1, *table2;
} ep_conv_add;

#ifdef EP_MVE
void ep_conv1d_mve(const ep_conv_params *p, const ep_conv_add *f, const int8_t *input, const int8_t *filter,
                   const int32_t *bias_full, const int32_t *mult, const int32_t *shift, int16_t *scratch,
                   int8_t *output);
#endif
#endif

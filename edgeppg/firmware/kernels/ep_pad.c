/* PAD along the length axis of a [L][C] tensor with a constant value (TFLite pads int8 with the output
 * zero point), and its inverse, a crop (a STRIDED_SLICE of the length axis: the streaming family's
 * shortcuts). */
#include <string.h>

#include "ep_kernels.h"

void ep_pad_s8(const ep_pad_params *p, const int8_t *input, int8_t *output) {
  const int32_t before = p->pad_before * p->channels, body = p->in_w * p->channels;
  memset(output, (int8_t)p->value, (size_t)before);
  memcpy(output + before, input, (size_t)body);
  memset(output + before + body, (int8_t)p->value, (size_t)(p->pad_after * p->channels));
}

void ep_crop_s8(const ep_crop_params *p, const int8_t *input, int8_t *output) {
  memmove(output, input + p->begin * p->channels, (size_t)(p->out_w * p->channels));
}

/* The inner loop of convolution and fully connected layers: sum of w[i] * (x[i] + offset).
 * Plain C, or on a Cortex-M4 two multiply-accumulates per SMLAD: four int8 of each operand are
 * sign-extended into two pairs of int16 (SXTB16, and SXTB16 of the word rotated by 8), the input
 * offset is added to both halves at once (SADD16), and SMLAD sums the two products. The order of the
 * additions changes, the integer result does not. */
#ifndef EP_DOT_H
#define EP_DOT_H
#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && !defined(EP_PLAIN_C)
#include <arm_acle.h>
#define EP_DSP 1
#endif

#ifdef EP_DSP
static inline uint32_t ep_ror8(uint32_t v) { return (v >> 8) | (v << 24); } /* folds into SXTB16's rotate */
#endif

static inline int32_t ep_dot_s8(const int8_t *x, const int8_t *w, int32_t n, int32_t offset) {
  int32_t acc = 0;
  int32_t i = 0;
#ifdef EP_DSP
  const int16x2_t off = (int16x2_t)(((uint32_t)(uint16_t)offset << 16) | (uint16_t)offset);
  for (; i + 4 <= n; i += 4) {
    uint32_t xw, ww;
    memcpy(&xw, x + i, 4); /* unaligned loads are fine on the M4; memcpy keeps C strict about it */
    memcpy(&ww, w + i, 4);
    const int16x2_t x02 = __sadd16(__sxtb16((int8x4_t)xw), off);
    const int16x2_t x13 = __sadd16(__sxtb16((int8x4_t)ep_ror8(xw)), off);
    acc = __smlad(x02, __sxtb16((int8x4_t)ww), acc);
    acc = __smlad(x13, __sxtb16((int8x4_t)ep_ror8(ww)), acc);
  }
#endif
  for (; i < n; ++i) acc += (int32_t)w[i] * ((int32_t)x[i] + offset);
  return acc;
}

#endif

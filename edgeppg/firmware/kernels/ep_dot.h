/* The inner loop of convolution and fully connected layers: sum of w[i] * (x[i] + offset).
 * Plain C; on a core with Helium (the M55, EP_MVE) sixteen multiply-accumulates per VMLADAVA on int8
 * lanes, the offset applied once at the end as offset * sum(w) (tail lanes predicated off, so they load
 * as zeros); or on a Cortex-M4 two multiply-accumulates per SMLAD: four int8 of each operand are
 * sign-extended into two pairs of int16 (SXTB16, and SXTB16 of the word rotated by 8), the input
 * offset is added to both halves at once (SADD16), and SMLAD sums the two products. The order of the
 * additions changes, the integer result does not. */
#ifndef EP_DOT_H
#define EP_DOT_H
#include <stdint.h>
#include <string.h>

#include "ep_isa.h"

#ifdef EP_DSP
/* Bytes 1 and 3 sign-extended to two int16: SXTB16 with its built-in rotate (GCC does not fuse a
 * separate rotate into it, and the extra instruction costs a sixth of the inner loop). */
static inline int16x2_t ep_sxtb16_ror8(uint32_t v) {
  int16x2_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}

static inline uint32_t ep_load4(const int8_t **p) {
  uint32_t v;
  memcpy(&v, *p, 4); /* unaligned loads are fine on the M4; memcpy keeps C strict about it */
  *p += 4;
  return v;
}
#endif

static inline int32_t ep_dot_s8(const int8_t *x, const int8_t *w, int32_t n, int32_t offset) {
#ifdef EP_MVE
  int32_t wx = 0, sw = 0;
  for (int32_t i = 0; i < n; i += 16) {
    const mve_pred16_t p = vctp8q((uint32_t)(n - i));
    const int8x16_t wv = vldrbq_z_s8(w + i, p);
    wx = vmladavaq_s8(wx, vldrbq_z_s8(x + i, p), wv);
    sw = vaddvaq_s8(sw, wv);
  }
  return wx + offset * sw;
#else
  int32_t acc = 0;
  int32_t i = 0;
#ifdef EP_DSP
  const int16x2_t off = (int16x2_t)(((uint32_t)(uint16_t)offset << 16) | (uint16_t)offset);
  const int8_t *xp = x, *wp = w;
  for (int32_t j = n >> 2; j > 0; --j) {
    const uint32_t xw = ep_load4(&xp), ww = ep_load4(&wp);
    acc = __smlad(__sadd16(__sxtb16((int8x4_t)xw), off), __sxtb16((int8x4_t)ww), acc);
    acc = __smlad(__sadd16(ep_sxtb16_ror8(xw), off), ep_sxtb16_ror8(ww), acc);
  }
  i = n & ~3;
#endif
  for (; i < n; ++i) acc += (int32_t)w[i] * ((int32_t)x[i] + offset);
  return acc;
#endif
}

#endif

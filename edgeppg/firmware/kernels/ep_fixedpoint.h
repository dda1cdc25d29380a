/* TFLite's integer requantisation, exactly: a saturating rounding doubling high multiply, then a
 * rounding right shift (gemmlowp's two-step rounding, TFLite's default). Every int8 kernel ends in it. */
#ifndef EP_FIXEDPOINT_H
#define EP_FIXEDPOINT_H
#include <stdint.h>

#include "ep_isa.h"

static inline int32_t ep_sat_round_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return (int32_t)((ab + nudge) / (1ll << 31)); /* C division truncates toward zero, as TFLite relies on */
}

static inline int32_t ep_rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)((1ll << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * multiplier * 2^(shift - 31), rounded as TFLite's MultiplyByQuantizedMultiplier. The left shift
 * wraps like TFLite's compiled code does, without signed-overflow undefined behaviour. */
static inline int32_t ep_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return ep_rounding_divide_by_pot(ep_sat_round_doubling_high_mul((int32_t)((uint32_t)x << left), multiplier), right);
}

/* ep_multiply_by_quantized_multiplier's value in about half the instructions, for the hot loops of the
 * M4 kernels: the constants that depend only on (multiplier, shift) are made once (ep_requant_of), and
 *  - the doubling high multiply is floor((x * m + 2^30) / 2^31), one 64-bit add and shift: TFLite's
 *    (ab + nudge) / 2^31, truncated toward zero with nudge = ab >= 0 ? 2^30 : 1 - 2^30, is that for
 *    every product (for ab < 0, truncating up is flooring after adding 2^31 - 1); only m = INT32_MIN,
 *    which saturates and which TFLite never produces (its multipliers lie in [0, 2^31)), differs;
 *  - the rounding shift compares the dropped bits with mask / 2, plus one for a negative value, as the
 *    reference does, the sign entering as x >> 31 instead of a branch.
 * tests/test_firmware.py holds it to the reference on ties, extremes and random values. */
typedef struct {
  int32_t mult, left, right, mask, half;
} ep_requant;

static inline ep_requant ep_requant_of(int32_t multiplier, int32_t shift) {
  const int32_t right = shift > 0 ? 0 : -shift;
  const int32_t mask = (int32_t)((1ll << right) - 1);
  const ep_requant q = {multiplier, shift > 0 ? shift : 0, right, mask, mask >> 1};
  return q;
}

static inline int32_t ep_requant_apply(const ep_requant *q, int32_t x) {
  const int64_t ab = (int64_t)(int32_t)((uint32_t)x << q->left) * q->mult;
  const int32_t high = (int32_t)((ab + (1ll << 30)) >> 31);
  return (high >> q->right) + ((high & q->mask) > q->half - (high >> 31));
}

#ifdef EP_MVE
/* ep_multiply_by_quantized_multiplier on four lanes (Helium), each with its own multiplier and shift:
 * x * 2^left wrapping, then VQRDMULH, which is floor((x * m + 2^30) / 2^31), the doubling high multiply
 * above for every multiplier TFLite makes; then the rounding right shift, rounding half away from zero as
 * ep_rounding_divide_by_pot: a negative lane is lowered by one (the sign of x & -right), then VRSHL
 * rounds half up. */
static inline int32x4_t ep_requant4(int32x4_t x, int32x4_t multiplier, int32x4_t shift) {
  const int32x4_t zero = vdupq_n_s32(0), neg_right = vminq_s32(shift, zero);
  x = vqrdmulhq_s32(vshlq_s32(x, vmaxq_s32(shift, zero)), multiplier);
  x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, neg_right), 31));
  return vrshlq_s32(x, neg_right);
}

static inline int32x4_t ep_clamp4(int32x4_t v, int32_t lo, int32_t hi) {
  return vminq_s32(vmaxq_s32(v, vdupq_n_s32(lo)), vdupq_n_s32(hi));
}
#endif

/* TFLite's MultiplyByQuantizedMultiplierSmallerThanOneExp (ADD uses it): shift <= 0. */
static inline int32_t ep_multiply_smaller_than_one(int32_t x, int32_t multiplier, int32_t shift) {
  return ep_rounding_divide_by_pot(ep_sat_round_doubling_high_mul(x, multiplier), -shift);
}

/* The single-rounding form: (x * multiplier + half) >> (31 - shift) in 64 bits. TFLite's int8
 * FULLY_CONNECTED rounds this way (measured against its reference kernels: every per-channel case
 * agrees with it and disagrees with the two-step form), while TFLite Micro's uses the two-step form;
 * that difference is tensorflow/tensorflow#66358. edgeppg's exported models avoid FULLY_CONNECTED. */
static inline int32_t ep_multiply_by_quantized_multiplier_single(int32_t x, int32_t multiplier, int32_t shift) {
  const int total = 31 - shift;
  return (int32_t)(((int64_t)x * multiplier + ((int64_t)1 << (total - 1))) >> total);
}

static inline int32_t ep_clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

#endif

/* TFLite's integer requantisation, exactly: a saturating rounding doubling high multiply, then a
 * rounding right shift (gemmlowp's two-step rounding, TFLite's default). Every int8 kernel ends in it. */
#ifndef EP_FIXEDPOINT_H
#define EP_FIXEDPOINT_H
#include <stdint.h>

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

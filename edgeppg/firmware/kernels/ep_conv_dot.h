/* The convolution's inner loop specialised for one layer, which only an ahead-of-time generator can do:
 * the distance between two output positions' taps in the scratch copy (STEP int16) is known when the C
 * is written, so all EP_CONV_POSITIONS (6) positions are read through one pointer with immediate offsets.
 * That frees the registers a pointer per position would take: per weight word one load and two unpacks,
 * six LDRDs and twelve SMLADs (24 MACs), loop unrolled twice, about 0.92 instructions per MAC.
 *
 * The generated ep_model.c says EP_CONV_DOT_DEFINE(STEP) once for each STEP its layers use and puts
 * EP_CONV_DOT(STEP) in their parameters; without the DSP instructions both come to nothing and the
 * kernel takes its general path. LDRD's offset reaches 1020 bytes either way from the pointer, which sits
 * at the fourth position, so STEP <= EP_CONV_DOT_MAX_STEP (edgeppg.codegen.lower.CONV_DOT_MAX_STEP;
 * larger steps take the general path too). */
#ifndef EP_CONV_DOT_H
#define EP_CONV_DOT_H
#include <stdint.h>

#include "ep_dot.h"
#include "ep_kernels.h"

#define EP_CONV_DOT_MAX_STEP 168

#ifdef EP_DSP
/* One weight word against six positions through one pointer, x, at column 3: column j's word is
 * 2 * (j - 3) * S bytes from column 3's, which the first LDRD has already passed by 8. */
#define EP_CONV_DOT_WORD(S)                              \
  "ldr    %[wv], [%[w]], #4\n\t"                         \
  "ldrd   %[xa], %[xb], [%[x]], #8\n\t"                  \
  "sxtb16 %[wb], %[wv], ror #8\n\t"                      \
  "sxtb16 %[wv], %[wv]\n\t"                              \
  "smlad  %[a3], %[xa], %[wv], %[a3]\n\t"                \
  "smlad  %[a3], %[xb], %[wb], %[a3]\n\t"                \
  "ldrd   %[xa], %[xb], [%[x], #(-6*" #S "-8)]\n\t"      \
  "smlad  %[a0], %[xa], %[wv], %[a0]\n\t"                \
  "smlad  %[a0], %[xb], %[wb], %[a0]\n\t"                \
  "ldrd   %[xa], %[xb], [%[x], #(-4*" #S "-8)]\n\t"      \
  "smlad  %[a1], %[xa], %[wv], %[a1]\n\t"                \
  "smlad  %[a1], %[xb], %[wb], %[a1]\n\t"                \
  "ldrd   %[xa], %[xb], [%[x], #(-2*" #S "-8)]\n\t"      \
  "smlad  %[a2], %[xa], %[wv], %[a2]\n\t"                \
  "smlad  %[a2], %[xb], %[wb], %[a2]\n\t"                \
  "ldrd   %[xa], %[xb], [%[x], #(2*" #S "-8)]\n\t"       \
  "smlad  %[a4], %[xa], %[wv], %[a4]\n\t"                \
  "smlad  %[a4], %[xb], %[wb], %[a4]\n\t"                \
  "ldrd   %[xa], %[xb], [%[x], #(4*" #S "-8)]\n\t"       \
  "smlad  %[a5], %[xa], %[wv], %[a5]\n\t"                \
  "smlad  %[a5], %[xb], %[wb], %[a5]\n\t"

#define EP_CONV_DOT_DEFINE(S)                                                                                 \
  _Static_assert((S) % 2 == 0 && (S) <= EP_CONV_DOT_MAX_STEP, "LDRD reaches 1020 bytes, word-aligned");        \
  static void ep_conv_dot_##S(const int16_t *x, const int8_t *w, int32_t words, int32_t *a) {                  \
    int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5];                                  \
    uint32_t wv, wb, xa, xb;                                                                                   \
    x += 3 * (S);                                                                                              \
    __asm__ volatile("tst    %[n], #1\n\t"                                                                     \
                     "beq    1f\n\t" EP_CONV_DOT_WORD(S) "1:\n\t"                                              \
                     "lsrs   %[n], %[n], #1\n\t"                                                               \
                     "beq    3f\n"                                                                             \
                     "2:\n\t" EP_CONV_DOT_WORD(S) EP_CONV_DOT_WORD(S) "subs   %[n], %[n], #1\n\t"              \
                     "bne    2b\n"                                                                             \
                     "3:"                                                                                      \
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4), [a5] "+r"(a5), \
                       [wv] "=&r"(wv), [wb] "=&r"(wb), [xa] "=&r"(xa), [xb] "=&r"(xb), [x] "+r"(x), [w] "+r"(w), \
                       [n] "+r"(words)                                                                         \
                     :                                                                                         \
                     : "cc", "memory");                                                                        \
    a[0] = a0;                                                                                                 \
    a[1] = a1;                                                                                                 \
    a[2] = a2;                                                                                                 \
    a[3] = a3;                                                                                                 \
    a[4] = a4;                                                                                                 \
    a[5] = a5;                                                                                                 \
  }
#define EP_CONV_DOT(S) ep_conv_dot_##S
#else
#define EP_CONV_DOT_DEFINE(S)
#define EP_CONV_DOT(S) 0
#endif

#endif

/* Which instructions the kernels' fast paths use, decided once from the compiler's target: Helium (MVE,
 * the M55: EP_MVE), else the DSP extension (SMLAD, the M4, M7 and M33: EP_DSP), else neither (the M0 and
 * M3, and the host: the plain C reference). EP_PLAIN_C forces the reference on any core. */
#ifndef EP_ISA_H
#define EP_ISA_H

#if defined(__ARM_FEATURE_MVE) && !defined(EP_PLAIN_C)
#include <arm_mve.h>
#define EP_MVE 1
#elif defined(__ARM_FEATURE_DSP) && !defined(EP_PLAIN_C)
#include <arm_acle.h>
#define EP_DSP 1
#endif

#endif

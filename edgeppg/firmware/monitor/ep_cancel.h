/* The accelerometer front end: removes from a window of PPG what the wrist's acceleration explains.
 *
 * A ridge least-squares fit, per window, of the normalised PPG on the three accelerometer axes at
 * EP_CANCEL_LAGS lags (0 .. LAGS-1 samples at 25 Hz), subtracted, then renormalised. Fitted anew in every
 * window, so a coupling that drifts with the sensor's contact is followed; gated, so a still window (the
 * spread of |acc| at most EP_CANCEL_GATE_G) keeps its pulse untouched. The host compiles this same file
 * (-ffp-contract=off on both sides) and trains on its output. Constants from the generated ep_contract.h. */
#ifndef EP_CANCEL_H
#define EP_CANCEL_H
#include <stdint.h>

#include "ep_contract.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EP_CANCEL_TERMS (3 * EP_CANCEL_LAGS)

/* ppg: a normalised window (EP_WINDOW); acc: the window's three axes in g at 25 Hz, axis-major
 * (3 x EP_WINDOW). Writes the cleaned, renormalised window to out (not ppg itself). Returns 1 when the
 * gate opened and the fit was removed, 0 when the window was copied as it was. */
int32_t ep_cancel(const float *ppg, const float *acc, float *out);

#ifdef __cplusplus
}
#endif
#endif

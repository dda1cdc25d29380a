/* The accelerometer front end: removes from a window of PPG what the wrist's acceleration explains.
 *
 * A ridge least-squares fit, per window, of the normalised PPG on the three accelerometer axes at
 * EP_CANCEL_LAGS lags (0 .. LAGS-1 samples at 25 Hz), subtracted, then renormalised. Fitted anew in every
 * window, so a coupling that drifts with the sensor's contact is followed; gated, so a still window (the
 * spread of |acc| at most EP_CANCEL_GATE_G) keeps its pulse untouched. The host compiles this same file
 * (-ffp-contract=off on both sides) and trains on its output. Constants from the generated ep_contract.h.
 *
 * The step stage (harmonics > 0): what is left is fitted once more on cosines and sines at the accelerometer's
 * dominant rate (its largest spectral peak, 30-209 BPM) and at twice it, and that fit removed too. Steps and
 * arm swing leave motion in the PPG whose rhythm the accelerometer shows but whose shape no mix of its axes
 * explains (tendons, blood pushed by the movement, a saturating coupling); a model that never sees that
 * rhythm cannot mistake it for the pulse. No libm call but sqrtf, so host and device agree bit for bit.
 *
 * Two forms. Per window (chunks NULL): the fit's sums over the window's 200 samples and a Welch-tapered scan of
 * them (180 classes x 3 axes), every window anew. Streaming (chunks given, input set ppg-acc-steps-stream):
 * the fit's sums and the spectrum are put together from the window's four 2 s chunks' shares, each computed
 * once and kept for the three windows after it; the spectrum tapered in the frequency domain by a three-term
 * cosine close to Welch's window. Its result is a function of the window alone: kept or recomputed, a chunk's
 * share is the same bits, so the host trains on windows computed one by one. */
#ifndef EP_CANCEL_H
#define EP_CANCEL_H
#include <stdint.h>

#include "ep_contract.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EP_CANCEL_TERMS (3 * EP_CANCEL_LAGS)
#define EP_CANCEL_PAIRS (EP_CANCEL_TERMS * (EP_CANCEL_TERMS + 1) / 2) /* the fit's products, each pair once */
#define EP_CANCEL_SUMS (EP_CANCEL_PAIRS + EP_CANCEL_TERMS)            /* and the regressors' own sums */
#define EP_CANCEL_CHUNKS (EP_WINDOW / EP_STRIDE)                       /* 2 s chunks per window */
#define EP_STEP_SHIFT 6                                /* the streaming taper's widest cosine, in classes */
#define EP_STEP_BINS (EP_CLASSES + 2 * EP_STEP_SHIFT) /* the classes and the taper's reach either side */

/* The streaming form's state: what the last EP_CANCEL_CHUNKS chunks of the stream add to a window's fit and
 * spectrum. A chunk's share of the fit's sums is split where its lags reach: `inner` from its samples whose
 * lags stay in it, `edge` from its first EP_CANCEL_LAGS - 1, whose lags reach into the chunk before. */
typedef struct {
  int32_t chunk[EP_CANCEL_CHUNKS];  /* the chunk (window index + place) whose spectrum a slot holds; -1: none */
  int32_t summed[EP_CANCEL_CHUNKS]; /* the chunk whose `inner` the slot holds; -1: none */
  int32_t edged[EP_CANCEL_CHUNKS];  /* the chunk whose `edge` the slot holds; -1: none */
  int32_t slot[EP_CANCEL_CHUNKS];   /* the window at hand's chunks, oldest first: their slots */
  float inner[EP_CANCEL_CHUNKS][EP_CANCEL_SUMS];  /* raw products of the lagged axes, then their sums */
  float edge[EP_CANCEL_CHUNKS][EP_CANCEL_SUMS];
  float y[EP_CANCEL_CHUNKS][3][EP_STEP_BINS][2];  /* Goertzel's output (real, imaginary) per axis and bin */
} ep_cancel_chunks;

void ep_cancel_chunks_reset(ep_cancel_chunks *chunks);

/* ppg: a normalised window (EP_WINDOW); acc: the window's three axes in g at 25 Hz (x, y, z: EP_WINDOW
 * each, where the axes' streams hold them); harmonics: of the step rate removed after the axes' fit (0: none,
 * at most 2); chunks: NULL for the per-window form, else the streaming form's state, reused for window
 * `index` of the stream (its chunks index .. index + 3; index < 0: none reused or kept). Writes the cleaned,
 * renormalised window to out (not ppg itself), and to *step_bpm (when not NULL) the step rate the step stage
 * removed, or -1 when it did not run. Returns 1 when the gate opened and the fit was removed, 0 when the window
 * was copied as it was. */
int32_t ep_cancel(const float *ppg, const float *const acc[3], int32_t harmonics, ep_cancel_chunks *chunks,
                  int32_t index, float *out, int32_t *step_bpm);

/* The accelerometer's dominant rate in BPM over a window (its three axes, g), as the step stage finds it
 * (chunks and index as for ep_cancel). */
int32_t ep_cancel_step_rate(const float *const acc[3], ep_cancel_chunks *chunks, int32_t index);

#ifdef __cplusplus
}
#endif
#endif

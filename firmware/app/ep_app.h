/* The application layer: from a raw PPG window to heart rate, with the model edgeppg generated. */
#ifndef EP_APP_H
#define EP_APP_H
#include <stdint.h>

#define EP_WINDOW 200 /* 8 s at 25 Hz */
#define EP_HR_LOW_BPM 30 /* class 0 */

typedef struct {
  int32_t argmax_bpm;          /* centre of the most likely one-BPM bin */
  float expectation_bpm;       /* softmax-weighted mean of the bin centres */
} ep_hr;

/* Per-window normalisation, (x - mean) / std, then int8 with the model's input scale and zero point
 * (x / scale rounded half away from zero, plus the zero point, clamped). Returns 0 for a flat window. */
int ep_quantize_window(const float *window, int8_t *out);
ep_hr ep_hr_from_logits(const int8_t *logits);
/* Normalise, quantise, run the model, read out. */
int ep_estimate_hr(const float *window, ep_hr *hr);

#endif

#include "ep_app.h"

#include <math.h>
#include <string.h>

#include "ep_model.h"

int ep_quantize_window(const float *window, int8_t *out) {
  float mean = 0.0f, var = 0.0f;
  for (int i = 0; i < EP_WINDOW; ++i) mean += window[i];
  mean /= EP_WINDOW;
  for (int i = 0; i < EP_WINDOW; ++i) var += (window[i] - mean) * (window[i] - mean);
  const float std = sqrtf(var / EP_WINDOW);
  if (!(std >= 1e-6f)) return 0;
  for (int i = 0; i < EP_WINDOW; ++i) {
    const float q = roundf(((window[i] - mean) / std) / EP_MODEL_INPUT_SCALE) + EP_MODEL_INPUT_ZERO_POINT;
    out[i] = (int8_t)(q < -128.0f ? -128 : (q > 127.0f ? 127 : q));
  }
  return 1;
}

ep_hr ep_hr_from_logits(const int8_t *logits) {
  int best = 0;
  for (int i = 1; i < EP_MODEL_OUTPUT_SIZE; ++i)
    if (logits[i] > logits[best]) best = i; /* first maximum, as numpy's argmax */
  float total = 0.0f, weighted = 0.0f;
  for (int i = 0; i < EP_MODEL_OUTPUT_SIZE; ++i) {
    const float p = expf((float)(logits[i] - logits[best]) * EP_MODEL_OUTPUT_SCALE);
    total += p;
    weighted += p * (float)(i + EP_HR_LOW_BPM);
  }
  ep_hr hr = {best + EP_HR_LOW_BPM, weighted / total};
  return hr;
}

int ep_estimate_hr(const float *window, ep_hr *hr) {
  if (!ep_quantize_window(window, ep_model_input())) return 0;
  ep_model_invoke();
  *hr = ep_hr_from_logits(ep_model_output());
  return 1;
}

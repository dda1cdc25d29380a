#include "ep_tracker.h"

void ep_tracker_init(ep_tracker *t) {
  for (int32_t i = 0; i < EP_CLASSES; ++i) t->belief[i] = 1.0f / (float)EP_CLASSES;
  t->started = 0;
}

static int32_t first_max(const float *v) {
  int32_t best = 0;
  for (int32_t i = 1; i < EP_CLASSES; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

/* belief <- transition (*) belief, then (1 - floor) * that + floor / classes. */
static void predict(ep_tracker *t, const ep_tracker_params *p) {
  float prior[EP_CLASSES];
  for (int32_t i = 0; i < EP_CLASSES; ++i) {
    float acc = 0.0f;
    for (int32_t d = -p->radius; d <= p->radius; ++d) {
      const int32_t j = i - d;
      if (j >= 0 && j < EP_CLASSES) acc += p->transition[d + p->radius] * t->belief[j];
    }
    prior[i] = acc;
  }
  const float spread = p->floor / (float)EP_CLASSES;
  for (int32_t i = 0; i < EP_CLASSES; ++i) t->belief[i] = (1.0f - p->floor) * prior[i] + spread;
}

static void normalise(ep_tracker *t) {
  float total = 0.0f;
  for (int32_t i = 0; i < EP_CLASSES; ++i) total += t->belief[i];
  if (!(total > 0.0f) || total - total != 0.0f) { /* nothing left (or overflow): start again */
    ep_tracker_init(t);
    return;
  }
  for (int32_t i = 0; i < EP_CLASSES; ++i) t->belief[i] /= total;
}

ep_track ep_tracker_step_likelihood(ep_tracker *t, const ep_tracker_params *p, const float *likelihood,
                                    int32_t step_class) {
  ep_track r;
  if (t->started) predict(t, p);
  t->started = 1;
  float total = 0.0f;
  for (int32_t i = 0; i < EP_CLASSES; ++i) {
    total += likelihood[i];
    t->belief[i] *= likelihood[i];
  }
  if (step_class >= 0) /* the step band: the window's own confidence (below) stays the model's */
    for (int32_t d = -p->step_radius; d <= p->step_radius; ++d) {
      const int32_t i = step_class + d;
      if (i >= 0 && i < EP_CLASSES) t->belief[i] *= p->step_band[d + p->step_radius];
    }
  normalise(t);
  r.argmax_class = first_max(likelihood);
  r.tracked_class = first_max(t->belief);
  r.confidence = total > 0.0f ? likelihood[r.argmax_class] / total : 0.0f;
  r.available = r.confidence >= p->min_confidence;
  return r;
}

ep_track ep_tracker_step_logits(ep_tracker *t, const ep_tracker_params *p, const int8_t *logits, int32_t step_class) {
  float likelihood[EP_CLASSES];
  int32_t best = 0;
  for (int32_t i = 1; i < EP_CLASSES; ++i)
    if (logits[i] > logits[best]) best = i;
  for (int32_t i = 0; i < EP_CLASSES; ++i) likelihood[i] = p->exp_table[logits[best] - logits[i]];
  ep_track r = ep_tracker_step_likelihood(t, p, likelihood, step_class);
  r.argmax_class = best; /* from the logits: the table may round neighbours of the peak to 1 too */
  return r;
}

ep_track ep_tracker_skip(ep_tracker *t, const ep_tracker_params *p) {
  ep_track r;
  if (t->started) predict(t, p);
  normalise(t);
  r.argmax_class = -1;
  r.tracked_class = first_max(t->belief);
  r.confidence = 0.0f;
  r.available = 0;
  return r;
}

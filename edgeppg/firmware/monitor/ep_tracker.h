/* Heart rate tracked across windows: a causal forward filter over the model's 180 one-BPM classes.
 *
 * Each window, the belief from the last one is spread by a transition prior (how far heart rate moves
 * in one 2 s stride, plus a small floor so a lost track can recover), then multiplied by the window's
 * likelihood (the model's softmax) and normalised. The tracked heart rate is the belief's peak. The
 * window's own confidence is its softmax peak; below a threshold its heart rate is flagged unavailable.
 * A window whose accelerometer shows a step rate (the front end's step stage found one) weighs the
 * classes around that rate down by the step band before they meet the belief: the model's evidence there
 * may be the steps, not the pulse, so the track needs more of it to go there or to stay.
 * Float32 only and no libm: the host compiles this same file and gets the same numbers. */
#ifndef EP_TRACKER_H
#define EP_TRACKER_H
#include <stdint.h>

#include "ep_contract.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t radius;          /* classes heart rate may move in one stride */
  const float *transition; /* 2 * radius + 1 weights, summing to 1, for moves of -radius .. +radius */
  float floor;             /* share of belief spread evenly each stride */
  const float *exp_table;  /* 256 entries: exp(-d * output_scale / temperature) for an int8 logit d below the max */
  float min_confidence;    /* softmax peak below which a window's heart rate is flagged unavailable */
  int32_t step_radius;     /* classes either side of the step rate the step band reaches */
  const float *step_band;  /* 2 * step_radius + 1 weights in (0, 1] for classes step - radius .. step + radius */
} ep_tracker_params;

typedef struct {
  float belief[EP_CLASSES];
  int32_t started;
} ep_tracker;

typedef struct {
  int32_t argmax_class;  /* this window alone (first maximum) */
  int32_t tracked_class; /* the belief's peak */
  float confidence;      /* this window's softmax peak; 0 for a window without usable signal */
  int32_t available;     /* confidence >= min_confidence and the window had a usable signal */
} ep_track;

void ep_tracker_init(ep_tracker *t);
/* A window's int8 logits through the likelihood table; step_class: the class of the accelerometer's step
 * rate in this window, or -1 for none (a still window, or no accelerometer). */
ep_track ep_tracker_step_logits(ep_tracker *t, const ep_tracker_params *p, const int8_t *logits, int32_t step_class);
/* A window's likelihood (peak 1, e.g. exp(logit - max logit) computed elsewhere): the host's float models. */
ep_track ep_tracker_step_likelihood(ep_tracker *t, const ep_tracker_params *p, const float *likelihood,
                                    int32_t step_class);
/* A window without usable signal (flat, invalid): the belief moves on, nothing is observed. */
ep_track ep_tracker_skip(ep_tracker *t, const ep_tracker_params *p);

#ifdef __cplusplus
}
#endif
#endif

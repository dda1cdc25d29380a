/* edgeppg's int8 kernels: the integer arithmetic of TFLite's reference kernels, bit for bit, for the
 * ops an exported edgeppg model uses. Tensors are channels-last (NWC), batch 1. Each kernel has a plain
 * C path (any compiler; tested natively with sanitizers) and, where it pays, a Cortex-M4 DSP path
 * (SMLAD on pairs of int16, selected by __ARM_FEATURE_DSP unless EP_PLAIN_C is defined). */
#ifndef EP_KERNELS_H
#define EP_KERNELS_H
#include <stdint.h>

/* 1-D convolution, a CONV_2D with a 1 x k filter [out_c][kernel][in_c], per-channel requantisation.
 * bias_full[oc] = bias[oc] + input_offset * (sum of filter[oc]): the bias of a position with every tap
 * inside the input, the offset folded in (the generator computes it). */
typedef struct {
  int32_t in_w, in_c, out_w, out_c, kernel, stride, pad_left;
  int32_t input_offset, output_offset, act_min, act_max;
} ep_conv_params;
void ep_conv1d_s8(const ep_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                  const int32_t *bias_full, const int32_t *mult, const int32_t *shift, int8_t *output);

/* Element-wise ADD of two int8 tensors with their own scales (TFLite's 20-bit left-shift scheme). */
typedef struct {
  int32_t size, left_shift;
  int32_t in1_offset, in1_mult, in1_shift, in2_offset, in2_mult, in2_shift;
  int32_t out_offset, out_mult, out_shift, act_min, act_max;
} ep_add_params;
/* table1/table2: each input's rescaled value for every int8 (index q + 128), from the generator. */
void ep_add_s8(const ep_add_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table1,
               const int32_t *table2, int8_t *output);

/* PAD along the length axis of [L][C] with a constant (the zero point). */
typedef struct { int32_t in_w, channels, pad_before, pad_after, value; } ep_pad_params;
void ep_pad_s8(const ep_pad_params *p, const int8_t *input, int8_t *output);

/* MEAN over the middle axis of [outer][length][inner]; 1/length is folded into mult/shift. */
typedef struct { int32_t outer, length, inner, input_zp, mult, shift, output_zp; } ep_mean_params;
void ep_mean_s8(const ep_mean_params *p, const int8_t *input, int8_t *output);

/* FULLY_CONNECTED: weights [out][in], per-channel (or repeated per-tensor) requantisation. */
typedef struct {
  int32_t batches, in_features, out_features, input_offset, output_offset, act_min, act_max;
} ep_fc_params;
void ep_fully_connected_s8(const ep_fc_params *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, int8_t *output);

#endif

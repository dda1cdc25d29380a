/* edgeppg's int8 kernels: the integer arithmetic of TFLite's reference kernels, bit for bit, for the
 * ops an exported edgeppg model uses. Tensors are channels-last (NWC), batch 1. Each kernel has a plain
 * C path (any compiler; tested natively with sanitizers) and, where it pays, a Cortex-M4 DSP path
 * (SMLAD on pairs of int16, selected by __ARM_FEATURE_DSP unless EP_PLAIN_C is defined). */
#ifndef EP_KERNELS_H
#define EP_KERNELS_H
#include <stdint.h>

/* 1-D convolution, a CONV_2D with a 1 x k filter, per-channel requantisation. The filter is
 * [out_c][row]: each output channel's k x in_c taps, then zeros up to `row` (a multiple of 4, so the
 * DSP loop reads whole words). bias_full[oc] = bias[oc] + input_offset * (sum of filter[oc]): the model's
 * bias with the input offset folded in (the generator computes it). `scratch` holds the DSP path's int16
 * copy of the input for `span` output positions (a multiple of EP_CONV_POSITIONS, the positions one pass
 * of its inner loop computes): ep_conv_scratch_len() int16, which the generator chooses and allocates
 * (edgeppg.codegen.lower.conv_scratch_len says the same; a test holds the two together). `dot` is the
 * inner loop specialised for this layer (ep_conv_dot.h), or 0 for the general one. */
#define EP_CONV_POSITIONS 6
typedef void (*ep_conv_dot_fn)(const int16_t *x, const int8_t *w, int32_t words, int32_t *acc);
typedef struct {
  int32_t in_w, in_c, out_w, out_c, kernel, stride, pad_left, row, span;
  int32_t input_offset, output_offset, act_min, act_max;
  ep_conv_dot_fn dot;
} ep_conv_params;
void ep_conv1d_s8(const ep_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *bias_full,
                  const int32_t *mult, const int32_t *shift, int16_t *scratch, int8_t *output);
int32_t ep_conv_scratch_len(const ep_conv_params *p);

/* Element-wise ADD of two int8 tensors with their own scales (TFLite's 20-bit left-shift scheme). */
typedef struct {
  int32_t size, left_shift;
  int32_t in1_offset, in1_mult, in1_shift, in2_offset, in2_mult, in2_shift;
  int32_t out_offset, out_mult, out_shift, act_min, act_max;
} ep_add_params;
/* table1/table2: each input's rescaled value for every int8 (index q + 128), from the generator. */
void ep_add_s8(const ep_add_params *p, const int8_t *in1, const int8_t *in2, const int32_t *table1,
               const int32_t *table2, int8_t *output);

/* A convolution whose output only feeds an ADD with `residual`, fused: each output is added to the
 * residual element it lines up with, and the sum is written over that element (residual == output), so
 * the convolution's own output never needs a buffer. ADD's in1 is the convolution's side, in2 the
 * residual's (the generator swaps them when the model has them the other way round). */
typedef struct {
  ep_conv_params conv;
  ep_add_params add;
} ep_conv_add_params;
void ep_conv1d_add_s8(const ep_conv_add_params *p, const int8_t *input, const int8_t *residual, const int8_t *filter,
                      const int32_t *bias_full, const int32_t *mult, const int32_t *shift, const int32_t *table1,
                      const int32_t *table2, int16_t *scratch, int8_t *output);

/* PAD along the length axis of [L][C] with a constant (the zero point). */
typedef struct { int32_t in_w, channels, pad_before, pad_after, value; } ep_pad_params;
void ep_pad_s8(const ep_pad_params *p, const int8_t *input, int8_t *output);
typedef struct { int32_t in_w, channels, begin, out_w; } ep_crop_params;
void ep_crop_s8(const ep_crop_params *p, const int8_t *input, int8_t *output);

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

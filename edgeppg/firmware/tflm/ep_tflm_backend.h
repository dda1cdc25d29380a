/* The TensorFlow Lite Micro backend behind the application interface of ep_model.h. */
#ifndef EP_TFLM_BACKEND_H
#define EP_TFLM_BACKEND_H
#include "ep_model.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"

using EpOpResolver = tflite::MicroMutableOpResolver<EP_MODEL_RESOLVER_OPS>;
extern const unsigned char ep_tflm_model_data[];
extern const unsigned char ep_tflm_stream_model_data[]; /* a streaming model's per-update model */
bool ep_tflm_register_ops(EpOpResolver &r); /* generated: registers exactly the model's ops */

#endif

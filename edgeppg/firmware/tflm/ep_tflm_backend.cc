/* ep_model_input / ep_model_output / ep_model_invoke on the TFLite Micro interpreter, so the same
 * application and self-test run on either backend. The interpreter is built on first use in a static
 * arena of EP_MODEL_ARENA_BYTES; TFLM's log goes to the board console.
 *
 * A model of the streaming family also has its per-update model (codegen/tflm_stream.py) behind
 * ep_model_stream.h: a second interpreter, in its own arena of EP_STREAM_ARENA_BYTES, whose resource
 * variables keep each feature map's rows from one update to the next. */

#include "board.h"
#include "ep_tflm_backend.h"
#include "tensorflow/lite/micro/cortex_m_generic/debug_log_callback.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_profiler_interface.h"
#include "tensorflow/lite/schema/schema_generated.h"
#if EP_MODEL_STREAMING
#include <string.h>

#include <new>

#include "ep_model_stream.h"
#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/micro_resource_variable.h"
#endif

#ifdef EP_PROFILE
extern "C" {
uint64_t ep_model_op_ticks[EP_MODEL_OPS];
}
#endif

namespace {
#ifdef TFLITE_SCHEMA_VERSION
constexpr uint32_t kSchemaVersion = TFLITE_SCHEMA_VERSION;
#else
constexpr uint32_t kSchemaVersion = 3; /* TFLite's flatbuffer schema; not every TFLM tree defines the macro */
#endif

alignas(16) uint8_t arena[EP_MODEL_ARENA_BYTES];
EpOpResolver resolver;
tflite::MicroInterpreter *interpreter = nullptr;

#ifdef EP_PROFILE
/* edgeppg bench --profile: TFLM reports every op it invokes, in order, through this interface; the
 * board's ticks around each one add up in ep_model_op_ticks, as the native backend's EP_OP does. */
class OpTimer : public tflite::MicroProfilerInterface {
 public:
  uint32_t BeginEvent(const char *) override {
    start_[next_ % EP_MODEL_OPS] = ep_board_ticks();
    return next_++;
  }
  void EndEvent(uint32_t handle) override {
    ep_model_op_ticks[handle % EP_MODEL_OPS] += ep_board_ticks() - start_[handle % EP_MODEL_OPS];
  }

 private:
  uint64_t start_[EP_MODEL_OPS] = {};
  uint32_t next_ = 0;
};
OpTimer op_timer;
tflite::MicroProfilerInterface *const profiler = &op_timer;
#else
tflite::MicroProfilerInterface *const profiler = nullptr;
#endif

void log_to_console(const char *s) { ep_board_puts(s); }

/* Unless `ok`, stop with a fault line the host reads (edgeppg.mcu.qemu). */
void ensure(bool ok, const char *fault) {
  if (!ok) {
    ep_board_puts(fault);
    ep_board_exit(1);
  }
}

/* The model's flatbuffer, checked; the op resolver registered once for both interpreters. */
const tflite::Model *checked_model(const unsigned char *data) {
  static bool registered = false;
  RegisterDebugLogCallback(log_to_console);
  const tflite::Model *model = tflite::GetModel(data);
  ensure(model->version() == kSchemaVersion && (registered || ep_tflm_register_ops(resolver)),
         "EDGEPPG_FAULT TFLM: schema version or op registration\n");
  registered = true;
  return model;
}

tflite::MicroInterpreter &get() {
  if (interpreter != nullptr) return *interpreter;
  const tflite::Model *model = checked_model(ep_tflm_model_data);
  static tflite::MicroInterpreter instance(model, resolver, arena, EP_MODEL_ARENA_BYTES, nullptr, profiler);
  ensure(instance.AllocateTensors() == kTfLiteOk, "EDGEPPG_FAULT TFLM: AllocateTensors failed (arena too small?)\n");
  interpreter = &instance;
  return instance;
}
}  // namespace

extern "C" int8_t *ep_model_input(void) { return get().input(0)->data.int8; }
extern "C" const int8_t *ep_model_output(void) { return get().output(0)->data.int8; }
extern "C" void ep_model_invoke(void) {
  ensure(get().Invoke() == kTfLiteOk, "EDGEPPG_FAULT TFLM: Invoke failed\n");
}
extern "C" uint32_t ep_model_arena_used(void) { return (uint32_t)get().arena_used_bytes(); }

#if EP_MODEL_STREAMING
namespace {
alignas(16) uint8_t stream_arena[EP_STREAM_ARENA_BYTES];
alignas(tflite::MicroInterpreter) uint8_t streamer_storage[sizeof(tflite::MicroInterpreter)];
tflite::MicroInterpreter *streamer = nullptr;

/* The per-update interpreter in the first `size` bytes of its arena, or nullptr if it does not fit. */
tflite::MicroInterpreter *make_streamer(size_t size) {
  const tflite::Model *model = checked_model(ep_tflm_stream_model_data);
  tflite::MicroAllocator *allocator = tflite::MicroAllocator::Create(stream_arena, size);
  tflite::MicroResourceVariables *variables =
      allocator ? tflite::MicroResourceVariables::Create(allocator, EP_STREAM_VARIABLES) : nullptr;
  if (variables == nullptr) return nullptr;
  auto *it = new (streamer_storage) tflite::MicroInterpreter(model, resolver, allocator, variables, nullptr);
  if (it->AllocateTensors() == kTfLiteOk) return it;
  it->~MicroInterpreter();
  return nullptr;
}

tflite::MicroInterpreter &get_stream() {
  if (streamer == nullptr) streamer = make_streamer(sizeof stream_arena);
  ensure(streamer != nullptr, "EDGEPPG_FAULT TFLM: the per-update model's AllocateTensors failed (arena too small?)\n");
  return *streamer;
}
}  // namespace

extern "C" int8_t *ep_model_stream_input(void) { return get_stream().input(0)->data.int8; }
extern "C" const int8_t *ep_model_stream_output(void) { return get_stream().output(0)->data.int8; }
extern "C" void ep_model_stream_update(void) {
  ensure(get_stream().Invoke() == kTfLiteOk, "EDGEPPG_FAULT TFLM: the per-update Invoke failed\n");
}
/* As the native program's reset: the variables at the zero point (TFLM's Reset), then updates of
 * zero-point input until every map holds only what zeros make. */
extern "C" void ep_model_stream_reset(void) {
  ensure(get_stream().Reset() == kTfLiteOk, "EDGEPPG_FAULT TFLM: Reset failed\n");
  for (int i = 0; i < EP_STREAM_PRIMES; ++i) {
    memset(ep_model_stream_input(), EP_MODEL_INPUT_ZERO_POINT, EP_STREAM_NEW);
    ep_model_stream_update();
  }
}
extern "C" uint32_t ep_model_stream_state_bytes(void) { return EP_STREAM_STATE_BYTES; }
/* The smallest arena the per-update model allocates in, to 16 bytes, found by allocating it again in
 * smaller ones (TFLM's arena_used_bytes() leaves out the temporary buffers its planner takes while
 * allocating, which a model of many small tensors needs beyond its activations). Leaves the interpreter
 * in the smallest arena, reset: for a test build's last line, not for a device at work. */
extern "C" uint32_t ep_model_stream_arena_needed(void) {
  size_t lo = get_stream().arena_used_bytes(), hi = sizeof stream_arena; /* lo is a lower bound, hi fits */
  streamer->~MicroInterpreter();
  while (hi - lo > 16) {
    size_t mid = (lo + (hi - lo) / 2) & ~(size_t)15;
    if (mid <= lo) break;
    tflite::MicroInterpreter *it = make_streamer(mid);
    if (it != nullptr) it->~MicroInterpreter();
    (it != nullptr ? hi : lo) = mid;
  }
  streamer = make_streamer(hi);
  return (uint32_t)hi;
}
#endif

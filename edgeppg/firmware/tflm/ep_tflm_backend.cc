/* ep_model_input / ep_model_output / ep_model_invoke on the TFLite Micro interpreter, so the same
 * application and self-test run on either backend. The interpreter is built on first use in a static
 * arena of EP_MODEL_ARENA_BYTES; TFLM's log goes to the board console. */

#include "board.h"
#include "ep_tflm_backend.h"
#include "tensorflow/lite/micro/cortex_m_generic/debug_log_callback.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_profiler_interface.h"
#include "tensorflow/lite/schema/schema_generated.h"

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

tflite::MicroInterpreter &get() {
  if (interpreter != nullptr) return *interpreter;
  RegisterDebugLogCallback(log_to_console);
  const tflite::Model *model = tflite::GetModel(ep_tflm_model_data);
  if (model->version() != kSchemaVersion || !ep_tflm_register_ops(resolver)) {
    ep_board_puts("EDGEPPG_FAULT TFLM: schema version or op registration\n");
    ep_board_exit(1);
  }
  static tflite::MicroInterpreter instance(model, resolver, arena, EP_MODEL_ARENA_BYTES, nullptr, profiler);
  if (instance.AllocateTensors() != kTfLiteOk) {
    ep_board_puts("EDGEPPG_FAULT TFLM: AllocateTensors failed (arena too small?)\n");
    ep_board_exit(1);
  }
  interpreter = &instance;
  return instance;
}
}  // namespace

extern "C" int8_t *ep_model_input(void) { return get().input(0)->data.int8; }
extern "C" const int8_t *ep_model_output(void) { return get().output(0)->data.int8; }
extern "C" void ep_model_invoke(void) {
  if (get().Invoke() != kTfLiteOk) {
    ep_board_puts("EDGEPPG_FAULT TFLM: Invoke failed\n");
    ep_board_exit(1);
  }
}
extern "C" uint32_t ep_model_arena_used(void) { return (uint32_t)get().arena_used_bytes(); }

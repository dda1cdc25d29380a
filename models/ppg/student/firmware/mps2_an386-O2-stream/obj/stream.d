/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/stream.o: \
 apps/stream.c platform/board.h apps/ep_fmt.h monitor/ep_hrm.h \
 monitor/ep_stream.h \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h \
 monitor/ep_tracker.h \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_model.h
platform/board.h:
apps/ep_fmt.h:
monitor/ep_hrm.h:
monitor/ep_stream.h:
/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h:
monitor/ep_tracker.h:
/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_model.h:

/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_contract.o: \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.c \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h \
 monitor/ep_stream.h \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h \
 monitor/ep_tracker.h
/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h:
monitor/ep_stream.h:
/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h:
monitor/ep_tracker.h:

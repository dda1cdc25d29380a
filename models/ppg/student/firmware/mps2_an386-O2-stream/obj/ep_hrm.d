/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_hrm.o: \
 monitor/ep_hrm.c monitor/ep_hrm.h monitor/ep_stream.h \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h \
 monitor/ep_tracker.h \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_model.h
monitor/ep_hrm.h:
monitor/ep_stream.h:
/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h:
monitor/ep_tracker.h:
/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_model.h:

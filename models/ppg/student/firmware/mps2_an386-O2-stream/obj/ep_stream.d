/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_stream.o: \
 monitor/ep_stream.c monitor/ep_stream.h \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h
monitor/ep_stream.h:
/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h:

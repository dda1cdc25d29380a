/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_model.o: \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_model.c \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_model.h \
 kernels/ep_kernels.h kernels/ep_conv_dot.h kernels/ep_dot.h \
 kernels/ep_kernels.h
/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_model.h:
kernels/ep_kernels.h:
kernels/ep_conv_dot.h:
kernels/ep_dot.h:
kernels/ep_kernels.h:

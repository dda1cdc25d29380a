/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_conv.o: \
 kernels/ep_conv.c kernels/ep_add.h kernels/ep_fixedpoint.h \
 kernels/ep_kernels.h kernels/ep_dot.h
kernels/ep_add.h:
kernels/ep_fixedpoint.h:
kernels/ep_kernels.h:
kernels/ep_dot.h:

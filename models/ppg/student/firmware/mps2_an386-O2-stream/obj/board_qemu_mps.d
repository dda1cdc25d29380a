/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/board_qemu_mps.o: \
 platform/qemu_mps/board_qemu_mps.c platform/board.h
platform/board.h:

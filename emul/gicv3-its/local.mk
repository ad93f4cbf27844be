# Skeleton: the gicv3-its emulator arrives with its own issue.
noinst_LTLIBRARIES += emul/gicv3-its/libgicv3_its.la
emul_gicv3_its_libgicv3_its_la_SOURCES = emul/gicv3-its/gicv3_its.h emul/gicv3-its/gicv3_its.c

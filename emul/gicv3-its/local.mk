# The GICv3 ITS emulator and its unit suite.
noinst_LTLIBRARIES += emul/gicv3-its/libgicv3_its.la
emul_gicv3_its_libgicv3_its_la_SOURCES = emul/gicv3-its/gicv3_its.c \
	emul/gicv3-its/gicv3_its.h emul/gicv3-its/gicv3_its_internal.h

check_PROGRAMS += tests/check_gicv3_its
TESTS += tests/check_gicv3_its
tests_check_gicv3_its_SOURCES = tests/check_gicv3_its.c
tests_check_gicv3_its_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_gicv3_its_LDADD = emul/gicv3-its/libgicv3_its.la $(CHECK_LIBS)

# The GICv3 ITS emulator and its unit suite.
noinst_LTLIBRARIES += emul/gicv3-its/libgicv3_its.la
emul_gicv3_its_libgicv3_its_la_SOURCES = emul/gicv3-its/gicv3_its.c \
	emul/gicv3-its/gicv3_its.h emul/gicv3-its/gicv3_its_internal.h

check_PROGRAMS += tests/check_gicv3_its
TESTS += tests/check_gicv3_its
tests_check_gicv3_its_SOURCES = tests/check_gicv3_its.c
tests_check_gicv3_its_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_gicv3_its_LDADD = emul/gicv3-its/libgicv3_its.la $(CHECK_LIBS)

# The gicv3_its fuzz target: built standalone and replayed over its corpus
# (tests/fuzz/corpus/gicv3-its) in `make check`; with --enable-fuzzing also
# linked with libFuzzer.
check_PROGRAMS += tests/fuzz/replay_gicv3_its
tests_fuzz_replay_gicv3_its_SOURCES = tests/fuzz/fuzz_gicv3_its.c tests/fuzz/standalone.c
tests_fuzz_replay_gicv3_its_LDADD = emul/gicv3-its/libgicv3_its.la
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_gicv3_its
tests_fuzz_fuzz_gicv3_its_SOURCES = tests/fuzz/fuzz_gicv3_its.c
tests_fuzz_fuzz_gicv3_its_LDADD = emul/gicv3-its/libgicv3_its.la
tests_fuzz_fuzz_gicv3_its_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif

# The sPAPR XICS emulator (ICS sources, ICP presenters, hcalls, RTAS) and its unit suite.
noinst_LTLIBRARIES += emul/xics/libxics.la
emul_xics_libxics_la_SOURCES = emul/xics/xics.c emul/xics/xics.h \
	emul/xics/xics_internal.h

check_PROGRAMS += tests/check_xics
TESTS += tests/check_xics
tests_check_xics_SOURCES = tests/check_xics.c tests/xics-bits.h
tests_check_xics_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_xics_LDADD = emul/xics/libxics.la $(CHECK_LIBS)

# The xics fuzz target: built standalone and replayed over its corpus
# (tests/fuzz/corpus/xics) in `make check`; with --enable-fuzzing also
# linked with libFuzzer.
check_PROGRAMS += tests/fuzz/replay_xics
tests_fuzz_replay_xics_SOURCES = tests/fuzz/fuzz_xics.c tests/fuzz/standalone.c
tests_fuzz_replay_xics_LDADD = emul/xics/libxics.la
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_xics
tests_fuzz_fuzz_xics_SOURCES = tests/fuzz/fuzz_xics.c
tests_fuzz_fuzz_xics_LDADD = emul/xics/libxics.la
tests_fuzz_fuzz_xics_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif

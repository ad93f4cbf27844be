# The POWER9 XIVE (sPAPR exploitation mode) emulator and its unit suite.
noinst_LTLIBRARIES += emul/xive/libxive.la
emul_xive_libxive_la_SOURCES = emul/xive/xive.c emul/xive/xive.h \
	emul/xive/xive_internal.h

check_PROGRAMS += tests/check_xive
TESTS += tests/check_xive
tests_check_xive_SOURCES = tests/check_xive.c tests/xive-bits.h
tests_check_xive_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_xive_LDADD = emul/xive/libxive.la $(CHECK_LIBS)

# The xive fuzz target: built standalone and replayed over its corpus
# (tests/fuzz/corpus/xive) in `make check`; with --enable-fuzzing also
# linked with libFuzzer.
check_PROGRAMS += tests/fuzz/replay_xive
tests_fuzz_replay_xive_SOURCES = tests/fuzz/fuzz_xive.c tests/fuzz/standalone.c
tests_fuzz_replay_xive_LDADD = emul/xive/libxive.la
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_xive
tests_fuzz_fuzz_xive_SOURCES = tests/fuzz/fuzz_xive.c
tests_fuzz_fuzz_xive_LDADD = emul/xive/libxive.la
tests_fuzz_fuzz_xive_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif

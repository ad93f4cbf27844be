# Fuzz targets. Always built standalone and replayed over their corpus in
# `make check`; with --enable-fuzzing also linked with libFuzzer.
FUZZ_PROTOCOL_SOURCES = tests/fuzz/fuzz_protocol.c
FUZZ_IOAPIC_SOURCES = tests/fuzz/fuzz_ioapic.c
FUZZ_XIVE_SOURCES = tests/fuzz/fuzz_xive.c
FUZZ_PROTOCOL_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSONC_CFLAGS)

check_PROGRAMS += tests/fuzz/replay_protocol tests/fuzz/replay_ioapic \
	tests/fuzz/replay_xive
tests_fuzz_replay_protocol_SOURCES = $(FUZZ_PROTOCOL_SOURCES) tests/fuzz/standalone.c
tests_fuzz_replay_protocol_CFLAGS = $(FUZZ_PROTOCOL_CFLAGS)
tests_fuzz_replay_protocol_LDADD = daemon/libserver.la
tests_fuzz_replay_ioapic_SOURCES = $(FUZZ_IOAPIC_SOURCES) tests/fuzz/standalone.c
tests_fuzz_replay_ioapic_LDADD = emul/ioapic/libioapic.la
tests_fuzz_replay_xive_SOURCES = $(FUZZ_XIVE_SOURCES) tests/fuzz/standalone.c
tests_fuzz_replay_xive_LDADD = emul/xive/libxive.la
TESTS += tests/fuzz/replay-corpus.sh
EXTRA_DIST += tests/fuzz/replay-corpus.sh tests/fuzz/corpus

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_protocol tests/fuzz/fuzz_ioapic tests/fuzz/fuzz_xive
tests_fuzz_fuzz_protocol_SOURCES = $(FUZZ_PROTOCOL_SOURCES)
tests_fuzz_fuzz_protocol_CFLAGS = $(FUZZ_PROTOCOL_CFLAGS)
tests_fuzz_fuzz_protocol_LDADD = daemon/libserver.la
tests_fuzz_fuzz_protocol_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_ioapic_SOURCES = $(FUZZ_IOAPIC_SOURCES)
tests_fuzz_fuzz_ioapic_LDADD = emul/ioapic/libioapic.la
tests_fuzz_fuzz_ioapic_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_xive_SOURCES = $(FUZZ_XIVE_SOURCES)
tests_fuzz_fuzz_xive_LDADD = emul/xive/libxive.la
tests_fuzz_fuzz_xive_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif

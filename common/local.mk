# Logging and allocation helpers used everywhere (emulators use only compiler.h).
noinst_LTLIBRARIES += common/libcommon.la
common_libcommon_la_SOURCES = common/compiler.h common/log.c common/log.h common/probes.h \
	common/xmalloc.c common/xmalloc.h

# Explicit byte order for guest memory, KVM exit data and binary records, and
# its suite (meaningful on a big-endian host: scripts/cross-check s390x).
common_libcommon_la_SOURCES += common/byteorder.h
check_PROGRAMS += tests/check_byteorder
TESTS += tests/check_byteorder
tests_check_byteorder_SOURCES = tests/check_byteorder.c
tests_check_byteorder_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_byteorder_LDADD = $(CHECK_LIBS)

# The USDT probes (common/probes.h): present in the programs, and firing.
TESTS += tests/check-probes.sh tests/check-probes-traced.sh
EXTRA_DIST += tests/check-probes.sh tests/check-probes-traced.sh

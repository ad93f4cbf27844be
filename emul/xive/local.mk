# The POWER9 XIVE (sPAPR exploitation mode) emulator and its unit suite.
noinst_LTLIBRARIES += emul/xive/libxive.la
emul_xive_libxive_la_SOURCES = emul/xive/xive.c emul/xive/xive.h \
	emul/xive/xive_internal.h

check_PROGRAMS += tests/check_xive
TESTS += tests/check_xive
tests_check_xive_SOURCES = tests/check_xive.c tests/xive-bits.h
tests_check_xive_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_xive_LDADD = emul/xive/libxive.la $(CHECK_LIBS)

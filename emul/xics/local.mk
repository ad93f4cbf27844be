# The sPAPR XICS emulator (ICS sources, ICP presenters, hcalls, RTAS) and its unit suite.
noinst_LTLIBRARIES += emul/xics/libxics.la
emul_xics_libxics_la_SOURCES = emul/xics/xics.c emul/xics/xics.h \
	emul/xics/xics_internal.h

check_PROGRAMS += tests/check_xics
TESTS += tests/check_xics
tests_check_xics_SOURCES = tests/check_xics.c tests/xics-bits.h
tests_check_xics_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_xics_LDADD = emul/xics/libxics.la $(CHECK_LIBS)

# Helpers shared by the Check suites, and the protocol and daemon suites.
check_LTLIBRARIES = tests/libtestlib.la
tests_libtestlib_la_SOURCES = tests/testlib.c tests/testlib.h
tests_libtestlib_la_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
tests_libtestlib_la_LIBADD = proto/libirqchip.la $(CHECK_LIBS) $(JSONC_LIBS)

TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
TEST_LIBS = tests/libtestlib.la proto/libirqchip.la $(CHECK_LIBS) $(JSONC_LIBS)

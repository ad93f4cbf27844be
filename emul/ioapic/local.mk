# The 82093AA emulator and its unit suite.
noinst_LTLIBRARIES += emul/ioapic/libioapic.la
emul_ioapic_libioapic_la_SOURCES = emul/ioapic/ioapic.c emul/ioapic/ioapic.h \
	emul/ioapic/ioapic_internal.h

check_PROGRAMS += tests/check_ioapic
TESTS += tests/check_ioapic
tests_check_ioapic_SOURCES = tests/check_ioapic.c tests/ioapic-bits.h
tests_check_ioapic_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_ioapic_LDADD = emul/ioapic/libioapic.la $(CHECK_LIBS)

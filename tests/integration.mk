# tests/integration.mk: filled in by its suite
check_PROGRAMS += tests/check_integration
TESTS += tests/check_integration
tests_check_integration_SOURCES = tests/check_integration.c tests/ioapic-bits.h
tests_check_integration_CFLAGS = $(TEST_CFLAGS)
tests_check_integration_LDADD = $(TEST_LIBS)

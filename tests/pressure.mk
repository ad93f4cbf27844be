# tests/pressure.mk: back-pressure, connections, fds under pressure, refusals
check_PROGRAMS += tests/check_pressure
TESTS += tests/check_pressure
tests_check_pressure_SOURCES = tests/check_pressure.c
tests_check_pressure_CFLAGS = $(TEST_CFLAGS) $(LIBEVENT_CFLAGS)
tests_check_pressure_LDADD = daemon/libirqchip-embedded.la daemon/libserver.la $(TEST_LIBS) \
	-lpthread

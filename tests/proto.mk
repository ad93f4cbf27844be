# Protocol v1, the daemon process, and irqchipctl: each suite runs private daemons.
check_PROGRAMS += tests/check_proto tests/check_daemon tests/check_irqchipctl
TESTS += tests/check_proto tests/check_daemon tests/check_irqchipctl

tests_check_proto_SOURCES = tests/check_proto.c
tests_check_proto_CFLAGS = $(TEST_CFLAGS)
tests_check_proto_LDADD = $(TEST_LIBS)

tests_check_daemon_SOURCES = tests/check_daemon.c
tests_check_daemon_CFLAGS = $(TEST_CFLAGS)
tests_check_daemon_LDADD = $(TEST_LIBS)

tests_check_irqchipctl_SOURCES = tests/check_irqchipctl.c
tests_check_irqchipctl_CFLAGS = $(TEST_CFLAGS)
tests_check_irqchipctl_LDADD = $(TEST_LIBS)

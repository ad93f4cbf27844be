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

# The chip seam: a test-only chip class with every hook, on an in-process server.
check_PROGRAMS += tests/check_seam
TESTS += tests/check_seam
tests_check_seam_SOURCES = tests/check_seam.c
EXTRA_DIST += tests/data/ioapic-state-v1.json
tests_check_seam_CFLAGS = $(TEST_CFLAGS) $(LIBEVENT_CFLAGS)
tests_check_seam_LDADD = daemon/libserver.la $(TEST_LIBS) -lpthread

# Protocol transcripts: request/expected-reply scenarios, one file each, one runner.
check_PROGRAMS += tests/check_transcripts
TESTS += tests/check_transcripts
tests_check_transcripts_SOURCES = tests/check_transcripts.c
tests_check_transcripts_CFLAGS = $(TEST_CFLAGS)
tests_check_transcripts_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/transcripts

# The client library's architecture-specific KVM calls, checked through an
# ioctl() the suite defines (no /dev/kvm): each host checks its own part.
# -export-dynamic lets the shared library's ioctl calls reach that definition.
check_PROGRAMS += tests/check_kvm_arch
TESTS += tests/check_kvm_arch
tests_check_kvm_arch_SOURCES = tests/check_kvm_arch.c
tests_check_kvm_arch_CFLAGS = $(TEST_CFLAGS)
tests_check_kvm_arch_LDADD = $(TEST_LIBS)
tests_check_kvm_arch_LDFLAGS = $(AM_LDFLAGS) -export-dynamic

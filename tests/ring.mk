# Shared-memory rings: the daemon's side against a ring written from the
# documented layout, the client library's, and a real KVM guest (x86-64).
check_PROGRAMS += tests/check_ring
TESTS += tests/check_ring
tests_check_ring_SOURCES = tests/check_ring.c
tests_check_ring_CFLAGS = $(TEST_CFLAGS)
if HOST_X86_64
ring_testvm_libs = tests/vmm/libtestvm.la daemon/libirqchip-embedded.la
ring_testvm_cppflags = -DRING_TESTVM=1 -I$(top_srcdir)/tests/vmm
endif
tests_check_ring_CPPFLAGS = $(AM_CPPFLAGS) $(ring_testvm_cppflags)
tests_check_ring_LDADD = $(ring_testvm_libs) $(TEST_LIBS) -lpthread

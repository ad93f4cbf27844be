# Kernel bypass and route commits: the protocol half on every host, the
# guest half where the test VM builds (x86-64).
check_PROGRAMS += tests/check_bypass
TESTS += tests/check_bypass
tests_check_bypass_SOURCES = tests/check_bypass.c
tests_check_bypass_CFLAGS = $(TEST_CFLAGS)
if HOST_X86_64
bypass_testvm_libs = tests/vmm/libtestvm.la
bypass_testvm_cppflags = -DBYPASS_TESTVM=1 -I$(top_srcdir)/tests/vmm
endif
tests_check_bypass_CPPFLAGS = $(AM_CPPFLAGS) $(bypass_testvm_cppflags)
tests_check_bypass_LDADD = $(bypass_testvm_libs) $(TEST_LIBS) -lpthread

# Benchmarks: programs that print figures next to the direct KVM calls; never
# run as tests (`make bench` runs them).
if HOST_X86_64
noinst_PROGRAMS += tests/bench/bench_inject
tests_bench_bench_inject_SOURCES = tests/bench/bench_inject.c
tests_bench_bench_inject_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/vmm
tests_bench_bench_inject_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_bench_bench_inject_LDADD = tests/vmm/libtestvm.la daemon/libirqchip-embedded.la \
	proto/libirqchip.la $(JSONC_LIBS) -lpthread

bench: tests/bench/bench_inject daemon/irqchipd
	tests/bench/bench_inject --daemon daemon/irqchipd
endif
.PHONY: bench soak

# soak: many interrupts with a client that stalls now and then; prints RSS,
# fds and losses. Built with everything, never run by make check (make soak).
noinst_PROGRAMS += tests/bench/soak
tests_bench_soak_SOURCES = tests/bench/soak.c
tests_bench_soak_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_bench_soak_LDADD = proto/libirqchip.la $(JSONC_LIBS)

soak: tests/bench/soak daemon/irqchipd
	tests/bench/soak --daemon daemon/irqchipd

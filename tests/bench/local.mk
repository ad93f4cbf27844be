# Benchmarks: programs that print figures next to the direct KVM calls; never
# run as tests (`make bench` runs them).
noinst_PROGRAMS += tests/bench/bench_its
tests_bench_bench_its_SOURCES = tests/bench/bench_its.c
tests_bench_bench_its_LDADD = emul/gicv3-its/libgicv3_its.la
noinst_PROGRAMS += tests/bench/bench_its_msi
tests_bench_bench_its_msi_SOURCES = tests/bench/bench_its_msi.c
tests_bench_bench_its_msi_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSONC_CFLAGS)
tests_bench_bench_its_msi_LDADD = daemon/libserver.la proto/libirqchip.la -lpthread

if HOST_X86_64
noinst_PROGRAMS += tests/bench/bench_inject
tests_bench_bench_inject_SOURCES = tests/bench/bench_inject.c
tests_bench_bench_inject_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/vmm
tests_bench_bench_inject_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_bench_bench_inject_LDADD = tests/vmm/libtestvm.la daemon/libirqchip-embedded.la \
	proto/libirqchip.la $(JSONC_LIBS) -lpthread

bench: tests/bench/bench_inject daemon/irqchipd tests/bench/bench_its tests/bench/bench_its_msi
	tests/bench/bench_inject --daemon daemon/irqchipd
	tests/bench/bench_its
	tests/bench/bench_its_msi
else
# The emulator benchmarks need no KVM and run on every host.
bench: tests/bench/bench_its tests/bench/bench_its_msi
	tests/bench/bench_its
	tests/bench/bench_its_msi
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

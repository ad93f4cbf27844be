# Wire code shared by both sides, and the client library a VMM links.
noinst_LTLIBRARIES += proto/libwire.la
proto_libwire_la_SOURCES = proto/wire.c proto/wire.h proto/spin.h
proto_libwire_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)

lib_LTLIBRARIES += proto/libirqchip.la
include_HEADERS += proto/irqchip.h proto/irqchip-kvm.h
include_HEADERS += proto/irqchip-ring.h
proto_libirqchip_la_SOURCES = proto/client.c proto/irqchip-kvm.c
proto_libirqchip_la_SOURCES += proto/ring.c proto/libirqchip-private.h proto/irqchip-ring.h
proto_libirqchip_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
proto_libirqchip_la_LIBADD = proto/libwire.la $(JSONC_LIBS) -lpthread
proto_libirqchip_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 \
	-export-symbols-regex '^irqchip_'
pkgconfig_DATA += proto/irqchip.pc
EXTRA_DIST += proto/irqchip.pc.in proto/irqchip-embedded.pc.in

bin_PROGRAMS += proto/irqchipctl
proto_irqchipctl_SOURCES = proto/irqchipctl.c
proto_irqchipctl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
proto_irqchipctl_LDADD = proto/libirqchip.la common/libcommon.la $(JSONC_LIBS)

# irqchipctl top against a scripted daemon (exact rates) and a real one.
check_PROGRAMS += tests/check_top
TESTS += tests/check_top
tests_check_top_SOURCES = tests/check_top.c
tests_check_top_CFLAGS = $(TEST_CFLAGS)
tests_check_top_LDADD = proto/libwire.la $(TEST_LIBS) -lm -lpthread

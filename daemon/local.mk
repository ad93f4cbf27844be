# The server (a convenience library shared by the daemon, embedded mode and tests).
noinst_LTLIBRARIES += daemon/libserver.la
daemon_libserver_la_SOURCES = daemon/daemon.h daemon/args.c daemon/chip.c \
	daemon/chip_ioapic.c daemon/chip_gicv3_its.c daemon/chip_xics.c daemon/chip_xive.c \
	daemon/cmd-chip.c daemon/cmd-fd.c daemon/cmd-memory.c \
	daemon/cmd-ring.c daemon/ring.c \
	daemon/cmd-session.c daemon/cmdtab.c daemon/dispatch.c daemon/fdcheck.c \
	daemon/inject.c daemon/memory.c daemon/notifier.c daemon/outbound.c \
	daemon/notify.c daemon/reply.c daemon/sandbox.c daemon/server.c daemon/state.c
daemon_libserver_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSONC_CFLAGS)
daemon_libserver_la_LIBADD = emul/ioapic/libioapic.la emul/gicv3-its/libgicv3_its.la \
	emul/xics/libxics.la emul/xive/libxive.la proto/libwire.la common/libcommon.la \
	$(LIBEVENT_LIBS) $(JSONC_LIBS) -lpthread

sbin_PROGRAMS += daemon/irqchipd
daemon_irqchipd_SOURCES = daemon/main.c
daemon_irqchipd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSONC_CFLAGS)
daemon_irqchipd_LDADD = daemon/libserver.la

lib_LTLIBRARIES += daemon/libirqchip-embedded.la
include_HEADERS += daemon/irqchip-embedded.h
daemon_libirqchip_embedded_la_SOURCES = daemon/embedded.c
daemon_libirqchip_embedded_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSONC_CFLAGS)
daemon_libirqchip_embedded_la_LIBADD = daemon/libserver.la proto/libirqchip.la -lpthread
daemon_libirqchip_embedded_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 \
	-export-symbols-regex '^irqchip_embedded_'
pkgconfig_DATA += proto/irqchip-embedded.pc

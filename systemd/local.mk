# systemd units: one socket-activated irqchipd per VM (irqchipd@VM.socket).
# Generated from their .in files at make time, when the installation
# directories are known; installed in --with-systemdsystemunitdir.
irqchipd_units = systemd/irqchipd@.socket systemd/irqchipd@.service
noinst_DATA += $(irqchipd_units)
if INSTALL_SYSTEMD_UNITS
systemdsystemunit_DATA = $(irqchipd_units)
endif
EXTRA_DIST += systemd/irqchipd@.socket.in systemd/irqchipd@.service.in
CLEANFILES += $(irqchipd_units)

edit_units = $(SED) -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g'

systemd/irqchipd@.socket: systemd/irqchipd@.socket.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	$(edit_units) $(srcdir)/systemd/irqchipd@.socket.in > $@.tmp && mv $@.tmp $@
systemd/irqchipd@.service: systemd/irqchipd@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	$(edit_units) $(srcdir)/systemd/irqchipd@.service.in > $@.tmp && mv $@.tmp $@

# The units: systemd-analyze verify, and socket activation as the units set
# it up, under systemd-socket-activate (no systemd as PID 1 needed).
TESTS += tests/check-systemd.sh
EXTRA_DIST += tests/check-systemd.sh

# Readiness on $NOTIFY_SOCKET, against a fake service manager.
check_PROGRAMS += tests/check_notify
TESTS += tests/check_notify
tests_check_notify_SOURCES = tests/check_notify.c
tests_check_notify_CFLAGS = $(TEST_CFLAGS) $(LIBEVENT_CFLAGS)
tests_check_notify_LDADD = daemon/libserver.la $(TEST_LIBS)

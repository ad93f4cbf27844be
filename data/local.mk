# The backend descriptor: what a management layer reads to find irqchipd and
# learn what it offers without starting it, in the manner of QEMU's
# vhost-user backend descriptors (docs/interop/vhost-user.json): the binary,
# and the members of `irqchipd --print-capabilities` that do not change at
# run time. tests/check_descriptor.c keeps the two in agreement.
backenddir = $(pkgdatadir)/backends
backend_DATA = data/50-irqchipd.json
EXTRA_DIST += data/irqchipd.json.in
CLEANFILES += data/50-irqchipd.json

data/50-irqchipd.json: data/irqchipd.json.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data && $(SED) -e 's|@sbindir[@]|$(sbindir)|g' \
		-e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
		$(srcdir)/data/irqchipd.json.in > $@.tmp && mv $@.tmp $@

check_PROGRAMS += tests/check_descriptor
TESTS += tests/check_descriptor
tests_check_descriptor_SOURCES = tests/check_descriptor.c
tests_check_descriptor_CPPFLAGS = $(AM_CPPFLAGS) -DSBINDIR='"$(sbindir)"'
tests_check_descriptor_CFLAGS = $(TEST_CFLAGS)
tests_check_descriptor_LDADD = $(TEST_LIBS)

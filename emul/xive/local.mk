# The POWER9 XIVE (sPAPR exploitation mode) emulator and its unit suite.
noinst_LTLIBRARIES += emul/xive/libxive.la
emul_xive_libxive_la_SOURCES = emul/xive/xive.c emul/xive/xive.h \
	emul/xive/xive_internal.h

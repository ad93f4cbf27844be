# The sPAPR XICS emulator: ICS sources, ICP presenters, hcalls and RTAS.
noinst_LTLIBRARIES += emul/xics/libxics.la
emul_xics_libxics_la_SOURCES = emul/xics/xics.c emul/xics/xics.h \
	emul/xics/xics_internal.h

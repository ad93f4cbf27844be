# Skeleton: the xics emulator arrives with its own issue.
noinst_LTLIBRARIES += emul/xics/libxics.la
emul_xics_libxics_la_SOURCES = emul/xics/xics.h emul/xics/xics.c

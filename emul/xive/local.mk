# Skeleton: the xive emulator arrives with its own issue.
noinst_LTLIBRARIES += emul/xive/libxive.la
emul_xive_libxive_la_SOURCES = emul/xive/xive.h emul/xive/xive.c

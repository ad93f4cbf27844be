# Logging and allocation helpers used everywhere (emulators use only compiler.h).
noinst_LTLIBRARIES += common/libcommon.la
common_libcommon_la_SOURCES = common/compiler.h common/log.c common/log.h \
	common/xmalloc.c common/xmalloc.h

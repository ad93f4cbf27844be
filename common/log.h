/* One log API for the daemon, the client library and the tests. */
#ifndef IRQCHIPD_LOG_H
#define IRQCHIPD_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include "compiler.h"

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Where messages go: stderr always unless a file is set; syslog in addition. */
int log_open(enum log_level level, const char *file, int use_syslog, char **cause);
int log_reopen(char **cause);
void log_close(void);
void log_set_level(enum log_level);
enum log_level log_get_level(void);
int log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level);

void log_msg(enum log_level, const char *func, const char *fmt, ...) PRINTFLIKE(3, 4);
void log_vmsg(enum log_level, const char *func, const char *fmt, va_list);

/*
 * A rate limit for lines an outsider can provoke (a client's sends, refused
 * connects, accept errors): at most LOG_LIMIT_PER_SEC lines a second each;
 * the next line let through says how many were suppressed meanwhile. Zeroed
 * is ready to use; one per kind of line, kept by its owner (no globals).
 */
#define LOG_LIMIT_PER_SEC	10

struct log_limit {
	long long window_ms;
	unsigned in_window;
	unsigned long long suppressed;
};

void log_limited(struct log_limit *, enum log_level, const char *func, const char *fmt, ...)
    PRINTFLIKE(4, 5);

/* Copies s into buf with every byte outside printable ASCII escaped. */
const char *log_escape(const char *s, char *buf, size_t size);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __func__, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __func__, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __func__, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __func__, __VA_ARGS__)
#define log_warn_limited(l, ...) log_limited(l, LOG_LEVEL_WARN, __func__, __VA_ARGS__)
#define log_info_limited(l, ...) log_limited(l, LOG_LEVEL_INFO, __func__, __VA_ARGS__)

#endif

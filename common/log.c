/* Levelled logging to stderr or a file, optionally syslog; SIGHUP reopens. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_level log_level = LOG_LEVEL_INFO;
static FILE *log_file;
static char *log_path;
static int log_syslog;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

int
log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcasecmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
log_level_name(enum log_level level)
{
	if ((size_t)level >= ARRAY_SIZE(level_names))
		return "?";
	return level_names[level];
}

int
log_open(enum log_level level, const char *file, int use_syslog, char **cause)
{
	log_level = level;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog("irqchipd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (file != NULL) {
		free(log_path);
		log_path = strdup(file);
		if (log_path == NULL)
			return -ENOMEM;
		return log_reopen(cause);
	}
	return 0;
}

/*
 * The log file: created 0600, appended to, never through a symlink (which
 * would let whoever can write its directory point the daemon's writes
 * elsewhere: open(2) O_NOFOLLOW).
 */
static FILE *
open_log_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if ((f = fdopen(fd, "a")) == NULL)
		close(fd);
	return f;
}

int
log_reopen(char **cause)
{
	FILE *f;
	int rc = 0;

	pthread_mutex_lock(&log_lock);
	if (log_path != NULL) {
		f = open_log_file(log_path);
		if (f == NULL) {
			rc = -errno;
			if (cause != NULL && asprintf(cause, "cannot open log file %s: %s",
			    log_path, strerror(errno)) < 0)
				*cause = NULL;
		} else {
			setvbuf(f, NULL, _IOLBF, 0);
			if (log_file != NULL)
				fclose(log_file);
			log_file = f;
		}
	}
	if (log_syslog) {
		closelog();
		openlog("irqchipd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
	pthread_mutex_unlock(&log_lock);
	return rc;
}

void
log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	free(log_path);
	log_path = NULL;
	if (log_syslog)
		closelog();
	log_syslog = 0;
	pthread_mutex_unlock(&log_lock);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

const char *
log_escape(const char *s, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (size == 0)
		return buf;
	for (; s != NULL && *s != '\0' && o + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		}
	}
	buf[o] = '\0';
	return buf;
}

void
log_vmsg(enum log_level level, const char *func, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[1024];
	struct timespec ts;
	struct tm tm;
	FILE *out;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);

	pthread_mutex_lock(&log_lock);
	out = log_file != NULL ? log_file : stderr;
	fprintf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ irqchipd[%s] %s: %s\n",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000000, log_level_name(level), func, msg);
	if (log_syslog)
		syslog(prio[level], "%s: %s", func, msg);
	pthread_mutex_unlock(&log_lock);
}

void
log_msg(enum log_level level, const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, func, fmt, ap);
	va_end(ap);
}

void
log_limited(struct log_limit *l, enum log_level level, const char *func, const char *fmt,
    ...)
{
	struct timespec ts;
	long long now;
	char msg[1024];
	va_list ap;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (now - l->window_ms >= 1000) {
		l->window_ms = now;
		l->in_window = 0;
	}
	if (l->in_window >= LOG_LIMIT_PER_SEC) {
		l->suppressed++;
		return;
	}
	l->in_window++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (l->suppressed > 0) {
		log_msg(level, func, "%s (%llu more like it suppressed)", msg, l->suppressed);
		l->suppressed = 0;
	} else
		log_msg(level, func, "%s", msg);
}

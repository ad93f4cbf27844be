/* Allocation wrappers, after tmux's xmalloc.c: an allocation failure is not recoverable. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static void
xfatal(const char *what, size_t n, size_t size)
{
	fprintf(stderr, "irqchipd: %s: out of memory (%zu x %zu bytes)\n", what, n, size);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		xfatal(__func__, 1, size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		xfatal(__func__, n, size);
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		xfatal(__func__, n, size);
	p = realloc(old, n * size == 0 ? 1 : n * size);
	if (p == NULL)
		xfatal(__func__, n, size);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		xfatal(__func__, 1, strlen(s));
	return p;
}

int
xasprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0)
		xfatal(__func__, 1, 0);
	return n;
}

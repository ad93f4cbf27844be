/* Replies in construction, the protocol's error classes, and reason strings. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "xmalloc.h"

static const char *const error_class_names[ERR_CLASS_COUNT] = {
	[ERR_GENERIC] = "GenericError",
	[ERR_PROTOCOL] = "ProtocolError",
	[ERR_COMMAND_NOT_FOUND] = "CommandNotFound",
	[ERR_INVALID_PARAMETER] = "InvalidParameter",
	[ERR_INVALID_FD] = "InvalidFd",
	[ERR_DEVICE_NOT_FOUND] = "DeviceNotFound",
	[ERR_ALREADY_EXISTS] = "AlreadyExists",
	[ERR_SESSION] = "SessionError",
	[ERR_BUSY] = "Busy",
	[ERR_PERMISSION_DENIED] = "PermissionDenied",
	[ERR_UNSUPPORTED] = "Unsupported",
};

const char *
error_class_name(enum error_class c)
{
	return c < ERR_CLASS_COUNT ? error_class_names[c] : "GenericError";
}

void
reply_init(struct reply *r)
{
	r->ret = json_object_new_object();
	r->err_class = ERR_GENERIC;
	r->err_desc = NULL;
}

void
reply_clear(struct reply *r)
{
	json_object_put(r->ret);
	free(r->err_desc);
	r->ret = NULL;
	r->err_desc = NULL;
}

int
reply_error(struct reply *r, enum error_class c, const char *fmt, ...)
{
	va_list ap;

	/* The first error wins: it is the one that explains the others. */
	if (r->err_desc != NULL)
		return -EINVAL;
	r->err_class = c;
	va_start(ap, fmt);
	if (vasprintf(&r->err_desc, fmt, ap) < 0)
		r->err_desc = xstrdup("out of memory");
	va_end(ap);
	return -EINVAL;
}

void
reason(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

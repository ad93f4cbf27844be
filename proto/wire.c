/* Protocol v1 framing: seqpacket messages with SCM_RIGHTS fds, strict JSON. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire.h"

int
wire_send(int sock, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
	} control;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (nfds > WIRE_MAX_FDS)
		return -E2BIG;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof control);
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EMSGSIZE;
	return 0;
}

int
wire_send_json(int sock, json_object *obj, const int *fds, unsigned nfds)
{
	size_t len;
	const char *s;

	s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &len);
	if (s == NULL)
		return -ENOMEM;
	if (len > WIRE_MAX_MESSAGE)
		return -EMSGSIZE;
	return wire_send(sock, s, len, fds, nfds);
}

int
wire_set_cause(char **cause, int rc, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		if (vasprintf(cause, fmt, ap) < 0)
			*cause = NULL;
		va_end(ap);
	}
	return rc;
}

void
wire_close_fds(int *fds, unsigned nfds)
{
	for (unsigned i = 0; i < nfds; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int
wire_recv(int sock, char *buf, size_t size, size_t *len, int *fds, unsigned *nfds,
    int flags)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof control.buf,
	};
	struct cmsghdr *c;
	ssize_t n;

	*nfds = 0;
	*len = 0;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		size_t count, i;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (*nfds < WIRE_MAX_FDS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		/*
		 * The data is whole; only fds are missing: more than fit, or the
		 * receiver is at RLIMIT_NOFILE (the kernel then passes fewer,
		 * unix(7)). *len and *nfds still say what arrived.
		 */
		wire_close_fds(fds, *nfds);
		*len = (size_t)n;
		return -EPROTO;
	}
	if (msg.msg_flags & MSG_TRUNC) {
		wire_close_fds(fds, *nfds);
		*nfds = 0;
		return -EMSGSIZE;
	}
	*len = (size_t)n;
	return 0;
}

/*
 * Where buf stops being well-formed UTF-8 (RFC 3629, Unicode table 3-7: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or len. json-c's own
 * check only looks at the shape of each sequence.
 */
static size_t
utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned char lo, hi;

	while (i < len) {
		lo = 0x80;
		hi = 0xbf;
		if (s[i] < 0x80) {
			i++;
			continue;
		} else if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 1;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			if (s[i] == 0xe0)
				lo = 0xa0;
			else if (s[i] == 0xed)
				hi = 0x9f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			if (s[i] == 0xf0)
				lo = 0x90;
			else if (s[i] == 0xf4)
				hi = 0x8f;
		} else {
			return i;
		}
		if (len - i - 1 < n || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		}
		i += n + 1;
	}
	return len;
}

/* Whether the decimal digits d (n of them, no leading zeros) exceed max. */
static bool
digits_exceed(const char *d, size_t n, const char *max)
{
	size_t m = strlen(max);

	return n > m || (n == m && memcmp(d, max, n) > 0);
}

/*
 * What json-c lets through and the protocol refuses, found on the text
 * before parsing: control characters inside strings (RFC 8259 section 7:
 * U+0000 to U+001F must be escaped), the escape \u0000 (a C string would be
 * cut there, and "io0\u0000junk" act on "io0"), and integers outside
 * -2^63..2^64-1 (json-c would saturate them). Returns 0, or -EINVAL with
 * *cause set.
 */
static int
lexical_check(const char *buf, size_t len, char **cause)
{
	bool in_string = false;
	size_t i, start, ndig;
	const char *d;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (in_string) {
			if (c == '"') {
				in_string = false;
			} else if (c < 0x20) {
				return wire_set_cause(cause, -EINVAL, "invalid JSON at byte %zu: "
				    "control character 0x%02x inside a string (escape it)", i, c);
			} else if (c == '\\' && i + 1 < len) {
				if (buf[i + 1] == 'u' && i + 5 < len &&
				    memcmp(buf + i + 2, "0000", 4) == 0)
					return wire_set_cause(cause, -EINVAL, "byte %zu: a string "
					    "contains \\u0000, which no argument may hold", i);
				i++;
			}
			continue;
		}
		if (c == '"') {
			in_string = true;
			continue;
		}
		if (c != '-' && (c < '0' || c > '9'))
			continue;
		/* A number: an integer unless a fraction or exponent follows. */
		start = i;
		if (c == '-')
			i++;
		d = buf + i;
		while (i < len && buf[i] >= '0' && buf[i] <= '9')
			i++;
		ndig = (size_t)(buf + i - d);
		if (i < len && (buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E')) {
			while (i + 1 < len && strchr("0123456789.eE+-", buf[i + 1]) != NULL)
				i++;
			continue;
		}
		if (digits_exceed(d, ndig, c == '-' ? "9223372036854775808" :
		    "18446744073709551615"))
			return wire_set_cause(cause, -EINVAL, "invalid JSON at byte %zu: the "
			    "integer %.*s%s is outside -2^63..2^64-1", start,
			    (int)(ndig + (c == '-') > 40 ? 40 : ndig + (c == '-')), buf + start,
			    ndig + (c == '-') > 40 ? "..." : "");
		i--;
	}
	return 0;
}

json_object *
wire_parse(const char *buf, size_t len, char **cause)
{
	struct json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t used;

	*cause = NULL;
	if (len > INT_MAX) {
		*cause = strdup("message too long");
		return NULL;
	}
	if (len == 0) {
		*cause = strdup("invalid JSON: the message is empty");
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		*cause = strdup("message contains a NUL byte");
		return NULL;
	}
	used = utf8_invalid_at((const unsigned char *)buf, len);
	if (used != len) {
		if (asprintf(cause, "invalid JSON at byte %zu: invalid utf-8 string", used) < 0)
			*cause = NULL;
		return NULL;
	}
	if (lexical_check(buf, len, cause) < 0)
		return NULL;
	tok = json_tokener_new_ex(WIRE_MAX_DEPTH);
	if (tok == NULL) {
		*cause = strdup("out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/*
		 * The whole packet is one message. A scalar (42, true) ends only
		 * where the input does: the NUL tells json-c so. Anything else
		 * still open is a value cut short.
		 */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		used = len;
		if (jerr != json_tokener_success) {
			json_object_put(obj);
			obj = NULL;
			if (asprintf(cause, "invalid JSON: message ends inside a value") < 0)
				*cause = NULL;
		}
	} else if (jerr != json_tokener_success) {
		if (jerr == json_tokener_error_depth) {
			if (asprintf(cause, "invalid JSON: nesting deeper than %d levels",
			    WIRE_MAX_DEPTH) < 0)
				*cause = NULL;
		} else if (asprintf(cause, "invalid JSON at byte %zu: %s", used,
		    json_tokener_error_desc(jerr)) < 0)
			*cause = NULL;
	} else {
		while (used < len && strchr(" \t\r\n", buf[used]) != NULL)
			used++;
		if (used != len) {
			json_object_put(obj);
			obj = NULL;
			if (asprintf(cause, "invalid JSON: data after the value at byte %zu",
			    used) < 0)
				*cause = NULL;
		}
	}
	json_tokener_free(tok);
	/* json-c parses null as a NULL object: a success that must still say what it was. */
	if (obj == NULL && jerr == json_tokener_success && used == len)
		*cause = strdup("a message must be a JSON object, not null");
	return obj;
}

json_object *
wire_u64(uint64_t v)
{
	char buf[32];

	if (v <= (uint64_t)INT64_MAX)
		return json_object_new_int64((int64_t)v);
	snprintf(buf, sizeof buf, "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

/* Value of a hex or decimal digit in base, or -1. */
static int
digit_value(char c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (base == 16 && c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (base == 16 && c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v;
}

int
wire_get_u64(json_object *o, uint64_t *out)
{
	const char *s;
	unsigned base = 10;
	uint64_t v = 0;
	int d;

	if (json_object_is_type(o, json_type_int)) {
		/* json-c keeps integers above INT64_MAX as uint64. */
		if (json_object_get_int64(o) < 0)
			return -EINVAL;
		*out = json_object_get_uint64(o);
		return 0;
	}
	if (!json_object_is_type(o, json_type_string))
		return -EINVAL;
	/* Strictly "0x" hex digits or decimal digits: no sign, space or second prefix. */
	s = json_object_get_string(o);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if ((d = digit_value(*s, base)) < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -EINVAL;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* Protocol v1 framing: seqpacket messages with SCM_RIGHTS fds, strict JSON. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
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
		wire_close_fds(fds, *nfds);
		*nfds = 0;
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
	if (memchr(buf, '\0', len) != NULL) {
		*cause = strdup("message contains a NUL byte");
		return NULL;
	}
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
		/* The whole packet is one message: a value cut short is an error. */
		json_object_put(obj);
		obj = NULL;
		if (asprintf(cause, "invalid JSON: message ends inside a value") < 0)
			*cause = NULL;
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

int
wire_get_u64(json_object *o, uint64_t *out)
{
	const char *s;
	char *end;
	unsigned long long v;

	if (json_object_is_type(o, json_type_int)) {
		/* json-c keeps integers above INT64_MAX as uint64. */
		if (json_object_get_int64(o) < 0)
			return -EINVAL;
		*out = json_object_get_uint64(o);
		return 0;
	}
	if (!json_object_is_type(o, json_type_string))
		return -EINVAL;
	s = json_object_get_string(o);
	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (end == s || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && end == s + 2))
		return -EINVAL;
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

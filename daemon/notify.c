/*
 * The service manager's readiness protocol, spoken directly: one datagram
 * of newline-separated VARIABLE=value assignments (READY=1, STATUS=...,
 * STOPPING=1) sent to the AF_UNIX socket named by $NOTIFY_SOCKET, a path or,
 * with a leading '@', an abstract name (sd_notify(3), "Description"). No
 * libsystemd: the protocol is this one sendmsg(), and without the variable
 * there is nothing to do.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

int
notify_send(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct iovec iov = { .iov_base = (void *)(uintptr_t)state, .iov_len = strlen(state) };
	struct msghdr mh = { .msg_name = &sun, .msg_iov = &iov, .msg_iovlen = 1 };
	size_t len;
	ssize_t n;
	int fd, rc = 0;

	if (name == NULL || *name == '\0')
		return 0;
	len = strlen(name);
	if (name[0] != '/' && name[0] != '@')
		return -EAFNOSUPPORT;
	if (len > sizeof sun.sun_path || (name[0] == '/' && len == sizeof sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, name, len);
	/* An abstract name starts with a NUL and its length is the address length. */
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	mh.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (name[0] == '/' ? 1 : 0));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	do {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != iov.iov_len)
		rc = -EMSGSIZE;
	close(fd);
	return rc;
}


/*
 * The service manager's notification protocol as irqchipd speaks it without
 * libsystemd (sd_notify(3)): a fake $NOTIFY_SOCKET, a datagram socket this
 * suite binds, receives what notify_send() sends, by path and by abstract
 * name; and a real daemon announces READY=1 with a STATUS= only once its
 * socket accepts connections, from its own pid (what NotifyAccess=main
 * checks), and STOPPING=1 when it is told to stop.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "testlib.h"

/* The fake manager: a bound datagram socket that reports the sender's pid. */
struct manager {
	char dir[64];
	char name[108];		/* as $NOTIFY_SOCKET spells it */
	int fd;
};

static void
manager_open(struct manager *m, bool abstract)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int one = 1;

	test_make_dir(m->dir, sizeof m->dir);
	m->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(m->fd, 0);
	ck_assert_int_eq(setsockopt(m->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one), 0);
	if (abstract) {
		snprintf(m->name, sizeof m->name, "@irqchipd-check-notify-%d", (int)getpid());
		memcpy(sun.sun_path + 1, m->name + 1, strlen(m->name) - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(m->name));
	} else {
		snprintf(m->name, sizeof m->name, "%s/notify", m->dir);
		strcpy(sun.sun_path, m->name);
		len = sizeof sun;
	}
	ck_assert_msg(bind(m->fd, (struct sockaddr *)&sun, len) == 0, "bind %s: %s", m->name,
	    strerror(errno));
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", m->name, 1), 0);
}

static void
manager_close(struct manager *m)
{
	char cmd[128];

	unsetenv("NOTIFY_SOCKET");
	close(m->fd);
	snprintf(cmd, sizeof cmd, "rm -rf %s", m->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The next datagram within timeout_ms (a new string), and its sender's pid. */
static char *
manager_recv(struct manager *m, int timeout_ms, pid_t *pid)
{
	struct pollfd p = { .fd = m->fd, .events = POLLIN };
	char buf[1024];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
	    .msg_controllen = sizeof cbuf.buf };
	struct cmsghdr *c;
	ssize_t n;

	if (poll(&p, 1, timeout_ms) != 1)
		return NULL;
	n = recvmsg(m->fd, &mh, 0);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	*pid = -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(c), sizeof cred);
			*pid = cred.pid;
		}
	}
	return strdup(buf);
}

START_TEST(test_notify_unset)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_send("READY=1"), 0);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "", 1), 0);
	ck_assert_int_eq(notify_send("READY=1"), 0);
	unsetenv("NOTIFY_SOCKET");
}
END_TEST

START_TEST(test_notify_path)
{
	struct manager m;
	pid_t pid;
	char *got;

	manager_open(&m, false);
	ck_assert_int_eq(notify_send("READY=1\nSTATUS=listening on /x"), 0);
	got = manager_recv(&m, 2000, &pid);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "READY=1\nSTATUS=listening on /x");
	ck_assert_int_eq(pid, getpid());
	free(got);
	ck_assert_int_eq(notify_send("STOPPING=1"), 0);
	got = manager_recv(&m, 2000, &pid);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "STOPPING=1");
	free(got);
	manager_close(&m);
}
END_TEST

START_TEST(test_notify_abstract)
{
	struct manager m;
	pid_t pid;
	char *got;

	manager_open(&m, true);
	ck_assert_int_eq(notify_send("STATUS=abstract"), 0);
	got = manager_recv(&m, 2000, &pid);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "STATUS=abstract");
	free(got);
	manager_close(&m);
}
END_TEST

/* What is not a unix socket name, or names none, is an error, not a hang. */
START_TEST(test_notify_bad_names)
{
	char longname[200];

	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "relative/notify", 1), 0);
	ck_assert_int_eq(notify_send("READY=1"), -EAFNOSUPPORT);
	memset(longname, 'x', sizeof longname - 1);
	longname[0] = '/';
	longname[sizeof longname - 1] = '\0';
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", longname, 1), 0);
	ck_assert_int_eq(notify_send("READY=1"), -ENAMETOOLONG);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "/nonexistent/irqchipd-notify", 1), 0);
	ck_assert_int_eq(notify_send("READY=1"), -ENOENT);
	unsetenv("NOTIFY_SOCKET");
}
END_TEST

START_TEST(test_notify_daemon)
{
	struct test_daemon d;
	struct manager m;
	struct stat st;
	pid_t pid, daemon_pid;
	char *got;

	manager_open(&m, false);
	test_daemon_start(&d, NULL);
	daemon_pid = d.pid;
	got = manager_recv(&m, 5000, &pid);
	ck_assert_msg(got != NULL, "no READY=1 within 5 s");
	/* Ready means the socket is there and served: it was created before. */
	ck_assert_int_eq(stat(d.sock, &st), 0);
	ck_assert_msg(strncmp(got, "READY=1\n", 8) == 0, "first message: '%s'", got);
	ck_assert_msg(test_contains(got, "STATUS=listening on ") && test_contains(got, d.sock),
	    "no STATUS naming the socket: '%s'", got);
	ck_assert_int_eq(pid, daemon_pid);
	free(got);
	{
		struct irqchip_client *c = test_connect(&d);

		irqchip_client_close(c);
	}
	ck_assert_int_eq(test_daemon_stop(&d), 0);
	got = manager_recv(&m, 5000, &pid);
	ck_assert_msg(got != NULL, "no STOPPING=1 after SIGTERM");
	ck_assert_msg(strncmp(got, "STOPPING=1", 10) == 0, "last message: '%s'", got);
	ck_assert_int_eq(pid, daemon_pid);
	free(got);
	/* Nothing else was said. */
	ck_assert_ptr_null(manager_recv(&m, 0, &pid));
	manager_close(&m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");

	tcase_add_test(tc, test_notify_unset);
	tcase_add_test(tc, test_notify_path);
	tcase_add_test(tc, test_notify_abstract);
	tcase_add_test(tc, test_notify_bad_names);
	tcase_add_test(tc, test_notify_daemon);
	suite_add_tcase(s, tc);
	return test_main(s);
}

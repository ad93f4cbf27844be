/*
 * irqchipctl(1): human and --json output, key=value and raw JSON arguments,
 * error replies and usage errors as exit statuses, and `monitor`, which is
 * driven by a small fake irqchipd here: the real one only sends events that
 * the monitoring client's own requests cause, and it serves one client.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

static struct test_daemon D;

static void
setup(void)
{
	test_daemon_start(&D, NULL);
}

static void
teardown(void)
{
	ck_assert_int_eq(test_daemon_stop(&D), 0);
}

/* Runs irqchipctl -s D.sock with args; returns the exit status. */
static int
ctl(const char *const *args, char **out, char **err)
{
	char prog[512];
	const char *argv[32];
	int n = 0;

	argv[n++] = test_program("proto/irqchipctl", prog, sizeof prog);
	argv[n++] = "-s";
	argv[n++] = D.sock;
	for (int i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return test_run(argv, out, err);
}

/* out is exactly one line holding one JSON object; returns it. */
static json_object *
one_json_line(const char *out)
{
	json_object *o;

	ck_assert_msg(strlen(out) > 1 && strchr(out, '\n') == out + strlen(out) - 1,
	    "not one line: %s", out);
	o = json_tokener_parse(out);
	ck_assert_msg(o != NULL && json_object_is_type(o, json_type_object), "not JSON: %s", out);
	return o;
}

START_TEST(test_ctl_query_version)
{
	static const char *const args[] = { "query-version", NULL };
	char *out, *err;

	ck_assert_int_eq(ctl(args, &out, &err), 0);
	ck_assert_msg(test_contains(out, "irqchipd: " PACKAGE_VERSION "\n"), "%s", out);
	ck_assert_msg(test_contains(out, "protocol: 1\n"), "%s", out);
	/* For people: not JSON. */
	ck_assert(!test_contains(out, "{"));
	ck_assert_str_eq(err, "");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_ctl_json)
{
	static const char *const args[] = { "--json", "query-version", NULL };
	static const char *const status[] = { "-j", "query-status", NULL };
	json_object *o;
	char *out, *err;

	ck_assert_int_eq(ctl(args, &out, &err), 0);
	o = one_json_line(out);
	ck_assert_str_eq(json_object_get_string(test_get(o, "irqchipd")), PACKAGE_VERSION);
	ck_assert_int_eq(test_get_int(o, "protocol"), 1);
	json_object_put(o);
	free(out);
	free(err);
	/* Nested replies too stay on one line. */
	ck_assert_int_eq(ctl(status, &out, &err), 0);
	o = one_json_line(out);
	ck_assert(json_object_is_type(test_get(o, "counters.errors-by-class"), json_type_object));
	json_object_put(o);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_ctl_key_value)
{
	static const char *const add[] = { "chip-add", "type=ioapic", "id=io0", "pins=8",
	    "gsi-base=0x10", "base=0xfec01000", NULL };
	static const char *const list[] = { "--json", "query-chips", NULL };
	static const char *const human[] = { "query-chips", NULL };
	json_object *o;
	char *out, *err;

	ck_assert_int_eq(ctl(add, &out, &err), 0);
	ck_assert_msg(test_contains(out, "id: io0"), "%s", out);
	free(out);
	free(err);
	/* A second invocation takes over the kept session and sees the chip. */
	ck_assert_int_eq(ctl(list, &out, &err), 0);
	o = one_json_line(out);
	ck_assert_uint_eq(json_object_array_length(test_get(o, "chips")), 1);
	ck_assert_str_eq(json_object_get_string(test_get(o, "chips.0.id")), "io0");
	ck_assert_str_eq(json_object_get_string(test_get(o, "chips.0.type")), "ioapic");
	ck_assert_int_eq(test_get_int(o, "chips.0.pins"), 8);
	ck_assert_int_eq(test_get_int(o, "chips.0.gsi-base"), 16);
	ck_assert_int_eq(test_get_int(o, "chips.0.base"), 0xfec01000LL);
	json_object_put(o);
	free(out);
	free(err);
	/* The human form: a table with a header and the chip's row. */
	ck_assert_int_eq(ctl(human, &out, &err), 0);
	ck_assert_msg(test_contains(out, "id") && test_contains(out, "pins") &&
	    test_contains(out, "io0"), "%s", out);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_ctl_raw_json)
{
	static const char *const add[] = { "chip-add",
	    "{\"type\": \"ioapic\", \"id\": \"io1\", \"pins\": 4, \"base\": \"0xfec02000\"}", NULL };
	static const char *const query[] = { "--json", "chip-query", "{\"id\": \"io1\"}", NULL };
	json_object *o;
	char *out, *err;

	ck_assert_int_eq(ctl(add, &out, &err), 0);
	free(out);
	free(err);
	ck_assert_int_eq(ctl(query, &out, &err), 0);
	o = one_json_line(out);
	ck_assert_int_eq(test_get_int(o, "pins"), 4);
	ck_assert_int_eq(test_get_int(o, "base"), 0xfec02000LL);
	ck_assert_uint_eq(json_object_array_length(test_get(o, "entries")), 4);
	json_object_put(o);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_ctl_error_reply)
{
	static const char *const bad_pins[] = { "chip-add", "type=ioapic", "id=io0", "pins=300",
	    NULL };
	static const char *const unknown[] = { "no-such-command", NULL };
	static const char *const no_chip[] = { "--json", "chip-query", "id=nope", NULL };
	static const char *const list[] = { "--json", "query-chips", NULL };
	json_object *o;
	char *out, *err;

	ck_assert_int_eq(ctl(bad_pins, &out, &err), 1);
	ck_assert_msg(test_contains(err, "InvalidParameter: argument 'pins'") &&
	    test_contains(err, "1..120"), "%s", err);
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
	ck_assert_int_eq(ctl(unknown, &out, &err), 1);
	ck_assert_msg(test_contains(err, "CommandNotFound: unknown command 'no-such-command'"),
	    "%s", err);
	free(out);
	free(err);
	ck_assert_int_eq(ctl(no_chip, &out, &err), 1);
	ck_assert_msg(test_contains(err, "DeviceNotFound: "), "%s", err);
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
	/* And nothing was made. */
	ck_assert_int_eq(ctl(list, &out, &err), 0);
	o = one_json_line(out);
	ck_assert_uint_eq(json_object_array_length(test_get(o, "chips")), 0);
	json_object_put(o);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_ctl_usage)
{
	static const char *const cases[][4] = {
		{ NULL },
		{ "--json", NULL },
		{ "chip-add", "type", NULL },
		{ "chip-add", "=ioapic", NULL },
		{ "chip-add", "{\"type\": ", NULL },
		{ "chip-add", "{\"type\": \"ioapic\"}", "id=io0", NULL },
		{ "--bogus", "query-version", NULL },
	};
	char prog[512];
	const char *argv[4];
	char *out, *err;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(ctl(cases[i], &out, &err) == 2, "case %zu: %s", i, err);
		ck_assert_int_gt(strlen(err), 0);
		free(out);
		free(err);
	}
	/* No socket at all. */
	unsetenv("IRQCHIPD_SOCKET");
	argv[0] = test_program("proto/irqchipctl", prog, sizeof prog);
	argv[1] = "query-version";
	argv[2] = NULL;
	ck_assert_int_eq(test_run(argv, &out, &err), 2);
	ck_assert(test_contains(err, "-s"));
	free(out);
	free(err);
	/* --help is not an error. */
	argv[1] = "--help";
	ck_assert_int_eq(test_run(argv, &out, &err), 0);
	ck_assert(test_contains(out, "monitor"));
	free(out);
	free(err);
}
END_TEST

START_TEST(test_ctl_no_daemon)
{
	char prog[512];
	const char *argv[] = { test_program("proto/irqchipctl", prog, sizeof prog), "-s",
	    "/nonexistent/irqchipd.sock", "query-version", NULL };
	char *out, *err;

	/* Not a usage error: the daemon is not there. */
	ck_assert_int_eq(test_run(argv, &out, &err), 1);
	ck_assert(test_contains(err, "/nonexistent/irqchipd.sock"));
	free(out);
	free(err);
}
END_TEST

/* ---- monitor, against a fake daemon ---- */

struct monitor {
	char dir[64], sock[128];
	int lfd, conn, out, err;
	pid_t pid;
	char buf[8192];
	size_t len;
};

static void
send_text(int fd, const char *text)
{
	ck_assert_int_eq(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* A request from the client, as JSON (5 s at most). */
static json_object *
recv_json(int fd)
{
	char buf[65536];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	json_object *o;
	ssize_t n;

	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	n = recv(fd, buf, sizeof buf - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	o = json_tokener_parse(buf);
	ck_assert_msg(o != NULL, "not JSON: %s", buf);
	return o;
}

/*
 * Starts `irqchipctl [--json] monitor` against a fake daemon listening on
 * m->sock, greets it and answers its negotiate.
 */
static void
monitor_start(struct monitor *m, bool json)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char prog[512];
	int po[2], pe[2];
	struct pollfd p;
	json_object *req, *id;
	char reply[256];

	memset(m, 0, sizeof *m);
	test_make_dir(m->dir, sizeof m->dir);
	snprintf(m->sock, sizeof m->sock, "%s/sock", m->dir);
	memcpy(sun.sun_path, m->sock, strlen(m->sock) + 1);
	m->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(m->lfd, 0);
	ck_assert_int_eq(bind(m->lfd, (struct sockaddr *)&sun, sizeof sun), 0);
	ck_assert_int_eq(listen(m->lfd, 1), 0);
	ck_assert_int_eq(pipe2(po, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(pe, O_CLOEXEC), 0);
	test_program("proto/irqchipctl", prog, sizeof prog);
	m->pid = fork();
	ck_assert_int_ge(m->pid, 0);
	if (m->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (json)
			test_execv(prog, (const char *[]){ prog, "-s", m->sock, "--json", "monitor",
			    NULL });
		else
			test_execv(prog, (const char *[]){ prog, "-s", m->sock, "monitor", NULL });
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	m->out = po[0];
	m->err = pe[0];
	p = (struct pollfd){ .fd = m->lfd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	m->conn = accept4(m->lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(m->conn, 0);
	send_text(m->conn, "{\"greeting\": {\"version\": {\"irqchipd\": \"0.0-fake\", \"protocol\": 1}, "
	    "\"protocol\": 1, \"capabilities\": [\"events\"], \"limits\": {\"max-message\": 65536, "
	    "\"max-fds\": 16}, \"session\": \"0123456789abcdef0123456789abcdef\", "
	    "\"resumable\": false}}");
	req = recv_json(m->conn);
	ck_assert_str_eq(json_object_get_string(test_get(req, "execute")), "negotiate");
	ck_assert(json_object_object_get_ex(req, "id", &id));
	snprintf(reply, sizeof reply, "{\"return\": {\"capabilities\": [\"events\"], \"session\": "
	    "\"0123456789abcdef0123456789abcdef\", \"resumed\": false, \"effects\": []}, "
	    "\"id\": %s}", json_object_to_json_string(id));
	json_object_put(req);
	send_text(m->conn, reply);
}

/* The next line irqchipctl prints (without its newline); fails after 5 s. */
static char *
monitor_line(struct monitor *m)
{
	int64_t deadline = test_now_ms() + 5000;
	char *nl, *line;

	while ((nl = memchr(m->buf, '\n', m->len)) == NULL) {
		struct pollfd p = { .fd = m->out, .events = POLLIN };
		int left = (int)(deadline - test_now_ms());
		ssize_t n;

		ck_assert_msg(left > 0 && poll(&p, 1, left) == 1, "no line from monitor; so far "
		    "\"%.*s\"", (int)m->len, m->buf);
		ck_assert_uint_lt(m->len, sizeof m->buf);
		n = read(m->out, m->buf + m->len, sizeof m->buf - m->len);
		ck_assert_msg(n > 0, "monitor closed its output");
		m->len += (size_t)n;
	}
	line = strndup(m->buf, (size_t)(nl - m->buf));
	m->len -= (size_t)(nl + 1 - m->buf);
	memmove(m->buf, nl + 1, m->len);
	return line;
}

/* Waits (5 s) for irqchipctl to exit; its status. */
static int
monitor_wait(struct monitor *m)
{
	int64_t deadline = test_now_ms() + 5000;
	int status;

	for (;;) {
		if (waitpid(m->pid, &status, WNOHANG) == m->pid)
			break;
		if (test_now_ms() > deadline) {
			kill(m->pid, SIGKILL);
			waitpid(m->pid, &status, 0);
			ck_abort_msg("irqchipctl monitor did not exit");
		}
		poll(NULL, 0, 5);
	}
	m->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
monitor_end(struct monitor *m)
{
	if (m->pid > 0) {
		kill(m->pid, SIGKILL);
		waitpid(m->pid, NULL, 0);
	}
	close(m->out);
	close(m->err);
	if (m->conn >= 0)
		close(m->conn);
	close(m->lfd);
	unlink(m->sock);
	rmdir(m->dir);
}

static const char *const ev1 = "{\"event\": \"state-changed\", \"data\": {\"id\": \"io0\", "
    "\"change\": \"added\"}, \"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 42}}";
static const char *const ev2 = "{\"event\": \"guest-error\", \"data\": {\"id\": \"io0\", "
    "\"kind\": \"reserved-delivery-mode\", \"count\": 3}, \"timestamp\": {\"seconds\": "
    "1700000001, \"microseconds\": 999999}}";

START_TEST(test_ctl_monitor_json)
{
	struct monitor m;
	json_object *got, *want;
	char *line;

	monitor_start(&m, true);
	/* Each event is printed when it comes, not when the monitor ends. */
	send_text(m.conn, ev1);
	line = monitor_line(&m);
	got = json_tokener_parse(line);
	want = json_tokener_parse(ev1);
	ck_assert_msg(got != NULL && json_object_equal(got, want), "printed %s", line);
	json_object_put(got);
	json_object_put(want);
	free(line);
	send_text(m.conn, ev2);
	line = monitor_line(&m);
	got = json_tokener_parse(line);
	want = json_tokener_parse(ev2);
	ck_assert_msg(got != NULL && json_object_equal(got, want), "printed %s", line);
	json_object_put(got);
	json_object_put(want);
	free(line);
	/* SIGTERM ends it cleanly. */
	ck_assert_int_eq(kill(m.pid, SIGTERM), 0);
	ck_assert_int_eq(monitor_wait(&m), 0);
	ck_assert_uint_eq(m.len, 0);
	monitor_end(&m);
}
END_TEST

START_TEST(test_ctl_monitor_human)
{
	struct monitor m;
	char *line, err[512];
	ssize_t n;

	monitor_start(&m, false);
	send_text(m.conn, ev1);
	line = monitor_line(&m);
	ck_assert_str_eq(line, "1700000000.000042 state-changed id=io0 change=added");
	free(line);
	send_text(m.conn, ev2);
	line = monitor_line(&m);
	ck_assert_str_eq(line, "1700000001.999999 guest-error id=io0 kind=reserved-delivery-mode "
	    "count=3");
	free(line);
	/* The daemon going away ends the monitor with an error. */
	close(m.conn);
	m.conn = -1;
	ck_assert_int_eq(monitor_wait(&m), 1);
	n = read(m.err, err, sizeof err - 1);
	ck_assert_int_gt(n, 0);
	err[n] = '\0';
	ck_assert_msg(test_contains(err, "connection lost"), "%s", err);
	monitor_end(&m);
}
END_TEST

static Suite *
irqchipctl_suite(void)
{
	Suite *s = suite_create("irqchipctl");
	TCase *tc;

	tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ctl_query_version);
	tcase_add_test(tc, test_ctl_json);
	tcase_add_test(tc, test_ctl_key_value);
	tcase_add_test(tc, test_ctl_raw_json);
	tcase_add_test(tc, test_ctl_error_reply);
	tcase_add_test(tc, test_ctl_usage);
	suite_add_tcase(s, tc);

	tc = tcase_create("standalone");
	tcase_add_test(tc, test_ctl_no_daemon);
	tcase_add_test(tc, test_ctl_monitor_json);
	tcase_add_test(tc, test_ctl_monitor_human);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_main(irqchipctl_suite());
}

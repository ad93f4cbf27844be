/*
 * The irqchipd process (irqchipd(8)): flags and their errors, socket
 * hygiene, inherited and socket-activated listeners, who may connect,
 * signals, one client at a time, the kept session and its resume, logs.
 *
 * Flag tests run daemon/irqchipd to completion and look at its exit status,
 * stdout and stderr; the others start daemons (test_daemon_start, or spawn()
 * here when the daemon needs an inherited fd or an environment) and stop them.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

/* The process harness (testlib), by the names this suite reads best with. */
#define remove_dir		test_remove_dir
#define proc_init		test_proc_init
#define spawn			test_spawn
#define status_code		test_status_code
#define proc_wait		test_proc_wait
#define proc_stop		test_proc_stop
#define connect_when_ready	test_connect_when_ready

static const char *const all_flags[] = {
	"--socket-path", "--fd", "--socket-mode", "--allow-uid", "--print-capabilities",
	"--list-commands", "--log-level", "--log-file", "--syslog", "--exit-on-disconnect",
	"--version", "--help", NULL,
};

/* Runs the daemon with args (NULL-terminated) to completion; see test_run. */
static int
run_daemon(const char *const *args, char **out, char **err)
{
	char prog[512];
	const char *argv[32];
	int n = 0;

	argv[n++] = test_program("daemon/irqchipd", prog, sizeof prog);
	for (int i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return test_run(argv, out, err);
}

/* s is one non-empty line: text, then exactly one newline, at the end. */
static void
assert_one_line(const char *s, const char *what)
{
	size_t len = strlen(s);

	ck_assert_msg(len > 1 && s[len - 1] == '\n' && strchr(s, '\n') == s + len - 1,
	    "%s: expected one line on stderr, got \"%s\"", what, s);
}

/* A file's contents (NULL if it cannot be read). */
static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf = realloc(buf, len + n + 1);
		ck_assert_ptr_nonnull(buf);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL)
		buf = strdup("");
	else
		buf[len] = '\0';
	return buf;
}

/* Waits until the file at path contains needle; false after timeout_ms. */
static bool
wait_file_contains(const char *path, const char *needle, int timeout_ms)
{
	int64_t deadline = test_now_ms() + timeout_ms;

	for (;;) {
		char *s = read_file(path);
		bool found = test_contains(s, needle);

		free(s);
		if (found)
			return true;
		if (test_now_ms() > deadline)
			return false;
		test_sleep_ms(10);
	}
}

static void
set_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof sun->sun_path);
	memcpy(sun->sun_path, path, strlen(path) + 1);
}

/* A unix socket of type bound at path; listening unless listen_too is false. */
static int
bound_socket(const char *path, int type, bool listen_too)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	set_addr(&sun, path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	if (listen_too)
		ck_assert_int_eq(listen(fd, 8), 0);
	return fd;
}

/* A raw connection: the first message (greeting or refusal), as JSON. */
static json_object *
first_message(const char *path, int *fdp)
{
	struct sockaddr_un sun;
	struct pollfd p;
	char buf[65536];
	json_object *o;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	set_addr(&sun, path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	n = recv(fd, buf, sizeof buf - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	o = json_tokener_parse(buf);
	ck_assert_msg(o != NULL, "not JSON: %s", buf);
	if (fdp != NULL)
		*fdp = fd;
	else
		close(fd);
	return o;
}

/* After a refusal, the daemon closes the connection: EOF within 5 s. */
static void
assert_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_eq(recv(fd, &c, 1, 0), 0);
	close(fd);
}

/* ---- processes started here: inherited fds, environment, captured output ---- */



/* ---- informational flags ---- */

START_TEST(test_help)
{
	static const char *const forms[][2] = { { "--help", NULL }, { "-h", NULL } };

	for (size_t f = 0; f < 2; f++) {
		char *out, *err;

		ck_assert_int_eq(run_daemon(forms[f], &out, &err), 0);
		for (size_t i = 0; all_flags[i] != NULL; i++)
			ck_assert_msg(test_contains(out, all_flags[i]), "%s does not mention %s",
			    forms[f][0], all_flags[i]);
		ck_assert(test_contains(out, "usage"));
		ck_assert_str_eq(err, "");
		free(out);
		free(err);
	}
}
END_TEST

START_TEST(test_version)
{
	static const char *const forms[][2] = { { "--version", NULL }, { "-V", NULL } };

	for (size_t f = 0; f < 2; f++) {
		char *out, *err;

		ck_assert_int_eq(run_daemon(forms[f], &out, &err), 0);
		ck_assert_msg(test_contains(out, "irqchipd " PACKAGE_VERSION), "%s", out);
		ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
		ck_assert_str_eq(err, "");
		free(out);
		free(err);
	}
}
END_TEST

START_TEST(test_print_capabilities)
{
	static const char *const args[] = { "--print-capabilities", NULL };
	struct json_tokener *tok;
	json_object *o, *types, *cmds;
	char *out, *err;
	size_t end;
	bool ioapic = false;

	ck_assert_int_eq(run_daemon(args, &out, &err), 0);
	ck_assert_str_eq(err, "");
	/* Exactly one JSON object, then a newline, then nothing. */
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, out, (int)strlen(out));
	ck_assert_msg(o != NULL && json_object_is_type(o, json_type_object), "not an object: %s",
	    out);
	end = json_tokener_get_parse_end(tok);
	ck_assert_uint_eq(end, strlen(out));
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	json_tokener_free(tok);
	ck_assert_str_eq(json_object_get_string(test_get(o, "version")), PACKAGE_VERSION);
	ck_assert_int_eq(test_get_int(o, "protocol"), 1);
	ck_assert(json_object_is_type(test_get(o, "capabilities"), json_type_array));
	ck_assert_int_eq(test_get_int(o, "limits.max-message"), 65536);
	ck_assert_int_eq(test_get_int(o, "limits.max-fds"), 16);
	types = test_get(o, "chip-types");
	for (size_t i = 0; i < json_object_array_length(types); i++)
		ioapic |= strcmp(json_object_get_string(json_object_array_get_idx(types, i)),
		    "ioapic") == 0;
	ck_assert(ioapic);
	cmds = test_get(o, "commands");
	for (size_t i = 0; test_all_commands[i] != NULL; i++) {
		size_t j;

		for (j = 0; j < json_object_array_length(cmds); j++) {
			if (strcmp(json_object_get_string(json_object_array_get_idx(cmds, j)),
			    test_all_commands[i]) == 0)
				break;
		}
		ck_assert_msg(j < json_object_array_length(cmds), "%s missing", test_all_commands[i]);
	}
	json_object_put(o);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_list_commands)
{
	static const char *const args[] = { "--list-commands", NULL };
	char *out, *err, line[64];

	ck_assert_int_eq(run_daemon(args, &out, &err), 0);
	ck_assert_str_eq(err, "");
	for (size_t i = 0; test_all_commands[i] != NULL; i++) {
		/* A command's name starts its line; its arguments are indented below. */
		snprintf(line, sizeof line, "\n%s ", test_all_commands[i]);
		ck_assert_msg(test_contains(out, line) || strncmp(out, line + 1,
		    strlen(line + 1)) == 0, "--list-commands lacks %s", test_all_commands[i]);
	}
	ck_assert(test_contains(out, "resample-fd"));
	free(out);
	free(err);
}
END_TEST

/* ---- bad command lines ---- */

START_TEST(test_bad_flags)
{
	char dir[64], path[128];
	struct {
		const char *args[8];
		const char *needle;
	} cases[] = {
		{ { "--bogus", NULL }, "--bogus" },
		{ { "-q", "-s", path, NULL }, "-q" },
		{ { "--log-level", "bogus", "-s", path, NULL }, "bogus" },
		{ { "-s", path, "--log-level", NULL }, "--log-level" },
		{ { "--socket-mode", "999", "-s", path, NULL }, "999" },
		{ { "--socket-mode", "01777", "-s", path, NULL }, "01777" },
		{ { "--allow-uid", "nosuchuser", "-s", path, NULL }, "nosuchuser" },
		{ { "--allow-uid", "-1", "-s", path, NULL }, "-1" },
		{ { "--fd", "abc", NULL }, "abc" },
		{ { "--fd", "-3", NULL }, "-3" },
		{ { "--socket-path", path, "--fd", "3", NULL }, "--fd" },
		{ { "--log-level", "info", NULL }, "--socket-path" },
		{ { "-s", path, "extra", NULL }, "extra" },
		{ { "-s", "", NULL }, "empty" },
		{ { "-s", NULL }, "-s" },
	};

	test_make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/sock", dir);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *out, *err;
		int rc = run_daemon(cases[i].args, &out, &err);
		struct stat st;

		ck_assert_msg(rc == 2, "%s: exit %d, stderr %s", cases[i].needle, rc, err);
		assert_one_line(err, cases[i].needle);
		ck_assert_msg(test_contains(err, cases[i].needle), "stderr \"%s\" does not name %s",
		    err, cases[i].needle);
		ck_assert_msg(strncmp(err, "irqchipd: ", 10) == 0, "%s", err);
		ck_assert_str_eq(out, "");
		ck_assert_msg(stat(path, &st) < 0, "%s: the socket was created", cases[i].needle);
		free(out);
		free(err);
	}
	remove_dir(dir);
}
END_TEST

/* ---- socket hygiene ---- */

START_TEST(test_socket_path_too_long)
{
	char dir[64], path[256];
	const char *args[] = { "--socket-path", path, NULL };
	char *out, *err;
	int n;

	test_make_dir(dir, sizeof dir);
	n = snprintf(path, sizeof path, "%s/", dir);
	memset(path + n, 'a', 120);
	path[n + 120] = '\0';
	ck_assert_int_ne(run_daemon(args, &out, &err), 0);
	assert_one_line(err, "long path");
	ck_assert_msg(test_contains(err, "sun_path"), "%s", err);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(out);
	free(err);
	remove_dir(dir);
}
END_TEST

START_TEST(test_stale_socket)
{
	struct proc p;
	const char *args[] = { "--socket-path", p.sock, "--log-file", p.log, NULL };
	struct irqchip_client *c;
	struct stat before, after;
	char *log;

	proc_init(&p);
	/* Bound and closed: a socket file nobody answers on. */
	close(bound_socket(p.sock, SOCK_SEQPACKET, false));
	ck_assert_int_eq(stat(p.sock, &before), 0);
	ck_assert(S_ISSOCK(before.st_mode));
	ck_assert_int_eq(irqchip_client_connect(p.sock, &c, NULL), -ECONNREFUSED);
	spawn(&p, args, -1, -1, ACT_NONE);
	c = connect_when_ready(p.sock);
	json_object_put(test_call_ok(c, "query-version", NULL, NULL, 0));
	ck_assert_int_eq(stat(p.sock, &after), 0);
	ck_assert(S_ISSOCK(after.st_mode));
	irqchip_client_close(c);
	log = read_file(p.log);
	ck_assert_msg(test_contains(log, "stale"), "%s", log);
	free(log);
	ck_assert_int_eq(proc_stop(&p), 0);
}
END_TEST

START_TEST(test_regular_file_refused)
{
	char dir[64], path[128];
	const char *args[] = { "--socket-path", path, NULL };
	char *out, *err, *content;
	FILE *f;

	test_make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/precious", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("do not delete\n", f);
	fclose(f);
	ck_assert_int_ne(run_daemon(args, &out, &err), 0);
	assert_one_line(err, "regular file");
	ck_assert_msg(test_contains(err, path) && test_contains(err, "not a socket"), "%s", err);
	content = read_file(path);
	ck_assert_str_eq(content, "do not delete\n");
	free(content);
	free(out);
	free(err);
	remove_dir(dir);
}
END_TEST

START_TEST(test_socket_in_use)
{
	struct test_daemon d;
	const char *args[] = { "--socket-path", d.sock, NULL };
	struct irqchip_client *c;
	struct stat before, after;
	char *out, *err;

	test_daemon_start(&d, NULL);
	ck_assert_int_eq(stat(d.sock, &before), 0);
	ck_assert_int_ne(run_daemon(args, &out, &err), 0);
	assert_one_line(err, "in use");
	ck_assert_msg(test_contains(err, "lock"), "%s", err);
	/* The first daemon keeps its socket and goes on serving. */
	ck_assert_int_eq(stat(d.sock, &after), 0);
	ck_assert_uint_eq(before.st_ino, after.st_ino);
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "query-version", NULL, NULL, 0));
	irqchip_client_close(c);
	free(out);
	free(err);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

START_TEST(test_socket_mode)
{
	static const char *const mode0660[] = { "--socket-mode", "0660", NULL };
	static const char *const mode0[] = { "--socket-mode", "0", NULL };
	struct test_daemon d;
	struct stat st;
	mode_t old;

	/* Whatever the umask: the default is 0600 ... */
	old = umask(0);
	test_daemon_start(&d, NULL);
	umask(old);
	ck_assert_int_eq(stat(d.sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
	/* ... and --socket-mode is what it says. */
	old = umask(0077);
	test_daemon_start(&d, mode0660);
	umask(old);
	ck_assert_int_eq(stat(d.sock, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0660);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
	test_daemon_start(&d, mode0);
	ck_assert_int_eq(stat(d.sock, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* ---- inherited listeners ---- */

START_TEST(test_inherited_fd)
{
	struct proc p;
	const char *args[] = { "--fd", "5", "--log-file", p.log, NULL };
	struct irqchip_client *c;
	json_object *r;
	int lfd;

	proc_init(&p);
	lfd = bound_socket(p.sock, SOCK_SEQPACKET, true);
	spawn(&p, args, lfd, 5, ACT_NONE);
	close(lfd);
	c = connect_when_ready(p.sock);
	r = test_call_ok(c, "query-version", NULL, NULL, 0);
	ck_assert_int_eq(test_get_int(r, "protocol"), 1);
	json_object_put(r);
	irqchip_client_close(c);
	ck_assert_int_eq(proc_stop(&p), 0);
}
END_TEST

/* Starts the daemon on an unsuitable fd 5 (or none): it must refuse, naming the problem. */
static void
refused_fd(int fd, const char *needle)
{
	struct proc p;
	const char *args[] = { "--fd", "5", NULL };
	char *err;
	int rc;

	proc_init(&p);
	spawn(&p, args, fd, 5, ACT_NONE);
	rc = proc_wait(&p, 5000);
	err = read_file(p.err);
	ck_assert_msg(rc != 0 && rc != -1, "%s: exit %d", needle, rc);
	assert_one_line(err, needle);
	ck_assert_msg(test_contains(err, needle), "stderr \"%s\" does not say %s", err, needle);
	free(err);
	ck_assert_int_eq(proc_stop(&p), 0);
}

START_TEST(test_inherited_fd_refused)
{
	char dir[64], path[128];
	int pfd[2], fd;

	test_make_dir(dir, sizeof dir);
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
	refused_fd(pfd[0], "not a socket");
	close(pfd[0]);
	close(pfd[1]);
	snprintf(path, sizeof path, "%s/stream", dir);
	fd = bound_socket(path, SOCK_STREAM, true);
	refused_fd(fd, "SOCK_SEQPACKET");
	close(fd);
	snprintf(path, sizeof path, "%s/notlistening", dir);
	fd = bound_socket(path, SOCK_SEQPACKET, false);
	refused_fd(fd, "listening");
	close(fd);
	refused_fd(-1, "not open");
	remove_dir(dir);
}
END_TEST

START_TEST(test_socket_activation)
{
	struct proc p;
	const char *args[] = { "--log-file", p.log, NULL };
	struct irqchip_client *c;
	char *err;
	int lfd;

	proc_init(&p);
	lfd = bound_socket(p.sock, SOCK_SEQPACKET, true);
	spawn(&p, args, lfd, 3, ACT_OK);
	c = connect_when_ready(p.sock);
	json_object_put(test_call_ok(c, "query-version", NULL, NULL, 0));
	irqchip_client_close(c);
	ck_assert_int_eq(proc_stop(&p), 0);

	/* LISTEN_PID names another process: the fds are not ours, no socket given. */
	proc_init(&p);
	spawn(&p, args, lfd, 3, ACT_OTHER_PID);
	ck_assert_int_eq(proc_wait(&p, 5000), 2);
	err = read_file(p.err);
	assert_one_line(err, "other pid");
	free(err);
	ck_assert_int_eq(proc_stop(&p), 0);

	/* More sockets than irqchipd serves. */
	proc_init(&p);
	spawn(&p, args, lfd, 3, ACT_TWO_FDS);
	ck_assert_int_eq(proc_wait(&p, 5000), 1);
	err = read_file(p.log);
	ck_assert_msg(test_contains(err, "LISTEN_FDS=2"), "%s", err);
	free(err);
	ck_assert_int_eq(proc_stop(&p), 0);
	close(lfd);
}
END_TEST

/* ---- who may connect ---- */

START_TEST(test_allow_uid)
{
	struct test_daemon d;
	struct irqchip_client *c;
	struct passwd *pw = getpwuid(geteuid());
	char me[32], other[32];
	const char *refused[] = { "--allow-uid", other, NULL };
	const char *by_uid[] = { "--allow-uid", me, NULL };
	const char *by_name[] = { "--allow-uid", other, "--allow-uid",
	    pw != NULL ? pw->pw_name : me, NULL };
	const char *const *accepted[] = { by_uid, by_name };
	json_object *m;
	char *cause = NULL;
	int fd;

	/* As root (the usual case here) this is: root refused, then root accepted. */
	snprintf(me, sizeof me, "%u", (unsigned)geteuid());
	snprintf(other, sizeof other, "%u", geteuid() == 12345 ? 12346u : 12345u);
	test_daemon_start(&d, refused);
	m = first_message(d.sock, &fd);
	ck_assert_msg(!json_object_object_get_ex(m, "greeting", NULL), "greeted: %s",
	    json_object_to_json_string(m));
	ck_assert_str_eq(json_object_get_string(test_get(m, "error.class")), "PermissionDenied");
	ck_assert(test_contains(json_object_get_string(test_get(m, "error.desc")),
	    "--allow-uid"));
	json_object_put(m);
	assert_closed(fd);
	ck_assert_int_eq(irqchip_client_connect(d.sock, &c, &cause), -ECONNREFUSED);
	ck_assert(test_contains(cause, "may not connect"));
	free(cause);
	ck_assert_int_eq(test_daemon_stop(&d), 0);

	for (size_t i = 0; i < 2; i++) {
		test_daemon_start(&d, accepted[i]);
		c = test_connect(&d);
		json_object_put(test_call_ok(c, "query-version", NULL, NULL, 0));
		irqchip_client_close(c);
		ck_assert_int_eq(test_daemon_stop(&d), 0);
	}
}
END_TEST

/* ---- signals ---- */

START_TEST(test_sigterm)
{
	struct test_daemon d;
	struct irqchip_client *c;
	json_object *ret = NULL;
	char *cause = NULL;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
	ck_assert_int_eq(test_daemon_wait(&d, 5000), 0);
	ck_assert_int_eq(access(d.sock, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* The client sees the end. */
	ck_assert_int_lt(irqchip_client_call(c, "query-version", NULL, NULL, 0, &ret, NULL,
	    &cause), 0);
	free(cause);
	irqchip_client_close(c);
	ck_assert(wait_file_contains(d.log, "exiting", 0));
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

START_TEST(test_sigint)
{
	struct test_daemon d;

	test_daemon_start(&d, NULL);
	ck_assert_int_eq(kill(d.pid, SIGINT), 0);
	ck_assert_int_eq(test_daemon_wait(&d, 5000), 0);
	ck_assert_int_eq(access(d.sock, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/*
 * A SIGTERM the moment the socket appears (a supervisor stopping a daemon it
 * just started) still ends it cleanly: no window where the default action
 * kills it and leaves the socket file behind.
 */
START_TEST(test_sigterm_at_startup)
{
	for (int round = 0; round < 20; round++) {
		struct proc p;
		const char *args[] = { "--socket-path", p.sock, NULL };
		char buf[4096];
		int in, rc;

		proc_init(&p);
		in = inotify_init1(IN_CLOEXEC);
		ck_assert_int_ge(in, 0);
		ck_assert_int_ge(inotify_add_watch(in, p.dir, IN_MOVED_TO | IN_CREATE), 0);
		spawn(&p, args, -1, -1, ACT_NONE);
		for (;;) {
			struct pollfd pf = { .fd = in, .events = POLLIN };
			bool there = false;
			ssize_t n;

			ck_assert_int_eq(poll(&pf, 1, 5000), 1);
			n = read(in, buf, sizeof buf);
			ck_assert_int_gt(n, 0);
			for (char *q = buf; q < buf + n;) {
				struct inotify_event *ev = (struct inotify_event *)(void *)q;

				if (ev->len > 0 && strcmp(ev->name, "sock") == 0)
					there = true;
				q += sizeof *ev + ev->len;
			}
			if (there)
				break;
		}
		kill(p.pid, SIGTERM);
		rc = proc_wait(&p, 5000);
		close(in);
		ck_assert_msg(rc == 0, "round %d: exit %d", round, rc);
		ck_assert_msg(access(p.sock, F_OK) < 0, "round %d: socket left behind", round);
		ck_assert_int_eq(proc_stop(&p), 0);
	}
}
END_TEST

/*
 * --syslog: the daemon's lines reach the syslog socket, /dev/log. The daemon
 * runs in a mount namespace of its own where /dev is this test's directory,
 * whose "log" is a datagram socket the test reads; the host's syslog is
 * untouched.
 */
START_TEST(test_syslog)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[64], sock[128], file[128], prog[512], buf[2048];
	bool seen = false;
	int64_t deadline;
	int fd, status;
	ssize_t n;
	pid_t pid;

	test_make_dir(dir, sizeof dir);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/log", dir);
	snprintf(sock, sizeof sock, "%s/sock", dir);
	snprintf(file, sizeof file, "%s/file", dir);
	test_program("daemon/irqchipd", prog, sizeof prog);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount(dir, "/dev", NULL, MS_BIND, NULL) < 0)
			_exit(99);
		test_execv(prog, (const char *[]){ prog, "--socket-path", sock, "--log-file", file,
		    "--syslog", "--log-level", "info", NULL });
		_exit(127);
	}
	deadline = test_now_ms() + 3000;
	while (!seen && test_now_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, buf, sizeof buf - 1, 0);
		ck_assert_int_gt(n, 0);
		buf[n] = '\0';
		/* RFC 3164 as glibc sends it: <30> is facility daemon, priority info. */
		seen = strncmp(buf, "<30>", 4) == 0 && test_contains(buf, "irqchipd[") &&
		    test_contains(buf, "listening on");
	}
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(seen, "no syslog line from the daemon (last: %s)", buf);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "daemon status %d (99: could not set up its mount namespace)", status);
	close(fd);
	unlink(sun.sun_path);
	unlink(file);
	rmdir(dir);
}
END_TEST

START_TEST(test_sighup_reopens_log)
{
	struct test_daemon d;
	struct irqchip_client *c;
	char old[192];
	char *s;

	test_daemon_start(&d, NULL);
	snprintf(old, sizeof old, "%s/log.1", d.dir);
	ck_assert(wait_file_contains(d.log, "listening", 5000));
	/* logrotate: move the file away, then SIGHUP. */
	ck_assert_int_eq(rename(d.log, old), 0);
	ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
	ck_assert_msg(wait_file_contains(d.log, "log reopened", 5000), "no new %s", d.log);
	/* The daemon lives on and writes there, not to the old file. */
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	irqchip_client_close(c);
	ck_assert(wait_file_contains(d.log, "io0", 5000));
	s = read_file(old);
	ck_assert(test_contains(s, "listening"));
	ck_assert(!test_contains(s, "io0"));
	ck_assert(!test_contains(s, "log reopened"));
	free(s);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* ---- clients ---- */

START_TEST(test_one_client)
{
	struct test_daemon d;
	struct irqchip_client *a, *b;
	json_object *m, *err = NULL;
	char *cause = NULL;

	test_daemon_start(&d, NULL);
	a = test_connect(&d);
	/* A second connection is greeted; it may watch, not control. */
	m = first_message(d.sock, NULL);
	ck_assert_msg(json_object_object_get_ex(m, "greeting", NULL), "second client refused");
	json_object_put(m);
	ck_assert_int_eq(irqchip_client_connect(d.sock, &b, &cause), 0);
	ck_assert_int_eq(irqchip_client_call(b, "negotiate", NULL, NULL, 0, NULL, &err, &cause),
	    -EREMOTEIO);
	ck_assert_str_eq(json_object_get_string(test_get(err, "class")), "Busy");
	ck_assert_msg(test_contains(json_object_get_string(test_get(err, "desc")), "observer"),
	    "%s", cause);
	json_object_put(err);
	free(cause);
	cause = NULL;
	/* The first client is undisturbed. */
	json_object_put(test_call_ok(a, "query-version", NULL, NULL, 0));
	irqchip_client_close(b);
	irqchip_client_close(a);
	/* Gone: the next one is served at once. */
	b = test_connect(&d);
	json_object_put(test_call_ok(b, "query-version", NULL, NULL, 0));
	irqchip_client_close(b);

	/*
	 * The same while the daemon cannot run: the hang-up and the new connection
	 * arrive together; the newcomer still gets a greeting, not Busy.
	 */
	a = test_connect(&d);
	ck_assert_int_eq(kill(d.pid, SIGSTOP), 0);
	irqchip_client_close(a);
	{
		struct sockaddr_un sun;
		int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		struct pollfd p = { .fd = s, .events = POLLIN };
		char buf[65536];
		ssize_t n;

		set_addr(&sun, d.sock);
		ck_assert_int_eq(connect(s, (struct sockaddr *)&sun, sizeof sun), 0);
		ck_assert_int_eq(kill(d.pid, SIGCONT), 0);
		ck_assert_int_eq(poll(&p, 1, 5000), 1);
		n = recv(s, buf, sizeof buf - 1, 0);
		ck_assert_int_gt(n, 0);
		buf[n] = '\0';
		ck_assert_msg(test_contains(buf, "\"greeting\""), "refused: %s", buf);
		close(s);
	}
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

START_TEST(test_exit_on_disconnect)
{
	static const char *const args[] = { "--exit-on-disconnect", NULL };
	struct test_daemon d;
	struct irqchip_client *a, *b;
	char *cause = NULL;

	test_daemon_start(&d, args);
	/*
	 * A connect-and-close that never negotiates (another daemon probing the
	 * socket, a health check) is not a session ending.
	 */
	a = test_connect_raw(&d);
	irqchip_client_close(a);
	a = test_connect(&d);
	ck_assert_int_eq(test_daemon_wait(&d, 0), -1);
	/* A second client told Busy, or an observer, leaving is not the client leaving. */
	ck_assert_int_eq(irqchip_client_connect(d.sock, &b, &cause), 0);
	ck_assert_int_eq(irqchip_client_negotiate(b, NULL, NULL, NULL, &cause), -EREMOTEIO);
	free(cause);
	irqchip_client_close(b);
	b = test_connect_raw(&d);
	json_object_put(test_call_ok(b, "negotiate", "{\"observer\": true}", NULL, 0));
	irqchip_client_close(b);
	json_object_put(test_call_ok(a, "query-version", NULL, NULL, 0));
	ck_assert_int_eq(test_daemon_wait(&d, 0), -1);
	irqchip_client_close(a);
	ck_assert_int_eq(test_daemon_wait(&d, 5000), 0);
	ck_assert_int_eq(access(d.sock, F_OK), -1);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* ---- the kept session ---- */

START_TEST(test_session_resume)
{
	struct test_daemon d;
	struct irqchip_client *a, *b;
	json_object *g, *ret = NULL, *err = NULL, *st, *effects, *wrong;
	char token[64], *cause = NULL;
	int64_t base;
	int efd;
	bool routed = false;

	test_daemon_start(&d, NULL);
	a = test_connect(&d);
	base = test_status_int(a, "open-fds");
	snprintf(token, sizeof token, "%s",
	    json_object_get_string(test_get(irqchip_client_greeting(a), "session")));
	json_object_put(test_call_ok(a, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	efd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(efd, 0);
	json_object_put(test_call_ok(a, "irqfd-add", "{\"gsi\": 2, \"fd\": 0}", &efd, 1));
	close(efd);
	/* RTE 2: vector 0x35, fixed, physical destination 3, unmasked. */
	json_object_put(test_call_ok(a, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, \"size\": 4, "
	    "\"value\": \"0x14\"}", NULL, 0));
	json_object_put(test_call_ok(a, "mmio-write", "{\"id\": \"io0\", \"offset\": 16, \"size\": 4, "
	    "\"value\": \"0x35\"}", NULL, 0));
	json_object_put(test_call_ok(a, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, \"size\": 4, "
	    "\"value\": \"0x15\"}", NULL, 0));
	json_object_put(test_call_ok(a, "mmio-write", "{\"id\": \"io0\", \"offset\": 16, \"size\": 4, "
	    "\"value\": \"0x03000000\"}", NULL, 0));
	ck_assert_int_eq(test_status_int(a, "open-fds"), base + 1);
	irqchip_client_close(a);

	b = test_connect_raw(&d);
	g = irqchip_client_greeting(b);
	ck_assert(json_object_get_boolean(test_get(g, "resumable")));
	ck_assert_str_eq(json_object_get_string(test_get(g, "session")), token);
	/* Not without the token, not with another one. */
	ck_assert_int_eq(irqchip_client_negotiate(b, NULL, NULL, &ret, &cause), -EREMOTEIO);
	ck_assert_msg(test_contains(cause, "SessionError") && test_contains(cause, "resume"),
	    "%s", cause);
	free(cause);
	cause = NULL;
	wrong = json_tokener_parse("{\"resume\": \"00000000000000000000000000000000\"}");
	ck_assert_int_eq(irqchip_client_call(b, "negotiate", wrong, NULL, 0, &ret, &err, &cause),
	    -EREMOTEIO);
	ck_assert_str_eq(json_object_get_string(test_get(err, "class")), "SessionError");
	ck_assert(test_contains(json_object_get_string(test_get(err, "desc")), "'resume'"));
	json_object_put(err);
	json_object_put(wrong);
	free(cause);
	cause = NULL;
	/* Still nothing but negotiate. */
	free(test_call_err(b, "query-chips", NULL, NULL, 0, "CommandNotFound"));
	ck_assert_int_eq(irqchip_client_negotiate(b, NULL, token, &ret, &cause), 0);
	ck_assert(json_object_get_boolean(test_get(ret, "resumed")));
	/* The routes come back, for the new client's routing table. */
	effects = test_get(ret, "effects");
	for (size_t i = 0; i < json_object_array_length(effects); i++) {
		json_object *e = json_object_array_get_idx(effects, i), *r;

		if (json_object_object_get_ex(e, "route", &r) && test_get_int(r, "gsi") == 2) {
			ck_assert_int_eq(test_get_int(r, "data") & 0xff, 0x35);
			routed = true;
		}
	}
	ck_assert_msg(routed, "no route for GSI 2 in %s", json_object_to_json_string(ret));
	json_object_put(ret);

	/* The irqfd went with client A; the chip and its registers stayed. */
	st = test_call_ok(b, "query-status", NULL, NULL, 0);
	ck_assert_int_eq(test_get_int(st, "irqfds"), 0);
	ck_assert_int_eq(test_get_int(st, "chips"), 1);
	ck_assert_int_eq(test_get_int(st, "open-fds"), base);
	json_object_put(st);
	st = test_call_ok(b, "chip-query", "{\"id\": \"io0\"}", NULL, 0);
	ck_assert_str_eq(json_object_get_string(test_get(st, "entries.2.rte")),
	    "0x0300000000000035");
	json_object_put(st);
	json_object_put(test_call_ok(b, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, \"size\": 4, "
	    "\"value\": \"0x14\"}", NULL, 0));
	st = test_call_ok(b, "mmio-read", "{\"id\": \"io0\", \"offset\": 16, \"size\": 4}", NULL, 0);
	ck_assert_int_eq(test_get_int(st, "value") & 0x1ffff, 0x35);
	json_object_put(st);
	irqchip_client_close(b);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* ---- logs ---- */

START_TEST(test_log_level_error)
{
	static const char *const args[] = { "--log-level", "error", NULL };
	struct test_daemon d;
	struct irqchip_client *a, *b;
	char old[192], *s, *cause = NULL;

	test_daemon_start(&d, args);
	/* info (connections, chip-add), warn (a refused client), debug (error replies). */
	a = test_connect(&d);
	json_object_put(test_call_ok(a, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	ck_assert_int_eq(irqchip_client_connect(d.sock, &b, &cause), 0);
	ck_assert_int_eq(irqchip_client_negotiate(b, NULL, NULL, NULL, &cause), -EREMOTEIO);
	free(cause);
	irqchip_client_close(b);
	free(test_call_err(a, "no-such-command", NULL, NULL, 0, "CommandNotFound"));
	/* An error line: a log path that cannot be reopened (a directory now). */
	snprintf(old, sizeof old, "%s/log.old", d.dir);
	ck_assert_int_eq(rename(d.log, old), 0);
	ck_assert_int_eq(mkdir(d.log, 0700), 0);
	ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
	ck_assert_msg(wait_file_contains(old, "cannot open log file", 5000), "no error line");
	irqchip_client_close(a);
	s = read_file(old);
	ck_assert_msg(test_contains(s, "[error]"), "%s", s);
	ck_assert_msg(!test_contains(s, "[info]") && !test_contains(s, "[warn]") &&
	    !test_contains(s, "[debug]"), "lower levels in the log: %s", s);
	free(s);
	ck_assert_int_eq(rmdir(d.log), 0);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

START_TEST(test_log_escapes_peer_strings)
{
	struct test_daemon d;
	struct irqchip_client *c;
	const char *bad = "{\"execute\": \"evil\\ncmd\\u001b[31m\\u007f\\u00e9\", \"id\": 1}";
	json_object *m;
	char *s, *line, *save = NULL;
	size_t nlines = 0;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	m = test_raw(c, bad, strlen(bad), NULL, 0);
	ck_assert_str_eq(json_object_get_string(test_get(m, "error.class")), "CommandNotFound");
	json_object_put(m);
	free(test_call_err(c, "query-version", "{\"x\\ny\\r\\u0007\": 1}", NULL, 0,
	    "InvalidParameter"));
	m = test_raw(c, "{\"execute\": \"query-version\", \"bad\\nkey\\u001b\": 1}",
	    strlen("{\"execute\": \"query-version\", \"bad\\nkey\\u001b\": 1}"), NULL, 0);
	ck_assert_str_eq(json_object_get_string(test_get(m, "error.class")), "ProtocolError");
	json_object_put(m);
	irqchip_client_close(c);
	ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
	ck_assert_int_eq(test_daemon_wait(&d, 5000), 0);

	s = read_file(d.log);
	ck_assert_ptr_nonnull(s);
	/* The peer's strings are there, escaped ... */
	ck_assert_msg(test_contains(s, "evil\\x0acmd\\x1b[31m\\x7f\\xc3\\xa9"), "%s", s);
	ck_assert_msg(test_contains(s, "x\\x0ay\\x0d\\x07"), "%s", s);
	/* ... and nothing else than printable ASCII and line ends made it in. */
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		ck_assert_msg(*p == '\n' || (*p >= 0x20 && *p < 0x7f), "raw byte 0x%02x in the log",
		    *p);
	/* Every line is one of the daemon's: no line was forged by a newline. */
	for (line = strtok_r(s, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		ck_assert_msg(strlen(line) > 24 && line[4] == '-' && line[10] == 'T' &&
		    test_contains(line, " irqchipd["), "not a log line: %s", line);
		nlines++;
	}
	ck_assert_uint_gt(nlines, 3);
	free(s);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

static Suite *
daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc;

	tc = tcase_create("flags");
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_print_capabilities);
	tcase_add_test(tc, test_list_commands);
	tcase_add_test(tc, test_bad_flags);
	suite_add_tcase(s, tc);

	tc = tcase_create("socket");
	tcase_add_test(tc, test_socket_path_too_long);
	tcase_add_test(tc, test_stale_socket);
	tcase_add_test(tc, test_regular_file_refused);
	tcase_add_test(tc, test_socket_in_use);
	tcase_add_test(tc, test_socket_mode);
	tcase_add_test(tc, test_inherited_fd);
	tcase_add_test(tc, test_inherited_fd_refused);
	tcase_add_test(tc, test_socket_activation);
	tcase_add_test(tc, test_allow_uid);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifecycle");
	tcase_add_test(tc, test_sigterm);
	tcase_add_test(tc, test_sigint);
	tcase_add_test(tc, test_sigterm_at_startup);
	tcase_add_test(tc, test_sighup_reopens_log);
	/* Only root can give the daemon a mount namespace with its own /dev/log. */
	if (geteuid() == 0)
		tcase_add_test(tc, test_syslog);
	else
		fprintf(stderr, "test_syslog not run: it needs root for a mount namespace\n");
	tcase_add_test(tc, test_one_client);
	tcase_add_test(tc, test_exit_on_disconnect);
	tcase_add_test(tc, test_session_resume);
	suite_add_tcase(s, tc);

	tc = tcase_create("logs");
	tcase_add_test(tc, test_log_level_error);
	tcase_add_test(tc, test_log_escapes_peer_strings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_main(daemon_suite());
}

/* Shared helpers for the Check suites (testlib.h). */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

const char *const test_all_commands[] = {
	"negotiate", "query-version", "query-capabilities", "query-status", "query-chips",
	"query-commands", "chip-add", "chip-del", "chip-query", "chip-save", "chip-load",
	"chip-reset", "mmio-read", "mmio-write", "line-set", "line-pulse", "eoi",
	"chip-select", "msi", "translate", "hcall", "rtas", "irqfd-add", "irqfd-del",
	"notifier-add", "notifier-del", "memory-add", "memory-del", "query-memory",
	"kvm-attach", NULL,
};

const char *
test_builddir(void)
{
	const char *d = getenv("IRQCHIPD_BUILDDIR");

	return d != NULL ? d : ".";
}

const char *
test_program(const char *relpath, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", test_builddir(), relpath);
	return buf;
}

int64_t
test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
test_sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

void
test_make_dir(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/irqchipd-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(buf));
}

void
test_daemon_start(struct test_daemon *d, const char *const *extra)
{
	char prog[512];
	char *argv[32];
	int argc = 0, i;

	memset(d, 0, sizeof *d);
	test_make_dir(d->dir, sizeof d->dir);
	snprintf(d->sock, sizeof d->sock, "%s/sock", d->dir);
	snprintf(d->log, sizeof d->log, "%s/log", d->dir);
	test_program("daemon/irqchipd", prog, sizeof prog);

	d->pid = fork();
	ck_assert_int_ge(d->pid, 0);
	if (d->pid == 0) {
		/* Built in the child, which execs or exits: nothing to free. */
		argv[argc++] = prog;
		argv[argc++] = strdup("--socket-path");
		argv[argc++] = d->sock;
		argv[argc++] = strdup("--log-file");
		argv[argc++] = d->log;
		argv[argc++] = strdup("--log-level");
		argv[argc++] = strdup("debug");
		for (i = 0; extra != NULL && extra[i] != NULL && argc < 31; i++)
			argv[argc++] = strdup(extra[i]);
		argv[argc] = NULL;
		/* A test that fails ends its process: take the daemon with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Only stdio crosses over: the daemon must not inherit test fds. */
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		execv(prog, argv);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		struct stat st;
		int status;

		if (stat(d->sock, &st) == 0)
			return;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			ck_abort_msg("irqchipd exited during start-up (status %d); log %s", status,
			    d->log);
		}
		test_sleep_ms(10);
	}
	ck_abort_msg("irqchipd did not create %s within 5 s", d->sock);
}

static int
exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int
test_daemon_wait(struct test_daemon *d, int timeout_ms)
{
	int status;

	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			return exit_code(status);
		}
		test_sleep_ms(10);
	}
	return -1;
}

static void
remove_dir(const char *dir)
{
	DIR *dd = opendir(dir);
	struct dirent *de;
	char path[512];

	if (dd == NULL)
		return;
	while ((de = readdir(dd)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(dd);
	rmdir(dir);
}

int
test_daemon_stop(struct test_daemon *d)
{
	int status = 0, rc;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		rc = test_daemon_wait(d, 5000);
		if (rc < 0) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			d->pid = 0;
			rc = exit_code(status);
		}
	} else {
		rc = 0;
	}
	if (getenv("IRQCHIPD_KEEP_LOGS") == NULL)
		remove_dir(d->dir);
	return rc;
}

struct irqchip_client *
test_connect_raw(const struct test_daemon *d)
{
	struct irqchip_client *c = NULL;
	char *cause = NULL;
	int rc = irqchip_client_connect(d->sock, &c, &cause);

	ck_assert_msg(rc == 0, "connect %s: %s", d->sock, cause != NULL ? cause : "?");
	return c;
}

struct irqchip_client *
test_connect(const struct test_daemon *d)
{
	struct irqchip_client *c = test_connect_raw(d);
	json_object *g = irqchip_client_greeting(c), *v;
	const char *resume = NULL;
	char *cause = NULL;
	int rc;

	if (json_object_object_get_ex(g, "resumable", &v) && json_object_get_boolean(v) &&
	    json_object_object_get_ex(g, "session", &v))
		resume = json_object_get_string(v);
	rc = irqchip_client_negotiate(c, NULL, resume, NULL, &cause);
	ck_assert_msg(rc == 0, "negotiate: %s", cause != NULL ? cause : "?");
	return c;
}

static json_object *
parse_args(const char *args)
{
	json_object *o;

	if (args == NULL)
		return NULL;
	o = json_tokener_parse(args);
	ck_assert_msg(o != NULL, "test bug: arguments are not JSON: %s", args);
	return o;
}

json_object *
test_call_ok(struct irqchip_client *c, const char *command, const char *args,
    const int *fds, unsigned nfds)
{
	json_object *a = parse_args(args), *ret = NULL;
	char *cause = NULL;
	int rc;

	rc = irqchip_client_call(c, command, a, fds, nfds, &ret, NULL, &cause);
	ck_assert_msg(rc == 0, "%s %s: %s", command, args != NULL ? args : "",
	    cause != NULL ? cause : strerror(-rc));
	json_object_put(a);
	return ret;
}

char *
test_call_err(struct irqchip_client *c, const char *command, const char *args,
    const int *fds, unsigned nfds, const char *class)
{
	json_object *a = parse_args(args), *ret = NULL, *err = NULL, *v;
	char *cause = NULL, *desc;
	int rc;

	rc = irqchip_client_call(c, command, a, fds, nfds, &ret, &err, &cause);
	ck_assert_msg(rc == -EREMOTEIO, "%s %s: expected a %s error, got %s", command,
	    args != NULL ? args : "", class,
	    rc == 0 ? json_object_to_json_string(ret) : cause);
	ck_assert(json_object_object_get_ex(err, "class", &v));
	ck_assert_msg(strcmp(json_object_get_string(v), class) == 0,
	    "%s: expected class %s, got %s", command, class, cause);
	ck_assert(json_object_object_get_ex(err, "desc", &v));
	desc = strdup(json_object_get_string(v));
	json_object_put(err);
	json_object_put(a);
	free(cause);
	return desc;
}

int64_t
test_status_int(struct irqchip_client *c, const char *path)
{
	json_object *st = test_call_ok(c, "query-status", NULL, NULL, 0);
	int64_t v = test_get_int(st, path);

	json_object_put(st);
	return v;
}

json_object *
test_raw(struct irqchip_client *c, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	json_object *msg = NULL;
	int rc;

	rc = irqchip_client_send_raw(c, buf, len, fds, nfds);
	ck_assert_msg(rc == 0, "send: %s", strerror(-rc));
	rc = irqchip_client_recv_reply(c, 5000, &msg);
	ck_assert_msg(rc == 0, "no reply: %s", strerror(-rc));
	return msg;
}

int
test_run(const char *const *argv, char **out, char **err)
{
	int po[2], pe[2], status, fd;
	struct { char *buf; size_t len; } cap[2] = { { NULL, 0 }, { NULL, 0 } };
	struct pollfd p[2];
	int64_t deadline = test_now_ms() + 10000;
	pid_t pid;

	ck_assert_int_eq(pipe2(po, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(pe, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		/* execv's prototype predates const; it does not write argv. */
		{
			char *const *av;

			memcpy(&av, &argv, sizeof av);
			execv(argv[0], av);
		}
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	p[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int left = (int)(deadline - test_now_ms());

		if (left <= 0 || poll(p, 2, left) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ck_abort_msg("%s did not finish within 10 s", argv[0]);
		}
		for (int i = 0; i < 2; i++) {
			char chunk[4096];
			ssize_t n;

			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			n = read(p[i].fd, chunk, sizeof chunk);
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			cap[i].buf = realloc(cap[i].buf, cap[i].len + (size_t)n + 1);
			ck_assert_ptr_nonnull(cap[i].buf);
			memcpy(cap[i].buf + cap[i].len, chunk, (size_t)n);
			cap[i].len += (size_t)n;
			cap[i].buf[cap[i].len] = '\0';
		}
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	for (int i = 0; i < 2; i++) {
		char **dst = i == 0 ? out : err;

		if (cap[i].buf == NULL)
			cap[i].buf = strdup("");
		if (dst != NULL)
			*dst = cap[i].buf;
		else
			free(cap[i].buf);
	}
	return exit_code(status);
}

int
test_main(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	int failed;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

unsigned
test_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n - 1;
}

json_object *
test_get(json_object *o, const char *path)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array)) {
			char *end;
			long i = strtol(tok, &end, 10);

			ck_assert_msg(*end == '\0' && i >= 0 &&
			    (size_t)i < json_object_array_length(o), "%s: no element %s in %s",
			    path, tok, json_object_to_json_string(o));
			o = json_object_array_get_idx(o, (size_t)i);
		} else {
			json_object *next;

			ck_assert_msg(json_object_object_get_ex(o, tok, &next), "%s: no key %s in %s",
			    path, tok, json_object_to_json_string(o));
			o = next;
		}
	}
	return o;
}

int64_t
test_get_int(json_object *o, const char *path)
{
	json_object *v = test_get(o, path);
	uint64_t u;

	if (json_object_is_type(v, json_type_string)) {
		ck_assert_msg(irqchip_json_u64(v, &u) == 0, "%s is not a number", path);
		return (int64_t)u;
	}
	ck_assert_msg(json_object_is_type(v, json_type_int), "%s is not an integer: %s", path,
	    json_object_to_json_string(v));
	return json_object_get_int64(v);
}

bool
test_contains(const char *s, const char *needle)
{
	return s != NULL && strstr(s, needle) != NULL;
}

int
test_fake_daemon(struct irqchip_client **lib)
{
	static const char greeting[] = "{\"greeting\": {\"protocol\": 1, \"session\": "
	    "\"00112233445566778899aabbccddeeff\"}}";
	char *cause = NULL;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(send(sv[1], greeting, sizeof greeting - 1, 0),
	    (ssize_t)sizeof greeting - 1);
	ck_assert_msg(irqchip_client_open_fd(sv[0], lib, &cause) == 0, "%s", cause);
	return sv[1];
}

void
test_fake_say(int fd, const char *msg)
{
	ck_assert_int_eq(send(fd, msg, strlen(msg), 0), (ssize_t)strlen(msg));
}

/* Shared helpers for the Check suites (testlib.h). */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <inttypes.h>
#include <stdarg.h>
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
	"kvm-attach", "ring-add", "ring-del", NULL,
};

int
test_execv(const char *path, const char *const argv[])
{
	const char *wrap = getenv("IRQCHIPD_TEST_EXEC");
	char *words, *w, *save = NULL, **av;
	size_t n = 0, i;

	/* execv's prototype predates const; it does not write argv. */
	if (wrap == NULL || *wrap == '\0') {
		char *const *plain;

		memcpy(&plain, &argv, sizeof plain);
		return execv(path, plain);
	}
	while (argv[n] != NULL)
		n++;
	/* The wrapper's words, path, then argv[1..]: at most strlen(wrap) words. */
	av = calloc(strlen(wrap) + n + 2, sizeof *av);
	words = strdup(wrap);
	if (av == NULL || words == NULL)
		return -1;
	i = 0;
	for (w = strtok_r(words, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
		av[i++] = w;
	av[i++] = (char *)(uintptr_t)path;
	for (size_t k = 1; k < n; k++)
		av[i++] = (char *)(uintptr_t)argv[k];
	av[i] = NULL;
	/* The emulator is looked up in PATH, like a command. */
	return execvp(av[0], av);
}

/* Sends fd n times over sock in one packet; 0 or -1 (no ck_assert: suites
 * call this while they are built, outside any test). */
static int
send_fds(int sock, int fd, unsigned n)
{
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(32 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (n > 32)
		return -1;
	memset(&u, 0, sizeof u);
	msg.msg_control = u.buf;
	msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	for (unsigned i = 0; i < n; i++)
		memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof fd);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* Receives one packet with room for room fds into fds; their number or -1. */
static int
recv_fds(int sock, int *fds, unsigned room, int *flags)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(32 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	unsigned n = 0;

	msg.msg_control = u.buf;
	msg.msg_controllen = CMSG_SPACE(room * sizeof(int));
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) && n < room;
		    i++)
			memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	*flags = msg.msg_flags;
	return (int)n;
}

bool
test_efd_swapped(void)
{
	static int known = -1;
	uint64_t one = 1, v = 0;
	int sv[2], e, r = -1, flags;

	/*
	 * A probe that suites also call while they register tests, outside any
	 * test: no ck_assert here (Check refuses those), a harness failure aborts.
	 */
	if (known >= 0)
		return known;
	e = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    send_fds(sv[0], e, 1) != 0 || recv_fds(sv[1], &r, 1, &flags) != 1 ||
	    write(r, &one, sizeof one) != sizeof one || read(e, &v, sizeof v) != sizeof v ||
	    (v != 1 && v != __builtin_bswap64(1))) {
		fprintf(stderr, "testlib: the eventfd byte-order probe failed (read %llu): %s\n",
		    (unsigned long long)v, strerror(errno));
		abort();
	}
	close(r);
	close(e);
	close(sv[0]);
	close(sv[1]);
	known = v != 1;
	if (known)
		fprintf(stderr, "testlib: eventfd counters cross processes byte-swapped "
		    "(qemu-user with a guest of the other byte order); counting with "
		    "that undone\n");
	return known;
}

uint64_t
test_efd_value(uint64_t v)
{
	return test_efd_swapped() ? __builtin_bswap64(v) : v;
}

bool
test_ctrunc_reported(void)
{
	int sv[2], fds[16], flags = 0, null, n = -1;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
		if (send_fds(sv[0], null, 17) == 0)
			n = recv_fds(sv[1], fds, 16, &flags);
		close(sv[0]);
		close(sv[1]);
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	if (n < 0) {
		/* Cannot tell: let the test run and show what happens. */
		fprintf(stderr, "testlib: the MSG_CTRUNC probe failed: %s\n", strerror(errno));
		close(null);
		return true;
	}
	close(null);
	return (flags & MSG_CTRUNC) != 0;
}

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
		test_execv(prog, (const char *const *)argv);
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

/* The exit code once *pid exits by itself within timeout_ms (*pid = 0), else -1. */
int
test_pid_wait(pid_t *pid, int timeout_ms)
{
	int64_t deadline = test_now_ms() + timeout_ms;
	int status;

	while (*pid > 0) {
		if (waitpid(*pid, &status, WNOHANG) == *pid) {
			*pid = 0;
			return test_status_code(status);
		}
		if (test_now_ms() > deadline)
			return -1;
		test_sleep_ms(5);
	}
	return -1;
}

/* SIGTERM, then SIGKILL after 5 s; the exit code (0 if nothing ran). */
int
test_pid_stop(pid_t *pid)
{
	int rc, status;

	if (*pid <= 0)
		return 0;
	kill(*pid, SIGTERM);
	if ((rc = test_pid_wait(pid, 5000)) < 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, &status, 0);
		*pid = 0;
		rc = test_status_code(status);
	}
	return rc;
}

int
test_daemon_wait(struct test_daemon *d, int timeout_ms)
{
	return test_pid_wait(&d->pid, timeout_ms);
}

int
test_daemon_stop(struct test_daemon *d)
{
	int rc = test_pid_stop(&d->pid);

	if (getenv("IRQCHIPD_KEEP_LOGS") == NULL)
		test_remove_dir(d->dir);
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
		test_execv(argv[0], argv);
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
	return test_status_code(status);
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

/* ---- calls on the current client, and what they leave to release ---- */

/* Replies, strings and eventfds a test holds, released by test_release_all(). */
static json_object **pool;
static size_t npool, pool_cap;
static char **strs;
static size_t nstrs, strs_cap;
static int efds[64];
static unsigned nefds;
static struct irqchip_client **cur;

json_object *
test_keep(json_object *o)
{
	if (npool == pool_cap) {
		pool_cap = pool_cap ? 2 * pool_cap : 64;
		pool = realloc(pool, pool_cap * sizeof *pool);
		ck_assert_ptr_nonnull(pool);
	}
	pool[npool++] = o;
	return o;
}

char *
test_keep_str(char *s)
{
	if (nstrs == strs_cap) {
		strs_cap = strs_cap ? 2 * strs_cap : 16;
		strs = realloc(strs, strs_cap * sizeof *strs);
		ck_assert_ptr_nonnull(strs);
	}
	strs[nstrs++] = s;
	return s;
}

void
test_use_client(struct irqchip_client **c)
{
	cur = c;
}

void
test_release_all(void)
{
	for (size_t i = 0; i < npool; i++)
		json_object_put(pool[i]);
	npool = 0;
	for (size_t i = 0; i < nstrs; i++)
		free(strs[i]);
	nstrs = 0;
	for (unsigned i = 0; i < nefds; i++)
		close(efds[i]);
	nefds = 0;
}

double
test_now_ms_f(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static char *
test_vfmt(const char *fmt, va_list ap)
{
	char *s;
	int n;

	if (fmt == NULL)
		return NULL;
	n = vasprintf(&s, fmt, ap);
	ck_assert_int_ge(n, 0);
	return s;
}

/* Executes command with printf-formatted JSON arguments; asserts success. */
json_object *
test_callf_fds(const char *command, const int *fds, unsigned nfds, const char *fmt, ...)
{
	va_list ap;
	char *args;
	json_object *ret;

	va_start(ap, fmt);
	args = test_vfmt(fmt, ap);
	va_end(ap);
	ret = test_call_ok(*cur, command, args, fds, nfds);
	free(args);
	return test_keep(ret);
}


/* Same, asserting an error of class; returns its description. */
char *
test_errf_fds(const char *class, const char *command, const int *fds, unsigned nfds,
    const char *fmt, ...)
{
	va_list ap;
	char *args;
	char *desc;

	va_start(ap, fmt);
	args = test_vfmt(fmt, ap);
	va_end(ap);
	desc = test_call_err(*cur, command, args, fds, nfds, class);
	free(args);
	return test_keep_str(desc);
}


json_object *
test_effects_of(json_object *ret)
{
	json_object *e = test_get(ret, "effects");

	ck_assert_msg(json_object_is_type(e, json_type_array), "effects is not an array: %s",
	    json_object_to_json_string(ret));
	return e;
}

size_t
test_neffects(json_object *ret)
{
	return json_object_array_length(test_effects_of(ret));
}

const char *
test_js(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* Effect i of a reply is kind with body: {"kind": body}. */
json_object *
test_effect(json_object *ret, size_t i, const char *kind)
{
	json_object *list = test_effects_of(ret), *e, *body;

	ck_assert_msg(i < json_object_array_length(list), "no effect %zu in %s", i, test_js(list));
	e = json_object_array_get_idx(list, i);
	ck_assert_msg(json_object_object_length(e) == 1 &&
	    json_object_object_get_ex(e, kind, &body), "effect %zu is not a %s: %s", i, kind,
	    test_js(e));
	return body;
}

void
test_check_route(json_object *ret, size_t i, unsigned gsi, uint64_t address, uint32_t data)
{
	json_object *b = test_effect(ret, i, "route");

	ck_assert_msg(test_get_int(b, "gsi") == gsi, "route gsi: %s, want %u", test_js(b), gsi);
	ck_assert_msg((uint64_t)test_get_int(b, "address") == address,
	    "route address: %s, want 0x%" PRIx64, test_js(b), address);
	ck_assert_msg(test_get_int(b, "data") == data, "route data: %s, want 0x%x", test_js(b), data);
}

void
test_check_unroute(json_object *ret, size_t i, unsigned gsi)
{
	json_object *b = test_effect(ret, i, "unroute");

	ck_assert_msg(test_get_int(b, "gsi") == gsi, "unroute gsi: %s, want %u", test_js(b), gsi);
}

void
test_check_signal_msi(json_object *ret, size_t i, uint64_t address, uint32_t data)
{
	json_object *b = test_effect(ret, i, "signal-msi");

	ck_assert_msg((uint64_t)test_get_int(b, "address") == address,
	    "signal-msi address: %s, want 0x%" PRIx64, test_js(b), address);
	ck_assert_msg(test_get_int(b, "data") == data, "signal-msi data: %s, want 0x%x", test_js(b),
	    data);
}

void
test_check_no_effects(json_object *ret)
{
	ck_assert_msg(test_neffects(ret) == 0, "unexpected effects: %s", test_js(test_effects_of(ret)));
}

/* A non-blocking eventfd the teardown closes. */
int
test_new_efd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(nefds, sizeof efds / sizeof efds[0]);
	efds[nefds++] = fd;
	return fd;
}

/* Reads and resets the counter: the injections since the last read. */
uint64_t
test_efd_take(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof v);

	if (n < 0 && errno == EAGAIN)
		return 0;
	ck_assert_int_eq(n, sizeof v);
	return test_efd_value(v);
}

/* Collects the counter until it has reached want or the deadline passed. */
uint64_t
test_efd_wait(int fd, uint64_t want, int timeout_ms)
{
	int64_t deadline = test_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t got = 0;

	for (;;) {
		int64_t left;

		got += test_efd_take(fd);
		left = deadline - test_now_ms();
		if (got >= want || left <= 0)
			return got;
		(void)poll(&pfd, 1, (int)left);
	}
}

void
test_efd_signal(int fd, uint64_t value)
{
	value = test_efd_value(value);
	ck_assert_int_eq(write(fd, &value, sizeof value), sizeof value);
}

int64_t
test_status_counter(const char *path)
{
	return test_status_int(*cur, path);
}

/* Waits until a query-status counter has reached want; returns its value. */
int64_t
test_wait_counter(const char *path, int64_t want)
{
	int64_t deadline = test_now_ms() + TEST_WAIT_MS, v;

	for (;;) {
		v = test_status_int(*cur, path);
		if (v >= want || test_now_ms() > deadline)
			return v;
		test_sleep_ms(1);
	}
}

/* The next event called name (others are dropped), or NULL after timeout_ms. */
json_object *
test_next_event(const char *name, int timeout_ms)
{
	int64_t deadline = test_now_ms() + timeout_ms;
	json_object *ev, *n;

	for (;;) {
		int64_t left = deadline - test_now_ms();

		if (irqchip_client_next_event(*cur, left > 0 ? (int)left : 0, &ev) < 0)
			return NULL;
		if (json_object_object_get_ex(ev, "event", &n) &&
		    strcmp(json_object_get_string(n), name) == 0)
			return test_keep(ev);
		json_object_put(ev);
	}
}

/* ---- a daemon process the suite starts itself ---- */

/* Removes dir and the files in it. */
void
test_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (unlink(path) < 0)
			rmdir(path);
	}
	closedir(d);
	rmdir(dir);
}

void
test_proc_init(struct proc *p)
{
	memset(p, 0, sizeof *p);
	test_make_dir(p->dir, sizeof p->dir);
	snprintf(p->sock, sizeof p->sock, "%s/sock", p->dir);
	snprintf(p->log, sizeof p->log, "%s/log", p->dir);
	snprintf(p->err, sizeof p->err, "%s/stderr", p->dir);
}

/*
 * Starts the daemon with args; fd (if >= 0) becomes its fd as_fd, everything
 * else above stderr is closed; stderr goes to p->err.
 */
void
test_spawn(struct proc *p, const char *const *args, int fd, int as_fd, enum activation act)
{
	char prog[512], pidbuf[32];
	const char *argv[32];
	int n = 0;

	argv[n++] = test_program("daemon/irqchipd", prog, sizeof prog);
	for (int i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	p->pid = fork();
	ck_assert_int_ge(p->pid, 0);
	if (p->pid == 0) {
		int null = open("/dev/null", O_RDWR), e;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		e = open(p->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(null, 0);
		dup2(null, 1);
		dup2(e, 2);
		if (fd >= 0) {
			if (fd != as_fd)
				dup2(fd, as_fd);
			fcntl(as_fd, F_SETFD, 0);
		}
		for (int i = 3; i < 1024; i++) {
			if (fd < 0 || i != as_fd)
				close(i);
		}
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		if (act != ACT_NONE) {
			snprintf(pidbuf, sizeof pidbuf, "%d",
			    (int)(act == ACT_OTHER_PID ? getppid() : getpid()));
			setenv("LISTEN_PID", pidbuf, 1);
			setenv("LISTEN_FDS", act == ACT_TWO_FDS ? "2" : "1", 1);
		}
		test_execv(argv[0], argv);
		_exit(127);
	}
}

int
test_status_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The exit code once it exits by itself within timeout_ms, else -1. */
int
test_proc_wait(struct proc *p, int timeout_ms)
{
	return test_pid_wait(&p->pid, timeout_ms);
}

/* SIGTERM (SIGKILL if that does not work); the exit code. Removes the directory. */
int
test_proc_stop(struct proc *p)
{
	int rc = test_pid_stop(&p->pid);

	test_remove_dir(p->dir);
	return rc;
}

/* Connects to path, retrying (5 s) while nobody listens yet; negotiates. */
struct irqchip_client *
test_connect_when_ready(const char *path)
{
	struct test_daemon fake;
	int64_t deadline = test_now_ms() + 5000;
	struct irqchip_client *c = NULL;
	char *cause = NULL;

	for (;;) {
		int rc = irqchip_client_connect(path, &c, &cause);

		if (rc == 0)
			break;
		ck_assert_msg(test_now_ms() < deadline &&
		    (rc == -ECONNREFUSED || rc == -ENOENT),
		    "connect %s: %s", path, cause != NULL ? cause : strerror(-rc));
		free(cause);
		cause = NULL;
		test_sleep_ms(10);
	}
	irqchip_client_close(c);
	memset(&fake, 0, sizeof fake);
	snprintf(fake.sock, sizeof fake.sock, "%s", path);
	return test_connect(&fake);
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

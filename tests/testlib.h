/*
 * Helpers shared by the Check suites: run a private irqchipd, talk to it,
 * assert on replies. Failures go through ck_assert, so they end the test.
 */
#ifndef IRQCHIPD_TESTLIB_H
#define IRQCHIPD_TESTLIB_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include <check.h>
#include <json-c/json.h>

#include "irqchip.h"

struct test_daemon {
	pid_t pid;
	char dir[64];		/* private temporary directory */
	char sock[128];		/* dir/sock */
	char log[128];		/* dir/log */
};

/*
 * Every command the daemon implements, written out by hand from
 * irqchipd-protocol(7), so the suites notice one that goes missing.
 */
extern const char *const test_all_commands[];

/* The build tree ($IRQCHIPD_BUILDDIR, or "." when run by hand). */
const char *test_builddir(void);
/* Path of a built program, e.g. "daemon/irqchipd". */
const char *test_program(const char *relpath, char *buf, size_t size);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t test_now_ms(void);
/* Sleeps ms milliseconds. */
void test_sleep_ms(int ms);
/* Creates a private temporary directory /tmp/irqchipd-test.XXXXXX into buf. */
void test_make_dir(char *buf, size_t size);

/*
 * Starts daemon/irqchipd on dir/sock with --log-file dir/log --log-level debug
 * and the extra arguments (NULL-terminated, may be NULL); waits until the socket
 * accepts connections.
 */
void test_daemon_start(struct test_daemon *, const char *const *extra);
/* SIGTERM, wait; returns the exit status (or 128 + signal). Removes dir. */
int test_daemon_stop(struct test_daemon *);
/* Waits up to timeout_ms for the daemon to exit by itself; -1 if it did not. */
int test_daemon_wait(struct test_daemon *, int timeout_ms);

/* Connects and negotiates (resume with the greeting token when resumable). */
struct irqchip_client *test_connect(const struct test_daemon *);
/* Connects without negotiating. */
struct irqchip_client *test_connect_raw(const struct test_daemon *);

/* Executes command with JSON-text args (may be NULL) and fds; asserts success. */
json_object *test_call_ok(struct irqchip_client *, const char *command, const char *args,
    const int *fds, unsigned nfds);
/* Same, asserting an error of class; returns its desc (a new string). */
char *test_call_err(struct irqchip_client *, const char *command, const char *args,
    const int *fds, unsigned nfds, const char *class);

/* A query-status field (a JSON path, see test_get) as an integer. */
int64_t test_status_int(struct irqchip_client *, const char *path);

/* Sends raw bytes and returns the reply message (events skipped). */
json_object *test_raw(struct irqchip_client *, const void *buf, size_t len, const int *fds,
    unsigned nfds);

/*
 * Runs argv (argv[0] a path) to completion, stdin from /dev/null, no test fds
 * inherited; returns its exit status (128 + signal). *out and *err (either may
 * be NULL) receive what it wrote to stdout and stderr (malloc'ed). Aborts the
 * test if it runs longer than 10 s.
 */
int test_run(const char *const *argv, char **out, char **err);

/*
 * execv(path, argv), through the emulator named by $IRQCHIPD_TEST_EXEC when
 * that is set (words split on spaces, e.g. "qemu-s390x-static"): a cross
 * build's tests start the daemon and irqchipctl this way on a host that has
 * no binfmt_misc to run them. Returns only on failure, as execv does.
 */
int test_execv(const char *path, const char *const argv[]);

/*
 * An eventfd counter exchanged with another process (the daemon), as a
 * number: the value read from, or to write to, an eventfd this process
 * created. The kernel keeps the counter as a host-order u64, so this is the
 * identity on every real machine. qemu-user running a guest of the other
 * byte order (s390x on x86-64) converts the counter only for eventfds the
 * emulated process created itself, not for those it received over
 * SCM_RIGHTS: a daemon's write of 1 reads as 1 << 56 here, and ours of 1
 * reaches it as 1 << 56. test_efd_swapped() measures that once, in this
 * process, by passing an eventfd to itself; test_efd_value() then undoes it,
 * so that the suites count injections exactly there too.
 */
bool test_efd_swapped(void);
uint64_t test_efd_value(uint64_t);

/*
 * Whether recvmsg reports MSG_CTRUNC when a packet carries more fds than the
 * receiver has room for, as Linux does. qemu-user (7.2) drops the extra fds
 * without the flag; a test of the daemon's answer to too many fds cannot
 * observe it there.
 */
bool test_ctrunc_reported(void);

/*
 * main() of a suite: runs it (CK_ENV picks the verbosity) with SIGPIPE
 * ignored, so a dead daemon fails a test instead of killing the runner.
 */
int test_main(Suite *);

/*
 * A fake daemon on a socketpair, for testing the library against a daemon
 * that misbehaves: it has sent a greeting; the test then writes what the
 * daemon says with test_fake_say and reads what the library sent. *lib is
 * the library's client; returns the daemon's end.
 */
int test_fake_daemon(struct irqchip_client **lib);
void test_fake_say(int fd, const char *msg);

/* Open fds of this process (/proc/self/fd). */
unsigned test_count_fds(void);
/* A JSON path lookup: "a.b.2.c" (array indexes as numbers); asserts it exists. */
json_object *test_get(json_object *, const char *path);
int64_t test_get_int(json_object *, const char *path);
/* Whether s contains needle; for asserting on error sentences. */
bool test_contains(const char *s, const char *needle);

/* ---- calls on the current client ---- */

/* Deadline for anything asynchronous in the helpers below. */
#define TEST_WAIT_MS	5000

/*
 * The client the helpers below talk to: *c at each call (a suite may
 * reconnect and reassign it).
 */
void test_use_client(struct irqchip_client **c);
/* Keep a reply, a string: released (with test_new_efd's fds) by test_release_all. */
json_object *test_keep(json_object *);
char *test_keep_str(char *);
void test_release_all(void);
double test_now_ms_f(void);
/* Executes command with printf-formatted JSON arguments (may be NULL); asserts success. */
json_object *test_callf_fds(const char *command, const int *fds, unsigned nfds,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Same, asserting an error of class; returns its description (kept). */
char *test_errf_fds(const char *class, const char *command, const int *fds, unsigned nfds,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define test_callf(command, ...) test_callf_fds(command, NULL, 0, __VA_ARGS__)
#define test_errf(class, command, ...) test_errf_fds(class, command, NULL, 0, __VA_ARGS__)
/* A reply's effects array; its length; effect i, asserting its kind: {"kind": body}. */
json_object *test_effects_of(json_object *ret);
size_t test_neffects(json_object *ret);
json_object *test_effect(json_object *ret, size_t i, const char *kind);
void test_check_route(json_object *ret, size_t i, unsigned gsi, uint64_t address,
    uint32_t data);
void test_check_unroute(json_object *ret, size_t i, unsigned gsi);
void test_check_signal_msi(json_object *ret, size_t i, uint64_t address, uint32_t data);
void test_check_no_effects(json_object *ret);
/* JSON text of o, plain. */
const char *test_js(json_object *);
/* A non-blocking eventfd; reads and resets its counter; waits for want; writes value. */
int test_new_efd(void);
uint64_t test_efd_take(int fd);
uint64_t test_efd_wait(int fd, uint64_t want, int timeout_ms);
void test_efd_signal(int fd, uint64_t value);
/* A query-status counter; the same once it reached want (or TEST_WAIT_MS passed). */
int64_t test_status_counter(const char *path);
int64_t test_wait_counter(const char *path, int64_t want);
/* The next event called name (others dropped, the one returned kept), or NULL. */
json_object *test_next_event(const char *name, int timeout_ms);

/* ---- a daemon process the suite starts itself ---- */

/* LISTEN_PID/LISTEN_FDS for test_spawn: none, ours, another pid's, two fds. */
enum activation { ACT_NONE, ACT_OK, ACT_OTHER_PID, ACT_TWO_FDS };

struct proc {
	pid_t pid;
	char dir[64];
	char sock[128];
	char log[128];
	char err[128];
};

/* Removes dir and the files in it. */
void test_remove_dir(const char *dir);
/* A fresh private directory with the paths of its socket, log and stderr. */
void test_proc_init(struct proc *);
/*
 * Starts daemon/irqchipd with args; fd (if >= 0) becomes its fd as_fd,
 * everything else above stderr is closed; stderr goes to p->err.
 */
void test_spawn(struct proc *, const char *const *args, int fd, int as_fd,
    enum activation);
int test_status_code(int status);
/* The same for a bare pid: wait up to timeout_ms; SIGTERM, then SIGKILL after 5 s. */
int test_pid_wait(pid_t *pid, int timeout_ms);
int test_pid_stop(pid_t *pid);
/* The exit code once it exits by itself within timeout_ms, else -1. */
int test_proc_wait(struct proc *, int timeout_ms);
/* SIGTERM (SIGKILL if that does not work); the exit code. Removes the directory. */
int test_proc_stop(struct proc *);
/* Connects to path, retrying (5 s) while nobody listens yet; negotiates. */
struct irqchip_client *test_connect_when_ready(const char *path);

#endif

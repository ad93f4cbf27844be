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
 * Every command the daemon implements, written out by hand (DESIGN.md's table
 * as far as it exists), so the suites notice one that goes missing.
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

/* Open fds of this process (/proc/self/fd). */
unsigned test_count_fds(void);
/* A JSON path lookup: "a.b.2.c" (array indexes as numbers); asserts it exists. */
json_object *test_get(json_object *, const char *path);
int64_t test_get_int(json_object *, const char *path);
/* Whether s contains needle; for asserting on error sentences. */
bool test_contains(const char *s, const char *needle);

#endif

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

#endif

/*
 * Pressure and trust: what the daemon does when a client reads slowly or not
 * at all, stays silent, stalls while holding the session, or hands over fds
 * that misbehave; and what it refuses. Each test starts its own daemon on a
 * private socket and plays the client through the library or raw packets.
 * Waits are bounded by poll(2) deadlines; a sleep only ever stands for "the
 * client does not read", never for a check.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include "compiler.h"
#include "daemon.h"
#include "irqchip-embedded.h"
#include "testlib.h"

#define WAIT_MS		5000
#define PULSES		1000

static const char *
js(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* ioapic io0 with pin 1 unmasked, edge, vector 0x31, and an edge notifier on it. */
static int
edge_pin_with_notifier(struct irqchip_client *c)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	ck_assert_int_ge(efd, 0);
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, "
	    "\"size\": 4, \"value\": \"0x12\"}", NULL, 0));
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 16, "
	    "\"size\": 4, \"value\": \"0x31\"}", NULL, 0));
	json_object_put(test_call_ok(c, "notifier-add", "{\"id\": \"io0\", \"line\": 1, "
	    "\"fd\": 0, \"mode\": \"edge\"}", &efd, 1));
	return efd;
}

static void
pulse(int efd, unsigned n)
{
	uint64_t one = test_efd_value(1);

	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(write(efd, &one, sizeof one), (ssize_t)sizeof one);
}

/* Counts the interrupt events waiting for c until none comes for a while. */
static unsigned
count_interrupts(struct irqchip_client *c, unsigned want)
{
	json_object *ev;
	unsigned n = 0;

	while (n < want && irqchip_client_next_event(c, WAIT_MS, &ev) == 0) {
		if (strcmp(json_object_get_string(test_get(ev, "event")), "interrupt") == 0) {
			ck_assert_int_eq(test_get_int(ev, "data.line"), 1);
			n++;
		}
		json_object_put(ev);
	}
	return n;
}

/* Whether the daemon has closed c's connection (within WAIT_MS). */
static bool
closed_by_daemon(struct irqchip_client *c)
{
	struct pollfd p = { .fd = irqchip_client_fd(c), .events = POLLIN };
	char buf[65536];
	int64_t end = test_now_ms() + WAIT_MS;
	ssize_t n;

	while (test_now_ms() < end) {
		if (poll(&p, 1, 100) < 1)
			continue;
		n = recv(p.fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			return true;
	}
	return false;
}

/* Polls a query-status integer on c until it reaches want (or WAIT_MS passes). */
static int64_t
wait_status(struct irqchip_client *c, const char *path, int64_t want)
{
	int64_t end = test_now_ms() + WAIT_MS, v;

	while ((v = test_status_int(c, path)) < want && test_now_ms() < end)
		test_sleep_ms(10);
	return v;
}

/*
 * The same through a short-lived observer each time: under a burst of
 * events with a small --send-queue an observer that waits is itself
 * disconnected, so a poll that fails is simply tried again.
 */
static int64_t
poll_status(const struct test_daemon *d, const char *path, int64_t want)
{
	int64_t end = test_now_ms() + WAIT_MS, v = -1;

	while (v < want && test_now_ms() < end) {
		struct irqchip_client *o = NULL;
		json_object *a = json_tokener_parse("{\"observer\": true}"), *ret = NULL;

		if (irqchip_client_connect(d->sock, &o, NULL) == 0 &&
		    irqchip_client_call(o, "negotiate", a, NULL, 0, NULL, NULL, NULL) == 0 &&
		    irqchip_client_call(o, "query-status", NULL, NULL, 0, &ret, NULL, NULL) == 0)
			v = test_get_int(ret, path);
		json_object_put(ret);
		json_object_put(a);
		irqchip_client_close(o);
		if (v < want)
			test_sleep_ms(10);
	}
	return v;
}

static bool
remote_irr(struct irqchip_client *c, unsigned pin)
{
	char path[64];
	json_object *ret = test_call_ok(c, "chip-query", "{\"id\": \"io0\"}", NULL, 0);
	bool v;

	snprintf(path, sizeof path, "entries.%u.remote-irr", pin);
	v = json_object_get_boolean(test_get(ret, path));
	json_object_put(ret);
	return v;
}

/* ---- back-pressure ---- */

/*
 * 1000 interrupts while the client does not read: every one arrives, the
 * next request is answered, and the counters agree.
 */
START_TEST(test_slow_reader_loses_nothing)
{
	static const char req[] = "{\"execute\": \"query-status\", \"id\": 7}";
	struct test_daemon d;
	struct irqchip_client *c;
	json_object *m;
	int64_t events;
	int efd;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	efd = edge_pin_with_notifier(c);
	events = test_status_int(c, "counters.events");
	pulse(efd, PULSES);
	/* The client reads nothing until the daemon has made every interrupt. */
	ck_assert_int_eq(poll_status(&d, "counters.notifier-triggers", PULSES), PULSES);
	m = test_raw(c, req, sizeof req - 1, NULL, 0);
	ck_assert_msg(json_object_object_get_ex(m, "return", NULL), "%s", js(m));
	ck_assert_int_eq(test_get_int(m, "id"), 7);
	json_object_put(m);
	ck_assert_int_eq(count_interrupts(c, PULSES), PULSES);
	ck_assert_int_eq(test_status_int(c, "counters.notifier-triggers"), PULSES);
	ck_assert_int_eq(test_status_int(c, "counters.injections.event"), PULSES);
	ck_assert_int_eq(test_status_int(c, "counters.injections.lost"), 0);
	ck_assert_int_eq(test_status_int(c, "counters.events"), events + PULSES);
	ck_assert_int_eq(test_status_int(c, "counters.discarded"), 0);
	ck_assert_int_eq(test_status_int(c, "counters.queue-overruns"), 0);
	ck_assert_int_gt(test_status_int(c, "counters.queued"), 0);
	close(efd);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/*
 * A client that lets more than --send-queue messages pile up is
 * disconnected; its session stays, and a resume gets the routes back.
 */
START_TEST(test_overrun_disconnects_resumable)
{
	static const char *const args[] = { "--send-queue", "16", NULL };
	struct test_daemon d;
	struct irqchip_client *c;
	json_object *ret = NULL;
	char token[64], *cause = NULL;
	int efd;

	test_daemon_start(&d, args);
	c = test_connect(&d);
	snprintf(token, sizeof token, "%s",
	    json_object_get_string(test_get(irqchip_client_greeting(c), "session")));
	efd = edge_pin_with_notifier(c);
	pulse(efd, PULSES);
	/* The client reads nothing until the daemon has given up on it. */
	ck_assert_int_eq(poll_status(&d, "counters.queue-overruns", 1), 1);
	ck_assert_msg(closed_by_daemon(c), "a client that did not read stayed connected");
	irqchip_client_close(c);
	close(efd);

	c = test_connect_raw(&d);
	ck_assert(json_object_get_boolean(test_get(irqchip_client_greeting(c), "resumable")));
	ck_assert_int_eq(irqchip_client_negotiate(c, NULL, token, &ret, &cause), 0);
	/* 24 pins: one route or unroute each, pin 1 routed to vector 0x31. */
	ck_assert_int_eq(json_object_array_length(test_get(ret, "effects")), 24);
	ck_assert_int_eq(test_get_int(ret, "effects.1.route.data") & 0xff, 0x31);
	json_object_put(ret);
	ck_assert_int_eq(test_status_int(c, "counters.queue-overruns"), 1);
	ck_assert_int_gt(test_status_int(c, "counters.discarded"), 0);
	ck_assert_int_eq(test_status_int(c, "chips"), 1);
	ck_assert_int_eq(test_status_int(c, "notifiers"), 0);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/*
 * A level interrupt still queued when its client leaves never reached the
 * guest: the entry does not wait for its EOI, and after a resume the line
 * is delivered again when its device asserts it.
 */
START_TEST(test_undelivered_level_not_wedged)
{
	static const char *const args[] = { "--send-queue", "100000", NULL };
	struct test_daemon d;
	struct irqchip_client *c, *o;
	json_object *ev;
	uint64_t one = 1;
	int efd, lv[2], n = 0;

	test_daemon_start(&d, args);
	c = test_connect(&d);
	o = test_connect_raw(&d);
	json_object_put(test_call_ok(o, "negotiate", "{\"observer\": true}", NULL, 0));
	efd = edge_pin_with_notifier(c);
	/* Pin 3: level, vector 0x33, unmasked; a level notifier with a resample fd. */
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, "
	    "\"size\": 4, \"value\": \"0x16\"}", NULL, 0));
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 16, "
	    "\"size\": 4, \"value\": \"0x8033\"}", NULL, 0));
	lv[0] = eventfd(0, EFD_CLOEXEC);
	lv[1] = eventfd(0, EFD_CLOEXEC);
	json_object_put(test_call_ok(c, "notifier-add", "{\"id\": \"io0\", \"line\": 3, "
	    "\"fd\": 0, \"mode\": \"level\", \"resample-fd\": 1}", lv, 2));
	/* The client stops reading: 2000 edge interrupts, then the level one, wait. */
	pulse(efd, 2000);
	ck_assert_int_ge(wait_status(o, "counters.injections.event", 2000), 2000);
	one = test_efd_value(1);
	ck_assert_int_eq(write(lv[0], &one, sizeof one), (ssize_t)sizeof one);
	ck_assert_int_ge(wait_status(o, "counters.injections.event", 2001), 2001);
	ck_assert(remote_irr(o, 3));
	irqchip_client_close(c);
	close(efd);
	close(lv[0]);
	close(lv[1]);
	{
		int64_t end = test_now_ms() + WAIT_MS;

		while (test_status_int(o, "connections") > 1 && test_now_ms() < end)
			test_sleep_ms(10);
	}
	ck_assert_msg(!remote_irr(o, 3), "pin 3 waits for the EOI of an interrupt the guest "
	    "never got");

	c = test_connect(&d);
	lv[0] = eventfd(0, EFD_CLOEXEC);
	lv[1] = eventfd(0, EFD_CLOEXEC);
	json_object_put(test_call_ok(c, "notifier-add", "{\"id\": \"io0\", \"line\": 3, "
	    "\"fd\": 0, \"mode\": \"level\", \"resample-fd\": 1}", lv, 2));
	one = test_efd_value(1);
	ck_assert_int_eq(write(lv[0], &one, sizeof one), (ssize_t)sizeof one);
	while (n == 0 && irqchip_client_next_event(c, WAIT_MS, &ev) == 0) {
		json_object *line;

		if (strcmp(json_object_get_string(test_get(ev, "event")), "interrupt") == 0 &&
		    json_object_object_get_ex(test_get(ev, "data"), "line", &line) &&
		    json_object_get_int(line) == 3)
			n++;
		json_object_put(ev);
	}
	ck_assert_msg(n == 1, "the level line was not delivered after the resume");
	close(lv[0]);
	close(lv[1]);
	irqchip_client_close(c);
	irqchip_client_close(o);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* ---- connections: negotiate timeout, observers, takeover ---- */

/* A silent connection neither blocks the next client nor stays for ever. */
START_TEST(test_negotiate_timeout)
{
	static const char *const args[] = { "--negotiate-timeout", "1", NULL };
	struct test_daemon d;
	struct irqchip_client *silent, *c;
	json_object *m = NULL;
	int rc;

	test_daemon_start(&d, args);
	silent = test_connect_raw(&d);
	c = test_connect(&d);
	rc = irqchip_client_recv_reply(silent, WAIT_MS, &m);
	ck_assert_msg(rc == 0, "no word to the silent connection: %s", strerror(-rc));
	ck_assert_str_eq(json_object_get_string(test_get(m, "error.class")), "SessionError");
	ck_assert(test_contains(json_object_get_string(test_get(m, "error.desc")),
	    "negotiate"));
	json_object_put(m);
	ck_assert(closed_by_daemon(silent));
	irqchip_client_close(silent);
	ck_assert_int_eq(test_status_int(c, "counters.negotiate-timeouts"), 1);
	/* The negotiated client is not subject to it. */
	json_object_put(test_call_ok(c, "query-version", NULL, NULL, 0));
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

START_TEST(test_observers)
{
	struct test_daemon d;
	struct irqchip_client *c, *o1, *o2;
	json_object *ret;
	char *desc;
	int efd;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	o1 = test_connect_raw(&d);
	o2 = test_connect_raw(&d);
	ret = test_call_ok(o1, "negotiate", "{\"observer\": true}", NULL, 0);
	ck_assert(json_object_get_boolean(test_get(ret, "observer")));
	json_object_put(ret);
	json_object_put(test_call_ok(o2, "negotiate", "{\"observer\": true}", NULL, 0));
	efd = edge_pin_with_notifier(c);
	/* Queries work; changes do not, and change nothing. */
	ck_assert_int_eq(test_status_int(o1, "observers"), 2);
	json_object_put(test_call_ok(o1, "chip-query", "{\"id\": \"io0\"}", NULL, 0));
	json_object_put(test_call_ok(o1, "query-chips", NULL, NULL, 0));
	desc = test_call_err(o1, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io1\", "
	    "\"base\": \"0xfec01000\"}", NULL, 0, "PermissionDenied");
	ck_assert(test_contains(desc, "observer"));
	free(desc);
	free(test_call_err(o2, "line-pulse", "{\"id\": \"io0\", \"line\": 1}", NULL, 0,
	    "PermissionDenied"));
	ck_assert_int_eq(test_status_int(c, "chips"), 1);
	/* Every event reaches every negotiated connection. */
	pulse(efd, 3);
	ck_assert_int_eq(count_interrupts(c, 3), 3);
	ck_assert_int_eq(count_interrupts(o1, 3), 3);
	ck_assert_int_eq(count_interrupts(o2, 3), 3);
	/* Observers come and go without touching the session. */
	irqchip_client_close(o1);
	irqchip_client_close(o2);
	ck_assert_int_eq(test_status_int(c, "notifiers"), 1);
	free(test_call_err(c, "negotiate", "{\"observer\": true}", NULL, 0, "SessionError"));
	close(efd);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* irqchipctl queries and watches beside a running VMM, and cannot change anything. */
START_TEST(test_irqchipctl_beside_vmm)
{
	struct test_daemon d;
	struct irqchip_client *c;
	char prog[512], *out = NULL, *err = NULL;
	const char *query[] = { NULL, "-s", d.sock, "--json", "query-status", NULL };
	const char *add[] = { NULL, "-s", d.sock, "chip-add", "type=ioapic", "id=io9", NULL };

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": "
	    "\"io0\"}", NULL, 0));
	query[0] = add[0] = test_program("proto/irqchipctl", prog, sizeof prog);
	ck_assert_int_eq(test_run(query, &out, &err), 0);
	ck_assert_msg(test_contains(out, "\"observers\":1") && test_contains(out,
	    "\"chips\":1"), "%s %s", out, err);
	free(out);
	free(err);
	ck_assert_int_eq(test_run(add, &out, &err), 1);
	ck_assert_msg(test_contains(err, "PermissionDenied"), "%s", err);
	free(out);
	free(err);
	/* The VMM kept control throughout. */
	ck_assert_int_eq(test_status_int(c, "chips"), 1);
	json_object_put(test_call_ok(c, "chip-del", "{\"id\": \"io0\"}", NULL, 0));
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

START_TEST(test_takeover)
{
	struct test_daemon d;
	struct irqchip_client *stalled, *c;
	json_object *ret;
	char token[64], args[160];
	int efd = eventfd(0, EFD_CLOEXEC);

	test_daemon_start(&d, NULL);
	stalled = test_connect(&d);
	snprintf(token, sizeof token, "%s",
	    json_object_get_string(test_get(irqchip_client_greeting(stalled), "session")));
	json_object_put(test_call_ok(stalled, "chip-add", "{\"type\": \"ioapic\", \"id\": "
	    "\"io0\"}", NULL, 0));
	json_object_put(test_call_ok(stalled, "irqfd-add", "{\"gsi\": 2, \"fd\": 0}", &efd, 1));

	c = test_connect_raw(&d);
	/* Without the token, or without asking to take over: refused. */
	free(test_call_err(c, "negotiate", "{\"takeover\": true}", NULL, 0,
	    "InvalidParameter"));
	free(test_call_err(c, "negotiate", "{\"resume\": \"00\", \"takeover\": true}", NULL, 0,
	    "SessionError"));
	snprintf(args, sizeof args, "{\"resume\": \"%s\"}", token);
	free(test_call_err(c, "negotiate", args, NULL, 0, "Busy"));
	snprintf(args, sizeof args, "{\"resume\": \"%s\", \"takeover\": true}", token);
	ret = test_call_ok(c, "negotiate", args, NULL, 0);
	ck_assert(json_object_get_boolean(test_get(ret, "resumed")));
	ck_assert_int_eq(json_object_array_length(test_get(ret, "effects")), 24);
	json_object_put(ret);
	ck_assert_msg(closed_by_daemon(stalled), "the replaced client stayed connected");
	irqchip_client_close(stalled);
	/* The old client's irqfd went with it: the GSI is free for the new one's. */
	ck_assert_int_eq(test_status_int(c, "irqfds"), 0);
	json_object_put(test_call_ok(c, "irqfd-add", "{\"gsi\": 2, \"fd\": 0}", &efd, 1));
	ck_assert_int_eq(test_status_int(c, "counters.takeovers"), 1);
	ck_assert_int_eq(test_status_int(c, "chips"), 1);
	close(efd);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* ---- fds the client gave ---- */

/*
 * An irqfd whose counter is at its maximum: the write that would block
 * fails instead, is counted as a lost interrupt and announced, and the
 * daemon goes on answering (and stops on SIGTERM).
 */
START_TEST(test_full_eventfd_does_not_block)
{
	static const char req[] = "{\"execute\": \"line-pulse\", \"arguments\": "
	    "{\"id\": \"io0\", \"line\": 2}, \"id\": 1}";
	struct test_daemon d;
	struct irqchip_client *c;
	json_object *m, *ev;
	uint64_t full = 0xfffffffffffffffeULL;
	bool seen = false;
	int efd = eventfd(0, EFD_CLOEXEC);

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": "
	    "\"io0\"}", NULL, 0));
	json_object_put(test_call_ok(c, "irqfd-add", "{\"gsi\": 2, \"fd\": 0}", &efd, 1));
	/* Pin 2: edge, vector 0x32, unmasked; its route goes out with this write. */
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, "
	    "\"size\": 4, \"value\": \"0x14\"}", NULL, 0));
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 16, "
	    "\"size\": 4, \"value\": \"0x32\"}", NULL, 0));
	full = test_efd_value(full);
	ck_assert_int_eq(write(efd, &full, sizeof full), (ssize_t)sizeof full);
	m = test_raw(c, req, sizeof req - 1, NULL, 0);
	ck_assert_msg(json_object_object_get_ex(m, "return", NULL), "%s", js(m));
	json_object_put(m);
	ck_assert_int_eq(test_status_int(c, "counters.injections.lost"), 1);
	ck_assert_int_eq(test_status_int(c, "counters.injections.irqfd"), 0);
	ck_assert_int_eq(test_status_int(c, "counters.eventfd-write-failures"), 1);
	while (!seen && irqchip_client_next_event(c, WAIT_MS, &ev) == 0) {
		if (strcmp(json_object_get_string(test_get(ev, "event")), "client-error") == 0) {
			ck_assert_str_eq(json_object_get_string(test_get(ev, "data.kind")),
			    "irqfd");
			ck_assert_int_eq(test_get_int(ev, "data.gsi"), 2);
			seen = true;
		}
		json_object_put(ev);
	}
	ck_assert_msg(seen, "no client-error event");
	/* Once the VMM reads it, the irqfd works again. */
	ck_assert_int_eq(read(efd, &full, sizeof full), (ssize_t)sizeof full);
	json_object_put(test_call_ok(c, "line-pulse", "{\"id\": \"io0\", \"line\": 2}",
	    NULL, 0));
	ck_assert_int_eq(read(efd, &full, sizeof full), (ssize_t)sizeof full);
	ck_assert_int_eq(test_efd_value(full), 1);
	close(efd);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* A resample eventfd at its maximum: the EOI completes, the failure is counted. */
START_TEST(test_full_resample_fd_does_not_block)
{
	struct test_daemon d;
	struct irqchip_client *c;
	uint64_t full = 0xfffffffffffffffeULL, one = 1;
	int fds[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": "
	    "\"io0\"}", NULL, 0));
	/* Pin 3: level, vector 0x33, unmasked. */
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, "
	    "\"size\": 4, \"value\": \"0x16\"}", NULL, 0));
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 16, "
	    "\"size\": 4, \"value\": \"0x8033\"}", NULL, 0));
	json_object_put(test_call_ok(c, "notifier-add", "{\"id\": \"io0\", \"line\": 3, "
	    "\"fd\": 0, \"mode\": \"level\", \"resample-fd\": 1}", fds, 2));
	full = test_efd_value(full);
	one = test_efd_value(one);
	ck_assert_int_eq(write(fds[1], &full, sizeof full), (ssize_t)sizeof full);
	ck_assert_int_eq(write(fds[0], &one, sizeof one), (ssize_t)sizeof one);
	{
		int64_t end = test_now_ms() + WAIT_MS;

		while (test_status_int(c, "counters.notifier-triggers") < 1 &&
		    test_now_ms() < end)
			test_sleep_ms(10);
	}
	json_object_put(test_call_ok(c, "eoi", "{\"vector\": 51}", NULL, 0));
	ck_assert_int_eq(test_status_int(c, "counters.resamples"), 1);
	ck_assert_int_eq(test_status_int(c, "counters.eventfd-write-failures"), 1);
	close(fds[0]);
	close(fds[1]);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* ---- the fd limit ---- */

/* Sets the daemon's RLIMIT_NOFILE (soft and hard) to n with prlimit(2). */
static void
daemon_fd_limit(const struct test_daemon *d, rlim_t n)
{
	struct rlimit rl = { n, n };

	ck_assert_int_eq(prlimit(d->pid, RLIMIT_NOFILE, &rl, NULL), 0);
}

/* The daemon's user and system CPU time so far, in clock ticks (proc(5)). */
static long
daemon_cpu_ticks(const struct test_daemon *d)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)d->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	/* Fields 14 and 15, counted after the ")" that ends the command name. */
	p = strrchr(buf, ')');
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st), 2);
	return (long)(ut + st);
}

static long
file_size(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (long)st.st_size;
}

/* A whole file, /proc files (which report size 0) included. */
static char *
read_all(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(buf);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 1024) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* The daemon raises its soft fd limit to the hard one at start. */
START_TEST(test_fd_limit_raised)
{
	struct rlimit saved, low;
	struct test_daemon d;
	struct irqchip_client *c;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	if (saved.rlim_max < 512) {
		fprintf(stderr, "SKIP: the hard fd limit (%lu) leaves nothing to raise\n",
		    (unsigned long)saved.rlim_max);
		return;
	}
	low = (struct rlimit){ 256, saved.rlim_max };
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	test_daemon_start(&d, NULL);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	c = test_connect(&d);
	ck_assert_int_eq(test_status_int(c, "fd-limit"), (int64_t)saved.rlim_max);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* irqfd-add is refused with a reason before the daemon runs out of fds. */
START_TEST(test_fd_budget)
{
	struct test_daemon d;
	struct irqchip_client *c;
	json_object *m;
	char req[160];
	int64_t open_fds;
	unsigned gsi, refused = 0;
	int efd = eventfd(0, EFD_CLOEXEC);

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	open_fds = test_status_int(c, "open-fds");
	daemon_fd_limit(&d, (rlim_t)open_fds + 48);
	for (gsi = 0; gsi < 64 && refused == 0; gsi++) {
		snprintf(req, sizeof req, "{\"execute\": \"irqfd-add\", \"arguments\": "
		    "{\"gsi\": %u, \"fd\": 0}, \"id\": %u}", gsi, gsi);
		m = test_raw(c, req, strlen(req), &efd, 1);
		ck_assert_int_eq(test_get_int(m, "id"), gsi);
		if (json_object_object_get_ex(m, "error", NULL)) {
			ck_assert_str_eq(json_object_get_string(test_get(m, "error.class")),
			    "GenericError");
			ck_assert_msg(test_contains(json_object_get_string(test_get(m,
			    "error.desc")), "RLIMIT_NOFILE"), "%s", js(m));
			refused = gsi;
		}
		json_object_put(m);
	}
	ck_assert_msg(refused > 0, "64 irqfds under a limit of %" PRId64 " fds",
	    open_fds + 48);
	/* Refused with fds to spare: the daemon still takes a packet's worth. */
	ck_assert_int_le(test_status_int(c, "open-fds") + 16, open_fds + 48);
	ck_assert_int_eq(test_status_int(c, "irqfds"), refused);
	close(efd);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/*
 * At the fd limit a packet's fds cannot be received: the reply blames the
 * limit, not the client, and carries the request's id.
 */
START_TEST(test_fd_limit_reply_has_id)
{
	static const char req[] = "{\"execute\": \"irqfd-add\", \"arguments\": "
	    "{\"gsi\": 5, \"fd\": 0}, \"id\": \"req-42\"}";
	struct test_daemon d;
	struct irqchip_client *c;
	json_object *m;
	int efd = eventfd(0, EFD_CLOEXEC);

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	daemon_fd_limit(&d, (rlim_t)test_status_int(c, "open-fds"));
	m = test_raw(c, req, sizeof req - 1, &efd, 1);
	ck_assert_msg(json_object_object_get_ex(m, "error", NULL), "%s", js(m));
	ck_assert_str_eq(json_object_get_string(test_get(m, "id")), "req-42");
	ck_assert_str_eq(json_object_get_string(test_get(m, "error.class")), "GenericError");
	ck_assert_msg(test_contains(json_object_get_string(test_get(m, "error.desc")),
	    "fd limit"), "%s", js(m));
	json_object_put(m);
	ck_assert_int_eq(test_status_int(c, "irqfds"), 0);
	close(efd);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/*
 * accept(2) failing with EMFILE: connections are told why and closed, the
 * daemon does not spin and its log does not flood.
 */
START_TEST(test_emfile_does_not_spin)
{
	struct test_daemon d;
	struct irqchip_client *c, *late;
	json_object *m = NULL;
	long cpu, log0;
	char *cause = NULL;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	daemon_fd_limit(&d, (rlim_t)test_status_int(c, "open-fds"));
	log0 = file_size(d.log);
	cpu = daemon_cpu_ticks(&d);
	for (int i = 0; i < 3; i++) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		struct pollfd p;
		char buf[4096];
		ssize_t n;
		int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

		ck_assert_uint_lt(strlen(d.sock), sizeof sun.sun_path);
		memcpy(sun.sun_path, d.sock, strlen(d.sock) + 1);
		ck_assert_int_eq(connect(s, (struct sockaddr *)&sun, sizeof sun), 0);
		p = (struct pollfd){ .fd = s, .events = POLLIN };
		ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
		n = recv(s, buf, sizeof buf - 1, 0);
		ck_assert_int_gt(n, 0);
		buf[n] = '\0';
		ck_assert_msg(test_contains(buf, "\"Busy\"") && test_contains(buf, "fd limit"),
		    "%s", buf);
		close(s);
	}
	/* A connection left waiting while the daemon cannot take it. */
	ck_assert_int_eq(irqchip_client_connect(d.sock, &late, &cause) == 0 ? 0 : -1, -1);
	free(cause);
	test_sleep_ms(1000);
	/* Generous: a spinning daemon burns the whole second (100 ticks). */
	ck_assert_int_lt(daemon_cpu_ticks(&d) - cpu, 30);
	ck_assert_int_lt(file_size(d.log) - log0, 16384);
	ck_assert_int_eq(test_status_int(c, "counters.rejected-connections"), 4);
	json_object_put(m);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* Refused connects are logged at a limited rate, with a count of the rest. */
START_TEST(test_refused_connects_rate_limited)
{
	static const char *const args[] = { "--allow-uid", "54321", NULL };
	struct test_daemon d;
	char *log;
	unsigned lines = 0;

	if (getuid() == 54321) {
		fprintf(stderr, "SKIP: the test runs as uid 54321, the one allowed\n");
		return;
	}
	test_daemon_start(&d, args);
	for (int i = 0; i < 301; i++) {
		struct irqchip_client *c = NULL;
		char *cause = NULL;

		/* The last one after the one-second window: it carries the count. */
		if (i == 300)
			test_sleep_ms(1100);
		ck_assert_int_lt(irqchip_client_connect(d.sock, &c, &cause), 0);
		free(cause);
	}
	log = read_all(d.log);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
	for (char *p = log; (p = strstr(p, "refused pid")) != NULL; p++)
		lines++;
	ck_assert_msg(lines >= 1 && lines <= 40, "%u lines for 301 refused connects", lines);
	ck_assert_msg(test_contains(log, "suppressed"), "no count of the rest");
	free(log);
}
END_TEST

/* ---- one daemon per path ---- */

/* While PATH.lock is held, a second daemon on PATH does not start. */
START_TEST(test_lock_file)
{
	struct test_daemon d;
	char dir[64], sock[128], lock[160], prog[512], *err = NULL;
	const char *argv[] = { NULL, "--socket-path", sock, NULL };
	int fd;

	test_make_dir(dir, sizeof dir);
	snprintf(sock, sizeof sock, "%s/sock", dir);
	snprintf(lock, sizeof lock, "%s.lock", sock);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	argv[0] = test_program("daemon/irqchipd", prog, sizeof prog);
	ck_assert_int_eq(test_run(argv, NULL, &err), 1);
	ck_assert_msg(test_contains(err, "in use") && test_contains(err, "lock"), "%s", err);
	ck_assert_int_eq(access(sock, F_OK), -1);
	free(err);
	close(fd);
	unlink(lock);
	rmdir(dir);

	/* A running daemon holds its own lock. */
	test_daemon_start(&d, NULL);
	snprintf(lock, sizeof lock, "%s.lock", d.sock);
	fd = open(lock, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	close(fd);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* Two daemons started at the same moment on one path: exactly one runs. */
START_TEST(test_lock_race)
{
	char dir[64], sock[128], prog[512];
	struct stat st;

	test_make_dir(dir, sizeof dir);
	snprintf(sock, sizeof sock, "%s/sock", dir);
	test_program("daemon/irqchipd", prog, sizeof prog);
	for (int round = 0; round < 10; round++) {
		pid_t pid[2];
		int status, exited = -1, running;

		for (int i = 0; i < 2; i++) {
			pid[i] = fork();
			ck_assert_int_ge(pid[i], 0);
			if (pid[i] == 0) {
				int null = open("/dev/null", O_WRONLY);

				const char *argv[] = { prog, "--socket-path", sock, NULL };

				dup2(null, 2);
				test_execv(prog, argv);
				_exit(127);
			}
		}
		/* The loser exits with status 1; the winner serves. */
		for (int64_t end = test_now_ms() + WAIT_MS; exited < 0 && test_now_ms() < end;) {
			for (int i = 0; i < 2 && exited < 0; i++) {
				if (waitpid(pid[i], &status, WNOHANG) == pid[i])
					exited = i;
			}
			test_sleep_ms(5);
		}
		ck_assert_msg(exited >= 0, "round %d: both daemons run", round);
		ck_assert_int_eq(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 1);
		running = 1 - exited;
		for (int i = 0; i < 500 && stat(sock, &st) < 0; i++)
			test_sleep_ms(10);
		ck_assert_int_eq(waitpid(pid[running], &status, WNOHANG), 0);
		ck_assert_int_eq(stat(sock, &st), 0);
		kill(pid[running], SIGTERM);
		ck_assert_int_eq(waitpid(pid[running], &status, 0), pid[running]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		ck_assert_int_eq(access(sock, F_OK), -1);
	}
	snprintf(sock, sizeof sock, "%s/sock.lock", dir);
	unlink(sock);
	rmdir(dir);
}
END_TEST

/* At exit the daemon removes its socket, and nobody else's. */
START_TEST(test_unlink_only_own_socket)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct test_daemon d;
	char moved[160];
	int s;

	test_daemon_start(&d, NULL);
	snprintf(moved, sizeof moved, "%s.moved", d.sock);
	ck_assert_int_eq(rename(d.sock, moved), 0);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_uint_lt(strlen(d.sock), sizeof sun.sun_path);
	memcpy(sun.sun_path, d.sock, strlen(d.sock) + 1);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sun, sizeof sun), 0);
	ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
	ck_assert_int_eq(test_daemon_wait(&d, WAIT_MS), 0);
	ck_assert_msg(access(d.sock, F_OK) == 0, "the daemon removed a socket it did not bind");
	close(s);
	unlink(moved);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* ---- hardening ---- */

/* A field of /proc/PID/status, as a number ("Seccomp", "NoNewPrivs", "Uid"). */
static long
proc_status(pid_t pid, const char *field)
{
	char path[64], *text, *p;
	long v;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	text = read_all(path);
	p = strstr(text, field);
	ck_assert_msg(p != NULL, "no %s in %s", field, path);
	v = strtol(p + strlen(field) + 1, NULL, 10);
	free(text);
	return v;
}

/*
 * The filter itself: once installed, allowed calls work and a forbidden one
 * (an AF_INET socket, which the daemon never needs) kills the process with
 * SIGSYS; it does not fail with EPERM.
 */
START_TEST(test_seccomp_kills_forbidden_call)
{
	int p[2], status;
	char c = 0;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *cause = NULL;

		if (sandbox_seccomp(&cause) < 0)
			_exit(2);
		if (write(p[1], "k", 1) != 1)
			_exit(3);
		(void)socket(AF_INET, SOCK_STREAM, 0);
		_exit(4);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'k');
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "status 0x%x: the forbidden call did not kill", status);
	close(p[0]);
}
END_TEST

/* Whether seccomp(2) filters exist here (Linux 4.14's SECCOMP_GET_ACTION_AVAIL). */
static bool
seccomp_available(void)
{
	uint32_t action = SECCOMP_RET_KILL_PROCESS;

	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

/* Without seccomp filters the daemon serves, and its log says it has none. */
START_TEST(test_daemon_warns_without_seccomp)
{
	struct test_daemon d;
	struct irqchip_client *c;
	char *log;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "query-version", NULL, NULL, 0));
	irqchip_client_close(c);
	log = read_all(d.log);
	ck_assert_msg(test_contains(log, "offers no seccomp filters"), "log: %s", log);
	free(log);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* The daemon runs under the filter and no_new_privs; --no-seccomp turns both off. */
START_TEST(test_daemon_is_filtered)
{
	static const char *const off[] = { "--no-seccomp", NULL };
	struct test_daemon d;
	struct irqchip_client *c;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "query-status", NULL, NULL, 0));
	ck_assert_int_eq(proc_status(d.pid, "Seccomp:"), 2);
	ck_assert_int_eq(proc_status(d.pid, "NoNewPrivs:"), 1);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);

	test_daemon_start(&d, off);
	ck_assert_int_eq(proc_status(d.pid, "Seccomp:"), 0);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* An fd the daemon's parent leaked is closed at start; the log file is 0600. */
START_TEST(test_inherited_fds_closed)
{
	struct test_daemon d;
	char prog[512], fdpath[64];
	struct stat st, mine;
	int pfd[2], efd, status;

	/* A pipe: its inode is its own (all eventfds share one anonymous inode). */
	ck_assert_int_eq(pipe(pfd), 0);
	efd = pfd[0];
	close(pfd[1]);
	test_make_dir(d.dir, sizeof d.dir);
	snprintf(d.sock, sizeof d.sock, "%s/sock", d.dir);
	snprintf(d.log, sizeof d.log, "%s/log", d.dir);
	test_program("daemon/irqchipd", prog, sizeof prog);
	d.pid = fork();
	ck_assert_int_ge(d.pid, 0);
	if (d.pid == 0) {
		if (dup2(efd, 7) != 7)
			_exit(127);
		const char *argv[] = { prog, "--socket-path", d.sock, "--log-file", d.log, NULL };

		umask(0);
		test_execv(prog, argv);
		_exit(127);
	}
	for (int i = 0; i < 500 && stat(d.sock, &st) < 0; i++) {
		ck_assert_int_eq(waitpid(d.pid, &status, WNOHANG), 0);
		test_sleep_ms(10);
	}
	ck_assert_int_eq(fstat(efd, &mine), 0);
	for (int fd = 3; fd < 256; fd++) {
		snprintf(fdpath, sizeof fdpath, "/proc/%d/fd/%d", (int)d.pid, fd);
		ck_assert_msg(stat(fdpath, &st) < 0 || st.st_ino != mine.st_ino ||
		    st.st_dev != mine.st_dev, "the daemon kept the inherited pipe as fd %d",
		    fd);
	}
	ck_assert_int_eq(stat(d.log, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	close(efd);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* The log file is never opened through a symlink. */
START_TEST(test_log_file_no_symlink)
{
	char dir[64], link[128], target[128], prog[512], *err = NULL;
	const char *argv[] = { NULL, "--socket-path", NULL, "--log-file", link, NULL };
	char sock[128];

	test_make_dir(dir, sizeof dir);
	snprintf(link, sizeof link, "%s/log", dir);
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	snprintf(sock, sizeof sock, "%s/sock", dir);
	ck_assert_int_eq(symlink(target, link), 0);
	argv[0] = test_program("daemon/irqchipd", prog, sizeof prog);
	argv[2] = sock;
	ck_assert_int_ne(test_run(argv, NULL, &err), 0);
	ck_assert_msg(test_contains(err, "cannot open log file"), "%s", err);
	ck_assert_int_eq(access(target, F_OK), -1);
	free(err);
	unlink(link);
	rmdir(dir);
}
END_TEST

/* --user drops root once the socket is bound; the daemon goes on serving. */
START_TEST(test_drop_privileges)
{
	static const char *const args[] = { "--user", "nobody", NULL };
	struct test_daemon d;
	struct irqchip_client *c;
	struct passwd *pw = getpwnam("nobody");

	if (geteuid() != 0 || pw == NULL) {
		fprintf(stderr, "SKIP: test_drop_privileges needs root and a user 'nobody'\n");
		return;
	}
	test_daemon_start(&d, args);
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "query-version", NULL, NULL, 0));
	ck_assert_int_eq(proc_status(d.pid, "Uid:"), (long)pw->pw_uid);
	ck_assert_int_eq(proc_status(d.pid, "Gid:"), (long)pw->pw_gid);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* The session token opens the kept state: it stays out of an info-level log. */
START_TEST(test_token_not_logged_at_info)
{
	static const char *const args[] = { "--log-level", "info", NULL };
	struct test_daemon d;
	struct irqchip_client *c;
	char token[64], *log;

	test_daemon_start(&d, args);
	c = test_connect(&d);
	snprintf(token, sizeof token, "%s",
	    json_object_get_string(test_get(irqchip_client_greeting(c), "session")));
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": "
	    "\"io0\"}", NULL, 0));
	irqchip_client_close(c);
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "query-status", NULL, NULL, 0));
	irqchip_client_close(c);
	log = read_all(d.log);
	ck_assert_msg(test_contains(log, "session resumed"), "%s", log);
	ck_assert_msg(!test_contains(log, token), "the token is in the log: %s", log);
	free(log);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* Embedded mode leaves the VMM's process alone: no filter, same limits and fds. */
START_TEST(test_embedded_not_hardened)
{
	struct irqchip_embedded *e = NULL;
	struct irqchip_client *c = NULL;
	struct rlimit before, after;
	char *cause = NULL;
	int efd = eventfd(0, 0);

	ck_assert_int_ge(efd, 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &before), 0);
	ck_assert_msg(irqchip_embedded_start(-1, &e, &c, &cause) == 0, "%s", cause);
	json_object_put(test_call_ok(c, "query-status", NULL, NULL, 0));
	ck_assert_int_eq(proc_status(getpid(), "Seccomp:"), 0);
	ck_assert_int_eq(proc_status(getpid(), "NoNewPrivs:"), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &after), 0);
	ck_assert_uint_eq(before.rlim_cur, after.rlim_cur);
	ck_assert_int_ge(fcntl(efd, F_GETFD), 0);
	irqchip_client_close(c);
	irqchip_embedded_stop(e);
	close(efd);
}
END_TEST

/* ---- ids ---- */

/* Number ids come back as the very text that was sent, never re-rounded. */
START_TEST(test_ids_echoed_exactly)
{
	static const char *const ids[] = {
		"9.9e22", "1.0", "-1.50E+3", "18446744073709551615", "-9223372036854775808",
		"0.1", "1E400", "\"9.9e22\"",
	};
	struct test_daemon d;
	struct irqchip_client *c;
	char req[160], want[64], buf[65536];
	struct pollfd p;
	ssize_t n;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	p = (struct pollfd){ .fd = irqchip_client_fd(c), .events = POLLIN };
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		snprintf(req, sizeof req, "{\"execute\": \"query-version\", \"id\": %s}", ids[i]);
		ck_assert_int_eq(irqchip_client_send_raw(c, req, strlen(req), NULL, 0), 0);
		ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
		n = recv(p.fd, buf, sizeof buf - 1, 0);
		ck_assert_int_gt(n, 0);
		buf[n] = '\0';
		snprintf(want, sizeof want, "\"id\":%s}", ids[i]);
		ck_assert_msg(n > (ssize_t)strlen(want) &&
		    strcmp(buf + n - strlen(want), want) == 0, "sent id %s, got %s", ids[i], buf);
	}
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* ---- the library against a daemon that misbehaves ---- */

/* A daemon that never answers: the call ends with a clear timeout. */
START_TEST(test_library_call_timeout)
{
	struct irqchip_client *c;
	char *cause = NULL;
	int64_t t0;
	int fd = test_fake_daemon(&c), rc;

	irqchip_client_set_timeout(c, 200);
	t0 = test_now_ms();
	rc = irqchip_client_call(c, "query-status", NULL, NULL, 0, NULL, NULL, &cause);
	ck_assert_int_eq(rc, -ETIMEDOUT);
	ck_assert_msg(test_contains(cause, "did not answer 'query-status' within 200 ms"),
	    "%s", cause);
	/* Generous: it returned, and not before its time. */
	ck_assert_int_ge(test_now_ms() - t0, 200);
	ck_assert_int_lt(test_now_ms() - t0, WAIT_MS);
	free(cause);
	/* A late reply is skipped; the next call gets its own. */
	test_fake_say(fd, "{\"return\": {\"late\": true}, \"id\": 1}");
	test_fake_say(fd, "{\"return\": {\"mine\": true}, \"id\": 2}");
	json_object_put(test_call_ok(c, "query-version", NULL, NULL, 0));
	irqchip_client_close(c);
	close(fd);
}
END_TEST

/* A daemon that floods events: the queue stays bounded, the error is clear. */
START_TEST(test_library_event_queue_bounded)
{
	struct irqchip_client *c;
	json_object *ev;
	char *cause = NULL, buf[256];
	unsigned n = 0;
	int fd = test_fake_daemon(&c), rc;

	irqchip_client_set_max_events(c, 10);
	for (int i = 0; i < 11; i++)
		test_fake_say(fd, "{\"event\": \"interrupt\", \"data\": {}}");
	test_fake_say(fd, "{\"return\": {}, \"id\": 1}");
	rc = irqchip_client_call(c, "query-status", NULL, NULL, 0, NULL, NULL, &cause);
	ck_assert_int_eq(rc, -ENOBUFS);
	ck_assert_msg(test_contains(cause, "resumed"), "%s", cause);
	free(cause);
	cause = NULL;
	/* The library hung up, so the daemon keeps the session for a resume. */
	ck_assert_int_gt(recv(fd, buf, sizeof buf, 0), 0);
	ck_assert_int_eq(recv(fd, buf, sizeof buf, 0), 0);
	/* What was queued can still be taken; then the error again. */
	while (irqchip_client_next_event(c, 0, &ev) == 0) {
		json_object_put(ev);
		n++;
	}
	ck_assert_int_eq(n, 10);
	ck_assert_int_eq(irqchip_client_next_event(c, 0, &ev), -ENOBUFS);
	ck_assert_int_eq(irqchip_client_call(c, "query-status", NULL, NULL, 0, NULL, NULL,
	    &cause), -ENOBUFS);
	free(cause);
	irqchip_client_close(c);
	close(fd);
}
END_TEST

/* What the daemon refuses from clients, the library refuses from a daemon. */
START_TEST(test_library_refuses_bad_json)
{
	static const char *const bad[] = {
		"{\"return\": {\"id\": \"io0\\u0000junk\"}, \"id\": ",
		"{\"return\": {\"id\": \"io0\tx\"}, \"id\": ",
		"{\"return\": {\"value\": 18446744073709551616}, \"id\": ",
	};
	struct irqchip_client *c;
	char *cause = NULL, msg[128];
	int fd = test_fake_daemon(&c);

	for (int i = 0; i < 3; i++) {
		snprintf(msg, sizeof msg, "%s%d}", bad[i], i + 1);
		test_fake_say(fd, msg);
		ck_assert_int_eq(irqchip_client_call(c, "query-version", NULL, NULL, 0, NULL,
		    NULL, &cause), -EPROTO);
		free(cause);
		cause = NULL;
	}
	irqchip_client_close(c);
	close(fd);
}
END_TEST

static Suite *
pressure_suite(void)
{
	Suite *s = suite_create("pressure");
	TCase *tc;

	tc = tcase_create("backpressure");
	if (!test_efd_swapped()) {
		tcase_add_test(tc, test_slow_reader_loses_nothing);
		tcase_add_test(tc, test_overrun_disconnects_resumable);
		tcase_add_test(tc, test_undelivered_level_not_wedged);
	} else {
		fprintf(stderr, "check_pressure: SKIP test_slow_reader_loses_nothing, "
		    "test_overrun_disconnects_resumable, test_undelivered_level_not_wedged: "
		    "eventfd counters cross processes byte-swapped here (qemu-user with a "
		    "guest of the other byte order), so each pulse adds 2^56 and the "
		    "counter overflows long before the thousands of pulses these need\n");
	}
	suite_add_tcase(s, tc);

	tc = tcase_create("connections");
	tcase_add_test(tc, test_negotiate_timeout);
	tcase_add_test(tc, test_observers);
	tcase_add_test(tc, test_takeover);
	tcase_add_test(tc, test_irqchipctl_beside_vmm);
	suite_add_tcase(s, tc);

	tc = tcase_create("fds");
	tcase_add_test(tc, test_full_eventfd_does_not_block);
	tcase_add_test(tc, test_full_resample_fd_does_not_block);
	suite_add_tcase(s, tc);

	tc = tcase_create("fdlimit");
	tcase_add_test(tc, test_fd_limit_raised);
	tcase_add_test(tc, test_fd_budget);
	tcase_add_test(tc, test_fd_limit_reply_has_id);
	tcase_add_test(tc, test_emfile_does_not_spin);
	tcase_add_test(tc, test_refused_connects_rate_limited);
	suite_add_tcase(s, tc);

	tc = tcase_create("lock");
	tcase_add_test(tc, test_lock_file);
	tcase_add_test(tc, test_lock_race);
	tcase_add_test(tc, test_unlink_only_own_socket);
	suite_add_tcase(s, tc);

	tc = tcase_create("library");
	tcase_add_test(tc, test_library_call_timeout);
	tcase_add_test(tc, test_library_event_queue_bounded);
	tcase_add_test(tc, test_library_refuses_bad_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("hardening");
	if (seccomp_available()) {
		tcase_add_test(tc, test_seccomp_kills_forbidden_call);
		tcase_add_test(tc, test_daemon_is_filtered);
	} else {
		fprintf(stderr, "check_pressure: SKIP test_seccomp_kills_forbidden_call, "
		    "test_daemon_is_filtered: this kernel (or qemu-user) offers no seccomp "
		    "filters; the daemon then runs without one, and says so\n");
		tcase_add_test(tc, test_daemon_warns_without_seccomp);
	}
	tcase_add_test(tc, test_inherited_fds_closed);
	tcase_add_test(tc, test_log_file_no_symlink);
	tcase_add_test(tc, test_drop_privileges);
	tcase_add_test(tc, test_token_not_logged_at_info);
	tcase_add_test(tc, test_embedded_not_hardened);
	suite_add_tcase(s, tc);

	tc = tcase_create("ids");
	tcase_add_test(tc, test_ids_echoed_exactly);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_main(pressure_suite());
}

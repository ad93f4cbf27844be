/*
 * irqchipctl top, in its non-interactive form (count=N refreshes):
 *
 *  - against a scripted daemon in this process, whose query-status counters
 *    grow by known steps (a pin that appears later, an event in between),
 *    each refresh reports every pin's counters, their deltas exactly, and
 *    rates that are those deltas over the measured time, which is at least
 *    the interval;
 *  - against a real daemon, it shows the per-pin counters an earlier client's
 *    deliveries left, and takes over the kept session without disturbing it;
 *  - bad arguments are usage errors before any connection.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "wire.h"

/* ------------------------------------------------------ the scripted daemon */

struct fake {
	char dir[64], sock[128];
	int lfd;
	unsigned statuses;	/* query-status requests answered */
	pthread_t thread;
};

static void
send_json(int fd, const char *text)
{
	json_object *o = json_tokener_parse(text);

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(wire_send_json(fd, o, NULL, 0), 0);
	json_object_put(o);
}

/*
 * Sample k (0 is top's baseline): pin 3 delivered and EOIed 100 k times;
 * pin 7, reported from sample 2 on, delivered 40 (k - 1) times.
 */
static void
send_status(int fd, json_object *id, unsigned k)
{
	char text[1024], pin7[160] = "";
	unsigned p7 = k >= 2 ? 40 * (k - 1) : 0;

	if (k >= 2)
		snprintf(pin7, sizeof pin7, ", {\"pin\": 7, \"gsi\": 7, \"delivered\": %u, "
		    "\"coalesced\": 0, \"dropped\": 0, \"eois\": 0, \"throttles\": 0}", p7);
	snprintf(text, sizeof text, "{\"return\": {\"uptime-ms\": %u, \"chip-counters\": "
	    "{\"io0\": {\"total\": {\"delivered\": %u, \"coalesced\": 0, \"dropped\": 0, "
	    "\"eois\": %u, \"throttles\": 0}, \"pins\": [{\"pin\": 3, \"gsi\": 3, "
	    "\"delivered\": %u, \"coalesced\": 0, \"dropped\": 0, \"eois\": %u, "
	    "\"throttles\": 0}%s]}}}, \"id\": %s}", 1000 * k, 100 * k + p7, 100 * k, 100 * k,
	    100 * k, pin7, json_object_to_json_string(id));
	send_json(fd, text);
}

static void *
fake_serve(void *arg)
{
	struct fake *f = arg;
	char *buf = malloc(WIRE_MAX_MESSAGE + 1);
	int fds[WIRE_MAX_FDS];
	unsigned nfds;
	size_t len;
	int fd;

	fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0 || buf == NULL)
		goto out;
	send_json(fd, "{\"greeting\": {\"version\": {\"irqchipd\": \"scripted\", \"protocol\": 1},"
	    " \"protocol\": 1, \"capabilities\": [], \"limits\": {}, \"session\": \"s\","
	    " \"resumable\": false}}");
	while (wire_recv(fd, buf, WIRE_MAX_MESSAGE, &len, fds, &nfds, 0) == 0 && len > 0) {
		json_object *m, *name, *id;

		buf[len] = '\0';
		m = json_tokener_parse(buf);

		if (m == NULL || !json_object_object_get_ex(m, "execute", &name) ||
		    !json_object_object_get_ex(m, "id", &id)) {
			json_object_put(m);
			break;
		}
		if (strcmp(json_object_get_string(name), "negotiate") == 0) {
			char text[256];

			snprintf(text, sizeof text, "{\"return\": {\"capabilities\": [], "
			    "\"session\": \"s\", \"resumed\": false}, \"id\": %s}",
			    json_object_to_json_string(id));
			send_json(fd, text);
		} else if (strcmp(json_object_get_string(name), "query-status") == 0) {
			/* An event before the reply: top must not trip over it. */
			send_json(fd, "{\"event\": \"interrupt\", \"data\": {\"id\": \"io0\"}, "
			    "\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}");
			send_status(fd, id, f->statuses++);
		} else {
			char text[256];

			snprintf(text, sizeof text, "{\"error\": {\"class\": \"CommandNotFound\", "
			    "\"desc\": \"scripted\"}, \"id\": %s}", json_object_to_json_string(id));
			send_json(fd, text);
		}
		json_object_put(m);
	}
	close(fd);
out:
	free(buf);
	return NULL;
}

static void
fake_start(struct fake *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof *f);
	test_make_dir(f->dir, sizeof f->dir);
	snprintf(f->sock, sizeof f->sock, "%s/sock", f->dir);
	strcpy(sun.sun_path, f->sock);
	f->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(f->lfd, 0);
	ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&sun, sizeof sun), 0);
	ck_assert_int_eq(listen(f->lfd, 1), 0);
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_serve, f), 0);
}

static void
fake_stop(struct fake *f)
{
	char cmd[128];

	pthread_join(f->thread, NULL);
	close(f->lfd);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *
ctl(char *buf, size_t size)
{
	return test_program("proto/irqchipctl", buf, size);
}

/* The pin row of a refresh, or NULL. */
static json_object *
pin_row(json_object *refresh, int64_t pin)
{
	json_object *pins = test_get(refresh, "chips.0.pins");

	for (size_t i = 0; i < json_object_array_length(pins); i++) {
		json_object *row = json_object_array_get_idx(pins, i);

		if (test_get_int(row, "pin") == pin)
			return row;
	}
	return NULL;
}

/* A rate is its delta over the refresh's measured time. */
static void
check_rate(json_object *row, const char *counter, int64_t delta, double seconds)
{
	char key[64];
	double rate;

	snprintf(key, sizeof key, "%s-delta", counter);
	ck_assert_int_eq(test_get_int(row, key), delta);
	snprintf(key, sizeof key, "%s-rate", counter);
	rate = json_object_get_double(test_get(row, key));
	ck_assert_msg(fabs(rate * seconds - (double)delta) < 0.001, "%s: %f/s over %f s is not "
	    "%lld", key, rate, seconds, (long long)delta);
}

START_TEST(test_top_rates)
{
	struct fake f;
	char prog[512], *out = NULL, *err = NULL, *line, *save = NULL;
	unsigned k = 0;
	int rc;

	fake_start(&f);
	rc = test_run((const char *const[]){ ctl(prog, sizeof prog), "-s", f.sock, "--json",
	    "top", "interval=0.1", "count=3", NULL }, &out, &err);
	fake_stop(&f);
	ck_assert_msg(rc == 0, "irqchipctl top exited %d: %s", rc, err);
	/* The baseline, then one query per refresh. */
	ck_assert_uint_eq(f.statuses, 4);
	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		json_object *r = json_tokener_parse(line), *p3, *p7, *total;
		double seconds;

		ck_assert_msg(r != NULL, "not JSON: %s", line);
		k++;
		seconds = json_object_get_double(test_get(r, "seconds"));
		ck_assert_msg(seconds >= 0.1 && seconds < 5, "refresh %u took %f s", k, seconds);
		ck_assert_int_eq(test_get_int(r, "uptime-ms"), 1000 * k);
		ck_assert_str_eq(json_object_get_string(test_get(r, "chips.0.id")), "io0");
		p3 = pin_row(r, 3);
		ck_assert_ptr_nonnull(p3);
		ck_assert_int_eq(test_get_int(p3, "gsi"), 3);
		ck_assert_int_eq(test_get_int(p3, "delivered"), 100 * k);
		check_rate(p3, "delivered", 100, seconds);
		check_rate(p3, "eois", 100, seconds);
		check_rate(p3, "dropped", 0, seconds);
		p7 = pin_row(r, 7);
		total = test_get(r, "chips.0.total");
		if (k == 1) {
			ck_assert_ptr_null(p7);
			check_rate(total, "delivered", 100, seconds);
		} else {
			/* Absent from the previous sample: counted from 0. */
			ck_assert_ptr_nonnull(p7);
			ck_assert_int_eq(test_get_int(p7, "delivered"), 40 * (k - 1));
			check_rate(p7, "delivered", 40, seconds);
			check_rate(total, "delivered", 140, seconds);
		}
		json_object_put(r);
	}
	ck_assert_uint_eq(k, 3);
	free(out);
	free(err);
}
END_TEST

/* For people: a header, one row per pin and a total per chip. */
START_TEST(test_top_human)
{
	struct fake f;
	char prog[512], *out = NULL, *err = NULL;
	int rc;

	fake_start(&f);
	rc = test_run((const char *const[]){ ctl(prog, sizeof prog), "-s", f.sock, "top",
	    "interval=0.05", "count=2", NULL }, &out, &err);
	fake_stop(&f);
	ck_assert_msg(rc == 0, "irqchipctl top exited %d: %s", rc, err);
	ck_assert_msg(test_contains(out, "refresh 1 of 2") && test_contains(out, "refresh 2 of 2"),
	    "%s", out);
	ck_assert_msg(test_contains(out, "delivered/s") && test_contains(out, "eois/s"), "%s",
	    out);
	/* Refresh 2: pin 3 at 200 deliveries, pin 7 at 40, the chip at 240. */
	ck_assert_msg(test_contains(out, " 200\nio0 "), "no pin 3 row ending in 200: %s", out);
	ck_assert_msg(test_contains(out, " 40\nio0 "), "no pin 7 row ending in 40: %s", out);
	ck_assert_msg(test_contains(out, " 240\n"), "no total of 240: %s", out);
	/* Not a terminal: no screen clearing. */
	ck_assert_msg(!test_contains(out, "\033["), "escape sequences in %s", out);
	free(out);
	free(err);
}
END_TEST

/* A real daemon: the counters an earlier client's deliveries left. */
START_TEST(test_top_daemon)
{
	struct test_daemon d;
	struct irqchip_client *c;
	char prog[512], *out = NULL, *err = NULL;
	json_object *r, *p;
	int rc;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	/* Pin 2: vector 0x32, edge, unmasked; three edges. */
	json_object_put(test_call_ok(c, "mmio-write",
	    "{\"id\": \"io0\", \"offset\": 0, \"size\": 4, \"value\": 20}", NULL, 0));
	json_object_put(test_call_ok(c, "mmio-write",
	    "{\"id\": \"io0\", \"offset\": 16, \"size\": 4, \"value\": 50}", NULL, 0));
	for (int i = 0; i < 3; i++)
		json_object_put(test_call_ok(c, "line-pulse", "{\"id\": \"io0\", \"line\": 2}",
		    NULL, 0));
	irqchip_client_close(c);

	rc = test_run((const char *const[]){ ctl(prog, sizeof prog), "-s", d.sock, "-j", "top",
	    "interval=0.05", "count=1", NULL }, &out, &err);
	ck_assert_msg(rc == 0, "irqchipctl top exited %d: %s", rc, err);
	r = json_tokener_parse(out);
	ck_assert_msg(r != NULL, "not JSON: %s", out);
	p = pin_row(r, 2);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(test_get_int(p, "delivered"), 3);
	ck_assert_int_eq(test_get_int(p, "delivered-delta"), 0);
	ck_assert_int_eq(test_get_int(r, "chips.0.total.delivered"), 3);
	json_object_put(r);
	free(out);
	free(err);
	/* The session is still there for the VMM to resume. */
	c = test_connect(&d);
	ck_assert_int_eq(test_status_int(c, "chips"), 1);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

/* The VMM, still connected, drives pin 2 while top watches. */
struct driver {
	struct irqchip_client *c;
	volatile int stop;
	unsigned pulses;
};

static void *
drive(void *arg)
{
	struct driver *dr = arg;

	while (!dr->stop) {
		json_object_put(test_call_ok(dr->c, "line-pulse", "{\"id\": \"io0\", "
		    "\"line\": 2}", NULL, 0));
		dr->pulses++;
		usleep(2000);
	}
	return NULL;
}

/*
 * top is an observer: it runs while the VMM stays connected and in control,
 * and the interrupts the VMM drives meanwhile show as rates above zero.
 */
START_TEST(test_top_beside_vmm)
{
	struct test_daemon d;
	struct driver dr = { .stop = 0 };
	char prog[512], *out = NULL, *err = NULL;
	json_object *r, *p;
	pthread_t th;
	int rc;

	test_daemon_start(&d, NULL);
	dr.c = test_connect(&d);
	json_object_put(test_call_ok(dr.c, "chip-add", "{\"type\": \"ioapic\", \"id\": "
	    "\"io0\"}", NULL, 0));
	json_object_put(test_call_ok(dr.c, "mmio-write",
	    "{\"id\": \"io0\", \"offset\": 0, \"size\": 4, \"value\": 20}", NULL, 0));
	json_object_put(test_call_ok(dr.c, "mmio-write",
	    "{\"id\": \"io0\", \"offset\": 16, \"size\": 4, \"value\": 50}", NULL, 0));
	ck_assert_int_eq(pthread_create(&th, NULL, drive, &dr), 0);
	rc = test_run((const char *const[]){ ctl(prog, sizeof prog), "-s", d.sock, "-j", "top",
	    "interval=0.5", "count=1", NULL }, &out, &err);
	dr.stop = 1;
	pthread_join(th, NULL);
	ck_assert_msg(rc == 0, "irqchipctl top exited %d: %s", rc, err);
	r = json_tokener_parse(out);
	ck_assert_msg(r != NULL, "not JSON: %s", out);
	p = pin_row(r, 2);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_gt(test_get_int(p, "delivered-delta"), 0);
	ck_assert_int_le(test_get_int(p, "delivered"), (int64_t)dr.pulses);
	json_object_put(r);
	free(out);
	free(err);
	/* The VMM was never displaced: its connection still works. */
	ck_assert_int_eq(test_status_int(dr.c, "chips"), 1);
	irqchip_client_close(dr.c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

START_TEST(test_top_usage)
{
	static const char *const bad[] = { "interval=0", "interval=x", "count=0", "count=-1",
	    "count=two", "colour=yes" };
	char prog[512], *err = NULL;

	/* No daemon at this path: a usage error must come before connecting. */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = test_run((const char *const[]){ ctl(prog, sizeof prog), "-s",
		    "/nonexistent/irqchipd.sock", "top", bad[i], NULL }, NULL, &err);

		ck_assert_msg(rc == 2, "top %s: exit %d", bad[i], rc);
		ck_assert_msg(test_contains(err, "irqchipctl: top: "), "top %s: %s", bad[i], err);
		free(err);
		err = NULL;
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("top");
	TCase *tc = tcase_create("top");

	tcase_add_test(tc, test_top_rates);
	tcase_add_test(tc, test_top_human);
	tcase_add_test(tc, test_top_daemon);
	tcase_add_test(tc, test_top_beside_vmm);
	tcase_add_test(tc, test_top_usage);
	suite_add_tcase(s, tc);
	return test_main(s);
}

/*
 * Kernel bypass and route commits (irqchipd-protocol(7), "Kernel bypass" and
 * "Route commits").
 *
 * The protocol half talks JSON to a daemon process: which effects a bypass
 * notifier gets as its IOAPIC entry changes (82093AA datasheet 3.2.4: mask
 * bit 16, trigger mode bit 15, vector 7:0), that a bound eventfd is not read
 * by the daemon, and that irqfd deliveries on a GSI whose new route is not
 * yet acknowledged are held until route-commit.
 *
 * The KVM half boots the test VM with the client library and counts what the
 * guest receives exactly: one device write at a time across thousands of
 * guest mask/unmask/retarget writes, a device that writes concurrently with
 * them (checked by invariants), and a daemon that goes away and comes back
 * while the eventfd stays bound. That half needs the test VM (x86-64) and
 * skips, saying so, only where /dev/kvm is absent.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqchip-kvm.h"
#include "irqchip.h"
#include "testlib.h"
#ifdef BYPASS_TESTVM
#include "testvm.h"
#endif

#define RTE_MASK	(1u << 16)
#define RTE_LEVEL	(1u << 15)

/* ------------------------------------------------------------ protocol half */

static struct test_daemon D;
static struct irqchip_client *C;

static void
daemon_up(bool route_commit)
{
	char *cause = NULL;

	memset(&D, 0, sizeof D);
	test_daemon_start(&D, NULL);
	C = test_connect_raw(&D);
	ck_assert_msg(irqchip_client_negotiate(C, route_commit ? irqchip_kvm_capabilities :
	    NULL, NULL, NULL, &cause) == 0, "negotiate: %s", cause);
	test_use_client(&C);
	test_callf("chip-add", "{\"type\": \"ioapic\", \"id\": \"io\", \"pins\": 24}");
}

static void
daemon_down(void)
{
	test_release_all();
	irqchip_client_close(C);
	C = NULL;
	test_daemon_stop(&D);
}

/* The guest's two-step write of pin's low dword (IOREGSEL, then IOWIN). */
static json_object *
rte_low(unsigned pin, uint32_t value)
{
	test_callf("mmio-write", "{\"id\": \"io\", \"offset\": 0, \"size\": 4, \"value\": %u}",
	    0x10 + 2 * pin);
	return test_callf("mmio-write", "{\"id\": \"io\", \"offset\": 16, \"size\": 4, "
	    "\"value\": %u}", value);
}

/* The index of the first effect of kind at or after from, or -1. */
static int
effect_at(json_object *ret, const char *kind, size_t from)
{
	json_object *list = test_effects_of(ret), *v;

	for (size_t i = from; i < json_object_array_length(list); i++) {
		if (json_object_object_get_ex(json_object_array_get_idx(list, i), kind, &v))
			return (int)i;
	}
	return -1;
}

static void
check_bind(json_object *ret, size_t i, unsigned line, unsigned gsi)
{
	json_object *b = test_effect(ret, i, "bind");

	ck_assert_str_eq(json_object_get_string(test_get(b, "id")), "io");
	ck_assert_int_eq(test_get_int(b, "line"), line);
	ck_assert_int_eq(test_get_int(b, "gsi"), gsi);
}

static void
check_only_unbind(json_object *ret, unsigned line)
{
	json_object *u;

	ck_assert_msg(test_neffects(ret) == 1, "expected one unbind: %s", test_js(ret));
	u = test_effect(ret, 0, "unbind");
	ck_assert_str_eq(json_object_get_string(test_get(u, "id")), "io");
	ck_assert_int_eq(test_get_int(u, "line"), line);
}

START_TEST(bypass_follows_the_entry)
{
	int efd, fds[1];
	json_object *ret;
	int r, b, u;

	daemon_up(false);
	efd = test_new_efd();
	fds[0] = efd;
	/* Reset masks every entry (82093AA 3.2.4): a new notifier is told unbind. */
	ret = test_callf_fds("notifier-add", fds, 1, "{\"id\": \"io\", \"line\": 3, "
	    "\"fd\": 0, \"mode\": \"edge\", \"bypass\": true}");
	check_only_unbind(ret, 3);

	/* Unmasked, edge, vector 0x33: the route, then the bind after it. */
	ret = rte_low(3, 0x33);
	r = effect_at(ret, "route", 0);
	b = effect_at(ret, "bind", 0);
	ck_assert_msg(r >= 0 && b > r, "route then bind: %s", test_js(ret));
	check_bind(ret, (size_t)b, 3, 3);
	/* A bound eventfd is KVM's: the daemon does not read it. */
	test_efd_signal(efd, 1);
	test_sleep_ms(100);
	ck_assert_int_eq(test_status_counter("counters.notifier-triggers"), 0);
	ck_assert_int_eq(test_efd_take(efd), 1);

	/* Masked: unbind, and the daemon reads it again; the edge is dropped. */
	ret = rte_low(3, 0x33 | RTE_MASK);
	check_only_unbind(ret, 3);
	test_efd_signal(efd, 1);
	ck_assert_int_eq(test_wait_counter("counters.notifier-triggers", 1), 1);
	ck_assert_int_eq(test_get_int(test_callf("query-status", NULL),
	    "chip-counters.io.total.dropped"), 1);

	/* Unmasked again: bound again. */
	ret = rte_low(3, 0x33);
	b = effect_at(ret, "bind", 0);
	ck_assert_msg(b >= 0 && effect_at(ret, "unbind", 0) < 0, "%s", test_js(ret));
	check_bind(ret, (size_t)b, 3, 3);

	/* Retargeted (vector 0x34): unbind before the new route, bind after it. */
	ret = rte_low(3, 0x34);
	u = effect_at(ret, "unbind", 0);
	r = effect_at(ret, "route", 0);
	b = effect_at(ret, "bind", 0);
	ck_assert_msg(u >= 0 && r > u && b > r, "unbind, route, bind: %s", test_js(ret));
	test_check_route(ret, (size_t)r, 3, 0xfee00000, 0x34);

	/* Level-triggered: the EOI must reach irqchipd, so no bind. */
	ret = rte_low(3, 0x34 | RTE_LEVEL);
	ck_assert_msg(effect_at(ret, "unbind", 0) >= 0 && effect_at(ret, "bind", 0) < 0,
	    "%s", test_js(ret));
	ret = rte_low(3, 0x34);
	ck_assert_msg(effect_at(ret, "bind", 0) >= 0, "%s", test_js(ret));

	/* Another source holding the wired-OR line high: an edge would be none. */
	ret = test_callf("line-set", "{\"id\": \"io\", \"line\": 3, \"level\": 1}");
	ck_assert_msg(effect_at(ret, "unbind", 0) >= 0 && effect_at(ret, "bind", 0) < 0,
	    "%s", test_js(ret));
	ret = test_callf("line-set", "{\"id\": \"io\", \"line\": 3, \"level\": 0}");
	ck_assert_msg(effect_at(ret, "bind", 0) >= 0, "%s", test_js(ret));

	/* A request that changes nothing for the pin says nothing about it. */
	ret = test_callf("mmio-read", "{\"id\": \"io\", \"offset\": 16, \"size\": 4}");
	ret = test_callf("line-pulse", "{\"id\": \"io\", \"line\": 4}");
	ck_assert_msg(effect_at(ret, "bind", 0) < 0 && effect_at(ret, "unbind", 0) < 0,
	    "%s", test_js(ret));

	/* Removing a bound notifier unbinds it. */
	ret = test_callf("notifier-del", "{\"id\": \"io\", \"line\": 3}");
	check_only_unbind(ret, 3);
	ck_assert_int_eq(test_status_counter("counters.binds"), 5);
	ck_assert_int_eq(test_status_counter("counters.unbinds"), 6);
	daemon_down();
}
END_TEST

START_TEST(bypass_refusals)
{
	int efd, fds[2];
	char *why;

	daemon_up(false);
	efd = test_new_efd();
	fds[0] = efd;
	fds[1] = test_new_efd();
	why = test_errf_fds("InvalidParameter", "notifier-add", fds, 2, "{\"id\": \"io\", "
	    "\"line\": 1, \"fd\": 0, \"mode\": \"level\", \"resample-fd\": 1, \"bypass\": true}");
	ck_assert_msg(test_contains(why, "'bypass'") && test_contains(why, "edge"), "%s", why);
	why = test_errf_fds("InvalidParameter", "notifier-add", fds, 1, "{\"id\": \"io\", "
	    "\"line\": 1, \"fd\": 0, \"mode\": \"edge\", \"bypass\": 2}");
	ck_assert_msg(test_contains(why, "bypass"), "%s", why);
	/* Nothing was added. */
	ck_assert_int_eq(test_status_counter("notifiers"), 0);
	/* A client that did not negotiate route-commit has no tokens to acknowledge. */
	why = test_errf("SessionError", "route-commit", "{\"seq\": 1}");
	ck_assert_msg(test_contains(why, "route-commit"), "%s", why);
	daemon_down();
}
END_TEST

/* GSI 5's irqfd (*irq) and an edge notifier (*dev) on pin 5, not bypassed. */
static void
wire_pin5(int *irq, int *dev)
{
	int fd;

	fd = *irq = test_new_efd();
	test_callf_fds("irqfd-add", &fd, 1, "{\"gsi\": 5, \"fd\": 0}");
	fd = *dev = test_new_efd();
	test_callf_fds("notifier-add", &fd, 1, "{\"id\": \"io\", \"line\": 5, \"fd\": 0, "
	    "\"mode\": \"edge\"}");
}

START_TEST(route_commit_holds_irqfd)
{
	int irq, dev;
	json_object *ret;
	int64_t seq;
	char *why;

	daemon_up(true);
	wire_pin5(&irq, &dev);

	/* The reply that routes GSI 5 carries the token to acknowledge. */
	ret = rte_low(5, 0x45);
	ck_assert_msg(effect_at(ret, "route", 0) >= 0, "%s", test_js(ret));
	seq = test_get_int(ret, "commit");
	ck_assert_int_gt(seq, 0);
	/* A request that routes nothing carries none. */
	ret = test_callf("mmio-read", "{\"id\": \"io\", \"offset\": 16, \"size\": 4}");
	ck_assert_msg(!json_object_object_get_ex(ret, "commit", NULL), "%s", test_js(ret));

	/* The device fires before the client committed: held, not written. */
	test_efd_signal(dev, 1);
	ck_assert_int_eq(test_wait_counter("counters.held", 1), 1);
	ck_assert_int_eq(test_efd_take(irq), 0);

	why = test_errf("InvalidParameter", "route-commit", "{\"seq\": %lld}",
	    (long long)seq + 1);
	ck_assert_msg(test_contains(why, "'seq'"), "%s", why);
	ck_assert_int_eq(test_efd_take(irq), 0);

	ret = test_callf("route-commit", "{\"seq\": %lld}", (long long)seq);
	ck_assert_int_eq(test_get_int(ret, "released"), 1);
	ck_assert_int_eq(test_efd_take(irq), 1);
	/* Committed: the next edge goes straight to the irqfd. */
	test_efd_signal(dev, 1);
	ck_assert_int_eq(test_efd_wait(irq, 1, TEST_WAIT_MS), 1);
	ck_assert_int_eq(test_status_counter("counters.released"), 1);
	ck_assert_int_eq(test_status_counter("counters.route-commits"), 1);
	/* Acknowledging again releases nothing. */
	ret = test_callf("route-commit", "{\"seq\": %lld}", (long long)seq);
	ck_assert_int_eq(test_get_int(ret, "released"), 0);
	daemon_down();
}
END_TEST

START_TEST(route_commit_not_negotiated)
{
	int irq, dev;
	json_object *ret;

	daemon_up(false);
	wire_pin5(&irq, &dev);
	ret = rte_low(5, 0x45);
	ck_assert_msg(!json_object_object_get_ex(ret, "commit", NULL), "%s", test_js(ret));
	test_efd_signal(dev, 1);
	ck_assert_int_eq(test_efd_wait(irq, 1, TEST_WAIT_MS), 1);
	ck_assert_int_eq(test_status_counter("counters.held"), 0);
	daemon_down();
}
END_TEST

/* ----------------------------------------------------------------- KVM half */
#ifdef BYPASS_TESTVM

#define VM_TIMEOUT_S	120
#define READY_MS	15000
#define WAIT_MS		5000
#define SETTLE_MS	100
#define PIN		10
#define GSI		PIN	/* the test VM's IOAPIC has gsi-base 0 */
#define VEC_A		0x50
#define VEC_B		0x51
#define VEC_MASKED	0x52	/* only ever in a masked entry: must never arrive */

static struct testvm *VM;
static struct irqchip_client *VC;
static struct test_daemon VD;

#define ck_assert_ok(rc, cause)                                                          \
	ck_assert_msg((rc) >= 0, "%s:%d: %s", __FILE__, __LINE__,                        \
	    (cause) != NULL ? (cause) : strerror(-(rc)))

static struct irqchip_client *
vm_connect(const char *resume)
{
	struct irqchip_client *c = test_connect_raw(&VD);
	char *cause = NULL;

	ck_assert_msg(irqchip_client_negotiate(c, irqchip_kvm_capabilities, resume, NULL,
	    &cause) == 0, "negotiate: %s", cause);
	return c;
}

static void
vm_boot(void)
{
	struct testvm_config cfg;
	char *cause = NULL;
	int rc;

	memset(&cfg, 0, sizeof cfg);
	cfg.ncpus = 1;
	cfg.timeout_s = VM_TIMEOUT_S;
	rc = testvm_create(&cfg, &VM, &cause);
	ck_assert_ok(rc, cause);
	memset(&VD, 0, sizeof VD);
	{
		const char *const extra[] = { "--log-level", "warn", NULL };

		test_daemon_start(&VD, extra);
	}
	VC = vm_connect(NULL);
	/* testlib's status helpers ask the VM's own client (its calls are serialised). */
	test_use_client(&VC);
	rc = testvm_attach(VM, VC, TESTVM_ATTACH_IRQFDS, &cause);
	ck_assert_ok(rc, cause);
	rc = testvm_start(VM, &cause);
	ck_assert_ok(rc, cause);
	rc = testvm_wait_ready(VM, READY_MS, &cause);
	ck_assert_ok(rc, cause);
}

/* vm_boot, and a device eventfd registered as PIN's bypass notifier (returned). */
static int
vm_boot_notifier(void)
{
	char *cause = NULL;
	int fd, rc;

	vm_boot();
	fd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	rc = irqchip_kvm_add_notifier(testvm_irqchip(VM), TESTVM_CHIP_ID, PIN, fd, -1, &cause);
	ck_assert_ok(rc, cause);
	return fd;
}

static void
vm_shutdown(void)
{
	testvm_stop(VM);
	testvm_destroy(VM);
	VM = NULL;
	irqchip_client_close(VC);
	VC = NULL;
	test_daemon_stop(&VD);
}

/* The guest writes pin's entry: edge, physical destination CPU 0. */
static void
guest_rte(uint8_t vector, bool level, bool masked)
{
	char *cause = NULL;
	int rc = testvm_rte_write(VM, PIN, testvm_rte(vector, level, false, 0, masked), &cause);

	ck_assert_ok(rc, cause);
}

static void
device_write(int fd)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(fd, &one, sizeof one), sizeof one);
}

static void
wait_count(uint8_t vector, uint32_t n)
{
	ck_assert_msg(testvm_wait_count(VM, 0, vector, n, WAIT_MS) == 0,
	    "vector 0x%02x: %u received, %u expected", vector, testvm_count(VM, 0, vector), n);
}

static void
check_bound(int want)
{
	ck_assert_int_eq(irqchip_kvm_notifier_bound(testvm_irqchip(VM), TESTVM_CHIP_ID, PIN),
	    want);
}

/* The library does not trust the daemon: each bad bind is refused, nothing bound. */
static void
library_refuses_bad_binds(void)
{
	static const struct {
		const char *effects, *says;
	} bad[] = {
		{ "[{\"bind\": {\"id\": \"ioapic0\", \"line\": 11, \"gsi\": 11}}]",
		  "no notifier registered" },
		{ "[{\"bind\": {\"id\": \"ioapic0\", \"line\": 10, \"gsi\": 10}}]",
		  "no route from irqchipd" },
		{ "[{\"bind\": {\"id\": \"ioapic0\", \"line\": 10}}]", "lacks \"gsi\"" },
		{ "[{\"bind\": {\"id\": 5, \"line\": 10, \"gsi\": 10}}]", "\"id\"" },
		{ "[{\"unbind\": {\"id\": \"ioapic0\", \"line\": 10, \"gsi\": 1}}]",
		  "gsi" },
		{ "[{\"bind\": {\"id\": \"ioapic0\", \"line\": 10, \"gsi\": 5000}}]",
		  "\"gsi\"" },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_object *list = json_tokener_parse(bad[i].effects);
		char *cause = NULL;
		int rc;

		ck_assert_ptr_nonnull(list);
		rc = irqchip_kvm_apply_effects(testvm_irqchip(VM), list, &cause);
		ck_assert_msg(rc == -EPROTO && cause != NULL && strstr(cause, bad[i].says),
		    "%s: rc %d, %s", bad[i].effects, rc, cause);
		free(cause);
		json_object_put(list);
		check_bound(-1);
	}
}

/*
 * One device write at a time (write, wait until the guest counted it or the
 * daemon dropped it) across many guest reconfigurations: every count exact,
 * and the daemon never woken by a write made while the entry was static.
 */
START_TEST(bypass_exact_counts)
{
	const unsigned cycles = 1500;
	uint32_t want_a = 0, want_b = 0;
	int64_t dropped = 0;
	struct irqchip_kvm_stats st;
	char *cause = NULL;
	int efd, rc;

	efd = vm_boot_notifier();
	check_bound(-1);
	library_refuses_bad_binds();
	for (unsigned i = 0; i < cycles; i++) {
		switch (i % 5) {
		case 0: /* unmasked edge, vector A: bound */
			guest_rte(VEC_A, false, false);
			check_bound(GSI);
			device_write(efd);
			wait_count(VEC_A, ++want_a);
			break;
		case 1: /* retargeted to B: bound again, through the new route */
			guest_rte(VEC_B, false, false);
			check_bound(GSI);
			device_write(efd);
			wait_count(VEC_B, ++want_b);
			break;
		case 2: /* masked: the daemon drops the edge */
			guest_rte(VEC_MASKED, false, true);
			check_bound(-1);
			device_write(efd);
			ck_assert_int_eq(test_wait_counter("counters.notifier-triggers", ++dropped), dropped);
			break;
		case 3: /* level-triggered: not static, the daemon takes it back */
			guest_rte(VEC_MASKED, true, true);
			check_bound(-1);
			break;
		case 4: /* unmasked again from masked level, vector A: bound */
			guest_rte(VEC_A, false, false);
			check_bound(GSI);
			device_write(efd);
			wait_count(VEC_A, ++want_a);
			break;
		}
	}
	test_sleep_ms(SETTLE_MS);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_A), want_a);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_B), want_b);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_MASKED), 0);
	/* Only the masked writes woke the daemon. */
	ck_assert_int_eq(test_status_counter("counters.notifier-triggers"), dropped);
	irqchip_kvm_get_stats(testvm_irqchip(VM), &st);
	ck_assert_uint_ge(st.binds, 3 * cycles / 5);
	ck_assert_uint_ge(st.route_commits, 1);
	ck_assert_int_eq(test_status_counter("counters.binds"), (int64_t)st.binds);
	rc = irqchip_kvm_del_notifier(testvm_irqchip(VM), TESTVM_CHIP_ID, PIN, &cause);
	ck_assert_ok(rc, cause);
	ck_assert_int_eq(irqchip_kvm_notifier_bound(testvm_irqchip(VM), TESTVM_CHIP_ID, PIN),
	    -ENOENT);
	close(efd);
	vm_shutdown();
}
END_TEST

struct writer {
	int fd;
	atomic_bool stop;
	atomic_uint_fast64_t writes;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	uint64_t one = 1;

	while (!atomic_load(&w->stop)) {
		if (write(w->fd, &one, sizeof one) == sizeof one)
			atomic_fetch_add(&w->writes, 1);
		usleep(20);
	}
	return NULL;
}

/*
 * A device writing all the time while the guest reconfigures: nothing is
 * delivered through a masked entry (its vector is never seen), never more
 * than was written, at least one per unmasked window that surely saw a
 * write (KVM and the LAPIC may coalesce the rest), and the last route wins
 * (afterwards every write arrives at the last vector, exactly).
 */
START_TEST(bypass_stress_invariants)
{
	static const uint8_t vec[] = { VEC_A, VEC_B };
	struct writer w = { .fd = -1 };
	uint32_t sure[2] = { 0, 0 };
	uint32_t before, n;
	pthread_t th;
	uint64_t address;
	uint32_t data;

	w.fd = vm_boot_notifier();
	ck_assert_int_eq(pthread_create(&th, NULL, writer_main, &w), 0);
	for (unsigned i = 0; i < 600; i++) {
		uint64_t w0, w1;

		guest_rte(vec[i % 2], false, false);
		w0 = atomic_load(&w.writes);
		usleep(200 + (i * 37) % 400);
		w1 = atomic_load(&w.writes);
		guest_rte(VEC_MASKED, i % 3 == 0, true);
		/*
		 * Two writes counted in between: the second began after the
		 * first was counted, so after the unmask completed, and ended
		 * before the mask began. It must reach the guest (coalescing
		 * may merge the rest).
		 */
		if (w1 >= w0 + 2)
			sure[i % 2]++;
		usleep((i * 53) % 300);
	}
	guest_rte(VEC_B, false, false);
	atomic_store(&w.stop, true);
	pthread_join(th, NULL);
	test_sleep_ms(SETTLE_MS);
	n = testvm_count(VM, 0, VEC_A) + testvm_count(VM, 0, VEC_B);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_MASKED), 0);
	ck_assert_uint_le(n, atomic_load(&w.writes));
	/* Nothing lost while unmasked: every window that surely had a write delivered. */
	ck_assert_msg(testvm_count(VM, 0, VEC_A) >= sure[0] && sure[0] > 0,
	    "vector A: %u received, %u windows surely written", testvm_count(VM, 0, VEC_A),
	    sure[0]);
	ck_assert_msg(testvm_count(VM, 0, VEC_B) >= sure[1] && sure[1] > 0,
	    "vector B: %u received, %u windows surely written", testvm_count(VM, 0, VEC_B),
	    sure[1]);
	/* The library holds the route the guest wrote last, and it is bound. */
	ck_assert_int_eq(irqchip_kvm_get_route(testvm_irqchip(VM), GSI, &address, &data), 0);
	ck_assert_int_eq(data & 0xff, VEC_B);
	check_bound(GSI);
	before = testvm_count(VM, 0, VEC_B);
	for (unsigned i = 1; i <= 200; i++) {
		device_write(w.fd);
		wait_count(VEC_B, before + i);
	}
	test_sleep_ms(SETTLE_MS);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_B), before + 200);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_MASKED), 0);
	close(w.fd);
	vm_shutdown();
}
END_TEST

/*
 * The daemon's client goes away and comes back (resume): a bound eventfd
 * keeps delivering meanwhile, without irqchipd, and the resumed daemon takes
 * it back and binds it again as the guest writes its entry.
 */
START_TEST(bypass_across_reconnect)
{
	json_object *g, *v;
	char *cause = NULL, *token;
	uint32_t want = 0;
	int efd, rc;

	efd = vm_boot_notifier();
	guest_rte(VEC_A, false, false);
	check_bound(GSI);
	device_write(efd);
	wait_count(VEC_A, ++want);

	g = irqchip_client_greeting(VC);
	ck_assert(json_object_object_get_ex(g, "session", &v));
	token = strdup(json_object_get_string(v));
	rc = testvm_set_client(VM, NULL, &cause);
	ck_assert_ok(rc, cause);
	irqchip_client_close(VC);
	VC = NULL;
	/* No daemon client at all: the bound eventfd still reaches the guest. */
	for (unsigned i = 0; i < 50; i++) {
		device_write(efd);
		wait_count(VEC_A, ++want);
	}

	VC = vm_connect(token);
	free(token);
	rc = testvm_set_client(VM, VC, &cause);
	ck_assert_ok(rc, cause);
	/* Re-added with bypass: still static, so still bound. */
	check_bound(GSI);
	device_write(efd);
	wait_count(VEC_A, ++want);
	guest_rte(VEC_MASKED, false, true);
	check_bound(-1);
	device_write(efd);
	ck_assert_int_eq(test_wait_counter("counters.notifier-triggers", 1), 1);
	guest_rte(VEC_A, false, false);
	check_bound(GSI);
	for (unsigned i = 0; i < 50; i++) {
		device_write(efd);
		wait_count(VEC_A, ++want);
	}
	test_sleep_ms(SETTLE_MS);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_A), want);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_MASKED), 0);
	ck_assert_int_eq(test_status_counter("counters.notifier-triggers"), 1);
	close(efd);
	vm_shutdown();
}
END_TEST

/* The VMM writes pin's low dword as a vCPU would forward it: IOREGSEL, then IOWIN. */
static void
vmm_rte_low(uint32_t value)
{
	char *cause = NULL;
	uint64_t v;
	int rc;

	v = 0x10 + 2 * PIN;
	rc = irqchip_kvm_mmio(testvm_irqchip(VM), TESTVM_CHIP_ID, 0x00, 4, true, &v, &cause);
	ck_assert_ok(rc, cause);
	v = value;
	rc = irqchip_kvm_mmio(testvm_irqchip(VM), TESTVM_CHIP_ID, 0x10, 4, true, &v, &cause);
	ck_assert_ok(rc, cause);
}

/*
 * Entry writes forwarded through a ring: their replies carry bind, unbind
 * and a commit token, which have no binary form, so they spill to the
 * socket; the library applies them and acknowledges the routes all the same.
 */
START_TEST(bypass_through_the_ring)
{
	struct irqchip_kvm_ring_stats rs;
	struct irqchip_kvm_ring *ring = NULL;
	uint32_t want = 0;
	int64_t commits;
	char *cause = NULL;
	int efd, rc;

	efd = vm_boot_notifier();
	rc = irqchip_kvm_ring_create(testvm_irqchip(VM), 0, &ring, &cause);
	ck_assert_ok(rc, cause);
	for (unsigned i = 0; i < 200; i++) {
		commits = test_status_counter("counters.route-commits");
		vmm_rte_low(i % 2 ? VEC_B : VEC_A);
		check_bound(GSI);
		/* Every reply that changed the route was acknowledged. */
		ck_assert_int_eq(test_status_counter("counters.route-commits"), commits + 1);
		device_write(efd);
		wait_count(VEC_A, want += !(i % 2));
		wait_count(VEC_B, i / 2 + (i % 2));
		vmm_rte_low(VEC_MASKED | RTE_MASK);
		check_bound(-1);
	}
	irqchip_kvm_ring_get_stats(ring, &rs);
	ck_assert_uint_ge(rs.records, 800);
	ck_assert_uint_ge(rs.spills, 400);
	ck_assert_int_eq(test_status_counter("counters.held"), 0);
	test_sleep_ms(SETTLE_MS);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_A), 100);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_B), 100);
	ck_assert_int_eq(testvm_count(VM, 0, VEC_MASKED), 0);
	irqchip_kvm_ring_destroy(ring);
	close(efd);
	vm_shutdown();
}
END_TEST

#endif /* BYPASS_TESTVM */

static Suite *
bypass_suite(void)
{
	Suite *s = suite_create("bypass");
	TCase *proto = tcase_create("protocol");
#ifdef BYPASS_TESTVM
	TCase *kvm;
	struct stat st;
#endif

	tcase_add_test(proto, bypass_follows_the_entry);
	tcase_add_test(proto, bypass_refusals);
	tcase_add_test(proto, route_commit_holds_irqfd);
	tcase_add_test(proto, route_commit_not_negotiated);
	suite_add_tcase(s, proto);
#ifdef BYPASS_TESTVM
	/* Only a machine without KVM skips these; one where it fails to open fails. */
	if (stat("/dev/kvm", &st) != 0 && errno == ENOENT) {
		printf("SKIP: /dev/kvm does not exist: the guest half needs KVM\n");
		return s;
	}
	kvm = tcase_create("kvm");
	tcase_set_timeout(kvm, 240);
	tcase_add_test(kvm, bypass_exact_counts);
	tcase_add_test(kvm, bypass_stress_invariants);
	tcase_add_test(kvm, bypass_across_reconnect);
	tcase_add_test(kvm, bypass_through_the_ring);
	suite_add_tcase(s, kvm);
#else
	printf("SKIP: the guest half runs on x86-64 hosts, where the test VM builds\n");
#endif
	return s;
}

int
main(void)
{
	return test_main(bypass_suite());
}

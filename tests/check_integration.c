/*
 * Integration suite: the IOAPIC through the daemon, no KVM. The test plays
 * the VMM: it hands eventfds over as irqfds and reads their counters (one
 * increment = one injection), forwards the guest's register accesses as
 * mmio-write/mmio-read of IOREGSEL (0x00) and IOWIN (0x10), and the LAPIC's
 * EOI exits as eoi. Expected values come from the 82093AA datasheet and
 * the KVM API document (KVM_IRQFD, KVM_CAP_SPLIT_IRQCHIP) and the 82093AA
 * datasheet, not from the daemon's code.
 *
 * Each test starts its own daemon on a private socket. Asynchronous work
 * (notifiers, the storm timer) is awaited with poll(2) on the eventfds and
 * query-status counters under a deadline; sleeps never stand in for a check.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ioapic-bits.h"
#include "compiler.h"
#include "testlib.h"

/* x86 MSI (Intel SDM vol. 3, 11.11.1) as a split irqchip route carries it. */
#define MSI_ADDR(dest, ext, logical) \
	(0xfee00000ULL | (uint64_t)(dest) << 12 | (uint64_t)(ext) << 5 | \
	    (uint64_t)((logical) ? 1 : 0) << 2)
#define MSI_DATA(vec, mode, level) \
	((uint32_t)(vec) | (uint32_t)(mode) << 8 | (uint32_t)((level) ? 1 : 0) << 15)

#define WAIT_MS		5000	/* deadline for anything asynchronous */
#define STORM_LIMIT	10000	/* the throttle QEMU's and KVM's IOAPICs apply */
#define STORM_DELAY_MS	10

/* The shared helpers (testlib), by the short names this suite reads best with. */
#define keep			test_keep
#define keep_str		test_keep_str
#define call_fds		test_callf_fds
#define call(command, ...)	test_callf_fds(command, NULL, 0, __VA_ARGS__)
#define err_fds			test_errf_fds
#define err(class, command, ...) test_errf_fds(class, command, NULL, 0, __VA_ARGS__)
#define effects_of		test_effects_of
#define neffects		test_neffects
#define js			test_js
#define effect			test_effect
#define check_route		test_check_route
#define check_unroute		test_check_unroute
#define check_signal_msi	test_check_signal_msi
#define check_no_effects	test_check_no_effects
#define new_efd			test_new_efd
#define efd_take		test_efd_take
#define efd_wait		test_efd_wait
#define efd_signal		test_efd_signal
#define status_counter		test_status_counter
#define wait_counter		test_wait_counter
#define next_event		test_next_event
#define now_ms_f		test_now_ms_f

static struct test_daemon D;
static struct irqchip_client *C;

/* An eventfd registered as the irqfd of gsi. */
static int
irqfd_add(unsigned gsi)
{
	int fd = new_efd();

	call_fds("irqfd-add", &fd, 1, "{\"gsi\": %u, \"fd\": 0}", gsi);
	return fd;
}

static void
chip_add(const char *id, const char *extra)
{
	json_object *r = call("chip-add", "{\"type\": \"ioapic\", \"id\": \"%s\"%s%s}", id,
	    extra != NULL ? ", " : "", extra != NULL ? extra : "");

	ck_assert_str_eq(json_object_get_string(test_get(r, "id")), id);
}

static json_object *
mmio_write(const char *id, unsigned offset, unsigned size, uint64_t value)
{
	return call("mmio-write", "{\"id\": \"%s\", \"offset\": %u, \"size\": %u, "
	    "\"value\": %" PRIu64 "}", id, offset, size, value);
}

static uint64_t
mmio_read(const char *id, unsigned offset, unsigned size)
{
	json_object *r = call("mmio-read", "{\"id\": \"%s\", \"offset\": %u, \"size\": %u}", id,
	    offset, size);

	return (uint64_t)test_get_int(r, "value");
}

/* The guest's indirect register write: IOREGSEL, then IOWIN; the IOWIN reply. */
static json_object *
reg_write(const char *id, unsigned index, uint32_t value)
{
	check_no_effects(mmio_write(id, IOREGSEL, 4, index));
	return mmio_write(id, IOWIN, 4, value);
}

static uint32_t
reg_read(const char *id, unsigned index)
{
	check_no_effects(mmio_write(id, IOREGSEL, 4, index));
	return (uint32_t)mmio_read(id, IOWIN, 4);
}

/*
 * Programs entry pin as Linux does (high dword, then low) and returns the
 * reply to the low-dword write, where the entry takes effect.
 */
static json_object *
rte_write(const char *id, unsigned pin, uint64_t rte)
{
	json_object *hi = reg_write(id, IDX_RTE_HI(pin), (uint32_t)(rte >> 32));

	/*
	 * A dword write to an unmasked entry re-announces its route; one to a
	 * masked entry changes no route. Neither ever withdraws it.
	 */
	ck_assert_msg(neffects(hi) == 0 || (neffects(hi) == 1 &&
	    json_object_object_get_ex(json_object_array_get_idx(effects_of(hi), 0), "route",
	    NULL)), "high dword write of pin %u: %s", pin, js(effects_of(hi)));
	return reg_write(id, IDX_RTE_LO(pin), (uint32_t)rte);
}

static uint64_t
rte_read(const char *id, unsigned pin)
{
	uint64_t lo = reg_read(id, IDX_RTE_LO(pin));

	return (uint64_t)reg_read(id, IDX_RTE_HI(pin)) << 32 | lo;
}

static json_object *
line_set(const char *id, unsigned line, int level)
{
	return call("line-set", "{\"id\": \"%s\", \"line\": %u, \"level\": %d}", id, line,
	    level);
}

static json_object *
line_pulse(const char *id, unsigned line)
{
	return call("line-pulse", "{\"id\": \"%s\", \"line\": %u}", id, line);
}

static json_object *
eoi(unsigned vector)
{
	return call("eoi", "{\"vector\": %u}", vector);
}

static json_object *
chip_query(const char *id)
{
	return call("chip-query", "{\"id\": \"%s\"}", id);
}

/* chip-query without the per-pin counters, which are history, not state. */
static json_object *
chip_query_state(const char *id)
{
	json_object *q = chip_query(id), *entries = test_get(q, "entries");

	for (size_t i = 0; i < json_object_array_length(entries); i++)
		json_object_object_del(json_object_array_get_idx(entries, i), "counters");
	return q;
}

static json_object *
pin_state(const char *id, unsigned pin)
{
	char path[32];

	snprintf(path, sizeof path, "entries.%u", pin);
	return test_get(chip_query(id), path);
}

static bool
get_bool(json_object *o, const char *path)
{
	json_object *v = test_get(o, path);

	ck_assert_msg(json_object_is_type(v, json_type_boolean), "%s is not a boolean: %s", path,
	    js(o));
	return json_object_get_boolean(v);
}

static void
setup(void)
{
	test_daemon_start(&D, NULL);
	C = test_connect(&D);
	test_use_client(&C);
}

static void
teardown(void)
{
	int rc;

	if (C != NULL)
		irqchip_client_close(C);
	C = NULL;
	rc = test_daemon_stop(&D);
	test_release_all();
	/* SIGTERM is a clean exit: anything else is a crash or a sanitizer report. */
	ck_assert_msg(rc == 0, "irqchipd exited with status %d", rc);
}

/* --- configuration ------------------------------------------------------------ */

START_TEST(test_chip_add_defaults)
{
	json_object *chips, *q;

	chip_add("io0", NULL);
	chips = test_get(call("query-chips", NULL), "chips");
	ck_assert_uint_eq(json_object_array_length(chips), 1);
	ck_assert_str_eq(json_object_get_string(test_get(chips, "0.id")), "io0");
	ck_assert_str_eq(json_object_get_string(test_get(chips, "0.type")), "ioapic");
	ck_assert_int_eq(test_get_int(chips, "0.base"), 0xfec00000);
	ck_assert_int_eq(test_get_int(chips, "0.pins"), 24);
	ck_assert_int_eq(test_get_int(chips, "0.gsi-base"), 0);
	ck_assert_int_eq(test_get_int(chips, "0.version"), 0x20);

	q = chip_query("io0");
	ck_assert_int_eq(test_get_int(q, "base"), 0xfec00000);
	ck_assert_int_eq(test_get_int(q, "pins"), 24);
	ck_assert_int_eq(test_get_int(q, "gsi-base"), 0);
	ck_assert_int_eq(test_get_int(q, "version"), 0x20);
	ck_assert_int_eq(test_get_int(q, "id-register"), 0);
	ck_assert_int_eq(test_get_int(q, "ioregsel"), 0);
	ck_assert_uint_eq(json_object_array_length(test_get(q, "entries")), 24);
	/* Reset: every entry masked (82093AA datasheet 3.2.4). */
	for (unsigned pin = 0; pin < 24; pin++) {
		json_object *e = json_object_array_get_idx(test_get(q, "entries"), pin);

		ck_assert_int_eq(test_get_int(e, "gsi"), pin);
		ck_assert(get_bool(e, "masked"));
		ck_assert(!get_bool(e, "remote-irr"));
		ck_assert_uint_eq(rte_read("io0", pin), RTE_MASKED);
	}

	/* VER: 23:16 maximum redirection entry (23), 7:0 version. */
	ck_assert_uint_eq(reg_read("io0", IDX_VER), 0x00170020);
	/* ID: only 27:24 are writable; ARB reads back the ID. */
	reg_write("io0", IDX_ID, 0xffffffff);
	ck_assert_uint_eq(reg_read("io0", IDX_ID), 0x0f000000);
	ck_assert_uint_eq(reg_read("io0", IDX_ARB), 0x0f000000);
	reg_write("io0", IDX_ID, 0x05000000);
	ck_assert_uint_eq(reg_read("io0", IDX_ID), 0x05000000);
	ck_assert_int_eq(test_get_int(chip_query("io0"), "id-register"), 5);
	/* IOREGSEL reads back. */
	mmio_write("io0", IOREGSEL, 4, IDX_RTE_LO(3));
	ck_assert_uint_eq(mmio_read("io0", IOREGSEL, 4), IDX_RTE_LO(3));
	ck_assert_int_eq(test_get_int(chip_query("io0"), "ioregsel"), IDX_RTE_LO(3));
	/* None of that was a guest error. */
	ck_assert_int_eq(test_get_int(chip_query("io0"), "guest-errors"), 0);

	/* The original 82093AA. */
	chip_add("old", "\"base\": \"0xfec20000\", \"gsi-base\": 24, \"version\": 17");
	ck_assert_uint_eq(reg_read("old", IDX_VER), 0x00170011);
	ck_assert_int_eq(test_get_int(chip_query("old"), "version"), 17);
}
END_TEST

START_TEST(test_chip_add_custom)
{
	json_object *chips, *q;
	int fd0, fd1;

	/* QEMU's second IOAPIC: 0xfec10000, GSIs 24.. (82093AA datasheet 3.1). */
	chip_add("io0", NULL);
	chip_add("io1", "\"base\": \"0xfec10000\", \"pins\": 8, \"gsi-base\": 24");
	chips = test_get(call("query-chips", NULL), "chips");
	ck_assert_uint_eq(json_object_array_length(chips), 2);
	ck_assert_str_eq(json_object_get_string(test_get(chips, "1.id")), "io1");
	ck_assert_int_eq(test_get_int(chips, "1.base"), 0xfec10000);
	ck_assert_int_eq(test_get_int(chips, "1.pins"), 8);
	ck_assert_int_eq(test_get_int(chips, "1.gsi-base"), 24);
	ck_assert_int_eq(test_get_int(chips, "1.version"), 0x20);
	q = chip_query("io1");
	ck_assert_uint_eq(json_object_array_length(test_get(q, "entries")), 8);
	ck_assert_int_eq(test_get_int(q, "entries.7.gsi"), 31);
	/* 8 pins: maximum redirection entry 7. */
	ck_assert_uint_eq(reg_read("io1", IDX_VER), 0x00070020);
	ck_assert_uint_eq(reg_read("io0", IDX_VER), 0x00170020);
	/* Each chip has its own IOREGSEL. */
	mmio_write("io0", IOREGSEL, 4, IDX_ID);
	mmio_write("io1", IOREGSEL, 4, IDX_VER);
	ck_assert_uint_eq(mmio_read("io0", IOWIN, 4), 0);
	ck_assert_uint_eq(mmio_read("io1", IOWIN, 4), 0x00070020);

	/* Pin n of io1 is GSI 24 + n: its route, its irqfd. */
	fd0 = irqfd_add(3);
	fd1 = irqfd_add(27);
	check_route(rte_write("io1", 3, RTE_VEC(0x33) | RTE_DEST(1)), 0, 27,
	    MSI_ADDR(1, 0, false), MSI_DATA(0x33, DM_FIXED, false));
	check_route(rte_write("io0", 3, RTE_VEC(0x23) | RTE_DEST(2)), 0, 3,
	    MSI_ADDR(2, 0, false), MSI_DATA(0x23, DM_FIXED, false));
	check_no_effects(line_pulse("io1", 3));
	ck_assert_uint_eq(efd_take(fd1), 1);
	ck_assert_uint_eq(efd_take(fd0), 0);
	check_no_effects(line_pulse("io0", 3));
	ck_assert_uint_eq(efd_take(fd0), 1);
	ck_assert_uint_eq(efd_take(fd1), 0);
	/* io1 has 8 lines. */
	ck_assert(test_contains(err("InvalidParameter", "line-pulse",
	    "{\"id\": \"io1\", \"line\": 8}"), "0..7"));
}
END_TEST

START_TEST(test_chip_add_errors)
{
	chip_add("io0", NULL);
	/* Duplicate id, even with a configuration that would fit. */
	err("AlreadyExists", "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\", "
	    "\"base\": \"0xfec10000\", \"gsi-base\": 24}");
	/* Overlapping windows (io0 covers 0xfec00000..0xfec00fff). */
	err("AlreadyExists", "chip-add", "{\"type\": \"ioapic\", \"id\": \"a\", "
	    "\"gsi-base\": 24}");
	err("AlreadyExists", "chip-add", "{\"type\": \"ioapic\", \"id\": \"a\", "
	    "\"base\": \"0xfec00000\", \"pins\": 8, \"gsi-base\": 24, \"version\": 17}");
	/* Overlapping GSI ranges (io0 has 0..23). */
	err("AlreadyExists", "chip-add", "{\"type\": \"ioapic\", \"id\": \"a\", "
	    "\"base\": \"0xfec10000\", \"gsi-base\": 23}");
	err("AlreadyExists", "chip-add", "{\"type\": \"ioapic\", \"id\": \"a\", "
	    "\"base\": \"0xfec10000\", \"gsi-base\": 0, \"pins\": 1}");
	/* The last page of the address space overlaps itself too. */
	chip_add("top", "\"base\": \"0xfffffffffffff000\", \"pins\": 1, \"gsi-base\": 100");
	err("AlreadyExists", "chip-add", "{\"type\": \"ioapic\", \"id\": \"a\", "
	    "\"base\": \"0xfffffffffffff000\", \"pins\": 1, \"gsi-base\": 200}");
	call("chip-del", "{\"id\": \"top\"}");
	/* Unaligned base, unknown version. */
	err("InvalidParameter", "chip-add", "{\"type\": \"ioapic\", \"id\": \"a\", "
	    "\"base\": \"0xfec10800\", \"gsi-base\": 24}");
	err("InvalidParameter", "chip-add", "{\"type\": \"ioapic\", \"id\": \"a\", "
	    "\"base\": \"0xfec10000\", \"gsi-base\": 24, \"version\": 18}");
	err("InvalidParameter", "chip-add", "{\"type\": \"ioapic\", \"id\": \"a\", "
	    "\"base\": \"0xfec10000\", \"gsi-base\": 24, \"pins\": 0}");
	/* None of them was created. */
	ck_assert_uint_eq(json_object_array_length(test_get(call("query-chips", NULL),
	    "chips")), 1);
	err("DeviceNotFound", "chip-query", "{\"id\": \"a\"}");
	/* Adjacent window and GSIs are fine. */
	chip_add("a", "\"base\": \"0xfec01000\", \"gsi-base\": 24");
	ck_assert_uint_eq(json_object_array_length(test_get(call("query-chips", NULL),
	    "chips")), 2);
}
END_TEST

/* --- route mirroring (api.rst, KVM_CAP_SPLIT_IRQCHIP) ---------------------------- */

START_TEST(test_route_mirroring)
{
	uint64_t rte = RTE_VEC(0x31) | RTE_DELMOD(DM_LOWEST) | RTE_LOGICAL | RTE_LEVEL |
	    RTE_ACTIVE_LOW | RTE_EXTDEST(0x3) | RTE_DEST(0x12);
	uint64_t addr = MSI_ADDR(0x12, 0x3, true);
	uint32_t data = MSI_DATA(0x31, DM_LOWEST, true);
	json_object *r;

	chip_add("io0", NULL);
	/* High dword while the entry is still masked (never routed): no effect. */
	r = reg_write("io0", IDX_RTE_HI(5), (uint32_t)(rte >> 32));
	check_no_effects(r);
	/* Low dword unmasks: the route, polarity not in it. */
	r = reg_write("io0", IDX_RTE_LO(5), (uint32_t)rte);
	ck_assert_uint_eq(neffects(r), 1);
	check_route(r, 0, 5, addr, data);
	ck_assert_uint_eq(rte_read("io0", 5), rte);
	/* The same value again: the route again (KVM rescans its EOI bitmap). */
	r = reg_write("io0", IDX_RTE_LO(5), (uint32_t)rte);
	ck_assert_uint_eq(neffects(r), 1);
	check_route(r, 0, 5, addr, data);
	r = reg_write("io0", IDX_RTE_HI(5), (uint32_t)(rte >> 32));
	ck_assert_uint_eq(neffects(r), 1);
	check_route(r, 0, 5, addr, data);
	/* A new destination through the high dword alone. */
	r = reg_write("io0", IDX_RTE_HI(5), (uint32_t)((RTE_DEST(0xfe) | RTE_EXTDEST(0x7f)) >> 32));
	ck_assert_uint_eq(neffects(r), 1);
	check_route(r, 0, 5, MSI_ADDR(0xfe, 0x7f, true), data);
	/* Edge, fixed, physical. */
	r = rte_write("io0", 5, RTE_VEC(0xef) | RTE_DEST(0x01));
	ck_assert_uint_eq(neffects(r), 1);
	check_route(r, 0, 5, MSI_ADDR(1, 0, false), MSI_DATA(0xef, DM_FIXED, false));
	/* Delivery status and Remote IRR are read-only. */
	r = reg_write("io0", IDX_RTE_LO(5), (uint32_t)(RTE_VEC(0xef) | RTE_DELIVS |
	    RTE_REMOTE_IRR));
	check_route(r, 0, 5, MSI_ADDR(1, 0, false), MSI_DATA(0xef, DM_FIXED, false));
	ck_assert_uint_eq(rte_read("io0", 5), RTE_VEC(0xef) | RTE_DEST(0x01));
	r = reg_write("io0", IDX_RTE_LO(5), (uint32_t)(RTE_VEC(0xef) | RTE_LEVEL | RTE_DELIVS |
	    RTE_REMOTE_IRR));
	check_route(r, 0, 5, MSI_ADDR(1, 0, false), MSI_DATA(0xef, DM_FIXED, true));
	ck_assert_uint_eq(rte_read("io0", 5), RTE_VEC(0xef) | RTE_LEVEL | RTE_DEST(0x01));
	ck_assert(!get_bool(pin_state("io0", 5), "remote-irr"));
	/*
	 * Masking keeps the last route: no effect, and none for later writes
	 * while masked, which do not recompute it either.
	 */
	r = reg_write("io0", IDX_RTE_LO(5), (uint32_t)(RTE_VEC(0xef) | RTE_MASKED));
	check_no_effects(r);
	r = reg_write("io0", IDX_RTE_LO(5), (uint32_t)(RTE_VEC(0x99) | RTE_MASKED));
	check_no_effects(r);
	ck_assert(get_bool(pin_state("io0", 5), "routed"));
	ck_assert_int_eq(test_get_int(pin_state("io0", 5), "route-data"),
	    MSI_DATA(0xef, DM_FIXED, true));
	/* Other pins untouched: only pin 5 was ever routed. */
	ck_assert(get_bool(pin_state("io0", 4), "masked"));
	ck_assert_int_eq(test_get_int(pin_state("io0", 5), "msi-address"),
	    (int64_t)MSI_ADDR(1, 0, false));
}
END_TEST

START_TEST(test_chip_del_unroutes)
{
	json_object *r;
	bool seen[8] = { false };

	chip_add("io1", "\"base\": \"0xfec10000\", \"pins\": 8, \"gsi-base\": 24");
	rte_write("io1", 2, RTE_VEC(0x40));
	r = call("chip-del", "{\"id\": \"io1\"}");
	ck_assert_uint_eq(neffects(r), 8);
	for (size_t i = 0; i < 8; i++) {
		int64_t gsi = test_get_int(effect(r, i, "unroute"), "gsi");

		ck_assert_int_ge(gsi, 24);
		ck_assert_int_le(gsi, 31);
		ck_assert(!seen[gsi - 24]);
		seen[gsi - 24] = true;
	}
	ck_assert_uint_eq(json_object_array_length(test_get(call("query-chips", NULL),
	    "chips")), 0);
	err("DeviceNotFound", "chip-del", "{\"id\": \"io1\"}");
	/* Its window and GSIs are free again. */
	chip_add("io1", "\"base\": \"0xfec10000\", \"pins\": 8, \"gsi-base\": 24");
}
END_TEST

/* --- injection ----------------------------------------------------------------- */

START_TEST(test_edge_irqfd)
{
	int fd, other;

	chip_add("io0", NULL);
	fd = irqfd_add(4);
	other = irqfd_add(5);
	rte_write("io0", 4, RTE_VEC(0x44) | RTE_DEST(3));
	for (int i = 0; i < 3; i++) {
		json_object *r = line_pulse("io0", 4);

		/* Written to the irqfd before the reply; no signal-msi. */
		check_no_effects(r);
		ck_assert_uint_eq(efd_take(fd), 1);
	}
	/* A line held high is one edge. */
	check_no_effects(line_set("io0", 4, 1));
	check_no_effects(line_set("io0", 4, 1));
	ck_assert_uint_eq(efd_take(fd), 1);
	check_no_effects(line_set("io0", 4, 0));
	ck_assert_uint_eq(efd_take(fd), 0);
	check_no_effects(line_set("io0", 4, 1));
	ck_assert_uint_eq(efd_take(fd), 1);
	/* Edge entries ignore EOIs. */
	check_no_effects(eoi(0x44));
	ck_assert_uint_eq(efd_take(fd), 0);
	ck_assert(!get_bool(pin_state("io0", 4), "remote-irr"));
	ck_assert_uint_eq(efd_take(other), 0);
	ck_assert_int_eq(status_counter("counters.injections.irqfd"), 5);
	ck_assert_int_eq(status_counter("counters.injections.effect"), 0);
}
END_TEST

START_TEST(test_edge_no_irqfd)
{
	json_object *r;
	int other;

	chip_add("io0", NULL);
	other = irqfd_add(7);
	rte_write("io0", 6, RTE_VEC(0x46) | RTE_DELMOD(DM_LOWEST) | RTE_LOGICAL |
	    RTE_DEST(0x0f));
	r = line_pulse("io0", 6);
	ck_assert_uint_eq(neffects(r), 1);
	check_signal_msi(r, 0, MSI_ADDR(0x0f, 0, true), MSI_DATA(0x46, DM_LOWEST, false));
	ck_assert_uint_eq(efd_take(other), 0);
	ck_assert_int_eq(status_counter("counters.injections.effect"), 1);
	ck_assert_int_eq(status_counter("counters.injections.irqfd"), 0);
}
END_TEST

START_TEST(test_route_then_signal_msi)
{
	uint64_t rte = RTE_VEC(0x47) | RTE_LEVEL | RTE_DEST(2);
	json_object *r;
	int fd;

	chip_add("io0", NULL);
	fd = irqfd_add(7);
	check_no_effects(rte_write("io0", 7, rte | RTE_MASKED));
	/* Asserted while masked: nothing. */
	check_no_effects(line_set("io0", 7, 1));
	ck_assert_uint_eq(efd_take(fd), 0);
	/*
	 * Unmasking delivers (82093AA datasheet 3.2.4), but the irqfd still follows the
	 * old route until the VMM applies this reply: route first, then the
	 * interrupt as signal-msi, and no irqfd write.
	 */
	r = reg_write("io0", IDX_RTE_LO(7), (uint32_t)rte);
	ck_assert_uint_eq(neffects(r), 2);
	check_route(r, 0, 7, MSI_ADDR(2, 0, false), MSI_DATA(0x47, DM_FIXED, true));
	check_signal_msi(r, 1, MSI_ADDR(2, 0, false), MSI_DATA(0x47, DM_FIXED, true));
	ck_assert_uint_eq(efd_take(fd), 0);
	ck_assert(get_bool(pin_state("io0", 7), "remote-irr"));
	/* The route is committed now: the next delivery takes the irqfd. */
	r = eoi(0x47);
	check_no_effects(r);
	ck_assert_uint_eq(efd_take(fd), 1);
}
END_TEST

/* --- level semantics (82093AA datasheet 3.2.4) ---------------------------------------------- */

START_TEST(test_level_semantics)
{
	json_object *p;
	int fd;

	chip_add("io0", NULL);
	fd = irqfd_add(9);
	rte_write("io0", 9, RTE_VEC(0x51) | RTE_LEVEL | RTE_DEST(0));
	/* Assertion delivers once and sets Remote IRR. */
	check_no_effects(line_set("io0", 9, 1));
	ck_assert_uint_eq(efd_take(fd), 1);
	/* Further assertions coalesce while Remote IRR is set. */
	check_no_effects(line_set("io0", 9, 1));
	ck_assert_uint_eq(efd_take(fd), 0);
	p = pin_state("io0", 9);
	ck_assert(get_bool(p, "remote-irr"));
	ck_assert(get_bool(p, "line"));
	ck_assert_int_eq(test_get_int(p, "irr-vector"), 0x51);
	ck_assert(rte_read("io0", 9) & RTE_REMOTE_IRR);
	/* EOI of another vector: nothing. */
	check_no_effects(eoi(0x52));
	ck_assert_uint_eq(efd_take(fd), 0);
	ck_assert(get_bool(pin_state("io0", 9), "remote-irr"));
	/* EOI with the line high: Remote IRR cleared and set again by re-delivery. */
	check_no_effects(eoi(0x51));
	ck_assert_uint_eq(efd_take(fd), 1);
	ck_assert(get_bool(pin_state("io0", 9), "remote-irr"));
	/* A pulse while Remote IRR is set coalesces too (and leaves the line low). */
	check_no_effects(line_pulse("io0", 9));
	ck_assert_uint_eq(efd_take(fd), 0);
	p = pin_state("io0", 9);
	ck_assert(get_bool(p, "remote-irr"));
	ck_assert(!get_bool(p, "line"));
	/* EOI with the line low: cleared, no re-delivery. */
	check_no_effects(eoi(0x51));
	ck_assert_uint_eq(efd_take(fd), 0);
	ck_assert(!get_bool(pin_state("io0", 9), "remote-irr"));
	check_no_effects(eoi(0x51));
	ck_assert_uint_eq(efd_take(fd), 0);
	/* A level entry still takes a pulse when Remote IRR is clear. */
	check_no_effects(line_pulse("io0", 9));
	ck_assert_uint_eq(efd_take(fd), 1);
	ck_assert(get_bool(pin_state("io0", 9), "remote-irr"));
	/* line-set 1, EOI, line-set 0, EOI: exactly one re-delivery. */
	check_no_effects(line_set("io0", 9, 1));
	ck_assert_uint_eq(efd_take(fd), 0);
	check_no_effects(eoi(0x51));
	ck_assert_uint_eq(efd_take(fd), 1);
	check_no_effects(line_set("io0", 9, 0));
	check_no_effects(eoi(0x51));
	ck_assert_uint_eq(efd_take(fd), 0);
	p = pin_state("io0", 9);
	ck_assert(!get_bool(p, "remote-irr"));
	ck_assert(!get_bool(p, "line"));
}
END_TEST

START_TEST(test_masked_edge_dropped)
{
	uint64_t rte = RTE_VEC(0x55) | RTE_DEST(1);
	json_object *r;
	int fd;

	chip_add("io0", NULL);
	fd = irqfd_add(12);
	rte_write("io0", 12, rte | RTE_MASKED);
	check_no_effects(line_pulse("io0", 12));
	ck_assert_uint_eq(efd_take(fd), 0);
	/* 82093AA: not latched; unmasking delivers nothing. */
	r = reg_write("io0", IDX_RTE_LO(12), (uint32_t)rte);
	ck_assert_uint_eq(neffects(r), 1);
	check_route(r, 0, 12, MSI_ADDR(1, 0, false), MSI_DATA(0x55, DM_FIXED, false));
	ck_assert_uint_eq(efd_take(fd), 0);
	check_no_effects(line_pulse("io0", 12));
	ck_assert_uint_eq(efd_take(fd), 1);
	/* Also an edge entry whose line is held high while masked. */
	reg_write("io0", IDX_RTE_LO(12), (uint32_t)(rte | RTE_MASKED));
	check_no_effects(line_set("io0", 12, 1));
	r = reg_write("io0", IDX_RTE_LO(12), (uint32_t)rte);
	ck_assert_uint_eq(neffects(r), 1);
	ck_assert_uint_eq(efd_take(fd), 0);
}
END_TEST

START_TEST(test_unmask_asserted_level)
{
	uint64_t rte = RTE_VEC(0x56) | RTE_LEVEL | RTE_DEST(4);
	json_object *r;
	int fd;

	chip_add("io0", NULL);
	fd = irqfd_add(13);
	rte_write("io0", 13, rte | RTE_MASKED);
	check_no_effects(line_set("io0", 13, 1));
	ck_assert(!get_bool(pin_state("io0", 13), "remote-irr"));
	r = reg_write("io0", IDX_RTE_LO(13), (uint32_t)rte);
	ck_assert_uint_eq(neffects(r), 2);
	check_route(r, 0, 13, MSI_ADDR(4, 0, false), MSI_DATA(0x56, DM_FIXED, true));
	check_signal_msi(r, 1, MSI_ADDR(4, 0, false), MSI_DATA(0x56, DM_FIXED, true));
	ck_assert_uint_eq(efd_take(fd), 0);
	ck_assert(get_bool(pin_state("io0", 13), "remote-irr"));
	/* Mask and unmask again while Remote IRR is set: no delivery. */
	reg_write("io0", IDX_RTE_LO(13), (uint32_t)(rte | RTE_MASKED));
	r = reg_write("io0", IDX_RTE_LO(13), (uint32_t)rte);
	ck_assert_uint_eq(neffects(r), 1);
	ck_assert_uint_eq(efd_take(fd), 0);
	/* A masked level pin's EOI clears Remote IRR but does not deliver. */
	reg_write("io0", IDX_RTE_LO(13), (uint32_t)(rte | RTE_MASKED));
	check_no_effects(eoi(0x56));
	ck_assert_uint_eq(efd_take(fd), 0);
	ck_assert(!get_bool(pin_state("io0", 13), "remote-irr"));
	/* Unmasked again with the line high and Remote IRR clear: delivered. */
	r = reg_write("io0", IDX_RTE_LO(13), (uint32_t)rte);
	ck_assert_uint_eq(neffects(r), 2);
	check_signal_msi(r, 1, MSI_ADDR(4, 0, false), MSI_DATA(0x56, DM_FIXED, true));
	ck_assert_uint_eq(efd_take(fd), 0);
}
END_TEST

START_TEST(test_edge_clears_remote_irr)
{
	uint64_t rte = RTE_VEC(0x57) | RTE_LEVEL | RTE_DEST(1);
	json_object *r;
	int fd;

	chip_add("io0", NULL);
	fd = irqfd_add(14);
	rte_write("io0", 14, rte);
	check_no_effects(line_set("io0", 14, 1));
	ck_assert_uint_eq(efd_take(fd), 1);
	ck_assert(get_bool(pin_state("io0", 14), "remote-irr"));
	/* Linux's __eoi_ioapic_pin: mask, edge, level, unmask (Linux arch/x86/kernel/apic/io_apic.c). */
	r = reg_write("io0", IDX_RTE_LO(14), (uint32_t)(RTE_VEC(0x57) | RTE_MASKED | RTE_LEVEL));
	check_no_effects(r);
	r = reg_write("io0", IDX_RTE_LO(14), (uint32_t)(RTE_VEC(0x57) | RTE_MASKED));
	check_no_effects(r);
	ck_assert(!get_bool(pin_state("io0", 14), "remote-irr"));
	ck_assert_uint_eq(rte_read("io0", 14) & RTE_REMOTE_IRR, 0);
	reg_write("io0", IDX_RTE_LO(14), (uint32_t)(RTE_VEC(0x57) | RTE_MASKED | RTE_LEVEL));
	ck_assert(!get_bool(pin_state("io0", 14), "remote-irr"));
	ck_assert_uint_eq(efd_take(fd), 0);
	/* Unmasked with the line still high: delivered again, behind the route. */
	r = reg_write("io0", IDX_RTE_LO(14), (uint32_t)rte);
	ck_assert_uint_eq(neffects(r), 2);
	check_route(r, 0, 14, MSI_ADDR(1, 0, false), MSI_DATA(0x57, DM_FIXED, true));
	check_signal_msi(r, 1, MSI_ADDR(1, 0, false), MSI_DATA(0x57, DM_FIXED, true));
	ck_assert(get_bool(pin_state("io0", 14), "remote-irr"));
}
END_TEST

static struct irqchip_client *connect_retry(void);

/* Index of the route effect for gsi in ret; fails the test if there is none. */
static size_t
find_route(json_object *ret, unsigned gsi)
{
	json_object *b;
	size_t i;

	for (i = 0; i < neffects(ret); i++) {
		if (json_object_object_get_ex(json_object_array_get_idx(effects_of(ret), i),
		    "route", &b) && test_get_int(b, "gsi") == gsi)
			return i;
	}
	ck_abort_msg("no route for GSI %u in %s", gsi, js(effects_of(ret)));
	return 0;
}

/*
 * A handler masks its level pin while the interrupt is in flight, then EOIs
 * with the line still high. The mask must not withdraw the route (under
 * KVM's split irqchip that route is what makes the EOI exit); the EOI clears
 * Remote IRR without a delivery (82093AA: masked); unmasking delivers once.
 */
START_TEST(test_mask_in_flight)
{
	uint64_t rte = RTE_VEC(0x69) | RTE_LEVEL | RTE_DEST(1);
	json_object *r, *p;
	int fd;

	chip_add("io0", NULL);
	fd = irqfd_add(9);
	rte_write("io0", 9, rte);
	check_no_effects(line_set("io0", 9, 1));
	ck_assert_uint_eq(efd_take(fd), 1);
	/* The mask, as Linux's mask_ioapic_irq: the low dword alone. */
	r = reg_write("io0", IDX_RTE_LO(9), (uint32_t)(rte | RTE_MASKED));
	check_no_effects(r);
	p = pin_state("io0", 9);
	ck_assert(get_bool(p, "remote-irr"));
	ck_assert(get_bool(p, "routed"));
	ck_assert_int_eq(test_get_int(p, "route-address"), (int64_t)MSI_ADDR(1, 0, false));
	ck_assert_int_eq(test_get_int(p, "route-data"), MSI_DATA(0x69, DM_FIXED, true));
	/* The EOI: Remote IRR clear, the masked line stays quiet. */
	check_no_effects(call("eoi", "{\"vector\": %d}", 0x69));
	ck_assert(!get_bool(pin_state("io0", 9), "remote-irr"));
	ck_assert_uint_eq(efd_take(fd), 0);
	/* Unmasked with the line high: exactly one delivery, behind its route. */
	r = reg_write("io0", IDX_RTE_LO(9), (uint32_t)rte);
	ck_assert_uint_eq(neffects(r), 2);
	check_route(r, 0, 9, MSI_ADDR(1, 0, false), MSI_DATA(0x69, DM_FIXED, true));
	check_signal_msi(r, 1, MSI_ADDR(1, 0, false), MSI_DATA(0x69, DM_FIXED, true));
	ck_assert(get_bool(pin_state("io0", 9), "remote-irr"));
	check_no_effects(line_set("io0", 9, 0));
	check_no_effects(call("eoi", "{\"vector\": %d}", 0x69));
	ck_assert(!get_bool(pin_state("io0", 9), "remote-irr"));
	ck_assert_uint_eq(efd_take(fd), 0);
	p = test_get(pin_state("io0", 9), "counters");
	ck_assert_int_eq(test_get_int(p, "delivered"), 2);
	ck_assert_int_eq(test_get_int(p, "eois"), 2);
	ck_assert_int_eq(test_get_int(p, "coalesced"), 0);
}
END_TEST

/* Every path that could leave a level vector in flight without a route. */
START_TEST(test_in_flight_paths_keep_route)
{
	uint64_t rte = RTE_VEC(0x6a) | RTE_LEVEL | RTE_DEST(2);
	json_object *r, *st, *ret = NULL;
	char *token, *cause = NULL;
	size_t i;
	int rc;

	chip_add("io0", NULL);
	rte_write("io0", 10, rte);
	line_set("io0", 10, 1);
	ck_assert(get_bool(pin_state("io0", 10), "remote-irr"));
	/* Masked and reprogrammed to another vector: the route is the old one. */
	reg_write("io0", IDX_RTE_LO(10), (uint32_t)(rte | RTE_MASKED));
	check_no_effects(reg_write("io0", IDX_RTE_LO(10),
	    (uint32_t)(RTE_VEC(0x6b) | RTE_LEVEL | RTE_MASKED)));
	ck_assert_int_eq(test_get_int(pin_state("io0", 10), "route-data"),
	    MSI_DATA(0x6a, DM_FIXED, true));
	/* chip-save and chip-load: the kept route comes back, never an unroute. */
	st = test_get(call("chip-save", "{\"id\": \"io0\"}"), "state");
	ck_assert_int_eq(test_get_int(st, "version"), 2);
	r = call("chip-load", "{\"id\": \"io0\", \"state\": %s}", js(st));
	check_route(r, find_route(r, 10), 10, MSI_ADDR(2, 0, false),
	    MSI_DATA(0x6a, DM_FIXED, true));
	/* A resumed client gets the same route. */
	token = keep_str(strdup(json_object_get_string(test_get(irqchip_client_greeting(C),
	    "session"))));
	irqchip_client_close(C);
	C = connect_retry();
	rc = irqchip_client_negotiate(C, NULL, token, &ret, &cause);
	ck_assert_msg(rc == 0, "negotiate: %s", cause);
	keep(ret);
	check_route(ret, find_route(ret, 10), 10, MSI_ADDR(2, 0, false),
	    MSI_DATA(0x6a, DM_FIXED, true));
	/* The old vector's EOI releases the entry. */
	check_no_effects(call("eoi", "{\"vector\": %d}", 0x6a));
	ck_assert(!get_bool(pin_state("io0", 10), "remote-irr"));
	/* chip-reset: masked entries, routes kept, no effects. */
	rte_write("io0", 10, RTE_VEC(0x6c) | RTE_LEVEL | RTE_DEST(2));
	ck_assert(get_bool(pin_state("io0", 10), "remote-irr"));
	check_no_effects(call("chip-reset", "{\"id\": \"io0\"}"));
	ck_assert_int_eq(test_get_int(pin_state("io0", 10), "route-data"),
	    MSI_DATA(0x6c, DM_FIXED, true));
	/* chip-del: the chip's GSIs are released, in-flight or not. */
	r = call("chip-del", "{\"id\": \"io0\"}");
	ck_assert_uint_eq(neffects(r), 24);
	for (i = 0; i < 24; i++)
		check_unroute(r, i, (unsigned)i);
}
END_TEST

/* A version-1 state (no routes) with a masked level entry in flight. */
START_TEST(test_load_v1_in_flight)
{
	uint64_t rte = RTE_VEC(0x6d) | RTE_LEVEL | RTE_DEST(3) | RTE_MASKED | RTE_REMOTE_IRR;
	char entries[4096], *p = entries;
	json_object *r;
	size_t i;

	chip_add("io0", NULL);
	for (i = 0; i < 24; i++)
		p += snprintf(p, sizeof entries - (size_t)(p - entries), "%s{\"rte\": \"0x%"
		    PRIx64 "\", \"sources\": %d, \"irr-vector\": %d, \"storm-count\": 0, "
		    "\"throttled\": false}", i ? ", " : "", (uint64_t)(i == 4 ? rte : RTE_MASKED),
		    i == 4 ? 1 : 0, i == 4 ? 0x6d : 0);
	r = call("chip-load", "{\"id\": \"io0\", \"state\": {\"format\": \"irqchipd-ioapic\", "
	    "\"version\": 1, \"base\": \"0xfec00000\", \"gsi-base\": 0, \"pins\": 24, "
	    "\"ioapic-version\": 32, \"id\": 0, \"ioregsel\": 0, \"entries\": [%s]}}", entries);
	ck_assert_uint_eq(neffects(r), 24);
	check_route(r, 4, 4, MSI_ADDR(3, 0, false), MSI_DATA(0x6d, DM_FIXED, true));
	check_no_effects(call("eoi", "{\"vector\": %d}", 0x6d));
	ck_assert(!get_bool(pin_state("io0", 4), "remote-irr"));
}
END_TEST

/* Per-pin counters in chip-query and query-status. */
START_TEST(test_pin_counters)
{
	json_object *c, *st, *pins;

	chip_add("io0", NULL);
	rte_write("io0", 3, RTE_VEC(0x33) | RTE_DEST(0));
	line_pulse("io0", 3);
	line_set("io0", 3, 1);
	/* Held high: no rising edge for the pulse. */
	line_pulse("io0", 3);
	line_set("io0", 3, 0);
	rte_write("io0", 3, RTE_VEC(0x33) | RTE_DEST(0) | RTE_MASKED);
	line_pulse("io0", 3);
	rte_write("io0", 5, RTE_VEC(0x35) | RTE_LEVEL | RTE_DEST(0));
	line_set("io0", 5, 1);
	call("eoi", "{\"vector\": %d}", 0x35);
	c = test_get(pin_state("io0", 3), "counters");
	ck_assert_int_eq(test_get_int(c, "delivered"), 2);
	ck_assert_int_eq(test_get_int(c, "coalesced"), 1);
	ck_assert_int_eq(test_get_int(c, "dropped"), 1);
	ck_assert_int_eq(test_get_int(c, "eois"), 0);
	ck_assert_int_eq(test_get_int(c, "throttles"), 0);
	c = test_get(pin_state("io0", 5), "counters");
	ck_assert_int_eq(test_get_int(c, "delivered"), 2);
	ck_assert_int_eq(test_get_int(c, "eois"), 1);

	st = keep(test_call_ok(C, "query-status", NULL, NULL, 0));
	ck_assert_int_eq(test_get_int(st, "chip-counters.io0.total.delivered"), 4);
	ck_assert_int_eq(test_get_int(st, "chip-counters.io0.total.dropped"), 1);
	ck_assert_int_eq(test_get_int(st, "chip-counters.io0.total.eois"), 1);
	pins = test_get(st, "chip-counters.io0.pins");
	ck_assert_uint_eq(json_object_array_length(pins), 2);
	ck_assert_int_eq(test_get_int(pins, "0.pin"), 3);
	ck_assert_int_eq(test_get_int(pins, "0.gsi"), 3);
	ck_assert_int_eq(test_get_int(pins, "1.pin"), 5);
	ck_assert_int_eq(test_get_int(pins, "1.coalesced"), 0);
}
END_TEST

/* --debug: guest writes, deliveries, EOIs and route changes reach the log. */
START_TEST(test_debug_log)
{
	static const char *const want[] = {
		"chip io0: guest write cpu 0 offset 0x010 size 4 value 0x8077 (IOREGSEL 0x10)",
		"chip io0 pin 0: route GSI 0 address 0xfee00000 data 0x8077",
		"chip io0 pin 0: deliver vector 0x77 address 0xfee00000 data 0x8077: accepted",
		"chip io0: EOI broadcast vector 0x77",
		"chip io0 pin 0: EOI clears Remote IRR",
		"chip io0: guest read cpu 0 offset 0x010 size 4 value 0x8077 (IOREGSEL 0x10)",
	};
	char *log = NULL;
	size_t n = 0;
	FILE *f;

	chip_add("io0", NULL);
	rte_write("io0", 0, RTE_VEC(0x77) | RTE_LEVEL | RTE_DEST(0));
	line_set("io0", 0, 1);
	line_set("io0", 0, 0);
	call("eoi", "{\"vector\": %d}", 0x77);
	ck_assert_uint_eq(reg_read("io0", IDX_RTE_LO(0)), 0x8077);
	/* A query after the EOI: the daemon has written the lines by now. */
	chip_query("io0");
	f = fopen(D.log, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(getdelim(&log, &n, '\0', f), 0);
	fclose(f);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(strstr(log, want[i]) != NULL, "the log lacks \"%s\"", want[i]);
	free(log);
}
END_TEST

START_TEST(test_reprogram_in_flight)
{
	json_object *p;
	int fd;

	chip_add("io0", NULL);
	fd = irqfd_add(15);
	rte_write("io0", 15, RTE_VEC(0x60) | RTE_LEVEL | RTE_DEST(1));
	check_no_effects(line_set("io0", 15, 1));
	ck_assert_uint_eq(efd_take(fd), 1);
	/* The handler moves the interrupt (vector and CPU) before its EOI. */
	check_route(rte_write("io0", 15, RTE_VEC(0x61) | RTE_LEVEL | RTE_DEST(2)), 0, 15,
	    MSI_ADDR(2, 0, false), MSI_DATA(0x61, DM_FIXED, true));
	ck_assert_uint_eq(efd_take(fd), 0);
	p = pin_state("io0", 15);
	ck_assert(get_bool(p, "remote-irr"));
	ck_assert_int_eq(test_get_int(p, "vector"), 0x61);
	ck_assert_int_eq(test_get_int(p, "irr-vector"), 0x60);
	/* a bug QEMU and KVM both fixed: the EOI of the old vector still releases it. */
	check_no_effects(eoi(0x60));
	/* The line is high: re-delivered, now with the new vector. */
	ck_assert_uint_eq(efd_take(fd), 1);
	p = pin_state("io0", 15);
	ck_assert(get_bool(p, "remote-irr"));
	ck_assert_int_eq(test_get_int(p, "irr-vector"), 0x61);
	/* The old vector no longer matches. */
	check_no_effects(eoi(0x60));
	ck_assert_uint_eq(efd_take(fd), 0);
	ck_assert(get_bool(pin_state("io0", 15), "remote-irr"));
	check_no_effects(line_set("io0", 15, 0));
	check_no_effects(eoi(0x61));
	ck_assert_uint_eq(efd_take(fd), 0);
	ck_assert(!get_bool(pin_state("io0", 15), "remote-irr"));
}
END_TEST

START_TEST(test_eoi_register)
{
	int fd0, fd1, fdold;

	chip_add("io0", NULL);
	chip_add("io1", "\"base\": \"0xfec10000\", \"gsi-base\": 24");
	chip_add("old", "\"base\": \"0xfec20000\", \"gsi-base\": 48, \"version\": 17");
	fd0 = irqfd_add(1);
	fd1 = irqfd_add(25);
	fdold = irqfd_add(49);
	rte_write("io0", 1, RTE_VEC(0x70) | RTE_LEVEL);
	rte_write("io1", 1, RTE_VEC(0x70) | RTE_LEVEL);
	rte_write("old", 1, RTE_VEC(0x70) | RTE_LEVEL);
	line_set("io0", 1, 1);
	line_set("io1", 1, 1);
	line_set("old", 1, 1);
	ck_assert_uint_eq(efd_take(fd0), 1);
	ck_assert_uint_eq(efd_take(fd1), 1);
	ck_assert_uint_eq(efd_take(fdold), 1);
	/* The EOI register of io0 (version 0x20) acts on io0 only. */
	check_no_effects(mmio_write("io0", EOIR, 4, 0x70));
	ck_assert_uint_eq(efd_take(fd0), 1);
	ck_assert_uint_eq(efd_take(fd1), 0);
	ck_assert_uint_eq(efd_take(fdold), 0);
	ck_assert(get_bool(pin_state("io1", 1), "remote-irr"));
	/* Another vector there does nothing. */
	check_no_effects(mmio_write("io1", EOIR, 4, 0x71));
	ck_assert_uint_eq(efd_take(fd1), 0);
	/* The 82093AA has no EOI register: a guest error, no EOI. */
	check_no_effects(mmio_write("old", EOIR, 4, 0x70));
	ck_assert_uint_eq(efd_take(fdold), 0);
	ck_assert_int_eq(test_get_int(chip_query("old"), "guest-errors"), 1);
	ck_assert(get_bool(pin_state("old", 1), "remote-irr"));
	ck_assert_int_eq(test_get_int(chip_query("io0"), "guest-errors"), 0);
	/* The broadcast reaches all three. */
	check_no_effects(eoi(0x70));
	ck_assert_uint_eq(efd_take(fd0), 1);
	ck_assert_uint_eq(efd_take(fd1), 1);
	ck_assert_uint_eq(efd_take(fdold), 1);
}
END_TEST

/*
 * A directed EOI (the guest's write to the EOI register) does everything a
 * broadcast EOI does for a level notifier: resample signalled, line
 * deasserted, Remote IRR clear; a broadcast of the same vector afterwards
 * (a guest that EOIs both ways) finds nothing in flight.
 */
START_TEST(test_eoi_register_resample)
{
	json_object *p;
	int irq, dev, rs, fds[2];

	chip_add("io0", NULL);
	irq = irqfd_add(11);
	dev = new_efd();
	rs = new_efd();
	rte_write("io0", 11, RTE_VEC(0x81) | RTE_LEVEL | RTE_DEST(1));
	fds[0] = dev;
	fds[1] = rs;
	call_fds("notifier-add", fds, 2, "{\"id\": \"io0\", \"line\": 11, \"fd\": 0, "
	    "\"mode\": \"level\", \"resample-fd\": 1}");
	efd_signal(dev, 1);
	ck_assert_uint_eq(efd_wait(irq, 1, WAIT_MS), 1);
	ck_assert(get_bool(pin_state("io0", 11), "remote-irr"));
	check_no_effects(mmio_write("io0", EOIR, 4, 0x81));
	ck_assert_uint_eq(efd_take(rs), 1);
	ck_assert_uint_eq(efd_take(irq), 0);
	p = pin_state("io0", 11);
	ck_assert(!get_bool(p, "remote-irr"));
	ck_assert(!get_bool(p, "line"));
	check_no_effects(eoi(0x81));
	ck_assert_uint_eq(efd_take(rs), 0);
	ck_assert_uint_eq(efd_take(irq), 0);
	ck_assert_int_eq(test_get_int(test_get(pin_state("io0", 11), "counters"), "eois"), 1);
	/* Asserted again with the EOI register as the only EOI: delivered again. */
	efd_signal(dev, 1);
	ck_assert_uint_eq(efd_wait(irq, 1, WAIT_MS), 1);
	check_no_effects(mmio_write("io0", EOIR, 4, 0x81));
	ck_assert_uint_eq(efd_take(rs), 1);
}
END_TEST

/* --- notifiers (api.rst, KVM_IRQFD) ---------------------------------------------------- */

START_TEST(test_notifier_edge)
{
	int irq, dev;

	chip_add("io0", NULL);
	irq = irqfd_add(3);
	dev = new_efd();
	rte_write("io0", 3, RTE_VEC(0x43) | RTE_DEST(1));
	call_fds("notifier-add", &dev, 1, "{\"id\": \"io0\", \"line\": 3, \"fd\": 0, "
	    "\"mode\": \"edge\"}");
	ck_assert_int_eq(status_counter("notifiers"), 1);
	for (int i = 1; i <= 3; i++) {
		efd_signal(dev, 1);
		ck_assert_uint_eq(efd_wait(irq, 1, WAIT_MS), 1);
		ck_assert_int_eq(wait_counter("counters.notifier-triggers", i), i);
	}
	/* Nothing beyond the three. */
	ck_assert_uint_eq(efd_take(irq), 0);
	/* One write of 3 is three eventfd signals: three pulses. */
	efd_signal(dev, 3);
	ck_assert_int_eq(wait_counter("counters.notifier-triggers", 6), 6);
	ck_assert_uint_eq(efd_take(irq), 3);
	ck_assert_int_eq(status_counter("counters.injections.irqfd"), 6);
}
END_TEST

START_TEST(test_notifier_level_resample)
{
	json_object *p;
	int irq, dev, rs, fds[2];

	chip_add("io0", NULL);
	irq = irqfd_add(10);
	dev = new_efd();
	rs = new_efd();
	rte_write("io0", 10, RTE_VEC(0x80) | RTE_LEVEL | RTE_DEST(1));
	fds[0] = dev;
	fds[1] = rs;
	call_fds("notifier-add", fds, 2, "{\"id\": \"io0\", \"line\": 10, \"fd\": 0, "
	    "\"mode\": \"level\", \"resample-fd\": 1}");
	/* The device asserts: one injection. */
	efd_signal(dev, 1);
	ck_assert_uint_eq(efd_wait(irq, 1, WAIT_MS), 1);
	ck_assert_int_eq(wait_counter("counters.notifier-triggers", 1), 1);
	p = pin_state("io0", 10);
	ck_assert(get_bool(p, "remote-irr"));
	ck_assert(get_bool(p, "line"));
	/* A second write before the EOI coalesces. */
	efd_signal(dev, 1);
	ck_assert_int_eq(wait_counter("counters.notifier-triggers", 2), 2);
	ck_assert_uint_eq(efd_take(irq), 0);
	ck_assert_uint_eq(efd_take(rs), 0);
	/* EOI: deasserted, resample signalled, no re-delivery. */
	check_no_effects(eoi(0x80));
	ck_assert_uint_eq(efd_take(rs), 1);
	ck_assert_uint_eq(efd_take(irq), 0);
	p = pin_state("io0", 10);
	ck_assert(!get_bool(p, "remote-irr"));
	ck_assert(!get_bool(p, "line"));
	ck_assert_int_eq(status_counter("counters.resamples"), 1);
	/* Nothing in flight: another EOI is not for this pin. */
	check_no_effects(eoi(0x80));
	ck_assert_uint_eq(efd_take(rs), 0);
	ck_assert_uint_eq(efd_take(irq), 0);
	/* The device still needs service: it writes again, and is delivered again. */
	efd_signal(dev, 1);
	ck_assert_uint_eq(efd_wait(irq, 1, WAIT_MS), 1);
	ck_assert_int_eq(wait_counter("counters.notifier-triggers", 3), 3);
	check_no_effects(eoi(0x80));
	ck_assert_uint_eq(efd_take(rs), 1);
	ck_assert_uint_eq(efd_take(irq), 0);
}
END_TEST

START_TEST(test_notifier_errors)
{
	int dev, rs, fds[2];
	unsigned open_before;

	chip_add("io0", NULL);
	dev = new_efd();
	rs = new_efd();
	fds[0] = dev;
	fds[1] = rs;
	open_before = (unsigned)status_counter("open-fds");
	ck_assert(test_contains(err_fds("InvalidParameter", "notifier-add", &dev, 1,
	    "{\"id\": \"io0\", \"line\": 1, \"fd\": 0, \"mode\": \"level\"}"), "resample-fd"));
	ck_assert(test_contains(err_fds("InvalidParameter", "notifier-add", fds, 2,
	    "{\"id\": \"io0\", \"line\": 1, \"fd\": 0, \"mode\": \"edge\", "
	    "\"resample-fd\": 1}"), "resample-fd"));
	err_fds("InvalidParameter", "notifier-add", &dev, 1,
	    "{\"id\": \"io0\", \"line\": 24, \"fd\": 0, \"mode\": \"edge\"}");
	err_fds("DeviceNotFound", "notifier-add", &dev, 1,
	    "{\"id\": \"nope\", \"line\": 1, \"fd\": 0, \"mode\": \"edge\"}");
	/* Refused requests keep none of their fds. */
	ck_assert_int_eq(status_counter("open-fds"), open_before);
	ck_assert_int_eq(status_counter("notifiers"), 0);
	call_fds("notifier-add", &dev, 1, "{\"id\": \"io0\", \"line\": 1, \"fd\": 0, "
	    "\"mode\": \"edge\"}");
	err_fds("AlreadyExists", "notifier-add", fds, 2, "{\"id\": \"io0\", \"line\": 1, "
	    "\"fd\": 0, \"mode\": \"level\", \"resample-fd\": 1}");
	ck_assert_int_eq(status_counter("open-fds"), open_before + 1);
	ck_assert_int_eq(status_counter("notifiers"), 1);
	err("DeviceNotFound", "notifier-del", "{\"id\": \"io0\", \"line\": 2}");
}
END_TEST

START_TEST(test_notifier_del)
{
	json_object *p;
	int irq, dev, rs, fds[2];
	unsigned mine;
	int64_t open_before;

	chip_add("io0", NULL);
	irq = irqfd_add(10);
	dev = new_efd();
	rs = new_efd();
	fds[0] = dev;
	fds[1] = rs;
	rte_write("io0", 10, RTE_VEC(0x80) | RTE_LEVEL | RTE_DEST(1));
	open_before = status_counter("open-fds");
	mine = test_count_fds();
	call_fds("notifier-add", fds, 2, "{\"id\": \"io0\", \"line\": 10, \"fd\": 0, "
	    "\"mode\": \"level\", \"resample-fd\": 1}");
	ck_assert_int_eq(status_counter("open-fds"), open_before + 2);
	efd_signal(dev, 1);
	ck_assert_uint_eq(efd_wait(irq, 1, WAIT_MS), 1);
	ck_assert(get_bool(pin_state("io0", 10), "line"));
	/* Unplugging the device takes its level with it; Remote IRR waits for the EOI. */
	call("notifier-del", "{\"id\": \"io0\", \"line\": 10}");
	p = pin_state("io0", 10);
	ck_assert(!get_bool(p, "line"));
	ck_assert(get_bool(p, "remote-irr"));
	ck_assert_int_eq(status_counter("open-fds"), open_before);
	ck_assert_int_eq(status_counter("notifiers"), 0);
	ck_assert_uint_eq(test_count_fds(), mine);
	/* The EOI finds the line low: no re-delivery, no resample for a gone notifier. */
	check_no_effects(eoi(0x80));
	ck_assert_uint_eq(efd_take(irq), 0);
	ck_assert_uint_eq(efd_take(rs), 0);
	ck_assert(!get_bool(pin_state("io0", 10), "remote-irr"));
	err("DeviceNotFound", "notifier-del", "{\"id\": \"io0\", \"line\": 10}");
	/* The line can be wired again. */
	call_fds("notifier-add", &dev, 1, "{\"id\": \"io0\", \"line\": 10, \"fd\": 0, "
	    "\"mode\": \"edge\"}");
	/* chip-del releases the notifiers of the chip. */
	call("chip-del", "{\"id\": \"io0\"}");
	ck_assert_int_eq(status_counter("notifiers"), 0);
	ck_assert_int_eq(status_counter("open-fds"), open_before);
}
END_TEST

START_TEST(test_interrupt_event)
{
	json_object *ev, *d;
	int dev, irq;

	chip_add("io1", "\"base\": \"0xfec10000\", \"pins\": 8, \"gsi-base\": 24");
	/* An irqfd on another GSI must not catch it. */
	irq = irqfd_add(26);
	dev = new_efd();
	rte_write("io1", 2, RTE_VEC(0x92) | RTE_DELMOD(DM_LOWEST) | RTE_LOGICAL |
	    RTE_DEST(0x03));
	call_fds("notifier-add", &dev, 1, "{\"id\": \"io1\", \"line\": 5, \"fd\": 0, "
	    "\"mode\": \"edge\"}");
	rte_write("io1", 5, RTE_VEC(0x95) | RTE_DEST(0x07) | RTE_EXTDEST(1));
	efd_signal(dev, 1);
	ev = next_event("interrupt", WAIT_MS);
	ck_assert_msg(ev != NULL, "no interrupt event");
	d = test_get(ev, "data");
	ck_assert_str_eq(json_object_get_string(test_get(d, "id")), "io1");
	ck_assert_int_eq(test_get_int(d, "line"), 5);
	ck_assert_int_eq(test_get_int(d, "gsi"), 29);
	ck_assert_int_eq(test_get_int(d, "address"), (int64_t)MSI_ADDR(0x07, 1, false));
	ck_assert_int_eq(test_get_int(d, "data"), MSI_DATA(0x95, DM_FIXED, false));
	ck_assert_uint_eq(efd_take(irq), 0);
	/* Exactly one. */
	ck_assert_int_eq(wait_counter("counters.injections.event", 1), 1);
	efd_signal(dev, 2);
	ck_assert_int_eq(wait_counter("counters.injections.event", 3), 3);
	ck_assert_ptr_nonnull(next_event("interrupt", WAIT_MS));
	ck_assert_ptr_nonnull(next_event("interrupt", WAIT_MS));
	ck_assert_int_eq(status_counter("counters.injections.effect"), 0);
	ck_assert_int_eq(status_counter("counters.injections.irqfd"), 0);
}
END_TEST

/* --- storm throttle (as QEMU's and KVM's IOAPICs apply it) ------------------------ */

START_TEST(test_storm_throttle)
{
	json_object *p;
	double t0, t_reply;
	uint64_t got, storm;
	int fd;

	chip_add("io0", NULL);
	fd = irqfd_add(11);
	rte_write("io0", 11, RTE_VEC(0x90) | RTE_LEVEL | RTE_DEST(1));
	check_no_effects(line_set("io0", 11, 1));
	ck_assert_uint_eq(efd_take(fd), 1);
	/* Re-deliveries count; an entry write and an EOI with the line low reset it. */
	for (int i = 0; i < 3; i++)
		check_no_effects(eoi(0x90));
	ck_assert_uint_eq(efd_take(fd), 3);
	ck_assert_int_eq(test_get_int(pin_state("io0", 11), "storm-count"), 3);
	reg_write("io0", IDX_RTE_LO(11), (uint32_t)(RTE_VEC(0x90) | RTE_LEVEL));
	ck_assert_int_eq(test_get_int(pin_state("io0", 11), "storm-count"), 0);
	check_no_effects(eoi(0x90));
	ck_assert_int_eq(test_get_int(pin_state("io0", 11), "storm-count"), 1);
	check_no_effects(line_set("io0", 11, 0));
	check_no_effects(eoi(0x90));
	ck_assert_int_eq(test_get_int(pin_state("io0", 11), "storm-count"), 0);
	ck_assert_uint_eq(efd_take(fd), 1);
	check_no_effects(line_set("io0", 11, 1));
	ck_assert_uint_eq(efd_take(fd), 1);
	/*
	 * The device never quiets: every EOI re-delivers, STORM_LIMIT times.
	 * Counted as it goes, so that the counter never holds more than 100
	 * (under cross-endian qemu-user it holds them byte-swapped: see
	 * test_efd_value).
	 */
	storm = 0;
	for (int i = 0; i < STORM_LIMIT; i++) {
		json_object *r = test_call_ok(C, "eoi", "{\"vector\": 144}", NULL, 0);

		json_object_put(r);
		if (i % 100 == 99)
			storm += efd_take(fd);
	}
	storm += efd_take(fd);
	ck_assert_uint_eq(storm, STORM_LIMIT);
	p = pin_state("io0", 11);
	ck_assert_int_eq(test_get_int(p, "storm-count"), STORM_LIMIT);
	ck_assert(!get_bool(p, "throttled"));
	ck_assert(get_bool(p, "remote-irr"));

	/* The next one is deferred by 10 ms. */
	t0 = now_ms_f();
	check_no_effects(eoi(0x90));
	got = efd_take(fd);
	p = pin_state("io0", 11);
	t_reply = now_ms_f();
	if (t_reply - t0 < STORM_DELAY_MS) {
		/* Still inside the delay (the usual case): nothing yet, throttled. */
		ck_assert_uint_eq(got, 0);
		ck_assert(get_bool(p, "throttled"));
		ck_assert(!get_bool(p, "remote-irr"));
		ck_assert_int_eq(test_get_int(p, "storm-count"), 0);
	}
	/* Whenever it came, it came no sooner than the delay after the EOI. */
	got += efd_wait(fd, 1 - got, WAIT_MS);
	ck_assert_msg(now_ms_f() - t0 >= STORM_DELAY_MS,
	    "throttled re-delivery after %.2f ms", now_ms_f() - t0);
	ck_assert_uint_eq(got, 1);
	p = pin_state("io0", 11);
	ck_assert(!get_bool(p, "throttled"));
	ck_assert(get_bool(p, "remote-irr"));
	ck_assert_int_eq(test_get_int(p, "storm-count"), 0);
	/* The count restarted: EOIs re-deliver at once again. */
	check_no_effects(eoi(0x90));
	ck_assert_uint_eq(efd_take(fd), 1);
	ck_assert_int_eq(test_get_int(pin_state("io0", 11), "storm-count"), 1);
	ck_assert_int_eq(status_counter("counters.injections.irqfd"), STORM_LIMIT + 3 + 5);
}
END_TEST

/* --- guest errors ---------------------------------------------------------------- */

static void
check_guest_error_event(const char *id, const char *kind, int64_t count)
{
	json_object *ev = next_event("guest-error", WAIT_MS), *d;

	ck_assert_msg(ev != NULL, "no guest-error event for %s", kind);
	d = test_get(ev, "data");
	ck_assert_str_eq(json_object_get_string(test_get(d, "id")), id);
	ck_assert_str_eq(json_object_get_string(test_get(d, "kind")), kind);
	ck_assert_int_gt(strlen(json_object_get_string(test_get(d, "message"))), 0);
	ck_assert_int_eq(test_get_int(d, "count"), count);
}

START_TEST(test_guest_errors)
{
	chip_add("io0", NULL);
	/* A 1-byte IOWIN access: dropped, reads 0. */
	mmio_write("io0", IOREGSEL, 4, IDX_VER);
	check_no_effects(mmio_write("io0", IOWIN, 1, 0x11));
	check_guest_error_event("io0", "bad-access-size", 1);
	ck_assert_uint_eq(mmio_read("io0", IOWIN, 1), 0);
	check_guest_error_event("io0", "bad-access-size", 2);
	/* An offset where no register is. */
	check_no_effects(mmio_write("io0", 0x20, 4, 1));
	check_guest_error_event("io0", "unknown-offset", 3);
	ck_assert_uint_eq(mmio_read("io0", 0x30, 4), 0);
	check_guest_error_event("io0", "unknown-offset", 4);
	/* A register index past the last entry (0x10 + 2 * 24 = 0x40). */
	ck_assert_uint_eq(reg_read("io0", 0x40), 0);
	check_guest_error_event("io0", "unknown-register", 5);
	/* VER is read-only. */
	reg_write("io0", IDX_VER, 0);
	check_guest_error_event("io0", "read-only-register", 6);
	ck_assert_uint_eq(reg_read("io0", IDX_VER), 0x00170020);

	ck_assert_int_eq(test_get_int(chip_query("io0"), "guest-errors"), 6);
	ck_assert_int_eq(test_get_int(test_get(call("query-chips", NULL), "chips"),
	    "0.guest-errors"), 6);
	ck_assert_int_eq(status_counter("counters.guest-errors"), 6);
	/* Guest errors are not protocol errors. */
	ck_assert_int_eq(status_counter("counters.errors"), 0);
}
END_TEST

START_TEST(test_guest_error_rate_limit)
{
	json_object *ev;
	int64_t t0, elapsed;
	unsigned events = 0;
	int64_t last_count = 0;
	FILE *f;
	char line[1024];
	unsigned logged = 0;

	chip_add("io0", NULL);
	t0 = test_now_ms();
	for (int i = 0; i < 100; i++) {
		json_object *r = test_call_ok(C, "mmio-write",
		    "{\"id\": \"io0\", \"offset\": 16, \"size\": 1, \"value\": 0}", NULL, 0);

		json_object_put(r);
	}
	elapsed = test_now_ms() - t0;
	/* The events precede the replies: all are queued by now. */
	while ((ev = next_event("guest-error", 0)) != NULL) {
		events++;
		ck_assert_int_gt(test_get_int(ev, "data.count"), last_count);
		last_count = test_get_int(ev, "data.count");
	}
	if (elapsed < 1000)
		ck_assert_uint_eq(events, 10);
	else
		ck_assert_uint_le(events, 10 * (unsigned)(elapsed / 1000 + 1));
	ck_assert_uint_ge(events, 1);
	ck_assert_int_eq(test_get_int(chip_query("io0"), "guest-errors"), 100);
	ck_assert_int_eq(status_counter("counters.guest-errors"), 100);
	/* The log is limited the same way. */
	f = fopen(D.log, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strstr(line, ": guest error ") != NULL)
			logged++;
	}
	fclose(f);
	ck_assert_uint_eq(logged, events);
	/* Still serving. */
	ck_assert_uint_eq(reg_read("io0", IDX_VER), 0x00170020);
}
END_TEST

/* --- client errors --------------------------------------------------------------- */

START_TEST(test_mmio_bounds)
{
	chip_add("io0", NULL);
	err("InvalidParameter", "mmio-write", "{\"id\": \"io0\", \"offset\": 4096, \"size\": 4, "
	    "\"value\": 0}");
	err("InvalidParameter", "mmio-read", "{\"id\": \"io0\", \"offset\": 4096, \"size\": 4}");
	err("InvalidParameter", "mmio-write", "{\"id\": \"io0\", \"offset\": 4092, \"size\": 8, "
	    "\"value\": 0}");
	err("InvalidParameter", "mmio-read", "{\"id\": \"io0\", \"offset\": 4092, \"size\": 8}");
	err("InvalidParameter", "mmio-write", "{\"id\": \"io0\", \"offset\": 0, \"size\": 3, "
	    "\"value\": 0}");
	err("InvalidParameter", "mmio-read", "{\"id\": \"io0\", \"offset\": 16, \"size\": 3}");
	err("InvalidParameter", "mmio-write", "{\"id\": \"io0\", \"offset\": 0, \"size\": 1, "
	    "\"value\": 256}");
	err("InvalidParameter", "mmio-write", "{\"id\": \"io0\", \"offset\": 16, \"size\": 4, "
	    "\"value\": 4294967296}");
	err("DeviceNotFound", "mmio-write", "{\"id\": \"io9\", \"offset\": 0, \"size\": 4, "
	    "\"value\": 0}");
	err("DeviceNotFound", "mmio-read", "{\"id\": \"io9\", \"offset\": 0, \"size\": 4}");
	err("DeviceNotFound", "line-set", "{\"id\": \"io9\", \"line\": 0, \"level\": 1}");
	ck_assert(test_contains(err("InvalidParameter", "line-set",
	    "{\"id\": \"io0\", \"line\": 24, \"level\": 1}"), "0..23"));
	ck_assert(test_contains(err("InvalidParameter", "line-pulse",
	    "{\"id\": \"io0\", \"line\": 24}"), "0..23"));
	/* The last valid bytes of the window are fine (and a guest error). */
	ck_assert_uint_eq(mmio_read("io0", 0xffc, 4), 0);
	check_no_effects(line_set("io0", 23, 1));
	/* The rejected writes changed nothing; only the last read was the guest's fault. */
	ck_assert_int_eq(test_get_int(chip_query("io0"), "ioregsel"), 0);
	ck_assert_int_eq(test_get_int(chip_query("io0"), "guest-errors"), 1);
	ck_assert_int_eq(status_counter("counters.errors-by-class.InvalidParameter"), 10);
	ck_assert_int_eq(status_counter("counters.errors-by-class.DeviceNotFound"), 3);
}
END_TEST

START_TEST(test_irqfd_errors)
{
	json_object *r;
	int fd, fd2;
	int64_t open_before;

	chip_add("io0", NULL);
	open_before = status_counter("open-fds");
	fd = irqfd_add(5);
	ck_assert_int_eq(status_counter("open-fds"), open_before + 1);
	fd2 = new_efd();
	ck_assert(test_contains(err_fds("AlreadyExists", "irqfd-add", &fd2, 1,
	    "{\"gsi\": 5, \"fd\": 0}"), "5"));
	ck_assert_int_eq(status_counter("open-fds"), open_before + 1);
	ck_assert_int_eq(status_counter("irqfds"), 1);
	err("DeviceNotFound", "irqfd-del", "{\"gsi\": 99}");
	/* Only eventfds, and GSIs KVM can route. */
	{
		int pfd[2];

		ck_assert_int_eq(pipe(pfd), 0);
		err_fds("InvalidFd", "irqfd-add", &pfd[0], 1, "{\"gsi\": 6, \"fd\": 0}");
		close(pfd[0]);
		close(pfd[1]);
	}
	err_fds("InvalidParameter", "irqfd-add", &fd2, 1, "{\"gsi\": 4096, \"fd\": 0}");
	ck_assert_int_eq(status_counter("irqfds"), 1);
	ck_assert_int_eq(status_counter("open-fds"), open_before + 1);
	/* The first one is the one in use. */
	rte_write("io0", 5, RTE_VEC(0x45));
	check_no_effects(line_pulse("io0", 5));
	ck_assert_uint_eq(efd_take(fd), 1);
	ck_assert_uint_eq(efd_take(fd2), 0);
	call("irqfd-del", "{\"gsi\": 5}");
	ck_assert_int_eq(status_counter("open-fds"), open_before);
	err("DeviceNotFound", "irqfd-del", "{\"gsi\": 5}");
	/* Without it, the interrupt comes back in the reply. */
	r = line_pulse("io0", 5);
	ck_assert_uint_eq(neffects(r), 1);
	check_signal_msi(r, 0, MSI_ADDR(0, 0, false), MSI_DATA(0x45, DM_FIXED, false));
	ck_assert_uint_eq(efd_take(fd), 0);
	/* And the GSI takes a new irqfd. */
	fd2 = irqfd_add(5);
	check_no_effects(line_pulse("io0", 5));
	ck_assert_uint_eq(efd_take(fd2), 1);
}
END_TEST

/* --- state ----------------------------------------------------------------------- */

#define SAVE_PIN1	(RTE_VEC(0x41) | RTE_DEST(1))
#define SAVE_PIN2	(RTE_VEC(0x42) | RTE_LEVEL | RTE_LOGICAL | RTE_DEST(0x02))
#define SAVE_PIN3	(RTE_VEC(0x43) | RTE_LEVEL | RTE_MASKED | RTE_DEST(3))
#define SAVE_PIN9	(RTE_VEC(0x49) | RTE_DELMOD(DM_LOWEST) | RTE_EXTDEST(2) | RTE_DEST(9))

/* Programs the chip the state tests save. */
static void
program_for_save(const char *id)
{
	json_object *r;

	rte_write(id, 1, SAVE_PIN1);
	rte_write(id, 2, SAVE_PIN2);
	rte_write(id, 3, SAVE_PIN3);
	rte_write(id, 9, SAVE_PIN9);
	reg_write(id, IDX_ID, 0x07000000);
	/* Asserted level line: Remote IRR set (delivered as signal-msi: no irqfd). */
	r = line_set(id, 2, 1);
	ck_assert_uint_eq(neffects(r), 1);
	check_signal_msi(r, 0, MSI_ADDR(2, 0, true), MSI_DATA(0x42, DM_FIXED, true));
	/* A masked level line held high. */
	check_no_effects(line_set(id, 3, 1));
	mmio_write(id, IOREGSEL, 4, IDX_RTE_HI(9));
}

/*
 * A load re-injects, as KVM_SET_IRQCHIP does: an unmasked level line that is
 * high with Remote IRR clear is delivered, after its route in the effects.
 */
START_TEST(test_load_delivers_pending)
{
	json_object *st, *r, *rte;
	size_t i, route_at = SIZE_MAX, signal_at = SIZE_MAX;

	chip_add("io0", NULL);
	rte_write("io0", 6, RTE_VEC(0x46) | RTE_LEVEL | RTE_MASKED);
	check_no_effects(line_set("io0", 6, 1));
	st = test_get(call("chip-save", "{\"id\": \"io0\"}"), "state");
	/* The saved machine had the entry unmasked while nothing took the interrupt. */
	rte = json_object_new_string("0x0000000000008046");
	json_object_object_add(test_get(st, "entries.6"), "rte", rte);
	r = call("chip-load", "{\"id\": \"io0\", \"state\": %s}", js(st));
	ck_assert_uint_eq(neffects(r), 25);
	for (i = 0; i < neffects(r); i++) {
		json_object *e = json_object_array_get_idx(effects_of(r), i), *b;

		if (json_object_object_get_ex(e, "route", &b) && test_get_int(b, "gsi") == 6)
			route_at = i;
		if (json_object_object_get_ex(e, "signal-msi", NULL))
			signal_at = i;
	}
	ck_assert_uint_ne(route_at, SIZE_MAX);
	ck_assert_uint_gt(signal_at, route_at);
	check_signal_msi(r, signal_at, MSI_ADDR(0, 0, false), MSI_DATA(0x46, DM_FIXED, true));
	ck_assert(get_bool(pin_state("io0", 6), "remote-irr"));
}
END_TEST

/* A route a re-announcement must contain. */
struct want_route {
	unsigned gsi;
	uint64_t address;
	uint32_t data;
};

/*
 * ret's effects re-announce all 24 pins of a chip at GSI 0, each once:
 * exactly the routes in want, an unroute for every other pin.
 */
static void
check_reannounced(json_object *ret, const struct want_route *want, size_t nwant)
{
	bool seen[24] = { false };

	ck_assert_uint_eq(neffects(ret), 24);
	for (size_t i = 0; i < 24; i++) {
		json_object *e = json_object_array_get_idx(effects_of(ret), i), *b;
		bool routed = json_object_object_get_ex(e, "route", &b);
		const struct want_route *w = NULL;
		int64_t gsi;

		gsi = test_get_int(routed ? b : effect(ret, i, "unroute"), "gsi");
		ck_assert(gsi >= 0 && gsi < 24 && !seen[gsi]);
		seen[gsi] = true;
		for (size_t k = 0; k < nwant; k++) {
			if (want[k].gsi == (unsigned)gsi)
				w = &want[k];
		}
		if (w != NULL)
			check_route(ret, i, w->gsi, w->address, w->data);
		else
			ck_assert_msg(!routed, "route for masked GSI %" PRId64, gsi);
	}
}

START_TEST(test_save_load)
{
	json_object *st, *saved_query, *r, *p;
	char *state_text, *query_text, *entries_text;
	int fd;

	chip_add("io0", NULL);
	program_for_save("io0");
	st = test_get(call("chip-save", "{\"id\": \"io0\"}"), "state");
	ck_assert_str_eq(json_object_get_string(test_get(st, "format")), "irqchipd-ioapic");
	ck_assert_int_eq(test_get_int(st, "version"), 2);
	ck_assert_uint_eq(json_object_array_length(test_get(st, "entries")), 24);
	ck_assert(test_get_int(st, "entries.2.rte") == (int64_t)(SAVE_PIN2 | RTE_REMOTE_IRR));
	ck_assert(test_get_int(st, "entries.1.rte") == (int64_t)SAVE_PIN1);
	state_text = keep_str(strdup(js(st)));
	saved_query = chip_query_state("io0");
	query_text = keep_str(strdup(js(saved_query)));
	entries_text = keep_str(strdup(js(test_get(saved_query, "entries"))));

	/* Another daemon: the same configuration, then the state. */
	irqchip_client_close(C);
	C = NULL;
	ck_assert_int_eq(test_daemon_stop(&D), 0);
	test_daemon_start(&D, NULL);
	C = test_connect(&D);
	chip_add("io0", NULL);
	ck_assert_str_ne(js(test_get(chip_query("io0"), "entries")), entries_text);
	r = call("chip-load", "{\"id\": \"io0\", \"state\": %s}", state_text);
	/* Every pin's route re-announced (QEMU 0f254b1ae0), once. */
	{
		static const struct want_route want[] = {
			{ 1, MSI_ADDR(1, 0, false), MSI_DATA(0x41, DM_FIXED, false) },
			{ 2, MSI_ADDR(2, 0, true), MSI_DATA(0x42, DM_FIXED, true) },
			{ 9, MSI_ADDR(9, 2, false), MSI_DATA(0x49, DM_LOWEST, false) },
		};

		check_reannounced(r, want, ARRAY_SIZE(want));
	}
	/* Decoded the same, field for field. */
	ck_assert_str_eq(js(chip_query_state("io0")), query_text);
	ck_assert_str_eq(js(test_get(call("chip-save", "{\"id\": \"io0\"}"), "state")),
	    state_text);
	ck_assert_uint_eq(rte_read("io0", 2), SAVE_PIN2 | RTE_REMOTE_IRR);
	ck_assert_uint_eq(reg_read("io0", IDX_ID), 0x07000000);

	/* And behaves the same: the line is still high, the EOI re-delivers. */
	fd = irqfd_add(2);
	check_no_effects(eoi(0x42));
	ck_assert_uint_eq(efd_take(fd), 1);
	p = pin_state("io0", 2);
	ck_assert(get_bool(p, "remote-irr"));
	check_no_effects(line_set("io0", 2, 0));
	check_no_effects(eoi(0x42));
	ck_assert_uint_eq(efd_take(fd), 0);
	ck_assert(!get_bool(pin_state("io0", 2), "remote-irr"));
	/* Pin 3's line came along: unmasking delivers. */
	r = reg_write("io0", IDX_RTE_LO(3), (uint32_t)(SAVE_PIN3 & ~RTE_MASKED));
	ck_assert_uint_eq(neffects(r), 2);
	check_signal_msi(r, 1, MSI_ADDR(3, 0, false), MSI_DATA(0x43, DM_FIXED, true));
}
END_TEST

/*
 * Migration of a level device (VFIO INTx): its assertion travels in the
 * state. The destination VMM wires the device again; the EOI must lower the
 * line and signal the resample fd exactly as on the source, not re-deliver.
 */
START_TEST(test_save_load_level_notifier)
{
	json_object *p;
	char *state_text;
	int irq, dev, rs, fds[2];

	chip_add("io0", NULL);
	irq = irqfd_add(10);
	dev = new_efd();
	rs = new_efd();
	fds[0] = dev;
	fds[1] = rs;
	rte_write("io0", 10, RTE_VEC(0x80) | RTE_LEVEL | RTE_DEST(1));
	call_fds("notifier-add", fds, 2, "{\"id\": \"io0\", \"line\": 10, \"fd\": 0, "
	    "\"mode\": \"level\", \"resample-fd\": 1}");
	efd_signal(dev, 1);
	ck_assert_uint_eq(efd_wait(irq, 1, WAIT_MS), 1);
	state_text = keep_str(strdup(js(test_get(call("chip-save", "{\"id\": \"io0\"}"),
	    "state"))));

	irqchip_client_close(C);
	C = NULL;
	ck_assert_int_eq(test_daemon_stop(&D), 0);
	test_daemon_start(&D, NULL);
	C = test_connect(&D);
	chip_add("io0", NULL);
	call("chip-load", "{\"id\": \"io0\", \"state\": %s}", state_text);
	irq = irqfd_add(10);
	call_fds("notifier-add", fds, 2, "{\"id\": \"io0\", \"line\": 10, \"fd\": 0, "
	    "\"mode\": \"level\", \"resample-fd\": 1}");
	p = pin_state("io0", 10);
	ck_assert(get_bool(p, "line"));
	ck_assert(get_bool(p, "remote-irr"));
	/* The EOI: lowered, resampled, not delivered again. */
	check_no_effects(eoi(0x80));
	ck_assert_uint_eq(efd_take(rs), 1);
	ck_assert_uint_eq(efd_take(irq), 0);
	p = pin_state("io0", 10);
	ck_assert(!get_bool(p, "line"));
	ck_assert(!get_bool(p, "remote-irr"));
	/* The device asks again: delivered once. */
	efd_signal(dev, 1);
	ck_assert_uint_eq(efd_wait(irq, 1, WAIT_MS), 1);
	check_no_effects(eoi(0x80));
	ck_assert_uint_eq(efd_take(rs), 1);
	ck_assert_uint_eq(efd_take(irq), 0);
}
END_TEST

/* Loads a corrupted copy of state: InvalidParameter, and the chip unchanged. */
static void
load_bad(const char *state_text, const char *key, const char *entry_key, json_object *value,
    const char *before)
{
	json_object *st = json_tokener_parse(state_text), *target = st;
	char *args;
	char *desc;

	ck_assert_ptr_nonnull(st);
	if (entry_key != NULL) {
		/* A valid change early, a bad one late: nothing may be applied. */
		json_object_object_add(json_object_array_get_idx(test_get(st, "entries"), 0), "rte",
		    json_object_new_string("0x0000000000000020"));
		target = json_object_array_get_idx(test_get(st, "entries"), 23);
		key = entry_key;
	}
	json_object_object_add(target, key, value);
	ck_assert_int_ge(asprintf(&args, "{\"id\": \"io0\", \"state\": %s}", js(st)), 0);
	desc = test_call_err(C, "chip-load", args, NULL, 0, "InvalidParameter");
	free(args);
	free(desc);
	json_object_put(st);
	ck_assert_str_eq(js(chip_query("io0")), before);
}

START_TEST(test_load_errors)
{
	const char *state_text, *before;
	json_object *st;

	chip_add("io0", NULL);
	program_for_save("io0");
	st = test_get(call("chip-save", "{\"id\": \"io0\"}"), "state");
	state_text = js(st);
	before = keep_str(strdup(js(chip_query("io0"))));

	load_bad(state_text, "format", NULL, json_object_new_string("qemu-ioapic"), before);
	load_bad(state_text, "version", NULL, json_object_new_int(3), before);
	load_bad(state_text, "version", NULL, json_object_new_int(0), before);
	/* Version 2 entries carry "route"; version 1 ones may not. */
	load_bad(state_text, "version", NULL, json_object_new_int(1), before);
	load_bad(state_text, NULL, "route", json_object_new_int(1), before);
	load_bad(state_text, NULL, "route", json_object_new_string("0xfee00000"), before);
	load_bad(state_text, "pins", NULL, json_object_new_int(16), before);
	load_bad(state_text, "base", NULL, json_object_new_string("0xfec10000"), before);
	load_bad(state_text, "gsi-base", NULL, json_object_new_int(24), before);
	load_bad(state_text, "ioapic-version", NULL, json_object_new_int(17), before);
	load_bad(state_text, "unknown-field", NULL, json_object_new_int(1), before);
	load_bad(state_text, NULL, "rte", json_object_new_string("0xZZ"), before);
	load_bad(state_text, NULL, "rte", json_object_new_string("garbage"), before);
	load_bad(state_text, NULL, "unknown-field", json_object_new_int(0), before);
	load_bad(state_text, NULL, "irr-vector", json_object_new_int(256), before);
	/* Remote IRR on an edge entry is not a state an IOAPIC can be in. */
	load_bad(state_text, NULL, "rte", json_object_new_string("0x0000000000004020"), before);
	err("InvalidParameter", "chip-load", "{\"id\": \"io0\", \"state\": 1}");
	err("DeviceNotFound", "chip-load", "{\"id\": \"io9\", \"state\": %s}", state_text);
	/* The unmodified state still loads. */
	call("chip-load", "{\"id\": \"io0\", \"state\": %s}", state_text);
	ck_assert_str_eq(js(chip_query("io0")), before);
}
END_TEST

START_TEST(test_chip_reset)
{
	json_object *r, *q, *p2;
	int fd;

	chip_add("io0", NULL);
	program_for_save("io0");
	fd = irqfd_add(2);
	/*
	 * Every entry becomes masked, and a masked entry's route is neither
	 * recomputed nor withdrawn: pin 2's level interrupt is in flight, and
	 * its EOI must still be able to exit to the VMM.
	 */
	r = call("chip-reset", "{\"id\": \"io0\"}");
	check_no_effects(r);
	p2 = pin_state("io0", 2);
	ck_assert(get_bool(p2, "routed"));
	ck_assert_int_eq(test_get_int(p2, "route-data"), MSI_DATA(0x42, DM_FIXED, true));
	check_no_effects(call("eoi", "{\"vector\": %d}", 0x42));
	q = chip_query("io0");
	ck_assert_int_eq(test_get_int(q, "id-register"), 0);
	ck_assert_int_eq(test_get_int(q, "ioregsel"), 0);
	for (unsigned pin = 0; pin < 24; pin++) {
		json_object *e = json_object_array_get_idx(test_get(q, "entries"), pin);

		ck_assert(get_bool(e, "masked"));
		ck_assert(!get_bool(e, "remote-irr"));
		ck_assert_uint_eq(rte_read("io0", pin), RTE_MASKED);
	}
	ck_assert_uint_eq(efd_take(fd), 0);
	/* The device still holds pin 2 high: unmasking delivers. */
	r = reg_write("io0", IDX_RTE_LO(2), (uint32_t)SAVE_PIN2);
	ck_assert_uint_eq(neffects(r), 2);
	check_route(r, 0, 2, MSI_ADDR(0, 0, true), MSI_DATA(0x42, DM_FIXED, true));
	check_signal_msi(r, 1, MSI_ADDR(0, 0, true), MSI_DATA(0x42, DM_FIXED, true));
	ck_assert_uint_eq(efd_take(fd), 0);
}
END_TEST

/* --- resume ---------------------------------------------------------------------- */

/* Connects, retrying while the daemon still serves the previous client. */
static struct irqchip_client *
connect_retry(void)
{
	int64_t deadline = test_now_ms() + WAIT_MS;
	struct irqchip_client *c = NULL;
	char *cause = NULL;
	int rc;

	for (;;) {
		rc = irqchip_client_connect(D.sock, &c, &cause);
		if (rc == 0)
			return c;
		ck_assert_msg(rc == -ECONNREFUSED && test_contains(cause, "another client") &&
		    test_now_ms() < deadline, "connect: %s", cause);
		free(cause);
		cause = NULL;
		test_sleep_ms(2);
	}
}

START_TEST(test_resume)
{
	json_object *g, *ret = NULL, *r;
	char *token, *cause = NULL;
	int rc;

	chip_add("io0", NULL);
	irqfd_add(4);
	rte_write("io0", 4, RTE_VEC(0x34) | RTE_DEST(5));
	rte_write("io0", 8, RTE_VEC(0x38) | RTE_LEVEL | RTE_LOGICAL | RTE_DEST(1));
	rte_write("io0", 9, RTE_VEC(0x39) | RTE_MASKED);
	token = keep_str(strdup(json_object_get_string(test_get(irqchip_client_greeting(C),
	    "session"))));
	irqchip_client_close(C);
	C = connect_retry();
	g = irqchip_client_greeting(C);
	ck_assert(get_bool(g, "resumable"));
	ck_assert_str_eq(json_object_get_string(test_get(g, "session")), token);
	/* The kept state belongs to whoever has the token. */
	err("SessionError", "negotiate", "{}");
	err("SessionError", "negotiate", "{\"resume\": \"0123\"}");
	rc = irqchip_client_negotiate(C, NULL, token, &ret, &cause);
	ck_assert_msg(rc == 0, "negotiate: %s", cause);
	keep(ret);
	ck_assert(get_bool(ret, "resumed"));
	/* The new client's routing table is rebuilt: every pin, once. */
	{
		static const struct want_route want[] = {
			{ 4, MSI_ADDR(5, 0, false), MSI_DATA(0x34, DM_FIXED, false) },
			{ 8, MSI_ADDR(1, 0, true), MSI_DATA(0x38, DM_FIXED, true) },
		};

		check_reannounced(ret, want, ARRAY_SIZE(want));
	}
	/* The old client's fds went with it; the chip stayed. */
	ck_assert_int_eq(status_counter("irqfds"), 0);
	ck_assert_int_eq(test_get_int(pin_state("io0", 8), "vector"), 0x38);
	r = line_pulse("io0", 4);
	ck_assert_uint_eq(neffects(r), 1);
	check_signal_msi(r, 0, MSI_ADDR(5, 0, false), MSI_DATA(0x34, DM_FIXED, false));
}
END_TEST

/*
 * A disconnect closes the client's device eventfds: like notifier-del (and
 * KVM's irqfd_resampler_shutdown), the unplugged device's level goes too,
 * or the pin would stay high with nothing left to lower it.
 */
START_TEST(test_disconnect_deasserts)
{
	json_object *ret = NULL, *p;
	char *token, *cause = NULL;
	int irq, dev, rs, fds[2], rc;

	chip_add("io0", NULL);
	irq = irqfd_add(10);
	dev = new_efd();
	rs = new_efd();
	fds[0] = dev;
	fds[1] = rs;
	rte_write("io0", 10, RTE_VEC(0x80) | RTE_LEVEL | RTE_DEST(1));
	call_fds("notifier-add", fds, 2, "{\"id\": \"io0\", \"line\": 10, \"fd\": 0, "
	    "\"mode\": \"level\", \"resample-fd\": 1}");
	efd_signal(dev, 1);
	ck_assert_uint_eq(efd_wait(irq, 1, WAIT_MS), 1);
	ck_assert(get_bool(pin_state("io0", 10), "line"));
	token = keep_str(strdup(json_object_get_string(test_get(irqchip_client_greeting(C),
	    "session"))));
	irqchip_client_close(C);
	C = connect_retry();
	rc = irqchip_client_negotiate(C, NULL, token, &ret, &cause);
	ck_assert_msg(rc == 0, "negotiate: %s", cause);
	keep(ret);
	ck_assert_int_eq(status_counter("notifiers"), 0);
	p = pin_state("io0", 10);
	ck_assert(!get_bool(p, "line"));
	ck_assert_int_eq(test_get_int(p, "sources"), 0);
	/* The interrupt in flight is still EOIed, and not delivered again. */
	ck_assert(get_bool(p, "remote-irr"));
	check_no_effects(eoi(0x80));
	ck_assert(!get_bool(pin_state("io0", 10), "remote-irr"));
	/* The VMM wires the device again; it works as before. */
	irq = irqfd_add(10);
	call_fds("notifier-add", fds, 2, "{\"id\": \"io0\", \"line\": 10, \"fd\": 0, "
	    "\"mode\": \"level\", \"resample-fd\": 1}");
	efd_take(rs);
	efd_signal(dev, 1);
	ck_assert_uint_eq(efd_wait(irq, 1, WAIT_MS), 1);
	check_no_effects(eoi(0x80));
	ck_assert_uint_eq(efd_take(rs), 1);
	ck_assert_uint_eq(efd_take(irq), 0);
	ck_assert(!get_bool(pin_state("io0", 10), "line"));
}
END_TEST

/*
 * Guest RAM and state in a memfd, against the daemon as it runs (under its
 * seccomp filter): memory-add maps a sealed memfd, chip-save writes into one
 * and chip-load reads it back, memory-del unmaps. A system call the filter
 * lacks would kill the daemon here.
 */
START_TEST(test_memfds_in_the_daemon)
{
	int ram = memfd_create("ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int st = memfd_create("state", MFD_CLOEXEC);
	json_object *r;
	char buf[64];

	ck_assert(ram >= 0 && st >= 0);
	ck_assert_int_eq(ftruncate(ram, 1 << 20), 0);
	ck_assert_int_eq(fcntl(ram, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	call_fds("memory-add", &ram, 1, "{\"gpa\": 1073741824, \"size\": 1048576, \"fd\": 0}");
	close(ram);
	ck_assert_int_eq(status_counter("memory-regions"), 1);
	chip_add("io0", NULL);
	rte_write("io0", 3, RTE_VEC(0x33) | RTE_LEVEL | RTE_DEST(1));
	r = call_fds("chip-save", &st, 1, "{\"id\": \"io0\", \"fd\": 0}");
	ck_assert_int_gt(test_get_int(r, "size"), 0);
	ck_assert_int_eq(pread(st, buf, 10, 0), 10);
	ck_assert(memcmp(buf, "{\"format\":", 10) == 0);
	call("chip-reset", "{\"id\": \"io0\"}");
	call_fds("chip-load", &st, 1, "{\"id\": \"io0\", \"fd\": 0}");
	ck_assert_uint_eq(rte_read("io0", 3) & 0xff, 0x33);
	close(st);
	call("memory-del", "{\"gpa\": 1073741824}");
	ck_assert_int_eq(status_counter("memory-regions"), 0);
}
END_TEST

static Suite *
integration_suite(void)
{
	Suite *s = suite_create("integration");
	TCase *tc;

	tc = tcase_create("config");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_chip_add_defaults);
	tcase_add_test(tc, test_chip_add_custom);
	tcase_add_test(tc, test_chip_add_errors);
	tcase_add_test(tc, test_route_mirroring);
	tcase_add_test(tc, test_chip_del_unroutes);
	suite_add_tcase(s, tc);

	tc = tcase_create("injection");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_edge_irqfd);
	tcase_add_test(tc, test_edge_no_irqfd);
	tcase_add_test(tc, test_route_then_signal_msi);
	tcase_add_test(tc, test_irqfd_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("level");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_level_semantics);
	tcase_add_test(tc, test_masked_edge_dropped);
	tcase_add_test(tc, test_unmask_asserted_level);
	tcase_add_test(tc, test_edge_clears_remote_irr);
	tcase_add_test(tc, test_reprogram_in_flight);
	tcase_add_test(tc, test_mask_in_flight);
	tcase_add_test(tc, test_eoi_register_resample);
	tcase_add_test(tc, test_in_flight_paths_keep_route);
	tcase_add_test(tc, test_load_v1_in_flight);
	tcase_add_test(tc, test_pin_counters);
	tcase_add_test(tc, test_debug_log);
	tcase_add_test(tc, test_eoi_register);
	suite_add_tcase(s, tc);

	tc = tcase_create("notifiers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_notifier_edge);
	tcase_add_test(tc, test_notifier_level_resample);
	tcase_add_test(tc, test_notifier_errors);
	tcase_add_test(tc, test_notifier_del);
	tcase_add_test(tc, test_interrupt_event);
	suite_add_tcase(s, tc);

	tc = tcase_create("storm");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_storm_throttle);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_guest_errors);
	tcase_add_test(tc, test_guest_error_rate_limit);
	tcase_add_test(tc, test_mmio_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("state");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_save_load);
	tcase_add_test(tc, test_memfds_in_the_daemon);
	tcase_add_test(tc, test_load_delivers_pending);
	tcase_add_test(tc, test_save_load_level_notifier);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_chip_reset);
	tcase_add_test(tc, test_resume);
	tcase_add_test(tc, test_disconnect_deasserts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_main(integration_suite());
}

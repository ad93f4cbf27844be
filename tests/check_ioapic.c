/*
 * Unit suite for emul/ioapic: the 82093AA state machine against the datasheet
 * and the KVM API document (the route) and Intel SDM vol. 3 11.11 (the MSI
 * format). The
 * expected values are written from the specification, with the test's own
 * field definitions, not from ioapic_internal.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "compiler.h"
#include "ioapic/ioapic.h"
#include "ioapic-bits.h"

#define LOG_MAX		64

struct delivery {
	unsigned	pin;
	uint64_t	address;
	uint32_t	data;
};

struct route {
	unsigned	count;
	bool		present;
	uint64_t	address;
	uint32_t	data;
};

/* Records every output of one IOAPIC; a few knobs drive its answers. */
struct recorder {
	struct ioapic	*io;

	bool		 accept;	/* deliver's return value */
	int		 resample_deassert; /* source resample drops, or -1 */
	bool		 resample_rewrite; /* resample does level/edge/level */
	unsigned	 eoi_in_deliver; /* deliveries that EOI synchronously */

	unsigned	 ndeliver;
	struct delivery	 deliver[LOG_MAX];
	struct delivery	 last;

	unsigned	 nroute;
	struct route	 route[IOAPIC_MAX_PINS];

	unsigned	 nresample;
	unsigned	 resample_pin[LOG_MAX];
	unsigned	 ndeliver_at_resample;
	bool		 remote_irr_at_resample;

	unsigned	 nschedule;
	unsigned	 schedule_pin;
	uint64_t	 schedule_delay;

	unsigned	 nerror;
	char		 error_kind[64];
};

static struct recorder	 rec;
static struct ioapic	*io;

static void
mmio_w(struct ioapic *a, uint64_t offset, unsigned size, uint64_t value)
{
	ck_assert_int_eq(ioapic_mmio_write(a, offset, size, value), 0);
}

static uint64_t
mmio_r(struct ioapic *a, uint64_t offset, unsigned size)
{
	uint64_t	value = 0xdeadbeef;

	ck_assert_int_eq(ioapic_mmio_read(a, offset, size, &value), 0);
	return value;
}

static uint64_t
state_rte(struct ioapic *a, unsigned pin)
{
	struct ioapic_state	st;

	ioapic_get_state(a, &st);
	return st.pin[pin].rte;
}

static bool
rec_deliver(void *opaque, unsigned pin, const struct ioapic_msi *msg)
{
	struct recorder	*r = opaque;
	struct delivery	 d = { pin, msg->address, msg->data };

	if (r->ndeliver < LOG_MAX)
		r->deliver[r->ndeliver] = d;
	r->ndeliver++;
	r->last = d;
	if (r->eoi_in_deliver > 0) {
		r->eoi_in_deliver--;
		ioapic_eoi(r->io, (uint8_t)(msg->data & 0xff));
	}
	return r->accept;
}

static void
rec_route(void *opaque, unsigned pin, const struct ioapic_msi *msg)
{
	struct recorder	*r = opaque;

	ck_assert_uint_lt(pin, IOAPIC_MAX_PINS);
	r->nroute++;
	r->route[pin].count++;
	r->route[pin].present = msg != NULL;
	r->route[pin].address = msg != NULL ? msg->address : 0;
	r->route[pin].data = msg != NULL ? msg->data : 0;
}

static void
rec_resample(void *opaque, unsigned pin)
{
	struct recorder	*r = opaque;

	if (r->nresample < LOG_MAX)
		r->resample_pin[r->nresample] = pin;
	r->nresample++;
	r->ndeliver_at_resample = r->ndeliver;
	r->remote_irr_at_resample =
	    (state_rte(r->io, pin) & RTE_REMOTE_IRR) != 0;
	/* What the daemon does for a resample source (KVM irqfd resample). */
	if (r->resample_deassert >= 0) {
		ck_assert_int_eq(ioapic_set_irq(r->io, pin,
		    (unsigned)r->resample_deassert, false), 0);
	}
	/* A handler rewriting its entry (Linux __eoi_ioapic_pin), re-entrant. */
	if (r->resample_rewrite) {
		uint64_t	rte = state_rte(r->io, pin);
		uint32_t	lo = (uint32_t)rte & ~(uint32_t)RTE_REMOTE_IRR;

		mmio_w(r->io, IOREGSEL, 4, IDX_RTE_LO(pin));
		mmio_w(r->io, IOWIN, 4, lo & ~(uint32_t)RTE_LEVEL);
		mmio_w(r->io, IOWIN, 4, lo);
	}
}

static void
rec_schedule(void *opaque, unsigned pin, uint64_t delay_ns)
{
	struct recorder	*r = opaque;

	r->nschedule++;
	r->schedule_pin = pin;
	r->schedule_delay = delay_ns;
}

static void
rec_guest_error(void *opaque, const char *kind, const char *msg)
{
	struct recorder	*r = opaque;

	ck_assert_ptr_nonnull(kind);
	ck_assert_ptr_nonnull(msg);
	ck_assert_uint_gt(strlen(msg), 0);
	r->nerror++;
	strncpy(r->error_kind, kind, sizeof r->error_kind - 1);
}

static const struct ioapic_ops rec_ops = {
	.deliver = rec_deliver,
	.route = rec_route,
	.resample = rec_resample,
	.schedule = rec_schedule,
	.guest_error = rec_guest_error,
};

static void
rec_init(struct recorder *r)
{
	memset(r, 0, sizeof *r);
	r->accept = true;
	r->resample_deassert = -1;
}

/* Forget what was recorded, keep the knobs. */
static void
rec_clear(struct recorder *r)
{
	struct ioapic	*a = r->io;
	bool		 accept = r->accept;
	int		 deassert = r->resample_deassert;
	bool		 rewrite = r->resample_rewrite;

	rec_init(r);
	r->io = a;
	r->accept = accept;
	r->resample_deassert = deassert;
	r->resample_rewrite = rewrite;
}

static struct ioapic *
chip_new(unsigned pins, uint8_t version, struct recorder *r)
{
	struct ioapic_config	cfg = { .pins = pins, .version = version };
	struct ioapic		*a;

	rec_init(r);
	a = ioapic_create(&cfg, &rec_ops, r);
	ck_assert_ptr_nonnull(a);
	r->io = a;
	return a;
}

static void
setup(void)
{
	io = chip_new(IOAPIC_DEFAULT_PINS, IOAPIC_VERSION_82093AA, &rec);
}

static void
teardown(void)
{
	ioapic_destroy(io);
	io = NULL;
}

static void
reg_write(struct ioapic *a, unsigned index, uint32_t value)
{
	mmio_w(a, IOREGSEL, 4, index);
	mmio_w(a, IOWIN, 4, value);
}

static uint32_t
reg_read(struct ioapic *a, unsigned index)
{
	mmio_w(a, IOREGSEL, 4, index);
	return (uint32_t)mmio_r(a, IOWIN, 4);
}

/* High dword first, then low, as Linux's __ioapic_write_entry does. */
static void
rte_write(struct ioapic *a, unsigned pin, uint64_t rte)
{
	reg_write(a, IDX_RTE_HI(pin), (uint32_t)(rte >> 32));
	reg_write(a, IDX_RTE_LO(pin), (uint32_t)rte);
}

static uint64_t
rte_read(struct ioapic *a, unsigned pin)
{
	uint64_t	lo = reg_read(a, IDX_RTE_LO(pin));

	return (uint64_t)reg_read(a, IDX_RTE_HI(pin)) << 32 | lo;
}

static uint64_t
level_entry(uint8_t vector, uint8_t dest)
{
	return RTE_DEST(dest) | RTE_LEVEL | vector;
}

static uint64_t
edge_entry(uint8_t vector, uint8_t dest)
{
	return RTE_DEST(dest) | vector;
}

static bool
remote_irr(struct ioapic *a, unsigned pin)
{
	return (rte_read(a, pin) & RTE_REMOTE_IRR) != 0;
}

/* Pin with a level entry (vector, dest 1) whose line is high and in flight. */
static void
level_in_flight(unsigned pin, uint8_t vector)
{
	rte_write(io, pin, level_entry(vector, 1));
	ck_assert_int_eq(ioapic_set_irq(io, pin, 0, true), 0);
	ck_assert(remote_irr(io, pin));
	rec_clear(&rec);
}

static void
check_delivery(const struct delivery *d, unsigned pin, uint64_t address,
    uint32_t data)
{
	ck_assert_uint_eq(d->pin, pin);
	ck_assert_uint_eq(d->address, address);
	ck_assert_uint_eq(d->data, data);
}

/*
 * Writing rte to pin 5 must end with exactly this route: announced once from
 * a masked entry (its high dword changes no route), twice from an unmasked one.
 */
static void
check_route(uint64_t rte, uint64_t address, uint32_t data)
{
	bool	was_masked = (rte_read(io, 5) & RTE_MASKED) != 0;

	rec_clear(&rec);
	rte_write(io, 5, rte);
	ck_assert_uint_eq(rec.route[5].count, was_masked ? 1 : 2);
	ck_assert(rec.route[5].present);
	ck_assert_uint_eq(rec.route[5].address, address);
	ck_assert_uint_eq(rec.route[5].data, data);
	ck_assert_uint_eq(rec.nerror, 0);
}

static void
state_check_eq(const struct ioapic_state *a, const struct ioapic_state *b)
{
	unsigned	pin;

	ck_assert_uint_eq(a->id, b->id);
	ck_assert_uint_eq(a->ioregsel, b->ioregsel);
	ck_assert_uint_eq(a->version, b->version);
	ck_assert_uint_eq(a->pins, b->pins);
	for (pin = 0; pin < a->pins; pin++) {
		ck_assert_uint_eq(a->pin[pin].rte, b->pin[pin].rte);
		ck_assert_uint_eq(a->pin[pin].sources, b->pin[pin].sources);
		ck_assert_uint_eq(a->pin[pin].irr_vector,
		    b->pin[pin].irr_vector);
		ck_assert_uint_eq(a->pin[pin].storm_count,
		    b->pin[pin].storm_count);
		ck_assert_int_eq(a->pin[pin].throttled, b->pin[pin].throttled);
	}
}

/* EOI vector n times; each must re-deliver pin. */
static void
eoi_redeliver_n(struct ioapic *a, struct recorder *r, unsigned pin,
    uint8_t vector, unsigned n)
{
	unsigned	i, before, scheduled = r->nschedule;

	for (i = 0; i < n; i++) {
		before = r->ndeliver;
		ioapic_eoi(a, vector);
		ck_assert_uint_eq(r->ndeliver, before + 1);
		ck_assert_uint_eq(r->last.pin, pin);
	}
	ck_assert_uint_eq(r->nschedule, scheduled);
}

/* --- reset values and identification registers (82093AA datasheet 3.1, 3.2) --- */

START_TEST(test_reset_values_0x11)
{
	unsigned	pin;

	ck_assert_uint_eq(ioapic_pins(io), 24);
	ck_assert_uint_eq(reg_read(io, IDX_VER), 0x00170011);
	ck_assert_uint_eq(reg_read(io, IDX_ID), 0);
	ck_assert_uint_eq(reg_read(io, IDX_ARB), 0);
	for (pin = 0; pin < 24; pin++) {
		ck_assert_uint_eq(reg_read(io, IDX_RTE_LO(pin)), 0x00010000);
		ck_assert_uint_eq(reg_read(io, IDX_RTE_HI(pin)), 0);
	}
	mmio_w(io, IOREGSEL, 4, 0);
	ck_assert_uint_eq(rec.nerror, 0);
	ck_assert_uint_eq(rec.ndeliver + rec.nroute + rec.nschedule, 0);
}
END_TEST

START_TEST(test_reset_values_0x20)
{
	struct recorder	 r;
	struct ioapic	*a = chip_new(24, IOAPIC_VERSION_EOI, &r);

	ck_assert_uint_eq(reg_read(a, IDX_VER), 0x00170020);
	ck_assert_uint_eq(reg_read(a, IDX_ID), 0);
	ck_assert_uint_eq(rte_read(a, 23), RTE_RESET);
	ioapic_destroy(a);
}
END_TEST

START_TEST(test_version_pin_counts)
{
	static const struct {
		unsigned	pins;
		uint8_t		version;
		uint32_t	ver;
	} t[] = {
		{ 1, IOAPIC_VERSION_82093AA, 0x00000011 },
		{ 8, IOAPIC_VERSION_EOI, 0x00070020 },
		{ 48, IOAPIC_VERSION_82093AA, 0x002f0011 },
		{ 120, IOAPIC_VERSION_EOI, 0x00770020 },
	};
	struct recorder	 r;
	struct ioapic	*a;
	size_t		 i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		a = chip_new(t[i].pins, t[i].version, &r);
		ck_assert_uint_eq(ioapic_pins(a), t[i].pins);
		ck_assert_uint_eq(reg_read(a, IDX_VER), t[i].ver);
		ck_assert_uint_eq(rte_read(a, t[i].pins - 1), RTE_RESET);
		ioapic_destroy(a);
	}
}
END_TEST

START_TEST(test_id_writable_bits)
{
	reg_write(io, IDX_ID, 0xffffffff);
	ck_assert_uint_eq(reg_read(io, IDX_ID), 0x0f000000);
	ck_assert_uint_eq(reg_read(io, IDX_ARB), 0x0f000000);
	reg_write(io, IDX_ID, 0x05000000);
	ck_assert_uint_eq(reg_read(io, IDX_ID), 0x05000000);
	ck_assert_uint_eq(reg_read(io, IDX_ARB), 0x05000000);
	reg_write(io, IDX_ID, 0x00ffffff);
	ck_assert_uint_eq(reg_read(io, IDX_ID), 0);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_ver_arb_read_only)
{
	reg_write(io, IDX_ID, 0x03000000);
	reg_write(io, IDX_VER, 0xffffffff);
	ck_assert_uint_eq(rec.nerror, 1);
	ck_assert_str_eq(rec.error_kind, "read-only-register");
	reg_write(io, IDX_ARB, 0x0f000000);
	ck_assert_uint_eq(rec.nerror, 2);
	ck_assert_uint_eq(reg_read(io, IDX_VER), 0x00170011);
	ck_assert_uint_eq(reg_read(io, IDX_ARB), 0x03000000);
	ck_assert_uint_eq(reg_read(io, IDX_ID), 0x03000000);
}
END_TEST

/* --- access sizes and offsets (82093AA datasheet 3.1; where QEMU and KVM differ) --- */

START_TEST(test_ioregsel_access_sizes)
{
	mmio_w(io, IOREGSEL, 1, 0x12);
	ck_assert_uint_eq(mmio_r(io, IOREGSEL, 4), 0x12);
	mmio_w(io, IOREGSEL, 2, 0xab34);
	ck_assert_uint_eq(mmio_r(io, IOREGSEL, 1), 0x34);
	ck_assert_uint_eq(mmio_r(io, IOREGSEL, 2), 0x34);
	mmio_w(io, IOREGSEL, 4, 0xffffff01);
	ck_assert_uint_eq(mmio_r(io, IOREGSEL, 4), 0x01);
	ck_assert_uint_eq(mmio_r(io, IOWIN, 4), 0x00170011);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_ioregsel_8byte)
{
	mmio_w(io, IOREGSEL, 4, 0x10);
	mmio_w(io, IOREGSEL, 8, 0x01);
	ck_assert_uint_eq(rec.nerror, 1);
	ck_assert_str_eq(rec.error_kind, "bad-access-size");
	ck_assert_uint_eq(mmio_r(io, IOREGSEL, 8), 0);
	ck_assert_uint_eq(rec.nerror, 2);
	ck_assert_uint_eq(mmio_r(io, IOREGSEL, 4), 0x10);
}
END_TEST

START_TEST(test_iowin_bad_sizes)
{
	static const unsigned	sizes[] = { 1, 2, 8 };
	size_t			i;

	mmio_w(io, IOREGSEL, 4, IDX_RTE_LO(0));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		rec_clear(&rec);
		/* Would unmask the entry if it were taken. */
		mmio_w(io, IOWIN, sizes[i], 0x31);
		ck_assert_uint_eq(rec.nerror, 1);
		ck_assert_str_eq(rec.error_kind, "bad-access-size");
		ck_assert_uint_eq(rec.nroute, 0);
		ck_assert_uint_eq(mmio_r(io, IOWIN, sizes[i]), 0);
		ck_assert_uint_eq(rec.nerror, 2);
		ck_assert_str_eq(rec.error_kind, "bad-access-size");
	}
	ck_assert_uint_eq(mmio_r(io, IOWIN, 4), RTE_RESET);
}
END_TEST

START_TEST(test_unknown_offsets)
{
	static const uint64_t	offsets[] = { 0x01, 0x04, 0x08, 0x11, 0x14,
	    0x20, 0x30, 0x40, 0x100, 0xffc };
	size_t			i;

	mmio_w(io, IOREGSEL, 4, IDX_RTE_LO(0));
	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		rec_clear(&rec);
		ck_assert_uint_eq(mmio_r(io, offsets[i], 4), 0);
		ck_assert_uint_eq(rec.nerror, 1);
		ck_assert_str_eq(rec.error_kind, "unknown-offset");
		mmio_w(io, offsets[i], 4, 0);
		ck_assert_uint_eq(rec.nerror, 2);
		ck_assert_str_eq(rec.error_kind, "unknown-offset");
		ck_assert_uint_eq(rec.nroute, 0);
	}
	ck_assert_uint_eq(mmio_r(io, IOREGSEL, 4), IDX_RTE_LO(0));
	ck_assert_uint_eq(mmio_r(io, IOWIN, 4), RTE_RESET);
}
END_TEST

START_TEST(test_unknown_index)
{
	static const unsigned	indexes[] = { 0x03, 0x0f, IDX_RTE_LO(24),
	    IDX_RTE_HI(24), 0x80, 0xff };
	struct ioapic_state	before, after;
	size_t			i;

	ioapic_get_state(io, &before);
	for (i = 0; i < ARRAY_SIZE(indexes); i++) {
		rec_clear(&rec);
		ck_assert_uint_eq(reg_read(io, indexes[i]), 0);
		ck_assert_uint_eq(rec.nerror, 1);
		ck_assert_str_eq(rec.error_kind, "unknown-register");
		reg_write(io, indexes[i], 0);
		ck_assert_uint_eq(rec.nerror, 2);
		ck_assert_str_eq(rec.error_kind, "unknown-register");
		ck_assert_uint_eq(rec.nroute, 0);
	}
	mmio_w(io, IOREGSEL, 4, 0);
	ioapic_get_state(io, &after);
	state_check_eq(&before, &after);
}
END_TEST

START_TEST(test_mmio_einval)
{
	uint64_t	v;

	mmio_w(io, IOREGSEL, 4, 0x10);
	rec_clear(&rec);
	ck_assert_int_eq(ioapic_mmio_read(io, IOAPIC_WINDOW_SIZE, 4, &v),
	    -EINVAL);
	ck_assert_int_eq(ioapic_mmio_write(io, IOAPIC_WINDOW_SIZE, 4, 0),
	    -EINVAL);
	ck_assert_int_eq(ioapic_mmio_write(io, UINT64_MAX, 1, 0), -EINVAL);
	ck_assert_int_eq(ioapic_mmio_read(io, UINT64_MAX - 3, 4, &v), -EINVAL);
	ck_assert_int_eq(ioapic_mmio_write(io, IOAPIC_WINDOW_SIZE - 4, 8, 0),
	    -EINVAL);
	ck_assert_int_eq(ioapic_mmio_write(io, IOREGSEL, 3, 0), -EINVAL);
	ck_assert_int_eq(ioapic_mmio_read(io, IOWIN, 3, &v), -EINVAL);
	ck_assert_int_eq(ioapic_mmio_write(io, IOWIN, 0, 0), -EINVAL);
	ck_assert_int_eq(ioapic_mmio_write(io, IOWIN, 16, 0), -EINVAL);
	ck_assert_int_eq(ioapic_mmio_read(io, IOWIN, 5, &v), -EINVAL);
	ck_assert_uint_eq(rec.nerror + rec.nroute + rec.ndeliver, 0);
	ck_assert_uint_eq(mmio_r(io, IOREGSEL, 4), 0x10);
	ck_assert_uint_eq(mmio_r(io, IOWIN, 4), RTE_RESET);
}
END_TEST

START_TEST(test_eoi_register_absent_0x11)
{
	level_in_flight(4, 0x44);
	mmio_w(io, EOIR, 4, 0x44);
	ck_assert_uint_eq(rec.nerror, 1);
	ck_assert_str_eq(rec.error_kind, "unknown-offset");
	ck_assert_uint_eq(rec.nresample + rec.ndeliver, 0);
	ck_assert(remote_irr(io, 4));
}
END_TEST

START_TEST(test_eoi_register_0x20)
{
	struct recorder	 r;
	struct ioapic	*a = chip_new(24, IOAPIC_VERSION_EOI, &r);

	rte_write(a, 4, level_entry(0x44, 2));
	ck_assert_int_eq(ioapic_set_irq(a, 4, 0, true), 0);
	ck_assert_uint_eq(r.ndeliver, 1);
	ck_assert(remote_irr(a, 4));

	/* Wrong size: a guest error, no EOI. */
	mmio_w(a, EOIR, 1, 0x44);
	ck_assert_uint_eq(r.nerror, 1);
	ck_assert_str_eq(r.error_kind, "bad-access-size");
	ck_assert(remote_irr(a, 4));

	/* Other vector: nothing. */
	mmio_w(a, EOIR, 4, 0x45);
	ck_assert_uint_eq(r.nresample, 0);
	ck_assert(remote_irr(a, 4));

	/* Line low: Remote IRR cleared, no re-delivery. */
	ck_assert_int_eq(ioapic_set_irq(a, 4, 0, false), 0);
	mmio_w(a, EOIR, 4, 0x44);
	ck_assert_uint_eq(r.nresample, 1);
	ck_assert(!remote_irr(a, 4));
	ck_assert_uint_eq(r.ndeliver, 1);

	/* Line high: re-delivered. */
	ck_assert_int_eq(ioapic_set_irq(a, 4, 0, true), 0);
	ck_assert_uint_eq(r.ndeliver, 2);
	mmio_w(a, EOIR, 4, 0x44);
	ck_assert_uint_eq(r.ndeliver, 3);
	check_delivery(&r.last, 4, 0xfee02000, 0x8044);
	ck_assert(remote_irr(a, 4));

	/* EOIR is write-only. */
	ck_assert_uint_eq(mmio_r(a, EOIR, 4), 0);
	ck_assert_uint_eq(r.nerror, 2);
	ioapic_destroy(a);
}
END_TEST

START_TEST(test_eoi_register_only_this_chip)
{
	struct recorder	 ra, rb;
	struct ioapic	*a = chip_new(24, IOAPIC_VERSION_EOI, &ra);
	struct ioapic	*b = chip_new(24, IOAPIC_VERSION_EOI, &rb);

	rte_write(a, 1, level_entry(0x50, 0));
	rte_write(b, 1, level_entry(0x50, 0));
	ck_assert_int_eq(ioapic_set_irq(a, 1, 0, true), 0);
	ck_assert_int_eq(ioapic_set_irq(b, 1, 0, true), 0);
	mmio_w(a, EOIR, 4, 0x50);
	ck_assert_uint_eq(ra.nresample, 1);
	ck_assert_uint_eq(rb.nresample, 0);
	ck_assert_uint_eq(ra.ndeliver, 2);
	ck_assert_uint_eq(rb.ndeliver, 1);
	ck_assert(remote_irr(b, 1));
	ioapic_destroy(a);
	ioapic_destroy(b);
}
END_TEST

/* --- redirection entries (82093AA datasheet 3.2.4) --- */

START_TEST(test_rte_ro_bits)
{
	/* Delivery status and Remote IRR cannot be set by a write. */
	rte_write(io, 0, RTE_DELIVS | RTE_REMOTE_IRR | RTE_LEVEL | RTE_MASKED |
	    0x30);
	ck_assert_uint_eq(rte_read(io, 0), RTE_LEVEL | RTE_MASKED | 0x30);

	/* Nor cleared: a level interrupt in flight keeps Remote IRR. */
	level_in_flight(1, 0x31);
	rte_write(io, 1, level_entry(0x31, 1) | RTE_DELIVS);
	ck_assert_uint_eq(rte_read(io, 1),
	    level_entry(0x31, 1) | RTE_REMOTE_IRR);
	reg_write(io, IDX_RTE_LO(1), (uint32_t)level_entry(0x31, 1));
	ck_assert(remote_irr(io, 1));
	ck_assert_uint_eq(rte_read(io, 1) & RTE_DELIVS, 0);
	ck_assert_uint_eq(rec.ndeliver, 0);
}
END_TEST

START_TEST(test_rte_dwords_separately)
{
	rte_write(io, 7, RTE_DEST(0x12) | RTE_MASKED | 0x21);
	rec_clear(&rec);
	reg_write(io, IDX_RTE_HI(7), 0x34000000);
	ck_assert_uint_eq(rte_read(io, 7), RTE_DEST(0x34) | RTE_MASKED | 0x21);
	/* Masked: the write changes no route. */
	ck_assert_uint_eq(rec.route[7].count, 0);
	reg_write(io, IDX_RTE_LO(7), 0x22);
	ck_assert_uint_eq(rte_read(io, 7), RTE_DEST(0x34) | 0x22);
	ck_assert_uint_eq(rec.route[7].count, 1);
	ck_assert(rec.route[7].present);
	ck_assert_uint_eq(rec.route[7].address, 0xfee34000);
	ck_assert_uint_eq(rec.route[7].data, 0x22);
}
END_TEST

START_TEST(test_route_every_write)
{
	/* From reset the high dword lands in a masked entry: no route yet. */
	rte_write(io, 3, edge_entry(0x40, 1));
	ck_assert_uint_eq(rec.route[3].count, 1);
	rte_write(io, 3, edge_entry(0x40, 1));
	ck_assert_uint_eq(rec.route[3].count, 3);
	reg_write(io, IDX_RTE_LO(3), 0x40);
	ck_assert_uint_eq(rec.route[3].count, 4);
	reg_write(io, IDX_RTE_HI(3), 0x01000000);
	ck_assert_uint_eq(rec.route[3].count, 5);
	ck_assert_uint_eq(rec.nroute, 5);
	ck_assert(rec.route[3].present);
	ck_assert_uint_eq(rec.route[3].address, 0xfee01000);
	ck_assert_uint_eq(rec.route[3].data, 0x40);
}
END_TEST

START_TEST(test_route_physical_fixed)
{
	check_route(RTE_DEST(0x05) | RTE_DELMOD(DM_FIXED) | 0x31, 0xfee05000,
	    0x0031);
}
END_TEST

START_TEST(test_route_logical)
{
	check_route(RTE_DEST(0x0f) | RTE_LOGICAL | 0x31, 0xfee0f004, 0x0031);
}
END_TEST

START_TEST(test_route_lowest_priority)
{
	check_route(RTE_DEST(0x03) | RTE_LOGICAL | RTE_DELMOD(DM_LOWEST) | 0x41,
	    0xfee03004, 0x0141);
}
END_TEST

START_TEST(test_route_smi)
{
	check_route(RTE_DEST(0x01) | RTE_DELMOD(DM_SMI), 0xfee01000, 0x0200);
}
END_TEST

START_TEST(test_route_nmi)
{
	check_route(RTE_DEST(0x02) | RTE_DELMOD(DM_NMI), 0xfee02000, 0x0400);
}
END_TEST

START_TEST(test_route_init)
{
	check_route(RTE_DEST(0x03) | RTE_DELMOD(DM_INIT), 0xfee03000, 0x0500);
}
END_TEST

START_TEST(test_route_extint)
{
	check_route(RTE_DEST(0x00) | RTE_DELMOD(DM_EXTINT), 0xfee00000, 0x0700);
}
END_TEST

START_TEST(test_route_level_trigger)
{
	/* Data bit 15 = level; no polarity in the message, bit 14 is 0. */
	check_route(RTE_DEST(0x04) | RTE_LEVEL | RTE_ACTIVE_LOW | 0x51,
	    0xfee04000, 0x8051);
}
END_TEST

START_TEST(test_route_ext_dest_id)
{
	/* APIC ID 0x1a5: 7:0 in address 19:12, 14:8 in address 11:5 (1.7). */
	check_route(RTE_DEST(0xa5) | RTE_EXTDEST(0x01) | 0x60, 0xfeea5020,
	    0x0060);
	check_route(RTE_DEST(0xff) | RTE_EXTDEST(0x7f) | 0x60, 0xfeeffFe0,
	    0x0060);
}
END_TEST

START_TEST(test_route_remappable)
{
	struct ioapic_rte_fields	f;
	uint64_t			rte;

	/* IR handle 0x9234: 14:0 in RTE 63:49, 15 in RTE 11 (VT-d spec 5.1.5.1). */
	rte = (0x1234ULL << 49) | RTE_IR_FORMAT | RTE_LOGICAL | RTE_LEVEL |
	    0x40;
	check_route(rte, 0xfee00000 | 0x1234 << 5 | 1 << 4 | 1 << 2, 0x8040);
	ck_assert_uint_eq(rec.route[5].address, 0xfee24694);
	ioapic_rte_decode(rte, &f);
	ck_assert(f.remappable);
	ck_assert_uint_eq(f.ir_index, 0x9234);
	ck_assert_uint_eq(f.vector, 0x40);
	ck_assert(f.level);
}
END_TEST

/* The guest masks pin: a write of the low dword only, as Linux's mask_ioapic_irq(). */
static void
mask_pin(unsigned pin)
{
	reg_write(io, IDX_RTE_LO(pin),
	    (uint32_t)(rte_read(io, pin) | RTE_MASKED) & ~(uint32_t)RTE_REMOTE_IRR);
}

/*
 * Masking keeps the last route and withdraws nothing; writes while masked do
 * not recompute it (QEMU be1927c97e); the unmasking write routes the entry
 * as it now is.
 */
START_TEST(test_route_masked_kept)
{
	rte_write(io, 9, edge_entry(0x30, 1));
	ck_assert(rec.route[9].present);
	rec_clear(&rec);
	mask_pin(9);
	ck_assert_uint_eq(rec.nroute, 0);
	rte_write(io, 9, edge_entry(0x31, 2) | RTE_MASKED);
	ck_assert_uint_eq(rec.nroute, 0);
	/* A masked edge is dropped, whatever the kept route says. */
	ck_assert_int_eq(ioapic_pulse_irq(io, 9, 0), 0);
	ck_assert_uint_eq(rec.ndeliver, 0);
	rte_write(io, 9, edge_entry(0x31, 2));
	ck_assert_uint_eq(rec.route[9].count, 1);
	ck_assert(rec.route[9].present);
	ck_assert_uint_eq(rec.route[9].address, 0xfee02000);
	ck_assert_uint_eq(rec.route[9].data, 0x31);
}
END_TEST

/* An entry masked since reset was never routed: masking it routes nothing. */
START_TEST(test_route_never_unmasked)
{
	rte_write(io, 4, level_entry(0x44, 1) | RTE_MASKED);
	ck_assert_uint_eq(rec.nroute, 0);
	rec_clear(&rec);
	ioapic_announce_routes(io);
	ck_assert_uint_eq(rec.route[4].count, 1);
	ck_assert(!rec.route[4].present);
}
END_TEST

/*
 * The case that lost EOIs: a level interrupt in flight, the handler masks
 * the pin, then EOIs with the line still high. The route stays (no
 * withdrawal), the EOI clears Remote IRR (82093AA: Remote IRR is reset when
 * the EOI with the matching vector is received), the masked pin sends
 * nothing, and unmasking delivers the still-high line exactly once.
 */
START_TEST(test_mask_in_flight_level)
{
	level_in_flight(6, 0x66);
	mask_pin(6);
	ck_assert_uint_eq(rec.nroute, 0);
	ck_assert(remote_irr(io, 6));
	ioapic_eoi(io, 0x66);
	ck_assert(!remote_irr(io, 6));
	ck_assert_uint_eq(rec.ndeliver, 0);
	ck_assert_uint_eq(rec.nresample, 1);
	rte_write(io, 6, level_entry(0x66, 1));
	ck_assert_uint_eq(rec.ndeliver, 1);
	check_delivery(&rec.last, 6, 0xfee01000, 0x8066);
	ck_assert(remote_irr(io, 6));
	ck_assert_uint_eq(rec.route[6].count, 1);
	ck_assert(rec.route[6].present);
	ck_assert_uint_eq(rec.route[6].data, 0x8066);
	/* The line drops before this EOI: nothing more. */
	ck_assert_int_eq(ioapic_set_irq(io, 6, 0, false), 0);
	ioapic_eoi(io, 0x66);
	ck_assert(!remote_irr(io, 6));
	ck_assert_uint_eq(rec.ndeliver, 1);
}
END_TEST

/* Masked, then reprogrammed to another vector while in flight: the old EOI releases. */
START_TEST(test_mask_reprogram_in_flight)
{
	level_in_flight(6, 0x66);
	mask_pin(6);
	rte_write(io, 6, level_entry(0x67, 1) | RTE_MASKED);
	ck_assert_uint_eq(rec.nroute, 0);
	ioapic_eoi(io, 0x67);
	ck_assert_uint_eq(rec.nresample, 1);
	ck_assert(!remote_irr(io, 6));
	rte_write(io, 6, level_entry(0x67, 1));
	ck_assert_uint_eq(rec.ndeliver, 1);
	check_delivery(&rec.last, 6, 0xfee01000, 0x8067);
	ioapic_eoi(io, 0x66);
	ck_assert(remote_irr(io, 6));
}
END_TEST

/* announce_routes: unmasked entries as programmed, masked ones their last route. */
START_TEST(test_announce_kept_routes)
{
	rte_write(io, 1, edge_entry(0x21, 1));
	rte_write(io, 2, level_entry(0x22, 2));
	mask_pin(2);
	rte_write(io, 2, level_entry(0x29, 3) | RTE_MASKED);
	rec_clear(&rec);
	ioapic_announce_routes(io);
	ck_assert_uint_eq(rec.nroute, 24);
	ck_assert_uint_eq(rec.route[1].data, 0x21);
	ck_assert(rec.route[2].present);
	ck_assert_uint_eq(rec.route[2].address, 0xfee02000);
	ck_assert_uint_eq(rec.route[2].data, 0x8022);
	ck_assert(!rec.route[3].present);
}
END_TEST

/*
 * A state from before routes were kept: a masked level entry in flight and no
 * route. Announcing routes it as programmed, so its EOI can exit.
 */
START_TEST(test_announce_in_flight_without_route)
{
	struct ioapic_state	*st = calloc(1, sizeof *st);

	ck_assert_ptr_nonnull(st);
	ioapic_get_state(io, st);
	st->pin[5].rte = level_entry(0x55, 4) | RTE_MASKED | RTE_REMOTE_IRR;
	st->pin[5].irr_vector = 0x55;
	st->pin[5].sources = 1;
	ck_assert_int_eq(ioapic_set_state(io, st), 0);
	rec_clear(&rec);
	ioapic_announce_routes(io);
	ck_assert(rec.route[5].present);
	ck_assert_uint_eq(rec.route[5].address, 0xfee04000);
	ck_assert_uint_eq(rec.route[5].data, 0x8055);
	ioapic_eoi(io, 0x55);
	ck_assert(!remote_irr(io, 5));
	ck_assert_uint_eq(rec.ndeliver, 0);
	free(st);
}
END_TEST

/* A saved route that the formula cannot produce is refused. */
START_TEST(test_load_rejects_bad_route)
{
	struct ioapic_state	*st = calloc(1, sizeof *st);

	ck_assert_ptr_nonnull(st);
	ioapic_get_state(io, st);
	st->pin[0].routed = true;
	st->pin[0].route.address = 0xfed00000;
	ck_assert_int_eq(ioapic_set_state(io, st), -EINVAL);
	st->pin[0].route.address = 0xfee00000;
	st->pin[0].route.data = 0x4030;	/* bit 14 is never set */
	ck_assert_int_eq(ioapic_set_state(io, st), -EINVAL);
	st->pin[0].route.data = 0x8030;
	ck_assert_int_eq(ioapic_set_state(io, st), 0);
	free(st);
}
END_TEST

/* --- per-pin counters --- */

static struct ioapic_pin_counters
counters(unsigned pin)
{
	struct ioapic_pin_counters	c;

	ck_assert_int_eq(ioapic_get_counters(io, pin, &c), 0);
	return c;
}

START_TEST(test_counters_edge)
{
	struct ioapic_pin_counters	c;

	ck_assert_int_eq(ioapic_get_counters(io, 24, &c), -EINVAL);
	c = counters(2);
	ck_assert_uint_eq(c.delivered + c.coalesced + c.dropped + c.eois +
	    c.throttles, 0);
	rte_write(io, 2, edge_entry(0x32, 1));
	ck_assert_int_eq(ioapic_pulse_irq(io, 2, 0), 0);
	ck_assert_int_eq(ioapic_pulse_irq(io, 2, 0), 0);
	/* Source 1 holds the line: a pulse on source 0 is no edge. */
	ck_assert_int_eq(ioapic_set_irq(io, 2, 1, true), 0);
	ck_assert_int_eq(ioapic_pulse_irq(io, 2, 0), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 2, 1, false), 0);
	rte_write(io, 2, edge_entry(0x32, 1) | RTE_MASKED);
	ck_assert_int_eq(ioapic_pulse_irq(io, 2, 0), 0);
	c = counters(2);
	ck_assert_uint_eq(c.delivered, 3);
	ck_assert_uint_eq(c.coalesced, 1);
	ck_assert_uint_eq(c.dropped, 1);
	ck_assert_uint_eq(c.eois, 0);
	/* Edge entries ignore EOIs. */
	ioapic_eoi(io, 0x32);
	ck_assert_uint_eq(counters(2).eois, 0);
}
END_TEST

START_TEST(test_counters_level)
{
	struct ioapic_pin_counters	c;

	level_in_flight(3, 0x43);
	/* A second source asserts while Remote IRR is set: coalesced. */
	ck_assert_int_eq(ioapic_set_irq(io, 3, 1, true), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 3, 1, false), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 3, 0, false), 0);
	ioapic_eoi(io, 0x43);
	c = counters(3);
	ck_assert_uint_eq(c.delivered, 1);
	ck_assert_uint_eq(c.coalesced, 1);
	ck_assert_uint_eq(c.dropped, 0);
	ck_assert_uint_eq(c.eois, 1);
	/* An EOI with the line high re-delivers: one more of each. */
	ck_assert_int_eq(ioapic_set_irq(io, 3, 0, true), 0);
	ioapic_eoi(io, 0x43);
	c = counters(3);
	ck_assert_uint_eq(c.delivered, 3);
	ck_assert_uint_eq(c.eois, 2);
	/* A refused delivery is not counted as delivered. */
	rec.accept = false;
	ioapic_eoi(io, 0x43);
	c = counters(3);
	ck_assert_uint_eq(c.delivered, 3);
	ck_assert_uint_eq(c.eois, 3);
	/* Counters are not state: a reset keeps them. */
	ioapic_reset(io);
	ck_assert_uint_eq(counters(3).eois, 3);
}
END_TEST

START_TEST(test_counters_throttle)
{
	level_in_flight(8, 0x58);
	eoi_redeliver_n(io, &rec, 8, 0x58, IOAPIC_STORM_LIMIT);
	ck_assert_uint_eq(counters(8).throttles, 0);
	ioapic_eoi(io, 0x58);
	ck_assert_uint_eq(rec.nschedule, 1);
	ck_assert_uint_eq(counters(8).throttles, 1);
	ck_assert_uint_eq(counters(8).delivered, IOAPIC_STORM_LIMIT + 1);
}
END_TEST

START_TEST(test_rte_to_msi_direct)
{
	struct ioapic_msi	m;

	ioapic_rte_to_msi(RTE_DEST(0x80) | RTE_LOGICAL | RTE_LEVEL |
	    RTE_DELMOD(DM_LOWEST) | RTE_MASKED | RTE_REMOTE_IRR | 0xef, &m);
	ck_assert_uint_eq(m.address, 0xfee80004);
	ck_assert_uint_eq(m.data, 0x81ef);
}
END_TEST

START_TEST(test_rte_decode)
{
	struct ioapic_rte_fields	f;

	ioapic_rte_decode(RTE_DEST(0xa5) | RTE_EXTDEST(0x03) | RTE_MASKED |
	    RTE_LEVEL | RTE_REMOTE_IRR | RTE_ACTIVE_LOW | RTE_DELIVS |
	    RTE_LOGICAL | RTE_DELMOD(DM_NMI) | 0x9a, &f);
	ck_assert_uint_eq(f.vector, 0x9a);
	ck_assert_uint_eq(f.delivery_mode, DM_NMI);
	ck_assert(f.logical);
	ck_assert(f.delivery_status);
	ck_assert(f.active_low);
	ck_assert(f.remote_irr);
	ck_assert(f.level);
	ck_assert(f.masked);
	ck_assert_uint_eq(f.destination, 0x3a5);
	ck_assert(!f.remappable);

	ioapic_rte_decode(RTE_DEST(0x01), &f);
	ck_assert_uint_eq(f.vector, 0);
	ck_assert(!f.logical && !f.level && !f.masked && !f.remote_irr);
	ck_assert_uint_eq(f.destination, 1);
}
END_TEST

START_TEST(test_reserved_delivery_modes)
{
	static const unsigned	modes[] = { 3, 6 };
	size_t			i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		rec_clear(&rec);
		rte_write(io, 2, RTE_DEST(1) | RTE_DELMOD(modes[i]) | 0x30);
		ck_assert_uint_ge(rec.nerror, 1);
		ck_assert_str_eq(rec.error_kind, "reserved-delivery-mode");
		ck_assert(!rec.route[2].present);
		rec_clear(&rec);
		ck_assert_int_eq(ioapic_pulse_irq(io, 2, 0), 0);
		ck_assert_uint_eq(rec.ndeliver, 0);
		ck_assert_uint_eq(rec.nerror, 1);
		ck_assert_str_eq(rec.error_kind, "reserved-delivery-mode");

		rte_write(io, 3, RTE_DEST(1) | RTE_LEVEL |
		    RTE_DELMOD(modes[i]) | 0x31);
		rec_clear(&rec);
		ck_assert_int_eq(ioapic_set_irq(io, 3, 0, true), 0);
		ck_assert_uint_eq(rec.ndeliver, 0);
		ck_assert_str_eq(rec.error_kind, "reserved-delivery-mode");
		ck_assert(!remote_irr(io, 3));
		ck_assert_int_eq(ioapic_set_irq(io, 3, 0, false), 0);
	}
}
END_TEST

/* --- edge pins (82093AA datasheet 3.2.4, trigger mode) --- */

START_TEST(test_edge_pulse_delivers_once)
{
	rte_write(io, 2, edge_entry(0x30, 1));
	ck_assert_int_eq(ioapic_pulse_irq(io, 2, 0), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	check_delivery(&rec.deliver[0], 2, 0xfee01000, 0x0030);
	ck_assert(!remote_irr(io, 2));
	ck_assert_int_eq(ioapic_pulse_irq(io, 2, 0), 0);
	ck_assert_uint_eq(rec.ndeliver, 2);
}
END_TEST

START_TEST(test_edge_held_line_delivers_once)
{
	rte_write(io, 2, edge_entry(0x30, 1));
	ck_assert_int_eq(ioapic_set_irq(io, 2, 0, true), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 2, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert_int_eq(ioapic_set_irq(io, 2, 0, false), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert_int_eq(ioapic_set_irq(io, 2, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 2);
}
END_TEST

START_TEST(test_edge_masked_dropped)
{
	rte_write(io, 2, edge_entry(0x30, 1) | RTE_MASKED);
	ck_assert_int_eq(ioapic_pulse_irq(io, 2, 0), 0);
	ck_assert_uint_eq(rec.ndeliver, 0);
	rte_write(io, 2, edge_entry(0x30, 1));
	ck_assert_uint_eq(rec.ndeliver, 0);

	/* An edge that rose while masked is not delivered by the unmask. */
	rte_write(io, 2, edge_entry(0x30, 1) | RTE_MASKED);
	ck_assert_int_eq(ioapic_set_irq(io, 2, 0, true), 0);
	rte_write(io, 2, edge_entry(0x30, 1));
	ck_assert_uint_eq(rec.ndeliver, 0);
}
END_TEST

START_TEST(test_edge_pulse_line_held)
{
	/* Wired-OR: the pin's line does not fall while source 0 holds it. */
	rte_write(io, 2, edge_entry(0x30, 1));
	ck_assert_int_eq(ioapic_set_irq(io, 2, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert_int_eq(ioapic_pulse_irq(io, 2, 1), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert_int_eq(ioapic_set_irq(io, 2, 0, false), 0);
	ck_assert_int_eq(ioapic_pulse_irq(io, 2, 1), 0);
	ck_assert_uint_eq(rec.ndeliver, 2);
}
END_TEST

/*
 * What may bypass the emulation: an unmasked edge entry with a valid delivery
 * mode whose route is announced and equals its message, with no other source
 * high (82093AA 3.2.4, 3.3.2); nothing else.
 */
START_TEST(test_edge_static)
{
	struct ioapic_msi m;

	/* Reset: masked. */
	ck_assert(!ioapic_pin_edge_static(io, 2, 1, &m));
	rte_write(io, 2, edge_entry(0x30, 1));
	ck_assert(ioapic_pin_edge_static(io, 2, 1, &m));
	ck_assert_uint_eq(m.address, 0xfee01000);
	ck_assert_uint_eq(m.data, 0x0030);
	/* Its own source high does not matter; another one does (wired-OR). */
	ck_assert_int_eq(ioapic_set_irq(io, 2, 1, true), 0);
	ck_assert(ioapic_pin_edge_static(io, 2, 1, &m));
	ck_assert(!ioapic_pin_edge_static(io, 2, 0, &m));
	ck_assert_int_eq(ioapic_set_irq(io, 2, 1, false), 0);
	ck_assert(ioapic_pin_edge_static(io, 2, 0, &m));
	/* Masked, level-triggered, a reserved delivery mode: no. */
	rte_write(io, 2, edge_entry(0x30, 1) | RTE_MASKED);
	ck_assert(!ioapic_pin_edge_static(io, 2, 1, &m));
	rte_write(io, 2, edge_entry(0x30, 1) | RTE_LEVEL);
	ck_assert(!ioapic_pin_edge_static(io, 2, 1, &m));
	rte_write(io, 2, edge_entry(0x30, 1) | 3u << 8);
	ck_assert(!ioapic_pin_edge_static(io, 2, 1, &m));
	/* Out of range. */
	ck_assert(!ioapic_pin_edge_static(io, 200, 1, &m));
	ck_assert(!ioapic_pin_edge_static(io, 2, 64, &m));
}
END_TEST

START_TEST(test_edge_ignores_eoi)
{
	rte_write(io, 2, edge_entry(0x30, 1));
	ck_assert_int_eq(ioapic_set_irq(io, 2, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ioapic_eoi(io, 0x30);
	ck_assert_uint_eq(rec.nresample, 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert(!remote_irr(io, 2));
}
END_TEST

START_TEST(test_polarity_ignored)
{
	/* api.rst, KVM_IRQ_LINE: level true means asserted whatever the polarity. */
	rte_write(io, 6, level_entry(0x36, 1) | RTE_ACTIVE_LOW);
	ck_assert_uint_eq(rec.ndeliver, 0);
	ck_assert_int_eq(ioapic_set_irq(io, 6, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ioapic_eoi(io, 0x36);
	ck_assert_uint_eq(rec.ndeliver, 2);
	rte_write(io, 7, edge_entry(0x37, 1) | RTE_ACTIVE_LOW);
	ck_assert_int_eq(ioapic_pulse_irq(io, 7, 0), 0);
	ck_assert_uint_eq(rec.ndeliver, 3);
}
END_TEST

/* --- level pins and EOI (82093AA datasheet 3.2.4; Intel SDM vol. 3 11.8.5) --- */

START_TEST(test_level_delivers_once_coalesces)
{
	rte_write(io, 10, level_entry(0x3a, 2));
	ck_assert_int_eq(ioapic_set_irq(io, 10, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	check_delivery(&rec.deliver[0], 10, 0xfee02000, 0x803a);
	ck_assert(remote_irr(io, 10));

	ck_assert_int_eq(ioapic_set_irq(io, 10, 0, true), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 10, 0, false), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 10, 0, true), 0);
	ck_assert_int_eq(ioapic_pulse_irq(io, 10, 1), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert(remote_irr(io, 10));
}
END_TEST

START_TEST(test_level_not_accepted)
{
	rte_write(io, 10, level_entry(0x3a, 2));
	rec.accept = false;
	ck_assert_int_eq(ioapic_set_irq(io, 10, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert(!remote_irr(io, 10));
	/* No Remote IRR: an EOI does nothing. */
	ioapic_eoi(io, 0x3a);
	ck_assert_uint_eq(rec.nresample, 0);
	ck_assert_uint_eq(rec.ndeliver, 1);

	rec.accept = true;
	ck_assert_int_eq(ioapic_set_irq(io, 10, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 2);
	ck_assert(remote_irr(io, 10));
}
END_TEST

/* After a load or a client's return: pending level lines go out, nothing else. */
START_TEST(test_resync_delivers_pending_level)
{
	unsigned before;

	/* A delivery nobody accepted leaves the line pending with Remote IRR clear. */
	rte_write(io, 12, level_entry(0x3c, 0));
	rec.accept = false;
	ck_assert_int_eq(ioapic_set_irq(io, 12, 0, true), 0);
	ck_assert(!remote_irr(io, 12));
	/* A masked asserted level line, and an edge pin whose line stays high. */
	rte_write(io, 13, level_entry(0x3d, 0) | RTE_MASKED);
	ck_assert_int_eq(ioapic_set_irq(io, 13, 0, true), 0);
	rte_write(io, 14, RTE_DEST(0) | 0x3e);
	ck_assert_int_eq(ioapic_set_irq(io, 14, 0, true), 0);
	rec.accept = true;
	before = rec.ndeliver;

	ioapic_resync(io);
	ck_assert_uint_eq(rec.ndeliver, before + 1);
	check_delivery(&rec.deliver[before], 12, 0xfee00000, 0x803c);
	ck_assert(remote_irr(io, 12));
	ck_assert(!remote_irr(io, 13));
	/* Now in flight: a second resync changes nothing. */
	ioapic_resync(io);
	ck_assert_uint_eq(rec.ndeliver, before + 1);
}
END_TEST

START_TEST(test_eoi_redelivers_line_high)
{
	level_in_flight(11, 0x3b);
	ioapic_eoi(io, 0x3b);
	ck_assert_uint_eq(rec.nresample, 1);
	ck_assert_uint_eq(rec.resample_pin[0], 11);
	ck_assert_uint_eq(rec.ndeliver, 1);
	check_delivery(&rec.deliver[0], 11, 0xfee01000, 0x803b);
	ck_assert(remote_irr(io, 11));
}
END_TEST

START_TEST(test_eoi_line_low)
{
	level_in_flight(11, 0x3b);
	ck_assert_int_eq(ioapic_set_irq(io, 11, 0, false), 0);
	ioapic_eoi(io, 0x3b);
	ck_assert_uint_eq(rec.nresample, 1);
	ck_assert_uint_eq(rec.ndeliver, 0);
	ck_assert(!remote_irr(io, 11));
	/* The next assertion is a new interrupt. */
	ck_assert_int_eq(ioapic_set_irq(io, 11, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
}
END_TEST

START_TEST(test_eoi_other_vector)
{
	level_in_flight(11, 0x3b);
	ioapic_eoi(io, 0x3c);
	ioapic_eoi(io, 0x00);
	ioapic_eoi(io, 0xff);
	ck_assert_uint_eq(rec.nresample, 0);
	ck_assert_uint_eq(rec.ndeliver, 0);
	ck_assert(remote_irr(io, 11));
}
END_TEST

START_TEST(test_eoi_masked_line_high)
{
	level_in_flight(12, 0x3c);
	rte_write(io, 12, level_entry(0x3c, 1) | RTE_MASKED);
	ck_assert(remote_irr(io, 12));
	ioapic_eoi(io, 0x3c);
	ck_assert_uint_eq(rec.nresample, 1);
	ck_assert_uint_eq(rec.ndeliver, 0);
	ck_assert(!remote_irr(io, 12));
	rte_write(io, 12, level_entry(0x3c, 1));
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert(remote_irr(io, 12));
}
END_TEST

START_TEST(test_eoi_shared_vector)
{
	rte_write(io, 1, level_entry(0x70, 1));
	rte_write(io, 2, level_entry(0x70, 2));
	ck_assert_int_eq(ioapic_set_irq(io, 1, 0, true), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 2, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 2);
	rec_clear(&rec);
	ioapic_eoi(io, 0x70);
	ck_assert_uint_eq(rec.nresample, 2);
	ck_assert_uint_eq(rec.ndeliver, 2);
	ck_assert(remote_irr(io, 1));
	ck_assert(remote_irr(io, 2));
}
END_TEST

START_TEST(test_unmask_asserted_level)
{
	rte_write(io, 13, level_entry(0x3d, 1) | RTE_MASKED);
	ck_assert_int_eq(ioapic_set_irq(io, 13, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 0);
	ck_assert(!remote_irr(io, 13));
	/* High dword first: the entry is still masked, nothing yet. */
	reg_write(io, IDX_RTE_HI(13), 0x01000000);
	ck_assert_uint_eq(rec.ndeliver, 0);
	reg_write(io, IDX_RTE_LO(13), (uint32_t)level_entry(0x3d, 1));
	ck_assert_uint_eq(rec.ndeliver, 1);
	check_delivery(&rec.deliver[0], 13, 0xfee01000, 0x803d);
	ck_assert(remote_irr(io, 13));
	/* Rewriting the entry while Remote IRR is set delivers nothing. */
	rte_write(io, 13, level_entry(0x3d, 1));
	ck_assert_uint_eq(rec.ndeliver, 1);
}
END_TEST

START_TEST(test_switch_to_edge_clears_remote_irr)
{
	/* Linux __eoi_ioapic_pin on an IOAPIC without EOI register. */
	level_in_flight(14, 0x3e);
	rte_write(io, 14, level_entry(0x3e, 1) | RTE_MASKED);
	ck_assert(remote_irr(io, 14));
	rte_write(io, 14, edge_entry(0x3e, 1) | RTE_MASKED);
	ck_assert(!remote_irr(io, 14));
	rte_write(io, 14, level_entry(0x3e, 1) | RTE_MASKED);
	ck_assert(!remote_irr(io, 14));
	ck_assert_uint_eq(rec.ndeliver, 0);
	rte_write(io, 14, level_entry(0x3e, 1));
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert(remote_irr(io, 14));
}
END_TEST

START_TEST(test_reconfigure_in_flight)
{
	/* a bug QEMU and KVM both fixed: vector and destination change before the EOI. */
	level_in_flight(15, 0x30);
	rte_write(io, 15, level_entry(0x31, 2));
	ck_assert(remote_irr(io, 15));
	ck_assert_uint_eq(rec.ndeliver, 0);
	ck_assert_uint_eq(rec.route[15].address, 0xfee02000);
	ck_assert_uint_eq(rec.route[15].data, 0x8031);

	ck_assert_int_eq(ioapic_set_irq(io, 15, 0, false), 0);
	ioapic_eoi(io, 0x30);
	ck_assert_uint_eq(rec.nresample, 1);
	ck_assert(!remote_irr(io, 15));
	ck_assert_uint_eq(rec.ndeliver, 0);

	ck_assert_int_eq(ioapic_set_irq(io, 15, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	check_delivery(&rec.deliver[0], 15, 0xfee02000, 0x8031);
	/* The old vector no longer matches; the new one does. */
	ioapic_eoi(io, 0x30);
	ck_assert(remote_irr(io, 15));
	ioapic_eoi(io, 0x31);
	ck_assert_uint_eq(rec.ndeliver, 2);
	check_delivery(&rec.deliver[1], 15, 0xfee02000, 0x8031);
}
END_TEST

START_TEST(test_reconfigure_in_flight_line_high)
{
	level_in_flight(15, 0x30);
	rte_write(io, 15, level_entry(0x31, 2));
	ioapic_eoi(io, 0x30);
	ck_assert_uint_eq(rec.ndeliver, 1);
	check_delivery(&rec.deliver[0], 15, 0xfee02000, 0x8031);
	ck_assert(remote_irr(io, 15));
}
END_TEST

START_TEST(test_resample_before_redelivery)
{
	level_in_flight(16, 0x40);
	ioapic_eoi(io, 0x40);
	ck_assert_uint_eq(rec.nresample, 1);
	ck_assert_uint_eq(rec.resample_pin[0], 16);
	/* Called while still in flight, before the re-delivery decision. */
	ck_assert_uint_eq(rec.ndeliver_at_resample, 0);
	ck_assert(rec.remote_irr_at_resample);
	ck_assert_uint_eq(rec.ndeliver, 1);
}
END_TEST

START_TEST(test_resample_deassert_no_redelivery)
{
	level_in_flight(16, 0x40);
	rec.resample_deassert = 0;
	ioapic_eoi(io, 0x40);
	ck_assert_uint_eq(rec.nresample, 1);
	ck_assert_uint_eq(rec.ndeliver, 0);
	ck_assert(!remote_irr(io, 16));
	/* The device raises the line again: a new interrupt. */
	rec.resample_deassert = -1;
	ck_assert_int_eq(ioapic_set_irq(io, 16, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert(remote_irr(io, 16));
}
END_TEST

START_TEST(test_resample_deassert_other_source_high)
{
	rte_write(io, 16, level_entry(0x40, 1));
	ck_assert_int_eq(ioapic_set_irq(io, 16, 0, true), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 16, 1, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	rec.resample_deassert = 0;
	ioapic_eoi(io, 0x40);
	ck_assert_uint_eq(rec.ndeliver, 2);
	ck_assert(remote_irr(io, 16));
}
END_TEST

START_TEST(test_resample_rewrites_entry)
{
	/*
	 * The entry goes edge (Remote IRR cleared, 3.3.5) and back to level
	 * from inside the resample callback while the line stays high: one
	 * delivery, not two, and the pin is in flight again.
	 */
	level_in_flight(16, 0x40);
	rec.resample_rewrite = true;
	ioapic_eoi(io, 0x40);
	ck_assert_uint_eq(rec.nresample, 1);
	ck_assert_uint_eq(rec.ndeliver, 1);
	check_delivery(&rec.deliver[0], 16, 0xfee01000, 0x8040);
	ck_assert(remote_irr(io, 16));
}
END_TEST

START_TEST(test_eoi_from_inside_deliver)
{
	/* A LAPIC that EOIs before deliver returns must find Remote IRR set. */
	rte_write(io, 17, level_entry(0x41, 1));
	rec.eoi_in_deliver = 1;
	ck_assert_int_eq(ioapic_set_irq(io, 17, 0, true), 0);
	ck_assert_uint_eq(rec.nresample, 1);
	ck_assert_uint_eq(rec.ndeliver, 2);
	ck_assert(remote_irr(io, 17));
	ck_assert_int_eq(ioapic_set_irq(io, 17, 0, false), 0);
	ioapic_eoi(io, 0x41);
	ck_assert(!remote_irr(io, 17));
	ck_assert_uint_eq(rec.ndeliver, 2);
}
END_TEST

START_TEST(test_wired_or)
{
	rte_write(io, 18, level_entry(0x42, 1));
	ck_assert_int_eq(ioapic_set_irq(io, 18, 0, true), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 18, 31, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert_int_eq(ioapic_set_irq(io, 18, 0, false), 0);
	ioapic_eoi(io, 0x42);
	ck_assert_uint_eq(rec.ndeliver, 2);
	ck_assert_int_eq(ioapic_set_irq(io, 18, 31, false), 0);
	ioapic_eoi(io, 0x42);
	ck_assert_uint_eq(rec.ndeliver, 2);
	ck_assert(!remote_irr(io, 18));
	/* Deasserting a source that was never high changes nothing. */
	ck_assert_int_eq(ioapic_set_irq(io, 18, 7, false), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 18, 7, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 3);
}
END_TEST

START_TEST(test_set_irq_einval)
{
	rte_write(io, 23, level_entry(0x43, 1));
	ck_assert_int_eq(ioapic_set_irq(io, 24, 0, true), -EINVAL);
	ck_assert_int_eq(ioapic_set_irq(io, UINT32_MAX, 0, true), -EINVAL);
	ck_assert_int_eq(ioapic_set_irq(io, 23, IOAPIC_MAX_SOURCES, true),
	    -EINVAL);
	ck_assert_int_eq(ioapic_pulse_irq(io, 24, 0), -EINVAL);
	ck_assert_int_eq(ioapic_pulse_irq(io, 23, IOAPIC_MAX_SOURCES), -EINVAL);
	ck_assert_uint_eq(rec.ndeliver + rec.nerror, 0);
	/* Out-of-range timers are ignored. */
	ioapic_timer(io, 24);
	ck_assert_uint_eq(rec.ndeliver, 0);
}
END_TEST

/* --- storm throttle (the throttle QEMU's and KVM's IOAPICs apply) --- */

START_TEST(test_storm_throttle)
{
	unsigned	n;

	level_in_flight(19, 0x50);
	eoi_redeliver_n(io, &rec, 19, 0x50, IOAPIC_STORM_LIMIT);
	n = rec.ndeliver;
	ck_assert_uint_eq(n, IOAPIC_STORM_LIMIT);

	ioapic_eoi(io, 0x50);
	ck_assert_uint_eq(rec.ndeliver, n);
	ck_assert_uint_eq(rec.nschedule, 1);
	ck_assert_uint_eq(rec.schedule_pin, 19);
	ck_assert_uint_eq(rec.schedule_delay, 10000000);
	ck_assert(!remote_irr(io, 19));

	/* Nothing delivers the pin until the timer. */
	ioapic_eoi(io, 0x50);
	ck_assert_int_eq(ioapic_set_irq(io, 19, 1, true), 0);
	rte_write(io, 19, level_entry(0x50, 1));
	ck_assert_uint_eq(rec.ndeliver, n);

	ioapic_timer(io, 19);
	ck_assert_uint_eq(rec.ndeliver, n + 1);
	ck_assert(remote_irr(io, 19));
	ck_assert_uint_eq(rec.nschedule, 1);

	/* The count starts over. */
	eoi_redeliver_n(io, &rec, 19, 0x50, 100);
}
END_TEST

START_TEST(test_storm_timer_line_low)
{
	level_in_flight(19, 0x50);
	eoi_redeliver_n(io, &rec, 19, 0x50, IOAPIC_STORM_LIMIT);
	ioapic_eoi(io, 0x50);
	ck_assert_uint_eq(rec.nschedule, 1);
	ck_assert_int_eq(ioapic_set_irq(io, 19, 0, false), 0);
	ioapic_timer(io, 19);
	ck_assert_uint_eq(rec.ndeliver, IOAPIC_STORM_LIMIT);
	ck_assert(!remote_irr(io, 19));
	ck_assert_int_eq(ioapic_set_irq(io, 19, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, IOAPIC_STORM_LIMIT + 1);
}
END_TEST

START_TEST(test_storm_reset_by_line_low)
{
	level_in_flight(20, 0x51);
	eoi_redeliver_n(io, &rec, 20, 0x51, IOAPIC_STORM_LIMIT / 2);
	ck_assert_int_eq(ioapic_set_irq(io, 20, 0, false), 0);
	ioapic_eoi(io, 0x51);
	ck_assert_uint_eq(rec.ndeliver, IOAPIC_STORM_LIMIT / 2);
	ck_assert_int_eq(ioapic_set_irq(io, 20, 0, true), 0);
	rec_clear(&rec);
	eoi_redeliver_n(io, &rec, 20, 0x51, IOAPIC_STORM_LIMIT);
	ioapic_eoi(io, 0x51);
	ck_assert_uint_eq(rec.nschedule, 1);
}
END_TEST

START_TEST(test_storm_reset_by_entry_write)
{
	level_in_flight(21, 0x52);
	eoi_redeliver_n(io, &rec, 21, 0x52, IOAPIC_STORM_LIMIT / 2);
	reg_write(io, IDX_RTE_LO(21), (uint32_t)level_entry(0x52, 1));
	ck_assert(remote_irr(io, 21));
	rec_clear(&rec);
	eoi_redeliver_n(io, &rec, 21, 0x52, IOAPIC_STORM_LIMIT);
	ioapic_eoi(io, 0x52);
	ck_assert_uint_eq(rec.nschedule, 1);
	ck_assert_uint_eq(rec.schedule_pin, 21);
}
END_TEST

START_TEST(test_timer_not_throttled)
{
	/* A stale timer (nothing throttled) delivers nothing. */
	rte_write(io, 22, level_entry(0x53, 1));
	rec.accept = false;
	ck_assert_int_eq(ioapic_set_irq(io, 22, 0, true), 0);
	ck_assert_uint_eq(rec.ndeliver, 1);
	rec.accept = true;
	ioapic_timer(io, 22);
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert(!remote_irr(io, 22));
}
END_TEST

/* --- instances, creation, reset --- */

START_TEST(test_create_rejects)
{
	static const struct ioapic_config	bad[] = {
		{ 0, IOAPIC_VERSION_82093AA },
		{ IOAPIC_MAX_PINS + 1, IOAPIC_VERSION_82093AA },
		{ 24, 0x12 },
		{ 24, 0x00 },
		{ 24, 0x21 },
	};
	struct ioapic_config	good = { 24, IOAPIC_VERSION_82093AA };
	struct ioapic_ops	ops = rec_ops;
	size_t			i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		ck_assert_ptr_null(ioapic_create(&bad[i], &rec_ops, &rec));
		ck_assert_int_eq(errno, EINVAL);
	}
	errno = 0;
	ck_assert_ptr_null(ioapic_create(&good, NULL, &rec));
	ck_assert_int_eq(errno, EINVAL);
	ops.deliver = NULL;
	errno = 0;
	ck_assert_ptr_null(ioapic_create(&good, &ops, &rec));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_max_pins)
{
	struct recorder	 r;
	struct ioapic	*a = chip_new(IOAPIC_MAX_PINS, IOAPIC_VERSION_82093AA,
			    &r);

	ck_assert_uint_eq(reg_read(a, IDX_VER), 0x00770011);
	/* Index 0xff is the high dword of entry 119. */
	reg_write(a, 0xff, 0x07000000);
	reg_write(a, 0xfe, (uint32_t)level_entry(0xff, 0));
	ck_assert_uint_eq(r.nerror, 0);
	ck_assert(r.route[119].present);
	ck_assert_uint_eq(r.route[119].address, 0xfee07000);
	ck_assert_int_eq(ioapic_set_irq(a, 119, 0, true), 0);
	ck_assert_uint_eq(r.ndeliver, 1);
	ck_assert_int_eq(ioapic_set_irq(a, 119, 0, false), 0);
	ioapic_eoi(a, 0xff);
	ck_assert(!remote_irr(a, 119));
	ck_assert_int_eq(ioapic_set_irq(a, 120, 0, true), -EINVAL);
	ioapic_destroy(a);
}
END_TEST

START_TEST(test_one_pin)
{
	struct recorder	 r;
	struct ioapic	*a = chip_new(1, IOAPIC_VERSION_EOI, &r);

	rte_write(a, 0, level_entry(0xff, 3));
	ck_assert_int_eq(ioapic_set_irq(a, 0, 0, true), 0);
	/* EOI of vectors beyond the pin count must not index by vector. */
	ioapic_eoi(a, 0x80);
	ck_assert(remote_irr(a, 0));
	mmio_w(a, EOIR, 4, 0xff);
	ck_assert_uint_eq(r.ndeliver, 2);
	ck_assert_uint_eq(reg_read(a, IDX_RTE_LO(1)), 0);
	ck_assert_str_eq(r.error_kind, "unknown-register");
	ck_assert_int_eq(ioapic_set_irq(a, 1, 0, true), -EINVAL);
	ioapic_destroy(a);
}
END_TEST

START_TEST(test_multiple_instances)
{
	struct recorder	 ra, rb, rc;
	struct ioapic	*a = chip_new(24, IOAPIC_VERSION_82093AA, &ra);
	struct ioapic	*b = chip_new(48, IOAPIC_VERSION_EOI, &rb);
	struct ioapic	*c = chip_new(8, IOAPIC_VERSION_82093AA, &rc);

	ck_assert_uint_eq(reg_read(a, IDX_VER), 0x00170011);
	ck_assert_uint_eq(reg_read(b, IDX_VER), 0x002f0020);
	ck_assert_uint_eq(reg_read(c, IDX_VER), 0x00070011);
	reg_write(b, IDX_ID, 0x02000000);
	ck_assert_uint_eq(reg_read(a, IDX_ID), 0);
	ck_assert_uint_eq(reg_read(b, IDX_ID), 0x02000000);
	ck_assert_uint_eq(reg_read(c, IDX_ID), 0);

	rte_write(a, 5, level_entry(0x60, 1));
	rte_write(b, 5, level_entry(0x60, 2));
	rte_write(c, 5, level_entry(0x60, 3));
	ck_assert_uint_eq(rb.route[5].address, 0xfee02000);
	ck_assert_int_eq(ioapic_set_irq(b, 5, 0, true), 0);
	ck_assert_uint_eq(ra.ndeliver + rc.ndeliver, 0);
	ck_assert_uint_eq(rb.ndeliver, 1);
	ck_assert_int_eq(ioapic_set_irq(a, 5, 0, true), 0);
	ck_assert_uint_eq(ra.ndeliver, 1);
	check_delivery(&ra.last, 5, 0xfee01000, 0x8060);

	ioapic_eoi(a, 0x60);
	ck_assert_uint_eq(ra.nresample, 1);
	ck_assert_uint_eq(rb.nresample, 0);
	ck_assert(remote_irr(b, 5));
	ck_assert(!remote_irr(c, 5));
	ck_assert_int_eq(ioapic_set_irq(b, 47, 0, true), 0);
	ck_assert_int_eq(ioapic_set_irq(a, 47, 0, true), -EINVAL);

	ioapic_destroy(a);
	ioapic_destroy(b);
	ioapic_destroy(c);
}
END_TEST

START_TEST(test_reset)
{
	unsigned	pin;

	reg_write(io, IDX_ID, 0x05000000);
	level_in_flight(3, 0x33);
	rte_write(io, 4, edge_entry(0x34, 1));
	eoi_redeliver_n(io, &rec, 3, 0x33, 10);
	mmio_w(io, IOREGSEL, 4, IDX_RTE_LO(3));
	rec_clear(&rec);

	ioapic_reset(io);
	ck_assert_uint_eq(mmio_r(io, IOREGSEL, 4), 0);
	/* Every entry is masked: the routes stay as they were. */
	ck_assert_uint_eq(rec.nroute, 0);
	for (pin = 0; pin < 24; pin++)
		ck_assert_uint_eq(rte_read(io, pin), RTE_RESET);
	ck_assert_uint_eq(reg_read(io, IDX_ID), 0);
	ck_assert_uint_eq(reg_read(io, IDX_ARB), 0);
	ck_assert_uint_eq(reg_read(io, IDX_VER), 0x00170011);
	ck_assert_uint_eq(rec.ndeliver, 0);

	/* The line levels survive: unmasking delivers the high line. */
	rte_write(io, 3, level_entry(0x33, 1));
	ck_assert_uint_eq(rec.ndeliver, 1);
	ck_assert(remote_irr(io, 3));
	/* And the storm count starts over. */
	eoi_redeliver_n(io, &rec, 3, 0x33, IOAPIC_STORM_LIMIT);
}
END_TEST

/* --- save and load (the fields QEMU's and KVM's IOAPIC snapshots keep) --- */

START_TEST(test_save_load_roundtrip)
{
	struct ioapic_state	 s1, s2;
	struct recorder		 r;
	struct ioapic		*b;

	reg_write(io, IDX_ID, 0x07000000);
	level_in_flight(1, 0x61);
	rte_write(io, 1, level_entry(0x62, 4));	/* in flight, reprogrammed */
	rte_write(io, 2, level_entry(0x63, 1) | RTE_MASKED);
	ck_assert_int_eq(ioapic_set_irq(io, 2, 3, true), 0);
	ck_assert_int_eq(ioapic_set_irq(io, 2, 4, true), 0);
	rte_write(io, 3, edge_entry(0x64, 2) | RTE_LOGICAL);
	rte_write(io, 8, (0x1234ULL << 49) | RTE_IR_FORMAT | RTE_LEVEL | 0x65);
	level_in_flight(9, 0x66);
	eoi_redeliver_n(io, &rec, 9, 0x66, 42);
	mmio_w(io, IOREGSEL, 4, IDX_RTE_HI(1));
	ioapic_get_state(io, &s1);
	ck_assert_uint_eq(s1.pin[9].storm_count, 42);
	ck_assert_uint_eq(s1.pin[1].irr_vector, 0x61);

	b = chip_new(24, IOAPIC_VERSION_82093AA, &r);
	ck_assert_int_eq(ioapic_set_state(b, &s1), 0);
	ck_assert_uint_eq(r.nroute + r.ndeliver + r.nschedule + r.nerror, 0);
	ioapic_get_state(b, &s2);
	state_check_eq(&s1, &s2);

	/* Same behaviour: IOREGSEL, ID, in-flight entry, line levels. */
	ck_assert_uint_eq(mmio_r(b, IOWIN, 4), 0x04000000);
	ck_assert_uint_eq(reg_read(b, IDX_ARB), 0x07000000);
	ioapic_eoi(b, 0x61);
	ck_assert_uint_eq(r.ndeliver, 1);
	check_delivery(&r.last, 1, 0xfee04000, 0x8062);
	rte_write(b, 2, level_entry(0x63, 1));
	ck_assert_uint_eq(r.ndeliver, 2);
	ck_assert_int_eq(ioapic_set_irq(b, 2, 3, false), 0);
	ck_assert_int_eq(ioapic_set_irq(b, 2, 4, false), 0);
	ioapic_eoi(b, 0x63);
	ck_assert_uint_eq(r.ndeliver, 2);
	ck_assert(!remote_irr(b, 2));
	ioapic_destroy(b);
}
END_TEST

START_TEST(test_save_load_storm_count)
{
	struct ioapic_state	 st;
	struct recorder		 r;
	struct ioapic		*b;

	level_in_flight(9, 0x66);
	eoi_redeliver_n(io, &rec, 9, 0x66, IOAPIC_STORM_LIMIT - 100);
	ioapic_get_state(io, &st);

	b = chip_new(24, IOAPIC_VERSION_82093AA, &r);
	ck_assert_int_eq(ioapic_set_state(b, &st), 0);
	eoi_redeliver_n(b, &r, 9, 0x66, 100);
	ioapic_eoi(b, 0x66);
	ck_assert_uint_eq(r.ndeliver, 100);
	ck_assert_uint_eq(r.nschedule, 1);
	ck_assert_uint_eq(r.schedule_pin, 9);
	ioapic_destroy(b);
}
END_TEST

START_TEST(test_save_load_throttled)
{
	struct ioapic_state	 st;
	struct recorder		 r;
	struct ioapic		*b;

	level_in_flight(9, 0x66);
	eoi_redeliver_n(io, &rec, 9, 0x66, IOAPIC_STORM_LIMIT);
	ioapic_eoi(io, 0x66);
	ck_assert_uint_eq(rec.nschedule, 1);
	ioapic_get_state(io, &st);
	ck_assert(st.pin[9].throttled);

	b = chip_new(24, IOAPIC_VERSION_82093AA, &r);
	ck_assert_int_eq(ioapic_set_state(b, &st), 0);
	ck_assert_uint_eq(r.nschedule, 1);
	ck_assert_uint_eq(r.schedule_pin, 9);
	ck_assert_uint_eq(r.schedule_delay, IOAPIC_STORM_DELAY_NS);
	ck_assert_uint_eq(r.ndeliver, 0);
	ioapic_timer(b, 9);
	ck_assert_uint_eq(r.ndeliver, 1);
	check_delivery(&r.last, 9, 0xfee01000, 0x8066);
	ck_assert(remote_irr(b, 9));
	ioapic_destroy(b);
}
END_TEST

START_TEST(test_set_state_rejects)
{
	struct ioapic_state	 good, bad, before, after;
	struct recorder		 r;
	struct ioapic		*b;

	level_in_flight(1, 0x61);
	ioapic_get_state(io, &good);
	b = chip_new(24, IOAPIC_VERSION_82093AA, &r);
	rte_write(b, 0, edge_entry(0x20, 1));
	ck_assert_int_eq(ioapic_set_irq(b, 0, 0, true), 0);
	ioapic_get_state(b, &before);
	rec_clear(&r);

	bad = good;
	bad.pins = 23;
	ck_assert_int_eq(ioapic_set_state(b, &bad), -EINVAL);
	bad = good;
	bad.pins = IOAPIC_MAX_PINS + 1;
	ck_assert_int_eq(ioapic_set_state(b, &bad), -EINVAL);
	bad = good;
	bad.version = IOAPIC_VERSION_EOI;
	ck_assert_int_eq(ioapic_set_state(b, &bad), -EINVAL);
	bad = good;
	bad.version = 0x12;
	ck_assert_int_eq(ioapic_set_state(b, &bad), -EINVAL);
	bad = good;
	bad.id = 0x10;
	ck_assert_int_eq(ioapic_set_state(b, &bad), -EINVAL);
	bad = good;
	bad.pin[5].storm_count = IOAPIC_STORM_LIMIT + 1;
	ck_assert_int_eq(ioapic_set_state(b, &bad), -EINVAL);
	bad = good;
	bad.pin[6].rte = edge_entry(0x30, 1) | RTE_REMOTE_IRR;
	ck_assert_int_eq(ioapic_set_state(b, &bad), -EINVAL);
	bad = good;
	bad.pin[6].rte = edge_entry(0x30, 1);
	bad.pin[6].throttled = true;
	ck_assert_int_eq(ioapic_set_state(b, &bad), -EINVAL);

	ck_assert_uint_eq(r.nroute + r.ndeliver + r.nschedule + r.nresample, 0);
	ioapic_get_state(b, &after);
	state_check_eq(&before, &after);
	ioapic_destroy(b);

	/* A 0x20 state does not fit a 0x11 chip either way round. */
	b = chip_new(24, IOAPIC_VERSION_EOI, &r);
	ck_assert_int_eq(ioapic_set_state(b, &good), -EINVAL);
	ioapic_destroy(b);
}
END_TEST

START_TEST(test_set_state_delivery_status)
{
	struct ioapic_state	st;

	ioapic_get_state(io, &st);
	st.pin[4].rte = level_entry(0x44, 1) | RTE_DELIVS | RTE_REMOTE_IRR |
	    (0xffULL << 40);
	st.pin[4].irr_vector = 0x44;
	st.ioregsel = 0xff;
	ck_assert_int_eq(ioapic_set_state(io, &st), 0);
	ck_assert_uint_eq(rte_read(io, 4), level_entry(0x44, 1) |
	    RTE_REMOTE_IRR | (0xffULL << 40));
	ioapic_eoi(io, 0x44);
	ck_assert(!remote_irr(io, 4));
}
END_TEST

START_TEST(test_announce_routes)
{
	struct ioapic_state	st;
	unsigned		pin;

	ioapic_get_state(io, &st);
	for (pin = 0; pin < 24; pin++)
		st.pin[pin].rte = edge_entry((uint8_t)(0x20 + pin),
		    (uint8_t)pin);
	st.pin[7].rte |= RTE_MASKED;
	ck_assert_int_eq(ioapic_set_state(io, &st), 0);
	ck_assert_uint_eq(rec.nroute, 0);
	ioapic_announce_routes(io);
	ck_assert_uint_eq(rec.nroute, 24);
	for (pin = 0; pin < 24; pin++) {
		ck_assert_uint_eq(rec.route[pin].count, 1);
		if (pin == 7) {
			ck_assert(!rec.route[pin].present);
			continue;
		}
		ck_assert(rec.route[pin].present);
		ck_assert_uint_eq(rec.route[pin].address,
		    0xfee00000 | (uint64_t)pin << 12);
		ck_assert_uint_eq(rec.route[pin].data, 0x20 + pin);
	}
}
END_TEST

static Suite *
ioapic_suite(void)
{
	Suite	*s = suite_create("ioapic");
	TCase	*tc = tcase_create("82093aa");

	tcase_add_checked_fixture(tc, setup, teardown);

	tcase_add_test(tc, test_reset_values_0x11);
	tcase_add_test(tc, test_reset_values_0x20);
	tcase_add_test(tc, test_version_pin_counts);
	tcase_add_test(tc, test_id_writable_bits);
	tcase_add_test(tc, test_ver_arb_read_only);

	tcase_add_test(tc, test_ioregsel_access_sizes);
	tcase_add_test(tc, test_ioregsel_8byte);
	tcase_add_test(tc, test_iowin_bad_sizes);
	tcase_add_test(tc, test_unknown_offsets);
	tcase_add_test(tc, test_unknown_index);
	tcase_add_test(tc, test_mmio_einval);
	tcase_add_test(tc, test_eoi_register_absent_0x11);
	tcase_add_test(tc, test_eoi_register_0x20);
	tcase_add_test(tc, test_eoi_register_only_this_chip);

	tcase_add_test(tc, test_rte_ro_bits);
	tcase_add_test(tc, test_rte_dwords_separately);
	tcase_add_test(tc, test_route_every_write);
	tcase_add_test(tc, test_route_physical_fixed);
	tcase_add_test(tc, test_route_logical);
	tcase_add_test(tc, test_route_lowest_priority);
	tcase_add_test(tc, test_route_smi);
	tcase_add_test(tc, test_route_nmi);
	tcase_add_test(tc, test_route_init);
	tcase_add_test(tc, test_route_extint);
	tcase_add_test(tc, test_route_level_trigger);
	tcase_add_test(tc, test_route_ext_dest_id);
	tcase_add_test(tc, test_route_remappable);
	tcase_add_test(tc, test_route_masked_kept);
	tcase_add_test(tc, test_route_never_unmasked);
	tcase_add_test(tc, test_mask_in_flight_level);
	tcase_add_test(tc, test_mask_reprogram_in_flight);
	tcase_add_test(tc, test_announce_kept_routes);
	tcase_add_test(tc, test_announce_in_flight_without_route);
	tcase_add_test(tc, test_load_rejects_bad_route);
	tcase_add_test(tc, test_counters_edge);
	tcase_add_test(tc, test_counters_level);
	tcase_add_test(tc, test_counters_throttle);
	tcase_add_test(tc, test_rte_to_msi_direct);
	tcase_add_test(tc, test_rte_decode);
	tcase_add_test(tc, test_reserved_delivery_modes);

	tcase_add_test(tc, test_edge_pulse_delivers_once);
	tcase_add_test(tc, test_edge_static);
	tcase_add_test(tc, test_edge_held_line_delivers_once);
	tcase_add_test(tc, test_edge_masked_dropped);
	tcase_add_test(tc, test_edge_pulse_line_held);
	tcase_add_test(tc, test_edge_ignores_eoi);
	tcase_add_test(tc, test_polarity_ignored);

	tcase_add_test(tc, test_level_delivers_once_coalesces);
	tcase_add_test(tc, test_level_not_accepted);
	tcase_add_test(tc, test_resync_delivers_pending_level);
	tcase_add_test(tc, test_eoi_redelivers_line_high);
	tcase_add_test(tc, test_eoi_line_low);
	tcase_add_test(tc, test_eoi_other_vector);
	tcase_add_test(tc, test_eoi_masked_line_high);
	tcase_add_test(tc, test_eoi_shared_vector);
	tcase_add_test(tc, test_unmask_asserted_level);
	tcase_add_test(tc, test_switch_to_edge_clears_remote_irr);
	tcase_add_test(tc, test_reconfigure_in_flight);
	tcase_add_test(tc, test_reconfigure_in_flight_line_high);
	tcase_add_test(tc, test_resample_before_redelivery);
	tcase_add_test(tc, test_resample_deassert_no_redelivery);
	tcase_add_test(tc, test_resample_deassert_other_source_high);
	tcase_add_test(tc, test_resample_rewrites_entry);
	tcase_add_test(tc, test_eoi_from_inside_deliver);
	tcase_add_test(tc, test_wired_or);
	tcase_add_test(tc, test_set_irq_einval);

	tcase_add_test(tc, test_storm_throttle);
	tcase_add_test(tc, test_storm_timer_line_low);
	tcase_add_test(tc, test_storm_reset_by_line_low);
	tcase_add_test(tc, test_storm_reset_by_entry_write);
	tcase_add_test(tc, test_timer_not_throttled);

	tcase_add_test(tc, test_create_rejects);
	tcase_add_test(tc, test_max_pins);
	tcase_add_test(tc, test_one_pin);
	tcase_add_test(tc, test_multiple_instances);
	tcase_add_test(tc, test_reset);

	tcase_add_test(tc, test_save_load_roundtrip);
	tcase_add_test(tc, test_save_load_storm_count);
	tcase_add_test(tc, test_save_load_throttled);
	tcase_add_test(tc, test_set_state_rejects);
	tcase_add_test(tc, test_set_state_delivery_status);
	tcase_add_test(tc, test_announce_routes);

	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ioapic_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

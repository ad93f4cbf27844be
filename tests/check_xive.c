/*
 * Unit suite for emul/xive: the sPAPR XIVE state machine against the POWER9
 * XIVE architecture and the PAPR+ H_INT_* hypervisor calls. Expected values
 * are written from the specification with the test's own definitions
 * (xive-bits.h), not from xive_internal.h. Guest RAM is a buffer the ops
 * read and write; queue entries are checked byte by byte (big-endian).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "compiler.h"
#include "xive/xive.h"
#include "xive-bits.h"

#define NCPU		4
#define NSRC		0x1100		/* IPIs 0..3, devices from 0x1000 */
#define DEV_IRQ		0x1000
#define ESB_BASE	0x0006010000000000ULL
#define MSI_BASE	0x40000000000ULL
#define MSI_SIZE	0x10000ULL

#define RAM_SIZE	(32ULL << 20)	/* guest RAM at 0 */
#define HIGH_GPA	0x1000200000ULL	/* 64 GiB + 2M, 64K of RAM */
#define HIGH_SIZE	0x10000ULL
#define QPAGE(cpu)	(0x100000ULL + (uint64_t)(cpu) * 0x10000)
#define PRIO		6		/* the priority Linux uses */

struct recorder {
	struct xive	*x;
	uint8_t		*ram;
	uint8_t		*high;
	bool		 fail_write;

	bool		 level[NCPU];
	unsigned	 nirq[NCPU];
	unsigned	 nirq_calls;

	unsigned	 nresample;
	uint32_t	 resample_irq;
	bool		 resample_deassert;
	bool		 asserted_at_resample;

	unsigned	 nerror;
	char		 error_kind[64];
};

static struct recorder	 rec;
static struct xive	*x;
static unsigned		 cur_shift = 17;

static uint8_t *
gpa_ptr(struct recorder *r, uint64_t gpa, size_t len)
{
	if (gpa < RAM_SIZE && len <= RAM_SIZE - gpa)
		return r->ram + gpa;
	if (gpa >= HIGH_GPA && gpa - HIGH_GPA < HIGH_SIZE &&
	    len <= HIGH_SIZE - (gpa - HIGH_GPA))
		return r->high + (gpa - HIGH_GPA);
	return NULL;
}

static int
rec_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	uint8_t	*p = gpa_ptr(opaque, gpa, len);

	if (p == NULL)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int
rec_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct recorder	*r = opaque;
	uint8_t		*p = gpa_ptr(r, gpa, len);

	if (p == NULL || r->fail_write)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

static void
rec_cpu_irq(void *opaque, unsigned cpu, bool level)
{
	struct recorder	*r = opaque;

	ck_assert_uint_lt(cpu, NCPU);
	/* The line is reported when it changes, only then. */
	ck_assert(level != r->level[cpu]);
	r->level[cpu] = level;
	r->nirq[cpu]++;
	r->nirq_calls++;
}

static void
rec_resample(void *opaque, uint32_t irq)
{
	struct recorder	*r = opaque;
	struct xive_state *st = xive_state_alloc(r->x);

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(xive_get_state(r->x, st), 0);
	r->asserted_at_resample =
	    (st->src[irq].flags & XIVE_SRC_ASSERTED) != 0;
	xive_state_free(st);
	r->nresample++;
	r->resample_irq = irq;
	if (r->resample_deassert)
		ck_assert_int_eq(xive_set_irq(r->x, irq, false), 0);
}

static void
rec_guest_error(void *opaque, const char *kind, const char *msg)
{
	struct recorder	*r = opaque;

	ck_assert_ptr_nonnull(kind);
	ck_assert_uint_gt(strlen(msg), 0);
	r->nerror++;
	strncpy(r->error_kind, kind, sizeof r->error_kind - 1);
}

static const struct xive_ops rec_ops = {
	.cpu_irq = rec_cpu_irq,
	.read = rec_read,
	.write = rec_write,
	.resample = rec_resample,
	.guest_error = rec_guest_error,
};

static struct xive_config
default_config(unsigned shift)
{
	struct xive_config	c;

	memset(&c, 0, sizeof c);
	c.irq_base = 0;
	c.nsources = NSRC;
	c.ncpus = NCPU;
	c.esb_shift = shift;
	c.esb_base = ESB_BASE;
	c.msi_base = MSI_BASE;
	c.msi_size = MSI_SIZE;
	return c;
}

/* A chip like sPAPR's after CAS chose XIVE: IPIs 0..3 and 16 MSIs claimed. */
static struct xive *
make_chip(const struct xive_config *c)
{
	struct xive	*n = xive_create(c, &rec_ops, &rec);
	uint32_t	 first;

	ck_assert_ptr_nonnull(n);
	rec.x = n;
	cur_shift = c->esb_shift;
	xive_set_active(n, true);
	ck_assert_int_eq(xive_irq_claim(n, 0, NCPU, 1, false, &first), 0);
	ck_assert_int_eq(xive_irq_claim(n, DEV_IRQ, 16, 16, false, &first), 0);
	ck_assert_uint_eq(first, DEV_IRQ);
	return n;
}

static void
setup(void)
{
	struct xive_config	c = default_config(17);

	memset(&rec, 0, sizeof rec);
	rec.ram = calloc(1, RAM_SIZE);
	rec.high = calloc(1, HIGH_SIZE);
	ck_assert_ptr_nonnull(rec.ram);
	ck_assert_ptr_nonnull(rec.high);
	x = make_chip(&c);
}

static void
teardown(void)
{
	xive_destroy(x);
	free(rec.ram);
	free(rec.high);
}

/* Replace the fixture's chip. */
static void
remake(const struct xive_config *c)
{
	xive_destroy(x);
	memset(rec.level, 0, sizeof rec.level);
	x = make_chip(c);
}

static long
hc(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
    uint64_t a4, uint64_t *r)
{
	uint64_t	args[5] = { a0, a1, a2, a3, a4 };
	uint64_t	rets[XIVE_HCALL_MAX_RETS], *out = r != NULL ? r : rets;
	unsigned	nrets = 99;
	long		rc;

	rc = xive_hcall(x, 0, op, args, 5, out, &nrets);
	ck_assert_uint_le(nrets, XIVE_HCALL_MAX_RETS);
	if (rc != H_SUCCESS)
		ck_assert_uint_eq(nrets, 0);
	return rc;
}

/* Offsets in the ESB window, from the layout: slot n at n << shift. */
static uint64_t
esb_trig(uint32_t irq)
{
	return (uint64_t)irq << cur_shift;
}

static uint64_t
esb_mgmt(uint32_t irq)
{
	uint64_t	slot = (uint64_t)irq << cur_shift;

	/* Two pages (shift 13, 17): the odd page manages. */
	if (cur_shift == 13 || cur_shift == 17)
		return slot + (1ULL << (cur_shift - 1));
	return slot;
}

static uint64_t
esb_ld_sz(uint64_t off, unsigned size)
{
	uint64_t	v = 0xdead;

	ck_assert_int_eq(xive_esb_read(x, off, size, &v), 0);
	return v;
}

static uint64_t
esb_ld(uint32_t irq, unsigned op)
{
	return esb_ld_sz(esb_mgmt(irq) + op, 8);
}

static void
esb_st(uint64_t off, unsigned size)
{
	ck_assert_int_eq(xive_esb_write(x, off, size, 0), 0);
}

static uint64_t
tm_ld(unsigned cpu, unsigned page, unsigned off, unsigned size)
{
	uint64_t	v = 0xdead;

	ck_assert_int_eq(xive_tima_read(x, cpu, TM_PAGE(page) + off, size, &v), 0);
	return v;
}

static void
tm_st(unsigned cpu, unsigned page, unsigned off, unsigned size, uint64_t v)
{
	ck_assert_int_eq(xive_tima_write(x, cpu, TM_PAGE(page) + off, size, v), 0);
}

static uint8_t
pq_of(uint32_t irq)
{
	return (uint8_t)esb_ld(irq, ESB_GET);
}

/* Linux's xive_spapr_configure_queue(): always notify, order qshift. */
static void
queue_config(unsigned cpu, unsigned prio, uint64_t qpage, unsigned qshift)
{
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, EQ_ALWAYS_NOTIFY, cpu, prio,
	    qpage, qshift, NULL), H_SUCCESS);
}

/* Linux's xive_spapr_configure_irq() with EISN = LISN, then unmask. */
static void
route(uint32_t lisn, unsigned cpu, unsigned prio)
{
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, SRC_CFG_SET_EISN, lisn, cpu,
	    prio, lisn, NULL), H_SUCCESS);
	(void)esb_ld(lisn, ESB_SET_PQ(PQ_00));
}

/* The queue index, from H_INT_GET_QUEUE_CONFIG's debug data. */
static uint64_t
queue_index(unsigned cpu, unsigned prio, bool *gen)
{
	uint64_t	r[4];

	ck_assert_int_eq(hc(HC_GET_QUEUE_CONFIG, EQ_DEBUG, cpu, prio, 0, 0, r),
	    H_SUCCESS);
	if (gen != NULL)
		*gen = (r[0] & EQ_GENERATION) != 0;
	return r[3];
}

/* A big-endian entry as the guest reads it: bytes from RAM. */
static uint32_t
eq_entry(uint64_t qpage, unsigned i)
{
	const uint8_t	*p = gpa_ptr(&rec, qpage + 4ULL * i, 4);

	ck_assert_ptr_nonnull(p);
	if (p == NULL)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
check_entry_bytes(uint64_t qpage, unsigned i, bool gen, uint32_t data)
{
	const uint8_t	*p = gpa_ptr(&rec, qpage + 4ULL * i, 4);
	uint32_t	 v = (gen ? 0x80000000U : 0) | data;

	ck_assert_ptr_nonnull(p);
	if (p == NULL)
		return;
	ck_assert_uint_eq(p[0], v >> 24);
	ck_assert_uint_eq(p[1], (v >> 16) & 0xff);
	ck_assert_uint_eq(p[2], (v >> 8) & 0xff);
	ck_assert_uint_eq(p[3], v & 0xff);
}

/* Linux at CPU bring-up: queue for PRIO, CPPR 0xff on the OS ring. */
static void
linux_cpu_setup(unsigned cpu)
{
	queue_config(cpu, PRIO, QPAGE(cpu), 16);
	tm_st(cpu, PAGE_OS, QW1_CPPR, 1, 0xff);
}

/* ---- the PQ machine ---- */

START_TEST(test_pq_table)
{
	/* XIVE architecture ESB state table: 00 reset, 10 pending, 11 queued, 01 off. */
	static const uint8_t trig_next[4] = { PQ_10, PQ_01, PQ_11, PQ_11 };
	static const bool trig_notify[4] = { true, false, false, false };
	static const uint8_t eoi_next[4] = { PQ_00, PQ_01, PQ_00, PQ_10 };
	static const bool eoi_notify[4] = { false, false, false, true };
	static const uint8_t lsi_next[4] = { PQ_10, PQ_01, PQ_10, PQ_11 };
	uint8_t		pq, v;

	for (v = 0; v < 4; v++) {
		pq = v;
		ck_assert(xive_pq_trigger(&pq) == trig_notify[v]);
		ck_assert_uint_eq(pq, trig_next[v]);
		pq = v;
		ck_assert(xive_pq_eoi(&pq) == eoi_notify[v]);
		ck_assert_uint_eq(pq, eoi_next[v]);
		pq = v;
		ck_assert(xive_pq_lsi_trigger(&pq) == (v == PQ_00));
		ck_assert_uint_eq(pq, lsi_next[v]);
		for (uint8_t n = 0; n < 4; n++) {
			pq = v;
			ck_assert_uint_eq(xive_pq_set(&pq, n), v);
			ck_assert_uint_eq(pq, n);
		}
	}
	ck_assert_str_eq(xive_pq_name(PQ_00), "reset");
	ck_assert_str_eq(xive_pq_name(PQ_01), "off");
	ck_assert_str_eq(xive_pq_name(PQ_10), "pending");
	ck_assert_str_eq(xive_pq_name(PQ_11), "queued");
}
END_TEST

/*
 * Every management-page operation, from every PQ, at every access size, for
 * every ESB shift: the new PQ, the loaded value and whether an event reached
 * the queue.
 */
struct esb_case {
	bool		write;
	unsigned	op;
};

static const struct esb_case esb_cases[] = {
	{ false, 0x000 }, { false, 0x3f8 },		/* load EOI */
	{ false, 0x400 }, { false, 0x7f8 },		/* store-only */
	{ false, 0x800 }, { false, 0xbf8 },		/* GET */
	{ false, 0xc00 }, { false, 0xd00 }, { false, 0xe00 }, { false, 0xf00 },
	{ false, 0xcf8 }, { false, 0xe40 },		/* SET_PQ, LD_ST_MO */
	{ true, 0x000 }, { true, 0x3f8 },		/* trigger */
	{ true, 0x400 },				/* StoreEOI */
	{ true, 0x800 },				/* INJECT */
	{ true, 0xc00 }, { true, 0xd00 }, { true, 0xe00 }, { true, 0xf00 },
};

/* Which input the source under test has. */
enum esb_kind {
	KIND_MSI,
	KIND_LSI_LOW,		/* an LSI whose input is deasserted */
	KIND_LSI_HIGH,		/* an LSI whose input is asserted */
};

static void
esb_case_expect(const struct esb_case *c, uint8_t pq, unsigned size,
    bool store_eoi, enum esb_kind kind, uint8_t *next, uint64_t *value,
    bool *notify, bool *error)
{
	static const uint8_t trig_next[4] = { PQ_10, PQ_01, PQ_11, PQ_11 };
	static const uint8_t lsi_next[4] = { PQ_10, PQ_01, PQ_10, PQ_11 };
	static const uint8_t eoi_next[4] = { PQ_00, PQ_01, PQ_00, PQ_10 };
	uint64_t	ones = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	bool		settles = false, eoi_load = false;

	*next = pq;
	*value = 0;
	*notify = false;
	*error = false;
	if (!c->write) {
		if (c->op < 0x400) {
			*next = eoi_next[pq];
			*notify = pq == PQ_11;
			*value = *notify;
			settles = eoi_load = true;
		} else if (c->op < 0x800) {
			*error = true;
			*value = ones;
		} else if (c->op < 0xc00) {
			*value = pq;
		} else {
			*value = pq;
			*next = (c->op >> 8) & 3;
			settles = true;
		}
	} else if (c->op < 0x400) {
		*next = kind == KIND_MSI ? trig_next[pq] : lsi_next[pq];
		*notify = pq == PQ_00;
	} else if (c->op < 0x800) {
		if (store_eoi) {
			*next = eoi_next[pq];
			*notify = pq == PQ_11;
			settles = true;
		} else {
			*error = true;
		}
	} else if (c->op < 0xc00) {
		*error = true;
	} else {
		*next = (c->op >> 8) & 3;
		settles = true;
	}
	/* An asserted level left with PQ 00 fires again at once. */
	if (kind == KIND_LSI_HIGH && settles && *next == PQ_00) {
		*next = PQ_10;
		*notify = true;
		if (eoi_load)
			*value = 1;
	}
}

/* Put the source in PQ pq, with its input asserted or not. */
static void
source_force(uint32_t irq, uint8_t pq, bool asserted)
{
	struct xive_state *st = xive_state_alloc(x);

	ck_assert_int_eq(xive_get_state(x, st), 0);
	st->src[irq].pq = pq;
	if (asserted)
		st->src[irq].flags |= XIVE_SRC_ASSERTED;
	ck_assert_int_eq(xive_set_state(x, st), 0);
	xive_state_free(st);
}

static void
esb_all_ops(unsigned shift, bool store_eoi, enum esb_kind kind)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	struct xive_config c = default_config(shift);
	const uint32_t	irq = DEV_IRQ + 20;
	uint64_t	idx, v, want_v;
	uint8_t		want_pq;
	bool		notify, error;
	unsigned	errors;

	c.store_eoi = store_eoi;
	remake(&c);
	ck_assert_int_eq(xive_irq_claim(x, irq, 1, 1, kind != KIND_MSI, NULL), 0);
	queue_config(0, PRIO, QPAGE(0), 16);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, SRC_CFG_SET_EISN, irq, 0, PRIO,
	    irq, NULL), H_SUCCESS);
	for (size_t k = 0; k < ARRAY_SIZE(esb_cases); k++) {
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			for (uint8_t pq = 0; pq < 4; pq++) {
				const struct esb_case *ec = &esb_cases[k];

				source_force(irq, pq, kind == KIND_LSI_HIGH);
				esb_case_expect(ec, pq, sizes[s], store_eoi,
				    kind, &want_pq, &want_v, &notify, &error);
				idx = queue_index(0, PRIO, NULL);
				errors = rec.nerror;
				if (ec->write) {
					ck_assert_int_eq(xive_esb_write(x,
					    esb_mgmt(irq) + ec->op, sizes[s],
					    0x1234), 0);
				} else {
					v = esb_ld_sz(esb_mgmt(irq) + ec->op,
					    sizes[s]);
					ck_assert_msg(v == want_v, "kind %d shift "
					    "%u op 0x%x size %u pq %u: 0x%llx",
					    kind, shift, ec->op, sizes[s], pq,
					    (unsigned long long)v);
				}
				ck_assert_msg(pq_of(irq) == want_pq, "kind %d "
				    "shift %u %s 0x%x size %u pq %u", kind,
				    shift, ec->write ? "store" : "load", ec->op,
				    sizes[s], pq);
				ck_assert_uint_eq(queue_index(0, PRIO, NULL),
				    idx + (notify ? 1 : 0));
				ck_assert_uint_eq(rec.nerror,
				    errors + (error ? 1 : 0));
			}
		}
	}
}

/* _i: shift (4) x StoreEOI offered (2) x MSI, LSI low, LSI asserted (3). */
START_TEST(test_esb_ops_every_shift)
{
	static const unsigned shifts[] = { 12, 13, 16, 17 };

	esb_all_ops(shifts[_i / 6], (_i / 3) & 1, (enum esb_kind)(_i % 3));
}
END_TEST

/* Two-page mode: the even page refuses loads and triggers on any store. */
START_TEST(test_esb_trigger_page)
{
	static const unsigned shifts[] = { 13, 17 };
	struct xive_config c = default_config(shifts[_i]);
	const uint32_t	irq = DEV_IRQ;
	uint64_t	half = 1ULL << (shifts[_i] - 1);

	remake(&c);
	queue_config(0, PRIO, QPAGE(0), 16);
	route(irq, 0, PRIO);
	ck_assert_uint_eq(esb_trig(irq) + half, esb_mgmt(irq));

	for (unsigned size = 1; size <= 8; size <<= 1) {
		unsigned e = rec.nerror;

		ck_assert_uint_eq(esb_ld_sz(esb_trig(irq) + 0xc00, size),
		    size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1);
		ck_assert_uint_eq(rec.nerror, e + 1);
		ck_assert_str_eq(rec.error_kind, "esb-trigger-load");
	}
	/* A load on the trigger page changed nothing. */
	ck_assert_uint_eq(pq_of(irq), PQ_00);
	/* A store anywhere in it triggers: 00 -> 10, then 10 -> 11. */
	esb_st(esb_trig(irq) + 0xc00, 1);
	ck_assert_uint_eq(pq_of(irq), PQ_10);
	esb_st(esb_trig(irq) + half - 8, 8);
	ck_assert_uint_eq(pq_of(irq), PQ_11);
	ck_assert_uint_eq(queue_index(0, PRIO, NULL), 1);
}
END_TEST

/* Only bits 11:0 of the offset in a page name the operation. */
START_TEST(test_esb_offset_decode)
{
	const uint32_t	irq = DEV_IRQ;

	(void)esb_ld(irq, ESB_SET_PQ(PQ_11));
	ck_assert_uint_eq(esb_ld_sz(esb_mgmt(irq) + 0x1800, 8), PQ_11);
	ck_assert_uint_eq(esb_ld_sz(esb_mgmt(irq) + 0x7d00, 8), PQ_11);
	ck_assert_uint_eq(pq_of(irq), PQ_01);
	ck_assert_uint_eq(esb_ld_sz(esb_mgmt(irq) + 0xfc00 + 0xe0, 8), PQ_01);
	ck_assert_uint_eq(pq_of(irq), PQ_00);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_esb_window_bounds)
{
	uint64_t	size = xive_esb_window_size(x), v;

	/* NSRC sources of 128K, then NCPU * 8 ENDs of 2 x 64K. */
	ck_assert_uint_eq(xive_esb_window_size(x),
	    ((uint64_t)NSRC << 17) + ((uint64_t)NCPU * 8 << 17));
	ck_assert_int_eq(xive_esb_read(x, size - 8, 8, &v), 0);
	ck_assert_int_eq(xive_esb_read(x, size - 4, 8, &v), -EINVAL);
	ck_assert_int_eq(xive_esb_read(x, size, 1, &v), -EINVAL);
	ck_assert_int_eq(xive_esb_write(x, ~0ULL, 8, 0), -EINVAL);
	ck_assert_int_eq(xive_esb_read(x, 0, 3, &v), -EINVAL);
	ck_assert_int_eq(xive_esb_write(x, 0, 16, 0), -EINVAL);
	ck_assert_int_eq(xive_esb_read(x, 0, 0, &v), -EINVAL);
}
END_TEST

/* An unclaimed source's pages: guest errors, and it never fires. */
START_TEST(test_esb_unclaimed)
{
	const uint32_t	irq = DEV_IRQ + 100;

	queue_config(0, PRIO, QPAGE(0), 16);
	ck_assert_uint_eq(esb_ld(irq, ESB_SET_PQ(PQ_00)), ~0ULL);
	ck_assert_str_eq(rec.error_kind, "esb-unclaimed");
	esb_st(esb_trig(irq), 8);
	esb_st(esb_mgmt(irq), 8);
	ck_assert_uint_eq(rec.nerror, 3);
	ck_assert_uint_eq(queue_index(0, PRIO, NULL), 0);
	ck_assert_int_eq(xive_set_irq(x, irq, true), -ENOENT);
	ck_assert_int_eq(xive_trigger(x, irq), -ENOENT);
	ck_assert_int_eq(xive_set_irq(x, NSRC, true), -EINVAL);
	ck_assert_int_eq(xive_trigger(x, NSRC), -EINVAL);
}
END_TEST

/* END ESBs follow the sources: ESn even page, ESe odd; loads only. */
START_TEST(test_end_esb_pages)
{
	uint64_t	r[4], end_off;
	const unsigned	cpu = 2, prio = 3, idx = cpu * 8 + prio;

	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, cpu, prio, 0, 0, r), H_SUCCESS);
	end_off = ((uint64_t)NSRC << 17) + ((uint64_t)idx << 17);
	ck_assert_uint_eq(r[0], ESB_BASE + end_off);
	/* Reset ENDs: ESn and ESe 01. */
	ck_assert_uint_eq(esb_ld_sz(end_off + ESB_GET, 8), PQ_01);
	ck_assert_uint_eq(esb_ld_sz(end_off + 0x10000 + ESB_GET, 8), PQ_01);
	ck_assert_uint_eq(esb_ld_sz(end_off + ESB_SET_PQ(PQ_11), 8), PQ_01);
	ck_assert_uint_eq(esb_ld_sz(end_off + ESB_GET, 4), PQ_11);
	/* EOI of 11: 10, returns 1. */
	ck_assert_uint_eq(esb_ld_sz(end_off + ESB_LOAD_EOI, 8), 1);
	ck_assert_uint_eq(esb_ld_sz(end_off + ESB_GET, 8), PQ_10);
	/* ESe untouched. */
	ck_assert_uint_eq(esb_ld_sz(end_off + 0x10000 + ESB_GET, 8), PQ_01);
	ck_assert_uint_eq(rec.nerror, 0);
	esb_st(end_off + ESB_SET_PQ(PQ_00), 8);
	ck_assert_uint_eq(rec.nerror, 1);
	ck_assert_uint_eq(esb_ld_sz(end_off + ESB_GET, 8), PQ_10);
}
END_TEST

/* END slots at every shift: two pages (ESn, ESe) of the sources' page size. */
START_TEST(test_end_esb_layout)
{
	static const unsigned shifts[] = { 12, 13, 16, 17 };
	unsigned	shift = shifts[_i];
	unsigned	page = (shift == 13 || shift == 17) ? shift - 1 : shift;
	struct xive_config c = default_config(shift);
	uint64_t	r[4], esn, ese;

	remake(&c);
	ck_assert_uint_eq(xive_esb_window_size(x), ((uint64_t)NSRC << shift) +
	    ((uint64_t)NCPU * 8 << (page + 1)));
	for (unsigned cpu = 0; cpu < NCPU; cpu++) {
		ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, cpu, 5, 0, 0, r),
		    H_SUCCESS);
		esn = ((uint64_t)NSRC << shift) +
		    ((uint64_t)(cpu * 8 + 5) << (page + 1));
		ese = esn + (1ULL << page);
		ck_assert_uint_eq(r[0], ESB_BASE + esn);
		/* Each page is its own PQ: set ESn 10 and ESe 11. */
		(void)esb_ld_sz(esn + ESB_SET_PQ(PQ_10), 8);
		(void)esb_ld_sz(ese + ESB_SET_PQ(PQ_11), 8);
		ck_assert_uint_eq(esb_ld_sz(esn + ESB_GET, 8), PQ_10);
		ck_assert_uint_eq(esb_ld_sz(ese + ESB_GET, 8), PQ_11);
		/* The neighbour END is untouched. */
		ck_assert_uint_eq(esb_ld_sz(ese + (1ULL << page) + ESB_GET, 8),
		    PQ_01);
	}
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* ---- hcalls ---- */

START_TEST(test_hcall_inactive)
{
	static const uint64_t ops[] = { HC_GET_SOURCE_INFO, HC_SET_SOURCE_CONFIG,
	    HC_GET_SOURCE_CONFIG, HC_GET_QUEUE_INFO, HC_SET_QUEUE_CONFIG,
	    HC_GET_QUEUE_CONFIG, HC_SET_OS_REPORTING, HC_GET_OS_REPORTING,
	    HC_ESB, HC_SYNC, HC_RESET };

	xive_set_active(x, false);
	ck_assert(!xive_active(x));
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		ck_assert_int_eq(hc(ops[i], 0, 0, PRIO, 0, 0, NULL), H_FUNCTION);
	xive_set_active(x, true);
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, 0, 0, 0, 0, NULL), H_SUCCESS);
	/* Not an H_INT_* call. */
	ck_assert_int_eq(hc(0x64, 0, 0, 0, 0, 0, NULL), H_FUNCTION);
	ck_assert_int_eq(hc(0x3d4, 0, 0, 0, 0, 0, NULL), H_FUNCTION);
	/* The reporting line is not offered (as QEMU). */
	ck_assert_int_eq(hc(HC_SET_OS_REPORTING, 0, 0x1000, 0, 0, 0, NULL),
	    H_FUNCTION);
	ck_assert_int_eq(hc(HC_GET_OS_REPORTING, 0, 0, 0, 0, 0, NULL), H_FUNCTION);
}
END_TEST

START_TEST(test_hcall_caller_cpu)
{
	uint64_t	args[2] = { 0, 0 }, r[4];
	unsigned	n;

	ck_assert_int_eq(xive_hcall(x, NCPU, HC_GET_SOURCE_INFO, args, 2, r, &n),
	    H_HARDWARE);
	ck_assert_int_eq(xive_hcall(x, NCPU - 1, HC_GET_SOURCE_INFO, args, 2, r,
	    &n), H_SUCCESS);
	ck_assert_uint_eq(n, 4);
	/* Missing arguments read as 0: flags 0, LISN 0. */
	ck_assert_int_eq(xive_hcall(x, 0, HC_GET_SOURCE_INFO, args, 0, r, &n),
	    H_SUCCESS);
}
END_TEST

START_TEST(test_get_source_info)
{
	static const unsigned shifts[] = { 12, 13, 16, 17 };
	unsigned	shift = shifts[_i / 2];
	bool		store_eoi = _i & 1;
	bool		two = shift == 13 || shift == 17;
	struct xive_config c = default_config(shift);
	uint64_t	r[4];
	uint32_t	lsi;

	c.store_eoi = store_eoi;
	remake(&c);
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 1, 1, true, &lsi), 0);

	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, DEV_IRQ + 1, 0, 0, 0, r),
	    H_SUCCESS);
	ck_assert_uint_eq(r[0], (two ? 0 : SRC_INFO_TRIGGER) |
	    (store_eoi ? SRC_INFO_STORE_EOI : 0));
	ck_assert_uint_eq(r[1], ESB_BASE + ((uint64_t)(DEV_IRQ + 1) << shift) +
	    (two ? 1ULL << (shift - 1) : 0));
	ck_assert_uint_eq(r[2], two ? ESB_BASE + ((uint64_t)(DEV_IRQ + 1) << shift) :
	    ~0ULL);
	ck_assert_uint_eq(r[3], two ? shift - 1 : shift);

	/* LSIs are managed through H_INT_ESB: no pages. */
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, lsi, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0] & (SRC_INFO_H_INT_ESB | SRC_INFO_LSI),
	    SRC_INFO_H_INT_ESB | SRC_INFO_LSI);
	ck_assert_uint_eq(r[1], ~0ULL);
	ck_assert_uint_eq(r[2], ~0ULL);

	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 1, DEV_IRQ, 0, 0, 0, r),
	    H_PARAMETER);
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0x8000000000000000ULL, DEV_IRQ,
	    0, 0, 0, r), H_PARAMETER);
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, NSRC, 0, 0, 0, r), H_P2);
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, ~0ULL, 0, 0, 0, r), H_P2);
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, DEV_IRQ + 16, 0, 0, 0, r),
	    H_P2);
}
END_TEST

START_TEST(test_set_source_config)
{
	uint64_t	r[4];
	const uint32_t	irq = DEV_IRQ + 2;

	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0x4, irq, 1, PRIO, 0, NULL),
	    H_PARAMETER);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0, NSRC, 1, PRIO, 0, NULL), H_P2);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0, DEV_IRQ + 20, 1, PRIO, 0,
	    NULL), H_P2);
	/* 7 is reserved for escalations (ibm,plat-res-int-priorities). */
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0, irq, 1, 7, 0, NULL), H_P4);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0, irq, 1, 0x1ff, 0, NULL), H_P4);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0, irq, NCPU, PRIO, 0, NULL),
	    H_P3);
	/* The priority is checked before the target. */
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0, irq, NCPU, 7, 0, NULL), H_P4);
	/* Failed calls changed nothing: still reset (masked, EISN 0). */
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 0, irq, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[1], 0xff);
	ck_assert_uint_eq(r[2], 0);

	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, SRC_CFG_SET_EISN, irq, 3, 2,
	    0xabcdef, NULL), H_SUCCESS);
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 0, irq, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], 3);
	ck_assert_uint_eq(r[1], 2);
	ck_assert_uint_eq(r[2], 0xabcdef);
	/* Without SET_EISN the EISN stays; MASK masks. */
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, SRC_CFG_MASK, irq, 1, 4, 0x55,
	    NULL), H_SUCCESS);
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 0, irq, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], 1);
	ck_assert_uint_eq(r[1], 0xff);
	ck_assert_uint_eq(r[2], 0xabcdef);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0, irq, 1, 4, 0, NULL), H_SUCCESS);
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 0, irq, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[1], 4);
	/* Priority 0xff resets the EAS, whatever the target. */
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0, irq, 999, 0xff, 0, NULL),
	    H_SUCCESS);
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 0, irq, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(r[1], 0xff);
	ck_assert_uint_eq(r[2], 0);
}
END_TEST

START_TEST(test_get_source_config_errors)
{
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 1, DEV_IRQ, 0, 0, 0, NULL),
	    H_PARAMETER);
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 0, NSRC + 5, 0, 0, 0, NULL),
	    H_P2);
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 0, DEV_IRQ + 16, 0, 0, 0, NULL),
	    H_P2);
}
END_TEST

START_TEST(test_get_queue_info)
{
	uint64_t	r[4];

	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 1, 0, 0, 0, 0, r), H_PARAMETER);
	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, NCPU, 0, 0, 0, r), H_P2);
	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, 0, 7, 0, 0, r), H_P3);
	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, NCPU, 7, 0, 0, r), H_P3);
	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, 1, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], ESB_BASE + ((uint64_t)NSRC << 17) + (8ULL << 17));
	ck_assert_uint_eq(r[1], 0);
	queue_config(1, 0, QPAGE(1), 16);
	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, 1, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[1], 16);
}
END_TEST

START_TEST(test_set_queue_config)
{
	static const unsigned sizes[] = { 12, 16, 21, 24 };
	uint64_t	r[4];

	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 2, 0, 0, QPAGE(0), 16, NULL),
	    H_PARAMETER);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 0, 7, QPAGE(0), 16, NULL), H_P3);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, NCPU, 0, QPAGE(0), 16, NULL),
	    H_P2);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 0, 0, QPAGE(0), 13, NULL), H_P5);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 0, 0, QPAGE(0), 64, NULL), H_P5);
	/* Not aligned to its size. */
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 0, 0, QPAGE(0) + 0x1000, 16,
	    NULL), H_P4);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 0, 0, 0x100000, 21, NULL), H_P4);
	/* Not RAM (end beyond it, or nowhere). */
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 0, 0, HIGH_GPA, 21, NULL),
	    H_P4);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 0, 0, RAM_SIZE, 12, NULL),
	    H_P4);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 0, 0, 0x80000000ULL, 12, NULL),
	    H_P4);
	/* Beyond the END's 60 address bits. */
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 0, 0, 1ULL << 60, 12, NULL),
	    H_P4);
	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, 0, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[1], 0);

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint64_t qpage = 1ULL << 24;	/* 16M: aligned for all */

		ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 1, 5, qpage, sizes[i],
		    NULL), H_SUCCESS);
		ck_assert_int_eq(hc(HC_GET_QUEUE_CONFIG, EQ_DEBUG, 1, 5, 0, 0, r),
		    H_SUCCESS);
		/* Generation 1, index 0, no unconditional notify. */
		ck_assert_uint_eq(r[0], EQ_GENERATION);
		ck_assert_uint_eq(r[1], qpage);
		ck_assert_uint_eq(r[2], sizes[i]);
		ck_assert_uint_eq(r[3], 0);
	}
	/* Size 0 resets: no queue. */
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 1, 5, 0x1234, 0, NULL),
	    H_SUCCESS);
	ck_assert_int_eq(hc(HC_GET_QUEUE_CONFIG, 0, 1, 5, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(r[1], 0);
	ck_assert_uint_eq(r[2], 0);
}
END_TEST

START_TEST(test_get_queue_config)
{
	uint64_t	r[4];
	const uint32_t	irq = DEV_IRQ;

	ck_assert_int_eq(hc(HC_GET_QUEUE_CONFIG, 2, 0, PRIO, 0, 0, r), H_PARAMETER);
	ck_assert_int_eq(hc(HC_GET_QUEUE_CONFIG, 0, 0, 7, 0, 0, r), H_P3);
	ck_assert_int_eq(hc(HC_GET_QUEUE_CONFIG, 0, NCPU, PRIO, 0, 0, r), H_P2);
	queue_config(0, PRIO, QPAGE(0), 12);
	route(irq, 0, PRIO);
	esb_st(esb_trig(irq), 8);
	(void)esb_ld(irq, ESB_SET_PQ(PQ_00));
	esb_st(esb_trig(irq), 8);
	ck_assert_int_eq(hc(HC_GET_QUEUE_CONFIG, 0, 0, PRIO, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], EQ_ALWAYS_NOTIFY);
	ck_assert_uint_eq(r[1], QPAGE(0));
	ck_assert_uint_eq(r[2], 12);
	ck_assert_uint_eq(r[3], 0);	/* no debug: no index */
	ck_assert_int_eq(hc(HC_GET_QUEUE_CONFIG, EQ_DEBUG, 0, PRIO, 0, 0, r),
	    H_SUCCESS);
	ck_assert_uint_eq(r[0], EQ_ALWAYS_NOTIFY | EQ_GENERATION);
	ck_assert_uint_eq(r[3], 2);
}
END_TEST

START_TEST(test_h_int_esb)
{
	uint64_t	r[4];
	const uint32_t	irq = DEV_IRQ + 1;

	queue_config(0, PRIO, QPAGE(0), 16);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, SRC_CFG_SET_EISN, irq, 0, PRIO,
	    0x77, NULL), H_SUCCESS);
	ck_assert_int_eq(hc(HC_ESB, 0, irq, ESB_SET_PQ(PQ_00), 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], PQ_01);
	ck_assert_int_eq(hc(HC_ESB, 0, irq, ESB_GET, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], PQ_00);
	/* A store at 0 triggers; a store returns -1. */
	ck_assert_int_eq(hc(HC_ESB, ESB_HCALL_STORE, irq, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], ~0ULL);
	ck_assert_uint_eq(pq_of(irq), PQ_10);
	check_entry_bytes(QPAGE(0), 0, true, 0x77);
	ck_assert_int_eq(hc(HC_ESB, 0, irq, ESB_LOAD_EOI, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(pq_of(irq), PQ_00);

	ck_assert_int_eq(hc(HC_ESB, 0x2, irq, 0, 0, 0, r), H_PARAMETER);
	ck_assert_int_eq(hc(HC_ESB, 0, NSRC, 0, 0, 0, r), H_P2);
	ck_assert_int_eq(hc(HC_ESB, 0, DEV_IRQ + 16, 0, 0, 0, r), H_P2);
	/* The offset is in the 64K management page. */
	ck_assert_int_eq(hc(HC_ESB, 0, irq, 0x10000, 0, 0, r), H_P3);
	ck_assert_int_eq(hc(HC_ESB, 0, irq, 0xfff8, 0, 0, r), H_SUCCESS);
}
END_TEST

START_TEST(test_h_int_sync)
{
	ck_assert_int_eq(hc(HC_SYNC, 1, DEV_IRQ, 0, 0, 0, NULL), H_PARAMETER);
	ck_assert_int_eq(hc(HC_SYNC, 0, NSRC, 0, 0, 0, NULL), H_P2);
	ck_assert_int_eq(hc(HC_SYNC, 0, DEV_IRQ + 16, 0, 0, 0, NULL), H_P2);
	ck_assert_int_eq(hc(HC_SYNC, 0, DEV_IRQ, 0, 0, 0, NULL), H_SUCCESS);
}
END_TEST

START_TEST(test_h_int_reset)
{
	uint64_t	r[4];
	const uint32_t	irq = DEV_IRQ;

	queue_config(0, PRIO, QPAGE(0), 16);
	route(irq, 0, PRIO);
	ck_assert_int_eq(hc(HC_RESET, 1, 0, 0, 0, 0, NULL), H_PARAMETER);
	ck_assert_uint_eq(pq_of(irq), PQ_00);
	ck_assert_int_eq(hc(HC_RESET, 0, 0, 0, 0, 0, NULL), H_SUCCESS);
	/* Sources masked and still claimed, queues gone. */
	ck_assert_uint_eq(pq_of(irq), PQ_01);
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 0, irq, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[1], 0xff);
	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, 0, PRIO, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[1], 0);
	esb_st(esb_trig(irq), 8);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* ---- the Linux pseries driver (arch/powerpc/sysdev/xive/spapr.c) ---- */

START_TEST(test_linux_sequence)
{
	uint64_t	r[4], trig, mgmt;
	const uint32_t	dev = DEV_IRQ + 5;
	unsigned	cpu;

	/* Boot: queues, then each CPU's IPI (LISN = CPU) targeted at it. */
	for (cpu = 0; cpu < NCPU; cpu++) {
		ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, cpu, PRIO, 0, 0, r),
		    H_SUCCESS);
		linux_cpu_setup(cpu);
		ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, cpu, 0, 0, 0, r),
		    H_SUCCESS);
		ck_assert_uint_eq(r[0], 0);
		route(cpu, cpu, PRIO);
	}
	for (cpu = 0; cpu < NCPU; cpu++)
		ck_assert(!rec.level[cpu]);

	/* A device MSI targeted at CPU 2. */
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, dev, 0, 0, 0, r), H_SUCCESS);
	trig = r[2] - ESB_BASE;
	mgmt = r[1] - ESB_BASE;
	route(dev, 2, PRIO);
	ck_assert_int_eq(xive_msi_write(x, MSI_BASE, dev), 0);
	ck_assert(rec.level[2]);
	ck_assert_uint_eq(rec.nirq[2], 1);
	ck_assert_uint_eq(pq_of(dev), PQ_10);
	/* Event: generation 1, EISN = LISN, big-endian. */
	check_entry_bytes(QPAGE(2), 0, true, dev);
	ck_assert_uint_eq(eq_entry(QPAGE(2), 1), 0);

	/* The handler: ack (EO, priority 6), line drops, CPPR = 6. */
	ck_assert_uint_eq(tm_ld(2, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | PRIO);
	ck_assert(!rec.level[2]);
	/* Nothing more pending: a second ack says so. */
	ck_assert_uint_eq(tm_ld(2, PAGE_OS, ACK_OS_REG, 2), PRIO);
	/* EOI with SET_PQ_00 (old PQ 10: no Q, no re-trigger), CPPR back. */
	ck_assert_uint_eq(esb_ld_sz(mgmt + ESB_SET_PQ(PQ_00), 8), PQ_10);
	tm_st(2, PAGE_OS, QW1_CPPR, 1, 0xff);
	ck_assert(!rec.level[2]);

	/* Two MSIs before the EOI: Q set, the EOI's re-trigger enqueues again. */
	ck_assert_int_eq(xive_msi_write(x, MSI_BASE + 0x20, dev), 0);
	ck_assert_int_eq(xive_msi_write(x, MSI_BASE, dev), 0);
	ck_assert_uint_eq(pq_of(dev), PQ_11);
	check_entry_bytes(QPAGE(2), 1, true, dev);
	ck_assert_uint_eq(eq_entry(QPAGE(2), 2), 0);
	ck_assert_uint_eq(tm_ld(2, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | PRIO);
	ck_assert_uint_eq(esb_ld_sz(mgmt + ESB_SET_PQ(PQ_00), 8), PQ_11);
	esb_st(trig, 8);	/* Linux re-triggers on Q */
	check_entry_bytes(QPAGE(2), 2, true, dev);
	ck_assert_uint_eq(esb_ld_sz(mgmt + ESB_SET_PQ(PQ_00), 8), PQ_10);
	tm_st(2, PAGE_OS, QW1_CPPR, 1, 0xff);
	ck_assert(rec.level[2]);
	ck_assert_uint_eq(tm_ld(2, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | PRIO);
	tm_st(2, PAGE_OS, QW1_CPPR, 1, 0xff);

	/* IPI from CPU 0 to CPU 3: a store on CPU 3's IPI trigger page. */
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, 3, 0, 0, 0, r), H_SUCCESS);
	ck_assert_int_eq(xive_esb_write(x, r[2] - ESB_BASE, 8, 0), 0);
	ck_assert(rec.level[3]);
	ck_assert(!rec.level[0] && !rec.level[1] && !rec.level[2]);
	check_entry_bytes(QPAGE(3), 0, true, 3);
	ck_assert_uint_eq(tm_ld(3, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | PRIO);
	ck_assert_uint_eq(esb_ld_sz(r[1] - ESB_BASE + ESB_SET_PQ(PQ_00), 8), PQ_10);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* ---- queues ---- */

START_TEST(test_queue_wrap_4k)
{
	const uint32_t	irq = DEV_IRQ;
	const unsigned	entries = 4096 / 4;
	bool		gen;

	queue_config(0, PRIO, QPAGE(0), 12);
	route(irq, 0, PRIO);
	for (unsigned i = 0; i < entries + 3; i++) {
		esb_st(esb_trig(irq), 8);
		(void)esb_ld(irq, ESB_SET_PQ(PQ_00));
	}
	/* The first lap with generation 1; the second with 0 from index 0. */
	check_entry_bytes(QPAGE(0), 0, false, irq);
	check_entry_bytes(QPAGE(0), 2, false, irq);
	check_entry_bytes(QPAGE(0), 3, true, irq);
	check_entry_bytes(QPAGE(0), entries - 1, true, irq);
	ck_assert_uint_eq(queue_index(0, PRIO, &gen), 3);
	ck_assert(!gen);
	/* Nothing was written past the queue. */
	ck_assert_uint_eq(eq_entry(QPAGE(0), entries), 0);
}
END_TEST

/* Every size wraps after 2^(qshift - 2) entries, flipping the generation. */
START_TEST(test_queue_wrap_every_size)
{
	static const unsigned shifts[] = { 12, 16, 21, 24 };
	unsigned	qshift = shifts[_i];
	uint32_t	entries = 1U << (qshift - 2);
	const uint64_t	qpage = 1ULL << 24;
	const uint32_t	irq = DEV_IRQ;
	struct xive_state *st;
	bool		gen;

	queue_config(0, PRIO, qpage, qshift);
	route(irq, 0, PRIO);
	/* Place the index at the last entry, as a long-running guest would. */
	st = xive_state_alloc(x);
	ck_assert_int_eq(xive_get_state(x, st), 0);
	st->end[PRIO].w[1] = (st->end[PRIO].w[1] & ~END1_INDEX) | (entries - 1);
	ck_assert_int_eq(xive_set_state(x, st), 0);
	xive_state_free(st);

	esb_st(esb_trig(irq), 8);
	(void)esb_ld(irq, ESB_SET_PQ(PQ_00));
	check_entry_bytes(qpage, entries - 1, true, irq);
	ck_assert_uint_eq(queue_index(0, PRIO, &gen), 0);
	ck_assert(!gen);
	esb_st(esb_trig(irq), 8);
	check_entry_bytes(qpage, 0, false, irq);
	ck_assert_uint_eq(queue_index(0, PRIO, &gen), 1);
	ck_assert(!gen);
	if (qpage + ((uint64_t)entries << 2) + 4 <= RAM_SIZE)
		ck_assert_uint_eq(eq_entry(qpage, entries), 0);
}
END_TEST

/* The EISN fills the entry's 31 bits; bit 31 is the generation's. */
START_TEST(test_eisn_width)
{
	linux_cpu_setup(0);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, SRC_CFG_SET_EISN, DEV_IRQ, 0,
	    PRIO, 0x7abcdef1, NULL), H_SUCCESS);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, SRC_CFG_SET_EISN, DEV_IRQ + 1,
	    0, PRIO, 0xffffffff, NULL), H_SUCCESS);
	(void)esb_ld(DEV_IRQ, ESB_SET_PQ(PQ_00));
	(void)esb_ld(DEV_IRQ + 1, ESB_SET_PQ(PQ_00));
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ + 1), 0);
	check_entry_bytes(QPAGE(0), 0, true, 0x7abcdef1);
	check_entry_bytes(QPAGE(0), 1, true, 0x7fffffff);
}
END_TEST

/* Without unconditional notify, ESn coalesces until the guest EOIs it. */
START_TEST(test_esn_coalescing)
{
	const uint32_t	a = DEV_IRQ, b = DEV_IRQ + 1;
	uint64_t	r[4], esn;

	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 1, PRIO, QPAGE(1), 16, NULL),
	    H_SUCCESS);
	tm_st(1, PAGE_OS, QW1_CPPR, 1, 0xff);
	route(a, 1, PRIO);
	route(b, 1, PRIO);
	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, 1, PRIO, 0, 0, r), H_SUCCESS);
	esn = r[0] - ESB_BASE;

	ck_assert_int_eq(xive_trigger(x, a), 0);
	ck_assert(rec.level[1]);
	ck_assert_uint_eq(esb_ld_sz(esn + ESB_GET, 8), PQ_10);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | PRIO);
	tm_st(1, PAGE_OS, QW1_CPPR, 1, 0xff);
	/* The second event is queued but not notified. */
	ck_assert_int_eq(xive_trigger(x, b), 0);
	check_entry_bytes(QPAGE(1), 1, true, b);
	ck_assert(!rec.level[1]);
	ck_assert_uint_eq(esb_ld_sz(esn + ESB_GET, 8), PQ_11);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, QW1_OS, 8) >> 56 & 0xff, 0);
	/* The guest's EOI on ESn reports the coalesced one (Q). */
	ck_assert_uint_eq(esb_ld_sz(esn + ESB_LOAD_EOI, 8), 1);
	ck_assert_uint_eq(esb_ld_sz(esn + ESB_LOAD_EOI, 8), 0);
	ck_assert_uint_eq(esb_ld_sz(esn + ESB_GET, 8), PQ_00);
}
END_TEST

/* Events for a pulled OS context wait in the NVT and come at the push. */
START_TEST(test_backlog_while_pulled)
{
	const uint32_t	irq = DEV_IRQ;
	struct xive_cpu_counters cc;
	uint64_t	w2;

	linux_cpu_setup(0);
	route(irq, 0, PRIO);
	/* The hypervisor pulls CPU 0's OS context (HV page, Load32). */
	w2 = tm_ld(0, PAGE_HV, PULL_OS_CTX, 4);
	ck_assert_uint_eq(w2, QW1W2_VO | NVT_BASE);
	ck_assert_uint_eq(tm_ld(0, PAGE_HV, QW1_WORD2, 4), NVT_BASE);
	ck_assert_int_eq(xive_trigger(x, irq), 0);
	check_entry_bytes(QPAGE(0), 0, true, irq);
	ck_assert(!rec.level[0]);
	ck_assert_uint_eq(tm_ld(0, PAGE_HV, QW1_OS, 4) >> 8 & 0xff, 0); /* IPB */
	ck_assert_int_eq(xive_cpu_counters(x, 0, &cc), 0);
	ck_assert_uint_eq(cc.backlogged, 1);
	/* Push it back (HV page, Store32 to QW1 word 2): IPB and line. */
	tm_st(0, PAGE_HV, QW1_WORD2, 4, QW1W2_VO | NVT_BASE);
	ck_assert(rec.level[0]);
	ck_assert_uint_eq(tm_ld(0, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | PRIO);
	/* Pulled with an exception outstanding: the line drops, and returns. */
	ck_assert_uint_eq(tm_ld(0, PAGE_OS, QW1_OS, 4) >> 16 & 0xff, PRIO);
	tm_st(0, PAGE_OS, SET_OS_PENDING, 1, 2);
	tm_st(0, PAGE_OS, QW1_CPPR, 1, 0xff);
	ck_assert(rec.level[0]);
	ck_assert_uint_eq(tm_ld(0, PAGE_HV, PULL_OS_CTX, 8), QW1W2_VO | NVT_BASE);
	ck_assert(!rec.level[0]);
	tm_st(0, PAGE_HV, QW1_WORD2, 4, QW1W2_VO | NVT_BASE);
	ck_assert(rec.level[0]);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* ---- TIMA ---- */

START_TEST(test_tima_ack_order)
{
	/* Pending 5 and 3 with CPPR 0xff: the most favoured (3) first. */
	tm_st(1, PAGE_OS, QW1_CPPR, 1, 0xff);
	tm_st(1, PAGE_OS, SET_OS_PENDING, 1, 5);
	ck_assert(rec.level[1]);
	tm_st(1, PAGE_OS, SET_OS_PENDING, 1, 3);
	/* NSR CPPR IPB LSMFB ACK_CNT INC AGE PIPR as the OS reads them. */
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, QW1_OS, 8), 0x80ff14ffff000003ULL);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | 3);
	/* CPPR 3 masks priority 5. */
	ck_assert(!rec.level[1]);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, ACK_OS_REG, 2), 3);
	tm_st(1, PAGE_OS, QW1_CPPR, 1, 0xff);
	ck_assert(rec.level[1]);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | 5);
	ck_assert(!rec.level[1]);
	tm_st(1, PAGE_OS, QW1_CPPR, 1, 0xff);
	ck_assert(!rec.level[1]);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, ACK_OS_REG, 2), 0xff);
	/* Raising CPPR above a pending priority withdraws the exception. */
	tm_st(1, PAGE_OS, SET_OS_PENDING, 1, 4);
	ck_assert(rec.level[1]);
	tm_st(1, PAGE_OS, QW1_CPPR, 1, 4);
	ck_assert(!rec.level[1]);
	tm_st(1, PAGE_OS, QW1_CPPR, 1, 5);
	ck_assert(rec.level[1]);
	ck_assert_uint_eq(rec.nirq[1], 7);
}
END_TEST

START_TEST(test_tima_cppr)
{
	static const struct { uint8_t in, out; } cases[] = {
		{ 0, 0 }, { 6, 6 }, { 7, 7 }, { 8, 0xff }, { 0x80, 0xff },
		{ 0xfe, 0xff }, { 0xff, 0xff },
	};

	/* At reset CPPR is 0 and the OS context is pushed. */
	ck_assert_uint_eq(tm_ld(0, PAGE_HV, QW1_WORD2, 4), QW1W2_VO | NVT_BASE);
	ck_assert_uint_eq(tm_ld(3, PAGE_HV, QW1_WORD2, 4), QW1W2_VO | (NVT_BASE + 3));
	ck_assert_uint_eq(tm_ld(0, PAGE_OS, QW1_OS, 4) >> 16 & 0xff, 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		tm_st(0, PAGE_OS, QW1_CPPR, 1, cases[i].in);
		ck_assert_uint_eq(tm_ld(0, PAGE_OS, QW1_OS, 4) >> 16 & 0xff,
		    cases[i].out);
	}
	/* The HV and HW pages may set the OS CPPR too. */
	tm_st(0, PAGE_HV, QW1_CPPR, 1, 2);
	ck_assert_uint_eq(tm_ld(0, PAGE_OS, QW1_OS, 4) >> 16 & 0xff, 2);
	tm_st(0, PAGE_HW, QW1_CPPR, 1, 3);
	ck_assert_uint_eq(tm_ld(0, PAGE_OS, QW1_OS, 4) >> 16 & 0xff, 3);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* What the OS and USER pages may not do: guest errors, no effect. */
START_TEST(test_tima_os_forbidden)
{
	static const struct {
		unsigned page, off, size;
		bool write;
	} bad[] = {
		{ PAGE_OS, PULL_OS_CTX, 4, false },	/* HV operation */
		{ PAGE_OS, PULL_OS_CTX, 8, false },
		{ PAGE_OS, QW1_WORD2, 4, true },	/* push: HV */
		{ PAGE_OS, 0x830, 2, false },		/* ACK_HV_REG */
		{ PAGE_OS, 0x838, 1, false },		/* PULL_PHYS_CTX */
		{ PAGE_OS, ACK_OS_REG, 4, false },	/* Load16 only */
		{ PAGE_OS, SET_OS_PENDING, 2, true },	/* Store8 only */
		{ PAGE_OS, ACK_OS_REG, 2, true },
		{ PAGE_OS, QW1_CPPR, 1, false },	/* raw needs 4 or 8 */
		{ PAGE_OS, QW1_NSR, 2, false },
		{ PAGE_OS, 0x20, 8, false },		/* POOL ring */
		{ PAGE_OS, 0x30, 4, true },		/* PHYS ring */
		{ PAGE_OS, QW1_WORD2, 4, false },	/* hidden from the OS */
		{ PAGE_OS, 0x00, 8, false },		/* USER ring raw */
		{ PAGE_OS, 0x14, 8, false },		/* misaligned */
		{ PAGE_OS, 0x40, 8, false },		/* no register */
		{ PAGE_OS, 0x1000, 8, false },
		{ PAGE_OS, 0x800, 8, false },		/* ACK_EBB: not offered */
		{ PAGE_USER, ACK_OS_REG, 2, false },
		{ PAGE_USER, SET_OS_PENDING, 1, true },
		{ PAGE_USER, QW1_CPPR, 1, true },
		{ PAGE_USER, QW1_OS, 8, false },
	};
	struct xive_state *before = xive_state_alloc(x), *after = xive_state_alloc(x);

	tm_st(0, PAGE_OS, QW1_CPPR, 1, 0xff);
	ck_assert_int_eq(xive_get_state(x, before), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		unsigned e = rec.nerror;
		uint64_t v = 0;
		int rc;

		if (bad[i].write)
			rc = xive_tima_write(x, 0, TM_PAGE(bad[i].page) + bad[i].off,
			    bad[i].size, 0x05);
		else
			rc = xive_tima_read(x, 0, TM_PAGE(bad[i].page) + bad[i].off,
			    bad[i].size, &v);
		ck_assert_int_eq(rc, 0);
		ck_assert_msg(rec.nerror == e + 1, "case %zu", i);
		if (!bad[i].write)
			ck_assert_uint_eq(v, bad[i].size == 8 ? ~0ULL :
			    (1ULL << (8 * bad[i].size)) - 1);
	}
	ck_assert_int_eq(xive_get_state(x, after), 0);
	ck_assert_mem_eq(before->tctx, after->tctx, NCPU * sizeof before->tctx[0]);
	ck_assert(!rec.level[0]);
	xive_state_free(before);
	xive_state_free(after);
}
END_TEST

START_TEST(test_tima_einval)
{
	uint64_t	v;

	ck_assert_int_eq(xive_tima_read(x, NCPU, TM_PAGE(PAGE_OS) + ACK_OS_REG, 2,
	    &v), -EINVAL);
	ck_assert_int_eq(xive_tima_read(x, 0, 0x40000, 1, &v), -EINVAL);
	ck_assert_int_eq(xive_tima_read(x, 0, 0x3fffc, 8, &v), -EINVAL);
	ck_assert_int_eq(xive_tima_write(x, 0, TM_PAGE(PAGE_OS) + QW1_CPPR, 3, 0),
	    -EINVAL);
	ck_assert_int_eq(rec.nerror, 0);
}
END_TEST

/* The OS's raw view of its ring: CPPR writable, the rest read-only. */
START_TEST(test_tima_os_raw)
{
	/* Byte 1 (CPPR) of an 8-byte store is taken; NSR, IPB, PIPR are not. */
	tm_st(2, PAGE_OS, QW1_OS, 8, 0xff03ff0000000000ULL);
	ck_assert_uint_eq(tm_ld(2, PAGE_OS, QW1_OS, 4) >> 16 & 0xff, 3);
	ck_assert_uint_eq(tm_ld(2, PAGE_OS, QW1_OS, 4) >> 8 & 0xff, 0);
	ck_assert(!rec.level[2]);
	/* The HV page writes the IPB raw; PIPR and the line follow. */
	tm_st(2, PAGE_HV, QW1_OS, 4, 0x00ff4000);
	ck_assert(rec.level[2]);
	ck_assert_uint_eq(tm_ld(2, PAGE_OS, QW1_OS, 8) & 0xff, 1);
	ck_assert_uint_eq(tm_ld(2, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | 1);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* The hypervisor's ring (QW3) and pool ring (QW2) operations. */
START_TEST(test_tima_hv_ops)
{
	/* HV CPPR: a byte store on QW3.CPPR, above 7 meaning 0xff. */
	tm_st(1, PAGE_HV, 0x31, 1, 9);
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x30, 4) >> 16 & 0xff, 0xff);
	tm_st(1, PAGE_HV, 0x31, 1, 3);
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x30, 4) >> 16 & 0xff, 3);
	/* VT push and poll (byte 0 of QW3 word 2), pull returns and clears VT. */
	tm_st(1, PAGE_HV, 0x38, 1, 0x81);
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x38, 1), 0x81);
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x838, 1), 0x81);
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x38, 1), 0x01);
	/* The pool context: pull returns word 2 and clears VP. */
	tm_st(1, PAGE_HV, 0x28, 4, 0x80000123);
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x828, 4), 0x80000123);
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x28, 4), 0x00000123);
	ck_assert_uint_eq(tm_ld(1, PAGE_HW, 0x828, 8), 0x00000123);
	/* ACK_HV_REG with nothing signalled: NSR 0, CPPR as it is. */
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x830, 2), 3);
	/* A PHYS exception at priority 2 (HE = 2), written raw: accepted. */
	tm_st(1, PAGE_HV, 0x30, 4, 0x80ff2000);
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x34, 4) & 0xff, 2);	/* PIPR */
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x830, 2), 0x80 << 8 | 2);
	ck_assert_uint_eq(tm_ld(1, PAGE_HV, 0x30, 4), 0x00020000);	/* CPPR 2 */
	ck_assert_uint_eq(rec.nerror, 0);
	/* None of it is the OS's line. */
	ck_assert_uint_eq(rec.nirq[1], 0);
}
END_TEST

/* The hypervisor may dispatch a vCPU's OS context on another thread. */
START_TEST(test_context_on_other_thread)
{
	linux_cpu_setup(0);
	route(DEV_IRQ, 0, PRIO);
	(void)tm_ld(0, PAGE_HV, PULL_OS_CTX, 4);
	(void)tm_ld(1, PAGE_HV, PULL_OS_CTX, 4);
	tm_st(1, PAGE_HV, QW1_CPPR, 1, 0xff);
	tm_st(1, PAGE_HV, QW1_WORD2, 4, QW1W2_VO | NVT_BASE);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	ck_assert(rec.level[1]);
	ck_assert(!rec.level[0]);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | PRIO);
	check_entry_bytes(QPAGE(0), 0, true, DEV_IRQ);
}
END_TEST

/* An END whose priority is 0xff queues but never notifies. */
START_TEST(test_end_masked)
{
	struct xive_state *st = xive_state_alloc(x);

	linux_cpu_setup(0);
	route(DEV_IRQ, 0, PRIO);
	ck_assert_int_eq(xive_get_state(x, st), 0);
	st->end[PRIO].w[7] = END7_PRIO(0xff);
	ck_assert_int_eq(xive_set_state(x, st), 0);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	check_entry_bytes(QPAGE(0), 0, true, DEV_IRQ);
	ck_assert(!rec.level[0]);
	ck_assert_uint_eq(tm_ld(0, PAGE_OS, QW1_OS, 4) >> 8 & 0xff, 0);
	xive_state_free(st);
}
END_TEST

static uint64_t	ram_check_gpa, ram_check_len;

static int
deny_ram(void *opaque, uint64_t gpa, uint64_t len)
{
	ram_check_gpa = gpa;
	ram_check_len = len;
	return gpa == QPAGE(2) ? -EFAULT : 0;
}

/* With ops.ram_check, the whole queue is checked by the owner of RAM. */
START_TEST(test_ram_check_op)
{
	struct xive_config c = default_config(17);
	struct xive_ops	o = rec_ops;

	o.ram_check = deny_ram;
	xive_destroy(x);
	x = xive_create(&c, &o, &rec);
	ck_assert_ptr_nonnull(x);
	rec.x = x;
	xive_set_active(x, true);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 1, 2, QPAGE(2), 16, NULL), H_P4);
	ck_assert_uint_eq(ram_check_gpa, QPAGE(2));
	ck_assert_uint_eq(ram_check_len, 0x10000);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 1, 2, QPAGE(1), 12, NULL),
	    H_SUCCESS);
	ck_assert_uint_eq(ram_check_len, 0x1000);
}
END_TEST

/* ---- LSIs ---- */

START_TEST(test_lsi_represent_after_eoi)
{
	uint32_t	lsi;
	uint64_t	r[4];
	struct xive_source_counters sc;

	ck_assert_int_eq(xive_irq_claim(x, DEV_IRQ + 32, 1, 1, true, &lsi), 0);
	linux_cpu_setup(1);
	route(lsi, 1, PRIO);
	ck_assert_int_eq(xive_set_irq(x, lsi, true), 0);
	ck_assert(rec.level[1]);
	check_entry_bytes(QPAGE(1), 0, true, lsi);
	/* A level never sets Q. */
	ck_assert_int_eq(xive_set_irq(x, lsi, true), 0);
	ck_assert_uint_eq(pq_of(lsi), PQ_10);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | PRIO);
	tm_st(1, PAGE_OS, QW1_CPPR, 1, 0xff);
	/* Load EOI through H_INT_ESB while still asserted: presented again. */
	ck_assert_int_eq(hc(HC_ESB, 0, lsi, ESB_LOAD_EOI, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], 1);
	ck_assert_uint_eq(rec.nresample, 1);
	ck_assert_uint_eq(rec.resample_irq, lsi);
	ck_assert(rec.asserted_at_resample);
	ck_assert_uint_eq(pq_of(lsi), PQ_10);
	check_entry_bytes(QPAGE(1), 1, true, lsi);
	ck_assert(rec.level[1]);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | PRIO);
	tm_st(1, PAGE_OS, QW1_CPPR, 1, 0xff);
	/* The resample source lowers the line: the EOI leaves it at 00. */
	rec.resample_deassert = true;
	ck_assert_int_eq(hc(HC_ESB, 0, lsi, ESB_LOAD_EOI, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(rec.nresample, 2);
	ck_assert_uint_eq(pq_of(lsi), PQ_00);
	ck_assert_uint_eq(eq_entry(QPAGE(1), 2), 0);
	ck_assert(!rec.level[1]);
	ck_assert_int_eq(xive_source_counters(x, lsi, &sc), 0);
	ck_assert_uint_eq(sc.notifies, 2);
	ck_assert_uint_eq(sc.eois, 2);
}
END_TEST

/* Masked (PQ 01) while asserted, then unmasked: the level fires. */
START_TEST(test_lsi_unmask_asserted)
{
	uint32_t	lsi;

	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 1, 1, true, &lsi), 0);
	linux_cpu_setup(0);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, SRC_CFG_SET_EISN, lsi, 0, PRIO,
	    lsi, NULL), H_SUCCESS);
	ck_assert_int_eq(xive_set_irq(x, lsi, true), 0);
	ck_assert(!rec.level[0]);
	ck_assert_uint_eq(pq_of(lsi), PQ_01);
	ck_assert_uint_eq(esb_ld(lsi, ESB_SET_PQ(PQ_00)), PQ_01);
	ck_assert_uint_eq(pq_of(lsi), PQ_10);
	ck_assert(rec.level[0]);
	/* The trigger page store of an LSI is the LSI trigger: no Q. */
	esb_st(esb_trig(lsi), 8);
	ck_assert_uint_eq(pq_of(lsi), PQ_10);
	/* Pulse: fires once, EOI does not re-fire. */
	ck_assert_int_eq(xive_set_irq(x, lsi, false), 0);
	ck_assert_uint_eq(esb_ld(lsi, ESB_LOAD_EOI), 0);
	ck_assert_int_eq(xive_trigger(x, lsi), 0);
	ck_assert_uint_eq(pq_of(lsi), PQ_10);
	ck_assert_uint_eq(esb_ld(lsi, ESB_LOAD_EOI), 0);
	ck_assert_uint_eq(pq_of(lsi), PQ_00);
	check_entry_bytes(QPAGE(0), 1, true, lsi);
	ck_assert_uint_eq(eq_entry(QPAGE(0), 2), 0);
}
END_TEST

/* ---- MSIs ---- */

START_TEST(test_msi_decode)
{
	static const uint32_t hostile[] = { NSRC, 0xffffffff, 0x80000000,
	    DEV_IRQ + 16, 0x10000000 };
	uint32_t	lsi;

	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 1, 1, true, &lsi), 0);
	linux_cpu_setup(0);
	route(DEV_IRQ, 0, PRIO);
	route(lsi, 0, PRIO);
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		unsigned e = rec.nerror;

		ck_assert_int_eq(xive_msi_write(x, MSI_BASE, hostile[i]), 0);
		ck_assert_uint_eq(rec.nerror, e + 1);
		ck_assert_str_eq(rec.error_kind, "msi-bad-data");
	}
	/* An LSI is no MSI target. */
	ck_assert_int_eq(xive_msi_write(x, MSI_BASE, lsi), 0);
	ck_assert_str_eq(rec.error_kind, "msi-bad-data");
	ck_assert_uint_eq(pq_of(lsi), PQ_00);
	/* Outside the window: not ours. */
	ck_assert_int_eq(xive_msi_write(x, MSI_BASE - 4, DEV_IRQ), -EINVAL);
	ck_assert_int_eq(xive_msi_write(x, MSI_BASE + MSI_SIZE, DEV_IRQ), -EINVAL);
	ck_assert_uint_eq(queue_index(0, PRIO, NULL), 0);
	ck_assert(!rec.level[0]);
	/* The offset in the window does not matter. */
	ck_assert_int_eq(xive_msi_write(x, MSI_BASE + MSI_SIZE - 4, DEV_IRQ), 0);
	check_entry_bytes(QPAGE(0), 0, true, DEV_IRQ);
	ck_assert(rec.level[0]);
}
END_TEST

/* An MSI source given a level fires on the rising side only. */
START_TEST(test_msi_level)
{
	struct xive_source_counters sc;

	linux_cpu_setup(0);
	route(DEV_IRQ, 0, PRIO);
	ck_assert_int_eq(xive_set_irq(x, DEV_IRQ, false), 0);
	ck_assert_uint_eq(pq_of(DEV_IRQ), PQ_00);
	ck_assert_int_eq(xive_set_irq(x, DEV_IRQ, true), 0);
	ck_assert_uint_eq(pq_of(DEV_IRQ), PQ_10);
	ck_assert_int_eq(xive_set_irq(x, DEV_IRQ, true), 0);
	ck_assert_uint_eq(pq_of(DEV_IRQ), PQ_11);
	ck_assert_int_eq(xive_source_counters(x, DEV_IRQ, &sc), 0);
	ck_assert_uint_eq(sc.triggers, 2);
	ck_assert_uint_eq(sc.notifies, 1);
	ck_assert_int_eq(xive_source_counters(x, NSRC, &sc), -EINVAL);
	ck_assert_uint_eq(xive_guest_errors(x), 0);
	(void)esb_ld_sz(esb_trig(DEV_IRQ), 8);
	ck_assert_uint_eq(xive_guest_errors(x), 1);
	ck_assert_uint_eq(xive_config(x)->nsources, NSRC);
	ck_assert_uint_eq(xive_config(x)->esb_shift, 17);
}
END_TEST

START_TEST(test_no_msi_window)
{
	struct xive_config c = default_config(17);

	c.msi_size = 0;
	remake(&c);
	ck_assert_int_eq(xive_msi_write(x, MSI_BASE, DEV_IRQ), -EINVAL);
	ck_assert_int_eq(xive_msi_write(x, 0, DEV_IRQ), -EINVAL);
}
END_TEST

/* ---- claims ---- */

START_TEST(test_claim_free)
{
	uint32_t	first;
	uint64_t	r[4];

	ck_assert_int_eq(xive_irq_claim(x, DEV_IRQ, 1, 1, false, &first), -EBUSY);
	ck_assert_int_eq(xive_irq_claim(x, DEV_IRQ + 16, 4, 8, false, &first),
	    0);
	ck_assert_int_eq(xive_irq_claim(x, DEV_IRQ + 20, 4, 8, false, &first),
	    -EINVAL);
	ck_assert_int_eq(xive_irq_claim(x, DEV_IRQ + 24, 4, 3, false, &first),
	    -EINVAL);
	ck_assert_int_eq(xive_irq_claim(x, NSRC - 1, 2, 1, false, &first), -EINVAL);
	ck_assert_int_eq(xive_irq_claim(x, 0, 0, 1, false, &first), -EINVAL);
	/* An aligned free block: after the IPIs 0..3, 8 aligned to 8 is 8. */
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 8, 8, false, &first), 0);
	ck_assert_uint_eq(first, 8);
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 2, 1, true, &first), 0);
	ck_assert_uint_eq(first, 4);
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, NSRC, 1, false, &first),
	    -ENOSPC);
	/*
	 * Taken: 0-3, 4-5, 8-15, 0x1000-0x1013. First fit, aligned: 0x20 to
	 * 0xfff, then 0x1014 to the end, then 6-7.
	 */
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 0xfe0, 0x20, false,
	    &first), 0);
	ck_assert_uint_eq(first, 0x20);
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 0xed, 1, false, &first),
	    -ENOSPC);
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 0xec, 1, false, &first),
	    0);
	ck_assert_uint_eq(first, 0x1014);
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 2, 1, false, &first), 0);
	ck_assert_uint_eq(first, 6);
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 16, 16, false, &first),
	    0);
	ck_assert_uint_eq(first, 16);
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 1, 1, false, &first),
	    -ENOSPC);
	ck_assert_int_eq(xive_irq_free(x, 0x20, 0xfe0), 0);
	ck_assert_int_eq(xive_irq_free(x, 0x1014, 0xec), 0);
	ck_assert_int_eq(xive_irq_free(x, 6, 2), 0);
	ck_assert_int_eq(xive_irq_free(x, 16, 16), 0);
	/* Claimed sources start masked: PQ 01, EAS valid and masked. */
	ck_assert_uint_eq(pq_of(8), PQ_01);
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 0, 8, 0, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[1], 0xff);
	ck_assert_int_eq(xive_irq_free(x, 8, 9), -ENOENT);
	ck_assert_int_eq(xive_irq_free(x, 8, 8), 0);
	ck_assert_int_eq(hc(HC_GET_SOURCE_CONFIG, 0, 8, 0, 0, 0, r), H_P2);
	ck_assert_int_eq(xive_trigger(x, 8), -ENOENT);
	ck_assert_int_eq(xive_irq_free(x, 8, 1), -ENOENT);
	ck_assert_int_eq(xive_irq_free(x, NSRC, 1), -EINVAL);
}
END_TEST

START_TEST(test_irq_base)
{
	struct xive_config c = default_config(17);
	uint64_t	r[4];
	uint32_t	first;

	c.irq_base = 0x1000;
	c.nsources = 64;
	xive_destroy(x);
	x = xive_create(&c, &rec_ops, &rec);
	ck_assert_ptr_nonnull(x);
	rec.x = x;
	xive_set_active(x, true);
	ck_assert_int_eq(xive_irq_claim(x, 0, 1, 1, false, &first), -EINVAL);
	ck_assert_int_eq(xive_irq_claim(x, XIVE_IRQ_ANY, 4, 4, false, &first), 0);
	ck_assert_uint_eq(first, 0x1000);
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, 0x1002, 0, 0, 0, r), H_SUCCESS);
	/* Slot n = LISN - irq_base. */
	ck_assert_uint_eq(r[2], ESB_BASE + (2ULL << 17));
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, 2, 0, 0, 0, r), H_P2);
	ck_assert_int_eq(xive_set_irq(x, 0xfff, true), -EINVAL);
	ck_assert_int_eq(xive_set_irq(x, 0x1040, true), -EINVAL);
}
END_TEST

/* ---- router corners ---- */

START_TEST(test_end_not_configured)
{
	linux_cpu_setup(0);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0, DEV_IRQ, 1, PRIO, 0, NULL),
	    H_SUCCESS);
	(void)esb_ld(DEV_IRQ, ESB_SET_PQ(PQ_00));
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	ck_assert_str_eq(rec.error_kind, "end-invalid");
	ck_assert(!rec.level[1]);
	/* A masked EAS drops the event silently; the PQ keeps it. */
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, SRC_CFG_MASK, DEV_IRQ + 1, 0,
	    PRIO, 0, NULL), H_SUCCESS);
	(void)esb_ld(DEV_IRQ + 1, ESB_SET_PQ(PQ_00));
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ + 1), 0);
	ck_assert_uint_eq(rec.nerror, 1);
	ck_assert_uint_eq(pq_of(DEV_IRQ + 1), PQ_10);
	ck_assert_uint_eq(queue_index(0, PRIO, NULL), 0);
}
END_TEST

START_TEST(test_eq_write_fault)
{
	linux_cpu_setup(0);
	route(DEV_IRQ, 0, PRIO);
	rec.fail_write = true;
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	ck_assert_str_eq(rec.error_kind, "eq-not-ram");
	ck_assert_uint_eq(queue_index(0, PRIO, NULL), 0);
	rec.fail_write = false;
	(void)esb_ld(DEV_IRQ, ESB_SET_PQ(PQ_00));
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	check_entry_bytes(QPAGE(0), 0, true, DEV_IRQ);
}
END_TEST

/* Escalation (END w0 ESCALATE): through ESe to the END in w4/w5. */
START_TEST(test_escalation)
{
	struct xive_state *st = xive_state_alloc(x);
	const unsigned	esc = 1 * 8 + 2;	/* CPU 1, priority 2 */

	linux_cpu_setup(0);
	linux_cpu_setup(1);
	queue_config(1, 2, 0x300000, 16);
	route(DEV_IRQ, 0, PRIO);
	ck_assert_int_eq(xive_get_state(x, st), 0);
	st->end[PRIO].w[0] |= END0_ESCALATE;
	st->end[PRIO].w[4] = esc;
	st->end[PRIO].w[5] = 0x4242;
	ck_assert_int_eq(xive_set_state(x, st), 0);
	/* Dispatched: no escalation. */
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	ck_assert(rec.level[0]);
	ck_assert(!rec.level[1]);
	(void)esb_ld(DEV_IRQ, ESB_SET_PQ(PQ_00));
	/* Pulled: backlog, then ESe 00 -> 10 escalates to CPU 1. */
	(void)tm_ld(0, PAGE_HV, PULL_OS_CTX, 4);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	check_entry_bytes(QPAGE(0), 1, true, DEV_IRQ);
	check_entry_bytes(0x300000, 0, true, 0x4242);
	ck_assert(rec.level[1]);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | 2);
	/* ESe now 10: the next one is coalesced. */
	(void)esb_ld(DEV_IRQ, ESB_SET_PQ(PQ_00));
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	ck_assert_uint_eq(eq_entry(0x300000, 1), 0);
	/* An escalation END that escalates is a loop: cut and reported. */
	ck_assert_int_eq(xive_get_state(x, st), 0);
	st->end[PRIO].w[0] |= END0_UCOND_ESC;
	st->end[esc].w[0] |= END0_ESCALATE | END0_UCOND_ESC;
	st->end[esc].w[4] = PRIO;
	ck_assert_int_eq(xive_set_state(x, st), 0);
	(void)tm_ld(1, PAGE_HV, PULL_OS_CTX, 4);
	(void)esb_ld(DEV_IRQ, ESB_SET_PQ(PQ_00));
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	ck_assert_str_eq(rec.error_kind, "escalation-loop");
	/* Cut after one hop: END 10 got 0x4242, END 6 nothing more. */
	check_entry_bytes(QPAGE(0), 3, true, DEV_IRQ);
	ck_assert_uint_eq(eq_entry(QPAGE(0), 4), 0);
	check_entry_bytes(0x300000, 1, true, 0x4242);
	ck_assert_uint_eq(eq_entry(0x300000, 2), 0);
	xive_state_free(st);
}
END_TEST

/* ---- state ---- */

static void
state_eq(const struct xive_state *a, const struct xive_state *b)
{
	ck_assert_int_eq(a->active, b->active);
	ck_assert_mem_eq(a->src, b->src, NSRC * sizeof a->src[0]);
	ck_assert_mem_eq(a->end, b->end, NCPU * 8 * sizeof a->end[0]);
	ck_assert_mem_eq(a->nvt, b->nvt, NCPU * sizeof a->nvt[0]);
	ck_assert_mem_eq(a->tctx, b->tctx, NCPU * sizeof a->tctx[0]);
}

/* Drive a chip the same way; return what the guest saw. */
static uint64_t
drive(struct xive *c)
{
	struct xive	*keep = x;
	uint64_t	 acc = 0;

	x = c;
	rec.x = c;
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ + 1), 0);
	acc = acc * 31 + tm_ld(0, PAGE_OS, ACK_OS_REG, 2);
	acc = acc * 31 + esb_ld(DEV_IRQ, ESB_SET_PQ(PQ_00));
	acc = acc * 31 + esb_ld(DEV_IRQ + 1, ESB_SET_PQ(PQ_00));
	tm_st(0, PAGE_OS, QW1_CPPR, 1, 0xff);
	acc = acc * 31 + tm_ld(0, PAGE_OS, ACK_OS_REG, 2);
	tm_st(0, PAGE_HV, QW1_WORD2, 4, QW1W2_VO | NVT_BASE);
	acc = acc * 31 + tm_ld(0, PAGE_OS, ACK_OS_REG, 2);
	acc = acc * 31 + queue_index(0, PRIO, NULL);
	x = keep;
	rec.x = keep;
	return acc;
}

START_TEST(test_save_load_midflight)
{
	struct xive_config c = default_config(17);
	struct xive_state *st = xive_state_alloc(x), *st2;
	struct xive	*y;
	uint64_t	a, b;
	uint8_t		ram_a[64], ram_b[64];

	/* Mid-flight: one event queued and presented, one Q set, CPU 1 pulled. */
	linux_cpu_setup(0);
	linux_cpu_setup(1);
	route(DEV_IRQ, 0, PRIO);
	route(DEV_IRQ + 1, 0, PRIO);
	route(DEV_IRQ + 2, 1, PRIO);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	(void)tm_ld(1, PAGE_HV, PULL_OS_CTX, 4);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ + 2), 0);
	(void)tm_ld(0, PAGE_HV, PULL_OS_CTX, 4);
	ck_assert(!rec.level[0]);
	tm_st(0, PAGE_HV, QW1_WORD2, 4, QW1W2_VO | NVT_BASE);
	ck_assert(rec.level[0]);
	ck_assert_int_eq(xive_get_state(x, st), 0);

	/* A new chip, loaded: the line comes up through cpu_irq. */
	y = xive_create(&c, &rec_ops, &rec);
	ck_assert_ptr_nonnull(y);
	memset(rec.level, 0, sizeof rec.level);
	ck_assert_int_eq(xive_set_state(y, st), 0);
	ck_assert(rec.level[0]);
	ck_assert(!rec.level[1]);
	ck_assert(xive_cpu_line(y, 0));
	st2 = xive_state_alloc(y);
	ck_assert_int_eq(xive_get_state(y, st2), 0);
	state_eq(st, st2);

	/* Both behave alike from here (and write the same queue bytes). */
	memcpy(ram_a, rec.ram + QPAGE(0), sizeof ram_a);
	rec.level[0] = xive_cpu_line(x, 0);
	a = drive(x);
	memcpy(ram_b, rec.ram + QPAGE(0), sizeof ram_b);
	memcpy(rec.ram + QPAGE(0), ram_a, sizeof ram_a);
	rec.level[0] = xive_cpu_line(y, 0);
	rec.level[1] = xive_cpu_line(y, 1);
	b = drive(y);
	ck_assert_uint_eq(a, b);
	ck_assert_mem_eq(ram_b, rec.ram + QPAGE(0), sizeof ram_b);
	ck_assert_int_eq(xive_get_state(x, st), 0);
	ck_assert_int_eq(xive_get_state(y, st2), 0);
	state_eq(st, st2);
	xive_state_free(st);
	xive_state_free(st2);
	xive_destroy(y);
	rec.x = x;
}
END_TEST

START_TEST(test_set_state_rejects)
{
	struct xive_state *good = xive_state_alloc(x), *bad = xive_state_alloc(x);
	struct xive_state *after = xive_state_alloc(x), *other;
	struct xive_config c = default_config(16);
	struct xive	*y;

	linux_cpu_setup(0);
	route(DEV_IRQ, 0, PRIO);
	ck_assert_int_eq(xive_get_state(x, good), 0);

#define REJECT(mutation) do {						\
		bad->nsources = NSRC;					\
		bad->esb_shift = 17;					\
		ck_assert_int_eq(xive_get_state(x, bad), 0);		\
		mutation;						\
		ck_assert_int_eq(xive_set_state(x, bad), -EINVAL);	\
		ck_assert_int_eq(xive_get_state(x, after), 0);		\
		state_eq(good, after);					\
	} while (0)

	REJECT(bad->src[DEV_IRQ].pq = 4);
	REJECT(bad->src[DEV_IRQ].flags |= 0x80);
	REJECT(bad->src[DEV_IRQ + 100].eas = EAS_V);
	REJECT(bad->src[DEV_IRQ + 100].flags = XIVE_SRC_LSI);
	REJECT(bad->src[DEV_IRQ].flags |= XIVE_SRC_ASSERTED);
	REJECT(bad->src[DEV_IRQ].eas &= ~EAS_V);
	REJECT(bad->src[DEV_IRQ].eas = EAS_V | EAS_IDX(NCPU * 8));
	REJECT(bad->src[DEV_IRQ].eas |= 0x0100000000000000ULL);
	REJECT(bad->end[PRIO].w[0] = (bad->end[PRIO].w[0] & ~END0_QSIZE(0xf)) |
	    END0_QSIZE(5));
	REJECT(bad->end[PRIO].w[1] |= END1_INDEX);
	REJECT(bad->end[PRIO].w[3] |= 0x1000);
	REJECT(bad->end[PRIO].w[7] = END7_PRIO(9));
	REJECT(bad->end[PRIO].w[6] = END6_NVT(NVT_BASE + NCPU));
	REJECT(bad->end[PRIO].w[0] |= END0_ESCALATE;
	    bad->end[PRIO].w[4] = NCPU * 8);
	REJECT(bad->tctx[0].regs[QW1_CPPR] = 9);
	REJECT(bad->tctx[0].regs[QW1_PIPR] = 3);
	REJECT(bad->tctx[0].regs[QW1_IPB] = 0x10);
	REJECT(bad->tctx[0].regs[QW1_NSR] = NSR_EO);
	REJECT(bad->tctx[0].regs[0x32] = 0x01);		/* QW3 IPB, PIPR 0xff */
	REJECT(bad->nsources = NSRC - 1);
	REJECT(bad->esb_shift = 16);
#undef REJECT

	/* A state of another configuration does not fit either way. */
	y = xive_create(&c, &rec_ops, &rec);
	ck_assert_ptr_nonnull(y);
	other = xive_state_alloc(y);
	ck_assert_int_eq(xive_get_state(x, other), -EINVAL);
	ck_assert_int_eq(xive_get_state(y, other), 0);
	ck_assert_int_eq(xive_set_state(x, other), -EINVAL);
	xive_state_free(other);
	xive_destroy(y);
	rec.x = x;
	/* The good one loads. */
	ck_assert_int_eq(xive_set_state(x, good), 0);
	xive_state_free(good);
	xive_state_free(bad);
	xive_state_free(after);
}
END_TEST

START_TEST(test_reset)
{
	linux_cpu_setup(0);
	route(DEV_IRQ, 0, PRIO);
	tm_st(0, PAGE_OS, SET_OS_PENDING, 1, 1);
	ck_assert(rec.level[0]);
	xive_reset(x);
	ck_assert(!rec.level[0]);
	ck_assert(xive_active(x));
	ck_assert_uint_eq(pq_of(DEV_IRQ), PQ_01);
	/* CPPR 0, nothing pending, OS context pushed. */
	/* NSR CPPR IPB LSMFB ACK_CNT INC (AGE hidden) PIPR */
	ck_assert_uint_eq(tm_ld(0, PAGE_HV, QW1_OS, 8), 0x000000ffff0000ffULL);
	ck_assert_uint_eq(tm_ld(0, PAGE_HV, QW1_WORD2, 4), QW1W2_VO | NVT_BASE);
	ck_assert_int_eq(hc(HC_GET_QUEUE_INFO, 0, 0, PRIO, 0, 0, NULL), H_SUCCESS);
	/* Claims survive. */
	ck_assert_int_eq(hc(HC_GET_SOURCE_INFO, 0, DEV_IRQ, 0, 0, 0, NULL),
	    H_SUCCESS);
}
END_TEST

START_TEST(test_create_rejects)
{
	struct xive_config c;
	struct xive_ops	o = rec_ops;

	c = default_config(14);
	ck_assert_ptr_null(xive_create(&c, &rec_ops, &rec));
	c = default_config(17);
	c.nsources = 0;
	ck_assert_ptr_null(xive_create(&c, &rec_ops, &rec));
	c = default_config(17);
	c.ncpus = 0;
	ck_assert_ptr_null(xive_create(&c, &rec_ops, &rec));
	c.ncpus = XIVE_MAX_CPUS + 1;
	ck_assert_ptr_null(xive_create(&c, &rec_ops, &rec));
	c = default_config(17);
	c.irq_base = XIVE_MAX_LISN - 1;
	ck_assert_ptr_null(xive_create(&c, &rec_ops, &rec));
	c = default_config(17);
	c.esb_base = ESB_BASE + 0x1000;
	ck_assert_ptr_null(xive_create(&c, &rec_ops, &rec));
	c = default_config(17);
	ck_assert_ptr_null(xive_create(NULL, &rec_ops, &rec));
	ck_assert_ptr_null(xive_create(&c, NULL, &rec));
	o.cpu_irq = NULL;
	ck_assert_ptr_null(xive_create(&c, &o, &rec));
	ck_assert_int_eq(errno, EINVAL);
	o = rec_ops;
	o.guest_error = NULL;
	ck_assert_ptr_null(xive_create(&c, &o, &rec));
	/* ram_check is optional. */
	o = rec_ops;
	o.ram_check = NULL;
	xive_destroy(xive_create(&c, &o, &rec));
}
END_TEST

START_TEST(test_decoders)
{
	struct xive_eas_fields ef;
	struct xive_end_fields nf;
	struct xive_tctx_os_fields tf;
	struct xive_state *st = xive_state_alloc(x);

	xive_eas_decode(EAS_V | EAS_M | EAS_IDX(0x123) | EAS_DATA(0x7654321), &ef);
	ck_assert(ef.valid && ef.masked);
	ck_assert_uint_eq(ef.end_block, 0);
	ck_assert_uint_eq(ef.end_index, 0x123);
	ck_assert_uint_eq(ef.end_data, 0x7654321);

	queue_config(2, 5, HIGH_GPA, 16);
	tm_st(2, PAGE_OS, QW1_CPPR, 1, 4);
	tm_st(2, PAGE_OS, SET_OS_PENDING, 1, 1);
	ck_assert_int_eq(xive_get_state(x, st), 0);
	xive_end_decode(&st->end[2 * 8 + 5], &nf);
	ck_assert(nf.valid && nf.enqueue && nf.ucond_notify && nf.backlog);
	ck_assert(!nf.escalate);
	ck_assert_uint_eq(nf.qshift, 16);
	ck_assert_uint_eq(nf.qaddr, HIGH_GPA);
	ck_assert_uint_eq(nf.qindex, 0);
	ck_assert_uint_eq(nf.generation, 1);
	ck_assert_uint_eq(nf.nvt_index, NVT_BASE + 2);
	ck_assert_uint_eq(nf.priority, 5);
	ck_assert_uint_eq(nf.esn, PQ_00);
	xive_end_decode(&st->end[0], &nf);
	ck_assert(!nf.valid);
	ck_assert_uint_eq(nf.esn, PQ_01);
	ck_assert_uint_eq(nf.ese, PQ_01);

	xive_tctx_os_decode(&st->tctx[2], &tf);
	ck_assert_uint_eq(tf.nsr, NSR_EO);
	ck_assert_uint_eq(tf.cppr, 4);
	ck_assert_uint_eq(tf.ipb, 0x40);
	ck_assert_uint_eq(tf.pipr, 1);
	ck_assert_uint_eq(tf.lsmfb, 0xff);
	ck_assert(tf.vo);
	ck_assert_uint_eq(tf.cam, NVT_BASE + 2);
	xive_state_free(st);
}
END_TEST

START_TEST(test_multiple_instances)
{
	struct xive_config c = default_config(17);
	struct xive	*y = xive_create(&c, &rec_ops, &rec);

	ck_assert_ptr_nonnull(y);
	linux_cpu_setup(0);
	route(DEV_IRQ, 0, PRIO);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	/* The other chip has nothing of it. */
	ck_assert_int_eq(xive_trigger(y, DEV_IRQ), -ENOENT);
	ck_assert(!xive_active(y));
	ck_assert(!xive_cpu_line(y, 0));
	ck_assert(xive_cpu_line(x, 0));
	xive_destroy(y);
}
END_TEST

START_TEST(test_announce_lines)
{
	linux_cpu_setup(3);
	tm_st(3, PAGE_OS, SET_OS_PENDING, 1, 0);
	ck_assert(rec.level[3]);
	/* The VMM forgot: announce tells it again, every CPU. */
	memset(rec.level, 0, sizeof rec.level);
	rec.level[3] = false;
	rec.nirq_calls = 0;
	/* cpu_irq asserts a change; give it the opposite of each level. */
	for (unsigned cpu = 0; cpu < NCPU; cpu++)
		rec.level[cpu] = !xive_cpu_line(x, cpu);
	xive_announce_lines(x);
	ck_assert_uint_eq(rec.nirq_calls, NCPU);
	ck_assert(rec.level[3]);
	ck_assert(!rec.level[0]);
}
END_TEST

/* ---- the known XICS/XIVE bugs (QEMU and Linux fixes) ---- */

/* QEMU 13df93244e: event queues above 64 GiB. */
START_TEST(test_bug_eq_above_64g)
{
	uint64_t	r[4];

	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, EQ_ALWAYS_NOTIFY, 1, PRIO,
	    HIGH_GPA, 16, NULL), H_SUCCESS);
	ck_assert_int_eq(hc(HC_GET_QUEUE_CONFIG, 0, 1, PRIO, 0, 0, r), H_SUCCESS);
	ck_assert_uint_eq(r[1], HIGH_GPA);
	route(DEV_IRQ, 1, PRIO);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	check_entry_bytes(HIGH_GPA, 0, true, DEV_IRQ);
	/* Not in the low alias either. */
	ck_assert_uint_eq(eq_entry(HIGH_GPA & 0xffffffffULL, 0), 0);
}
END_TEST

/*
 * QEMU 310cda5b5e: a thread context restored before the routing. Loading
 * takes routing first: a context pushed at load with a backlog in its NVT
 * gets it, and routes of the loaded EAS reach the loaded END.
 */
START_TEST(test_bug_restore_order)
{
	struct xive_config c = default_config(17);
	struct xive_state *st = xive_state_alloc(x);
	struct xive	*y;

	linux_cpu_setup(1);
	route(DEV_IRQ, 1, PRIO);
	(void)tm_ld(1, PAGE_HV, PULL_OS_CTX, 4);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	ck_assert_int_eq(xive_get_state(x, st), 0);
	ck_assert_uint_ne(st->nvt[1].w[4], 0);

	y = xive_create(&c, &rec_ops, &rec);
	memset(rec.level, 0, sizeof rec.level);
	ck_assert_int_eq(xive_set_state(y, st), 0);
	xive_destroy(x);
	x = y;
	rec.x = y;
	ck_assert(!rec.level[1]);
	tm_st(1, PAGE_HV, QW1_WORD2, 4, QW1W2_VO | (NVT_BASE + 1));
	ck_assert(rec.level[1]);
	ck_assert_uint_eq(tm_ld(1, PAGE_OS, ACK_OS_REG, 2), NSR_EO << 8 | PRIO);
	(void)esb_ld(DEV_IRQ, ESB_SET_PQ(PQ_00));
	tm_st(1, PAGE_OS, QW1_CPPR, 1, 0xff);
	ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
	check_entry_bytes(QPAGE(1), 1, true, DEV_IRQ);
	ck_assert(rec.level[1]);
	xive_state_free(st);
}
END_TEST

/*
 * QEMU cdd71c8e9d: dual mode crashed after several resets. Deactivate,
 * reset, activate, configure, deliver: 100 times, the same each time.
 */
START_TEST(test_bug_repeated_reset)
{
	for (unsigned i = 0; i < 100; i++) {
		xive_set_active(x, false);
		ck_assert_int_eq(hc(HC_RESET, 0, 0, 0, 0, 0, NULL), H_FUNCTION);
		xive_reset(x);
		ck_assert(!rec.level[i % NCPU]);
		xive_set_active(x, true);
		memset(rec.ram + QPAGE(i % NCPU), 0, 0x10000);
		linux_cpu_setup(i % NCPU);
		route(DEV_IRQ, i % NCPU, PRIO);
		ck_assert_int_eq(xive_trigger(x, DEV_IRQ), 0);
		check_entry_bytes(QPAGE(i % NCPU), 0, true, DEV_IRQ);
		ck_assert(rec.level[i % NCPU]);
		ck_assert_int_eq(hc(HC_RESET, 0, 0, 0, 0, 0, NULL), H_SUCCESS);
	}
	xive_reset(x);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* Linux's vCPU-id limit: the last server works, one past it does not. */
START_TEST(test_bug_vcpu_limit)
{
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, NCPU - 1, 0, QPAGE(0), 16,
	    NULL), H_SUCCESS);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, NCPU, 0, QPAGE(0), 16, NULL),
	    H_P2);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, ~0ULL, 0, QPAGE(0), 16, NULL),
	    H_P2);
	ck_assert_int_eq(hc(HC_SET_QUEUE_CONFIG, 0, 1ULL << 61, 0, QPAGE(0), 16,
	    NULL), H_P2);
	ck_assert_int_eq(hc(HC_SET_SOURCE_CONFIG, 0, DEV_IRQ, 1ULL << 61, 0, 0,
	    NULL), H_P3);
}
END_TEST

/* Linux's ESB page-offset bug: the last byte of each slot decodes to it. */
START_TEST(test_bug_esb_page_offsets)
{
	uint32_t	last;

	ck_assert_int_eq(xive_irq_claim(x, NSRC - 1, 1, 1, false, &last), 0);
	(void)esb_ld(last, ESB_SET_PQ(PQ_00));
	/* Last byte of the last source's trigger page and of its slot. */
	esb_st(esb_trig(last) + (1ULL << 16) - 1, 1);
	ck_assert_uint_eq(pq_of(last), PQ_10);
	/* 0xfbff of the management page is GET, its last byte SET_PQ_11. */
	ck_assert_uint_eq(esb_ld_sz(esb_trig(last) + (1ULL << 17) - 0x401, 1),
	    PQ_10);
	ck_assert_uint_eq(esb_ld_sz(esb_trig(last) + (1ULL << 17) - 1, 1), PQ_10);
	ck_assert_uint_eq(pq_of(last), PQ_11);
	ck_assert_uint_eq(rec.nerror, 0);
	/* The byte after the sources is the first END's ESn page. */
	ck_assert_uint_eq(esb_ld_sz(((uint64_t)NSRC << 17) + ESB_GET, 1), PQ_01);
	ck_assert_uint_eq(pq_of(last), PQ_11);
}
END_TEST

static Suite *
xive_suite(void)
{
	Suite	*s = suite_create("xive");
	TCase	*tc = tcase_create("xive");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pq_table);
	tcase_add_loop_test(tc, test_esb_ops_every_shift, 0, 24);
	tcase_add_loop_test(tc, test_esb_trigger_page, 0, 2);
	tcase_add_test(tc, test_esb_offset_decode);
	tcase_add_test(tc, test_esb_window_bounds);
	tcase_add_test(tc, test_esb_unclaimed);
	tcase_add_test(tc, test_end_esb_pages);
	tcase_add_loop_test(tc, test_end_esb_layout, 0, 4);

	tcase_add_test(tc, test_hcall_inactive);
	tcase_add_test(tc, test_hcall_caller_cpu);
	tcase_add_loop_test(tc, test_get_source_info, 0, 8);
	tcase_add_test(tc, test_set_source_config);
	tcase_add_test(tc, test_get_source_config_errors);
	tcase_add_test(tc, test_get_queue_info);
	tcase_add_test(tc, test_set_queue_config);
	tcase_add_test(tc, test_get_queue_config);
	tcase_add_test(tc, test_h_int_esb);
	tcase_add_test(tc, test_h_int_sync);
	tcase_add_test(tc, test_h_int_reset);

	tcase_add_test(tc, test_linux_sequence);
	tcase_add_test(tc, test_queue_wrap_4k);
	tcase_add_loop_test(tc, test_queue_wrap_every_size, 0, 4);
	tcase_add_test(tc, test_eisn_width);
	tcase_add_test(tc, test_esn_coalescing);
	tcase_add_test(tc, test_backlog_while_pulled);

	tcase_add_test(tc, test_tima_ack_order);
	tcase_add_test(tc, test_tima_cppr);
	tcase_add_test(tc, test_tima_os_forbidden);
	tcase_add_test(tc, test_tima_einval);
	tcase_add_test(tc, test_tima_os_raw);
	tcase_add_test(tc, test_tima_hv_ops);
	tcase_add_test(tc, test_context_on_other_thread);
	tcase_add_test(tc, test_end_masked);
	tcase_add_test(tc, test_ram_check_op);

	tcase_add_test(tc, test_lsi_represent_after_eoi);
	tcase_add_test(tc, test_lsi_unmask_asserted);
	tcase_add_test(tc, test_msi_decode);
	tcase_add_test(tc, test_msi_level);
	tcase_add_test(tc, test_no_msi_window);
	tcase_add_test(tc, test_claim_free);
	tcase_add_test(tc, test_irq_base);

	tcase_add_test(tc, test_end_not_configured);
	tcase_add_test(tc, test_eq_write_fault);
	tcase_add_test(tc, test_escalation);

	tcase_add_test(tc, test_save_load_midflight);
	tcase_add_test(tc, test_set_state_rejects);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_create_rejects);
	tcase_add_test(tc, test_decoders);
	tcase_add_test(tc, test_multiple_instances);
	tcase_add_test(tc, test_announce_lines);

	tcase_add_test(tc, test_bug_eq_above_64g);
	tcase_add_test(tc, test_bug_restore_order);
	tcase_add_test(tc, test_bug_repeated_reset);
	tcase_add_test(tc, test_bug_vcpu_limit);
	tcase_add_test(tc, test_bug_esb_page_offsets);

	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(xive_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

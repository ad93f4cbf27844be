/*
 * Unit suite for emul/xics: the sPAPR XICS state machine against PAPR and
 * LoPAPR (sources, presenters, H_CPPR/H_EOI/H_IPI/H_IPOLL/H_XIRR/H_XIRR_X,
 * ibm,set-xive/get-xive/int-off/int-on, PHB MSI decode). Expected values
 * come from the specification with the test's own constants (xics-bits.h),
 * not from xics_internal.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "compiler.h"
#include "xics/xics.h"
#include "xics-bits.h"

#define LOG_MAX		128

/* The fixture's chip: sPAPR numbering, four servers. */
#define BASE		0x1000
#define NSRC		64
#define NSRV		4
#define LSI0		(BASE + 0)	/* LSIs BASE..BASE+3 */
#define LSI1		(BASE + 1)
#define MSI0		(BASE + 0x10)	/* MSIs BASE+0x10..BASE+0x1f */
#define MSI1		(BASE + 0x11)
#define MSI2		(BASE + 0x12)
#define FREE0		(BASE + 0x30)	/* never claimed */

/* One output of the chip, in order. */
struct event {
	char		kind;		/* 'c' cpu_irq, 'r' resample */
	unsigned	server;		/* cpu_irq */
	bool		level;		/* cpu_irq */
	uint32_t	irq;		/* resample */
};

struct recorder {
	struct xics	*x;
	unsigned	 nev;
	struct event	 ev[LOG_MAX];
	int		 resample_deassert;	/* resample drops the line */
	unsigned	 nerror;
	char		 error_kind[64];
};

static struct recorder	 rec;
static struct xics	*x;

static void
rec_cpu_irq(void *opaque, unsigned server, bool level)
{
	struct recorder	*r = opaque;

	ck_assert_uint_lt(server, XICS_MAX_SERVERS);
	if (r->nev < LOG_MAX)
		r->ev[r->nev] = (struct event){ 'c', server, level, 0 };
	r->nev++;
}

static void
rec_resample(void *opaque, uint32_t irq)
{
	struct recorder	*r = opaque;

	if (r->nev < LOG_MAX)
		r->ev[r->nev] = (struct event){ 'r', 0, false, irq };
	r->nev++;
	if (r->resample_deassert)
		ck_assert_int_eq(xics_set_irq(r->x, irq, false), 0);
}

static void
rec_guest_error(void *opaque, const char *kind, const char *msg)
{
	struct recorder	*r = opaque;

	ck_assert_ptr_nonnull(kind);
	ck_assert_ptr_nonnull(msg);
	ck_assert_uint_gt(strlen(msg), 0);
	r->nerror++;
	snprintf(r->error_kind, sizeof r->error_kind, "%s", kind);
}

static const struct xics_ops rec_ops = {
	.cpu_irq = rec_cpu_irq,
	.resample = rec_resample,
	.guest_error = rec_guest_error,
};

/* The recorded outputs are exactly these cpu_irq / resample calls. */
#define CPU(s, l)	((struct event){ 'c', (s), (l), 0 })
#define RESAMPLE(i)	((struct event){ 'r', 0, false, (i) })
#define expect(...)	expect_events((const struct event[]){ __VA_ARGS__ }, \
	sizeof((const struct event[]){ __VA_ARGS__ }) / sizeof(struct event))

static void
expect_events(const struct event *want, unsigned n)
{
	unsigned	i;

	ck_assert_uint_eq(rec.nev, n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(rec.ev[i].kind, want[i].kind);
		if (want[i].kind == 'c') {
			ck_assert_uint_eq(rec.ev[i].server, want[i].server);
			ck_assert_int_eq(rec.ev[i].level, want[i].level);
		} else
			ck_assert_uint_eq(rec.ev[i].irq, want[i].irq);
	}
	rec.nev = 0;
}

static void
expect_none(void)
{
	ck_assert_uint_eq(rec.nev, 0);
}

static void
expect_error(const char *kind)
{
	ck_assert_uint_eq(rec.nerror, 1);
	ck_assert_str_eq(rec.error_kind, kind);
	rec.nerror = 0;
	rec.error_kind[0] = '\0';
}

/* hcall helpers: each checks the PAPR return code it expects. */
static long
hcall(struct xics *c, unsigned cpu, uint64_t op, uint64_t a0, uint64_t a1,
    uint64_t *rets, unsigned *nrets)
{
	uint64_t	args[2] = { a0, a1 }, r[XICS_HCALL_MAX_RETS];
	unsigned	n = 99;
	long		ret = 12345;

	ck_assert_int_eq(xics_hcall(c, cpu, op, args, 2, rets ? rets : r,
	    nrets ? nrets : &n, 0, &ret), 0);
	return ret;
}

static void
h_cppr(unsigned cpu, uint8_t cppr)
{
	ck_assert_int_eq(hcall(x, cpu, T_H_CPPR, cppr, 0, NULL, NULL),
	    T_H_SUCCESS);
}

static void
h_eoi(unsigned cpu, uint32_t xirr)
{
	ck_assert_int_eq(hcall(x, cpu, T_H_EOI, xirr, 0, NULL, NULL),
	    T_H_SUCCESS);
}

static void
h_ipi(unsigned cpu, unsigned target, uint8_t mfrr)
{
	ck_assert_int_eq(hcall(x, cpu, T_H_IPI, target, mfrr, NULL, NULL),
	    T_H_SUCCESS);
}

static uint32_t
h_xirr_on(struct xics *c, unsigned cpu)
{
	uint64_t	rets[XICS_HCALL_MAX_RETS];
	unsigned	n;

	ck_assert_int_eq(hcall(c, cpu, T_H_XIRR, 0, 0, rets, &n), T_H_SUCCESS);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_le(rets[0], 0xffffffffULL);
	return (uint32_t)rets[0];
}

static uint32_t
h_xirr(unsigned cpu)
{
	return h_xirr_on(x, cpu);
}

/* RTAS helpers: return the status cell. */
static uint32_t
rtas(struct xics *c, const char *name, const uint32_t *args, unsigned nargs,
    uint32_t *rets, unsigned nret)
{
	int	call = xics_rtas_lookup(name);

	ck_assert_int_ge(call, 0);
	rets[0] = 0xdeadbeef;
	ck_assert_int_eq(xics_rtas(c, 0, (enum xics_rtas_call)call, args,
	    nargs, rets, nret), 0);
	return rets[0];
}

static uint32_t
set_xive_on(struct xics *c, uint32_t irq, uint32_t server, uint32_t prio)
{
	uint32_t	args[3] = { irq, server, prio }, rets[1];

	return rtas(c, "ibm,set-xive", args, 3, rets, 1);
}

static void
set_xive(uint32_t irq, uint32_t server, uint32_t prio)
{
	ck_assert_uint_eq(set_xive_on(x, irq, server, prio), T_RTAS_SUCCESS);
}

static void
int_onoff(const char *name, uint32_t irq)
{
	uint32_t	args[1] = { irq }, rets[1];

	ck_assert_uint_eq(rtas(x, name, args, 1, rets, 1), T_RTAS_SUCCESS);
}

static struct xics_source_info
source(uint32_t irq)
{
	struct xics_source_info	info;

	ck_assert_int_eq(xics_query_source(x, irq, &info), 0);
	return info;
}

static struct xics_icp_info
icp_on(struct xics *c, unsigned server)
{
	struct xics_icp_info	info;

	ck_assert_int_eq(xics_query_icp(c, server, &info), 0);
	return info;
}

static struct xics_icp_info
icp(unsigned server)
{
	return icp_on(x, server);
}

static struct xics *
make(uint32_t base, unsigned nsrc, unsigned nsrv, struct recorder *r)
{
	struct xics_config	cfg;
	struct xics		*c;

	xics_config_default(&cfg);
	cfg.irq_base = base;
	cfg.nsources = nsrc;
	cfg.nservers = nsrv;
	c = xics_create(&cfg, &rec_ops, r);
	ck_assert_ptr_nonnull(c);
	r->x = c;
	return c;
}

/* Four LSIs and sixteen MSIs claimed; every CPU at CPPR 0xff, as Linux boots. */
static void
setup(void)
{
	unsigned	cpu;

	memset(&rec, 0, sizeof rec);
	x = make(BASE, NSRC, NSRV, &rec);
	ck_assert_int_eq(xics_claim(x, LSI0, 4, XICS_TYPE_LSI, NULL, 0), 0);
	ck_assert_int_eq(xics_claim(x, MSI0, 16, XICS_TYPE_MSI, NULL, 0), 0);
	for (cpu = 0; cpu < NSRV; cpu++)
		h_cppr(cpu, T_MASKED);
	expect_none();
}

static void
teardown(void)
{
	xics_destroy(x);
	x = NULL;
}

/* ---- creation, configuration, reset ---- */

START_TEST(test_create_rejects)
{
	struct xics_config	cfg, bad;
	struct xics_ops		ops = rec_ops;
	struct xics		*c;

	xics_config_default(&cfg);
	ck_assert_uint_eq(cfg.irq_base, 4096);
	ck_assert_uint_eq(cfg.msi_base, T_MSI_WINDOW);

	bad = cfg;
	bad.irq_base = 15;
	errno = 0;
	ck_assert_ptr_null(xics_create(&bad, &rec_ops, NULL));
	ck_assert_int_eq(errno, EINVAL);
	bad = cfg;
	bad.nsources = 0;
	ck_assert_ptr_null(xics_create(&bad, &rec_ops, NULL));
	bad.nsources = XICS_MAX_SOURCES + 1;
	ck_assert_ptr_null(xics_create(&bad, &rec_ops, NULL));
	/* Global numbers are 24 bits. */
	bad = cfg;
	bad.irq_base = 0xffff00;
	bad.nsources = 0x101;
	ck_assert_ptr_null(xics_create(&bad, &rec_ops, NULL));
	bad.nsources = 0x100;
	c = xics_create(&bad, &rec_ops, NULL);
	ck_assert_ptr_nonnull(c);
	xics_destroy(c);
	bad = cfg;
	bad.nservers = 0;
	ck_assert_ptr_null(xics_create(&bad, &rec_ops, NULL));
	bad.nservers = XICS_MAX_SERVERS + 1;
	ck_assert_ptr_null(xics_create(&bad, &rec_ops, NULL));
	bad = cfg;
	bad.msi_base = UINT64_MAX - 2;
	ck_assert_ptr_null(xics_create(&bad, &rec_ops, NULL));
	ck_assert_ptr_null(xics_create(NULL, &rec_ops, NULL));
	ck_assert_ptr_null(xics_create(&cfg, NULL, NULL));
	ops.cpu_irq = NULL;
	ck_assert_ptr_null(xics_create(&cfg, &ops, NULL));
	ops = rec_ops;
	ops.resample = NULL;
	ck_assert_ptr_null(xics_create(&cfg, &ops, NULL));
	ops = rec_ops;
	ops.guest_error = NULL;
	ck_assert_ptr_null(xics_create(&cfg, &ops, NULL));
}
END_TEST

/* LoPAPR: at reset XIRR is 0 (CPPR 0, nothing pending), MFRR 0xff. */
START_TEST(test_initial_presenters)
{
	struct recorder		r;
	struct xics		*c;
	struct xics_icp_info	i;
	unsigned		server;

	memset(&r, 0, sizeof r);
	c = make(BASE, NSRC, NSRV, &r);
	ck_assert_uint_eq(xics_irq_base(c), BASE);
	ck_assert_uint_eq(xics_nsources(c), NSRC);
	ck_assert_uint_eq(xics_nservers(c), NSRV);
	for (server = 0; server < NSRV; server++) {
		i = icp_on(c, server);
		ck_assert_uint_eq(i.st.xirr, T_XIRR(0, T_XISR_NONE));
		ck_assert_uint_eq(i.cppr, 0);
		ck_assert_uint_eq(i.st.mfrr, T_MASKED);
		ck_assert_uint_eq(i.st.pending_priority, T_MASKED);
		ck_assert(!i.line);
	}
	ck_assert_uint_eq(r.nev, 0);
	xics_destroy(c);
}
END_TEST

/* CPPR 0 admits nothing: a CPU must open it (Linux: H_CPPR 0xff). */
START_TEST(test_cppr_zero_blocks_until_opened)
{
	struct recorder	r;
	struct xics	*c;

	memset(&r, 0, sizeof r);
	c = make(BASE, NSRC, 1, &r);
	ck_assert_int_eq(xics_claim(c, MSI0, 1, XICS_TYPE_MSI, NULL, 0), 0);
	ck_assert_uint_eq(set_xive_on(c, MSI0, 0, 0), T_RTAS_SUCCESS);
	/* Priority 0 is the most favoured, and still not below CPPR 0. */
	ck_assert_int_eq(xics_pulse_irq(c, MSI0), 0);
	ck_assert_uint_eq(r.nev, 0);
	ck_assert_int_eq(hcall(c, 0, T_H_CPPR, T_MASKED, 0, NULL, NULL),
	    T_H_SUCCESS);
	ck_assert_uint_eq(r.nev, 1);
	ck_assert_int_eq(r.ev[0].kind, 'c');
	ck_assert_int_eq(r.ev[0].level, true);
	ck_assert_uint_eq(h_xirr_on(c, 0), T_XIRR(T_MASKED, MSI0));
	xics_destroy(c);
}
END_TEST

START_TEST(test_reset)
{
	struct xics_source_info	s;
	struct xics_icp_info	i;

	set_xive(LSI0, 1, 5);
	set_xive(MSI0, 2, 5);
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	h_ipi(0, 3, 4);
	expect(CPU(1, true), CPU(2, true), CPU(3, true));

	xics_reset(x);
	expect(CPU(1, false), CPU(2, false), CPU(3, false));
	/* Reset again (QEMU once crashed on repeated resets): nothing more. */
	xics_reset(x);
	expect_none();
	for (unsigned server = 0; server < NSRV; server++) {
		i = icp(server);
		ck_assert_uint_eq(i.st.xirr, 0);
		ck_assert_uint_eq(i.st.mfrr, T_MASKED);
		ck_assert_uint_eq(i.st.pending_priority, T_MASKED);
	}
	/* Claims and the LSI's line level survive; the rest is masked. */
	s = source(LSI0);
	ck_assert_uint_eq(s.st.type, XICS_TYPE_LSI);
	ck_assert_uint_eq(s.st.status, T_ST_ASSERTED);
	ck_assert_uint_eq(s.st.priority, T_MASKED);
	ck_assert_uint_eq(s.st.saved_priority, T_MASKED);
	ck_assert_uint_eq(s.st.server, 0);
	s = source(MSI0);
	ck_assert_uint_eq(s.st.type, XICS_TYPE_MSI);
	ck_assert_uint_eq(s.st.status, 0);
	ck_assert_uint_eq(s.st.priority, T_MASKED);
	/* The asserted LSI comes back once configured and a CPU opens. */
	set_xive(LSI0, 0, 5);
	expect_none();
	h_cppr(0, T_MASKED);
	expect(CPU(0, true));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(T_MASKED, LSI0));
}
END_TEST

START_TEST(test_multiple_instances)
{
	struct recorder	r;
	struct xics	*c;

	memset(&r, 0, sizeof r);
	c = make(BASE, NSRC, NSRV, &r);
	ck_assert_int_eq(xics_claim(c, MSI0, 1, XICS_TYPE_MSI, NULL, 0), 0);
	ck_assert_uint_eq(set_xive_on(c, MSI0, 0, 5), T_RTAS_SUCCESS);
	set_xive(MSI0, 0, 5);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect(CPU(0, true));
	/* c's CPU 0 is still at CPPR 0 and heard nothing. */
	ck_assert_uint_eq(r.nev, 0);
	ck_assert_uint_eq(icp_on(c, 0).xisr, T_XISR_NONE);
	xics_destroy(c);
}
END_TEST

/* ---- claims ---- */

START_TEST(test_claim)
{
	char			why[128];
	enum xics_type		type;
	struct xics_source_info	s;

	why[0] = '\0';
	ck_assert_int_eq(xics_claim(x, MSI0, 1, XICS_TYPE_MSI, why,
	    sizeof why), -EBUSY);
	ck_assert_ptr_nonnull(strstr(why, "0x1010"));
	ck_assert_int_eq(xics_claim(x, BASE + 0x1f, 2, XICS_TYPE_LSI, why,
	    sizeof why), -EBUSY);
	ck_assert_int_eq(xics_claim(x, BASE - 1, 1, XICS_TYPE_LSI, why,
	    sizeof why), -ERANGE);
	ck_assert_int_eq(xics_claim(x, BASE + NSRC - 1, 2, XICS_TYPE_LSI,
	    why, sizeof why), -ERANGE);
	ck_assert_int_eq(xics_claim(x, BASE + NSRC, 1, XICS_TYPE_LSI, why,
	    sizeof why), -ERANGE);
	ck_assert_int_eq(xics_claim(x, FREE0, 0, XICS_TYPE_LSI, why,
	    sizeof why), -EINVAL);
	ck_assert_int_eq(xics_claim(x, FREE0, 1, XICS_TYPE_FREE, why,
	    sizeof why), -EINVAL);
	ck_assert_int_eq(xics_claim(x, FREE0, 1, (enum xics_type)3, NULL, 0),
	    -EINVAL);
	ck_assert_int_eq(xics_irq_check(x, FREE0, NULL, why, sizeof why),
	    -ENOENT);
	ck_assert_int_eq(xics_irq_check(x, 5, NULL, why, sizeof why), -ERANGE);

	ck_assert_int_eq(xics_claim(x, BASE + NSRC - 2, 2, XICS_TYPE_LSI, why,
	    sizeof why), 0);
	ck_assert_int_eq(xics_irq_check(x, BASE + NSRC - 1, &type, NULL, 0), 0);
	ck_assert_int_eq(type, XICS_TYPE_LSI);
	s = source(BASE + NSRC - 1);
	ck_assert_uint_eq(s.st.priority, T_MASKED);
	ck_assert_uint_eq(s.st.saved_priority, T_MASKED);
	ck_assert_uint_eq(s.st.server, 0);
	ck_assert_uint_eq(s.st.status, 0);
	ck_assert_int_eq(xics_query_source(x, FREE0, &s), -ENOENT);
	ck_assert_int_eq(xics_query_source(x, 0, &s), -ERANGE);
}
END_TEST

START_TEST(test_alloc_aligned)
{
	char		why[128];
	uint32_t	irq = 0;

	/* BASE..+3 and +0x10..+0x1f are taken: the first free 4 at 4. */
	ck_assert_int_eq(xics_alloc(x, 4, 4, XICS_TYPE_MSI, &irq, why,
	    sizeof why), 0);
	ck_assert_uint_eq(irq, BASE + 4);
	/* 8 aligned to 8: 0x1008 is free. */
	ck_assert_int_eq(xics_alloc(x, 8, 8, XICS_TYPE_MSI, &irq, why,
	    sizeof why), 0);
	ck_assert_uint_eq(irq, BASE + 8);
	/* 16 aligned to 32: not 0x1020 + 16 = past..., 0x1020 is free. */
	ck_assert_int_eq(xics_alloc(x, 16, 32, XICS_TYPE_MSI, &irq, why,
	    sizeof why), 0);
	ck_assert_uint_eq(irq, BASE + 0x20);
	ck_assert_uint_eq(irq % 32, 0);
	/* 0x1030..0x103f are left: 16 fit, 17 do not. */
	ck_assert_int_eq(xics_alloc(x, 17, 1, XICS_TYPE_MSI, &irq, why,
	    sizeof why), -ENOSPC);
	ck_assert_uint_gt(strlen(why), 0);
	ck_assert_int_eq(xics_alloc(x, 1, 3, XICS_TYPE_MSI, &irq, why,
	    sizeof why), -EINVAL);
	ck_assert_int_eq(xics_alloc(x, 0, 1, XICS_TYPE_MSI, &irq, why,
	    sizeof why), -EINVAL);
	ck_assert_int_eq(xics_alloc(x, 1, 1, XICS_TYPE_FREE, &irq, why,
	    sizeof why), -EINVAL);
	ck_assert_int_eq(xics_alloc(x, 1, 0, XICS_TYPE_LSI, &irq, why,
	    sizeof why), 0);
	ck_assert_uint_eq(irq, BASE + 0x30);
	ck_assert_int_eq(source(BASE + 0x30).st.type, XICS_TYPE_LSI);
}
END_TEST

/* Unclaimed sources never fire; the VMM's line on one is its own error. */
START_TEST(test_unclaimed_never_fire)
{
	ck_assert_int_eq(xics_set_irq(x, FREE0, true), -ENOENT);
	ck_assert_int_eq(xics_pulse_irq(x, FREE0), -ENOENT);
	ck_assert_int_eq(xics_set_irq(x, BASE - 1, true), -ERANGE);
	ck_assert_int_eq(xics_set_irq(x, BASE + NSRC, true), -ERANGE);
	ck_assert_int_eq(xics_set_irq(x, 0xffffffff, true), -ERANGE);
	expect_none();
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_free)
{
	char		why[128];

	ck_assert_int_eq(xics_free(x, FREE0, 1, why, sizeof why), -ENOENT);
	ck_assert_int_eq(xics_free(x, MSI0, 0x11, why, sizeof why), -ENOENT);
	/* Nothing freed by the refused call. */
	ck_assert_int_eq(source(MSI0).st.type, XICS_TYPE_MSI);
	ck_assert_int_eq(xics_free(x, BASE + NSRC, 1, why, sizeof why),
	    -ERANGE);
	ck_assert_int_eq(xics_free(x, MSI0, 0, why, sizeof why), -EINVAL);

	/* A freed source pending at a CPU is withdrawn: the line drops. */
	set_xive(MSI1, 2, 5);
	ck_assert_int_eq(xics_pulse_irq(x, MSI1), 0);
	expect(CPU(2, true));
	ck_assert_int_eq(xics_free(x, MSI1, 1, why, sizeof why), 0);
	expect(CPU(2, false));
	ck_assert_uint_eq(icp(2).xisr, T_XISR_NONE);
	ck_assert_int_eq(xics_pulse_irq(x, MSI1), -ENOENT);
	/* Claimed again, it starts masked. */
	ck_assert_int_eq(xics_claim(x, MSI1, 1, XICS_TYPE_LSI, why,
	    sizeof why), 0);
	ck_assert_uint_eq(source(MSI1).st.priority, T_MASKED);
	ck_assert_uint_eq(source(MSI1).counters.delivered, 0);
}
END_TEST

/* Withdrawing a pending source lets what waited behind it in. */
START_TEST(test_free_presents_next)
{
	set_xive(MSI0, 1, 3);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	h_ipi(0, 1, 4);		/* 4 is not more favoured than 3: waits */
	expect(CPU(1, true));
	ck_assert_uint_eq(icp(1).xisr, MSI0);
	ck_assert_int_eq(xics_free(x, MSI0, 1, NULL, 0), 0);
	/* The line stays up for the IPI: one drop, one rise. */
	expect(CPU(1, false), CPU(1, true));
	ck_assert_uint_eq(h_xirr(1), T_XIRR(T_MASKED, T_XISR_IPI));
	/* A late EOI of the freed number is accepted silently. */
	h_eoi(1, T_XIRR(T_MASKED, MSI0));
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* ---- hcalls ---- */

START_TEST(test_hcall_client_errors)
{
	uint64_t	args[2] = { 0, 0 }, rets[XICS_HCALL_MAX_RETS];
	unsigned	n;
	long		ret = 777;
	struct xics_counters c0, c1;

	xics_query_counters(x, &c0);
	ck_assert_int_eq(xics_hcall(x, NSRV, T_H_XIRR, args, 0, rets, &n, 0,
	    &ret), -EINVAL);
	ck_assert_int_eq(xics_hcall(x, 0xffffffffU, T_H_CPPR, args, 1, rets,
	    &n, 0, &ret), -EINVAL);
	/* H_IPI takes two arguments, H_CPPR one. */
	ck_assert_int_eq(xics_hcall(x, 0, T_H_IPI, args, 1, rets, &n, 0,
	    &ret), -EINVAL);
	ck_assert_int_eq(xics_hcall(x, 0, T_H_CPPR, args, 0, rets, &n, 0,
	    &ret), -EINVAL);
	ck_assert_int_eq(xics_hcall(x, 0, T_H_EOI, NULL, 1, rets, &n, 0,
	    &ret), -EINVAL);
	ck_assert_int_eq(ret, 777);
	xics_query_counters(x, &c1);
	ck_assert_uint_eq(c1.hcalls, c0.hcalls);
	ck_assert_uint_eq(c1.guest_errors, 0);
	expect_none();
}
END_TEST

START_TEST(test_hcall_unknown_opcode)
{
	uint64_t	rets[XICS_HCALL_MAX_RETS];
	unsigned	n = 99;
	struct xics_counters c;

	ck_assert_int_eq(hcall(x, 0, T_H_INT_GET_SOURCE_INFO, 0, MSI0, rets,
	    &n), T_H_FUNCTION);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(hcall(x, 0, 0, 0, 0, NULL, NULL), T_H_FUNCTION);
	ck_assert_int_eq(hcall(x, 0, 0x78, 0, 0, NULL, NULL), T_H_FUNCTION);
	ck_assert_ptr_null(xics_hcall_name(0x78));
	ck_assert_str_eq(xics_hcall_name(T_H_XIRR_X), "H_XIRR_X");
	ck_assert_str_eq(xics_hcall_name(T_H_IPOLL), "H_IPOLL");
	expect_none();
	xics_query_counters(x, &c);
	ck_assert_uint_eq(c.hcalls, NSRV + 3);
	/* Nothing else needed the args: a call with none is fine. */
	{
		long	ret;

		ck_assert_int_eq(xics_hcall(x, 0, 0x1234, NULL, 0, rets, &n, 0,
		    &ret), 0);
		ck_assert_int_eq(ret, T_H_FUNCTION);
	}
}
END_TEST

START_TEST(test_h_cppr_reject_and_resend)
{
	struct xics_source_info	s;

	set_xive(MSI0, 0, 5);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect(CPU(0, true));
	/* CPPR 5 no longer admits priority 5: back to the ICS. */
	h_cppr(0, 5);
	expect(CPU(0, false));
	s = source(MSI0);
	ck_assert(s.rejected);
	ck_assert_uint_eq(icp(0).st.xirr, T_XIRR(5, T_XISR_NONE));
	ck_assert_uint_eq(icp(0).st.pending_priority, T_MASKED);
	/*
	 * CPPR 5 again is not more favoured: nothing pending, so a resend,
	 * which tries MSI0 and is refused again (5 is not below CPPR 5).
	 */
	h_cppr(0, 5);
	expect_none();
	ck_assert(source(MSI0).rejected);
	ck_assert_uint_eq(source(MSI0).counters.rejected, 2);
	/* CPPR 6: the resend presents it again. */
	h_cppr(0, 6);
	expect(CPU(0, true));
	ck_assert(!source(MSI0).rejected);
	ck_assert_uint_eq(h_xirr(0), T_XIRR(6, MSI0));
	ck_assert_uint_eq(source(MSI0).counters.resent, 2);
	ck_assert_uint_eq(source(MSI0).counters.rejected, 2);
}
END_TEST

/* A more favoured CPPR keeps what is still more favoured than it. */
START_TEST(test_h_cppr_keeps_more_favoured)
{
	set_xive(MSI0, 0, 2);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect(CPU(0, true));
	h_cppr(0, 3);
	expect_none();
	ck_assert_uint_eq(icp(0).st.xirr, T_XIRR(3, MSI0));
	/* Register width: 0x1ff is CPPR 0xff. */
	ck_assert_int_eq(hcall(x, 0, T_H_CPPR, 0x1ff, 0, NULL, NULL),
	    T_H_SUCCESS);
	ck_assert_uint_eq(icp(0).cppr, 0xff);
	expect_none();
}
END_TEST

START_TEST(test_h_xirr_accept)
{
	set_xive(MSI0, 1, 5);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect(CPU(1, true));
	ck_assert_uint_eq(h_xirr(1), T_XIRR(0xff, MSI0));
	expect(CPU(1, false));
	/* CPPR is now the accepted interrupt's priority, XISR empty. */
	ck_assert_uint_eq(icp(1).st.xirr, T_XIRR(5, T_XISR_NONE));
	ck_assert_uint_eq(icp(1).st.pending_priority, T_MASKED);
	/* Nothing pending: XIRR is returned and nothing changes. */
	ck_assert_uint_eq(h_xirr(1), T_XIRR(5, T_XISR_NONE));
	ck_assert_uint_eq(icp(1).cppr, 5);
	expect_none();
	h_eoi(1, T_XIRR(0xff, MSI0));
	ck_assert_uint_eq(icp(1).cppr, 0xff);
	ck_assert_uint_eq(source(MSI0).counters.eois, 1);
	expect_none();
}
END_TEST

START_TEST(test_h_xirr_x_timebase)
{
	uint64_t	args[1] = { 0 }, rets[XICS_HCALL_MAX_RETS];
	unsigned	n = 0;
	long		ret = 1;

	set_xive(MSI0, 0, 5);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect(CPU(0, true));
	ck_assert_int_eq(xics_hcall(x, 0, T_H_XIRR_X, args, 0, rets, &n,
	    0x123456789abcdefULL, &ret), 0);
	ck_assert_int_eq(ret, T_H_SUCCESS);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(rets[0], T_XIRR(0xff, MSI0));
	ck_assert_uint_eq(rets[1], 0x123456789abcdefULL);
	expect(CPU(0, false));
	ck_assert_uint_eq(icp(0).cppr, 5);
	/* Nothing pending: XIRR with XISR 0, the timebase all the same. */
	ck_assert_int_eq(xics_hcall(x, 0, T_H_XIRR_X, args, 1, rets, &n, 42,
	    &ret), 0);
	ck_assert_uint_eq(rets[0], T_XIRR(5, T_XISR_NONE));
	ck_assert_uint_eq(rets[1], 42);
}
END_TEST

START_TEST(test_h_eoi_bad_irq)
{
	/* Neither the IPI nor a number of this chip: H_PARAMETER. */
	ck_assert_int_eq(hcall(x, 0, T_H_EOI, T_XIRR(0xff, 0x123), 0, NULL,
	    NULL), T_H_PARAMETER);
	expect_error("eoi-bad-irq");
	ck_assert_int_eq(hcall(x, 0, T_H_EOI, T_XIRR(0xff, BASE + NSRC), 0,
	    NULL, NULL), T_H_PARAMETER);
	expect_error("eoi-bad-irq");
	ck_assert_int_eq(hcall(x, 0, T_H_EOI, T_XIRR(7, T_XISR_NONE), 0, NULL,
	    NULL), T_H_PARAMETER);
	expect_error("eoi-bad-irq");
	/* The CPPR part still applies. */
	ck_assert_uint_eq(icp(0).cppr, 7);
	/* An unclaimed number inside the chip: accepted, no error. */
	h_eoi(0, T_XIRR(0xff, FREE0));
	ck_assert_uint_eq(rec.nerror, 0);
	/* The upper 32 bits of the argument are not XIRR. */
	ck_assert_int_eq(hcall(x, 0, T_H_EOI,
	    0xdead00000000ULL | T_XIRR(0xff, T_XISR_IPI), 0, NULL, NULL),
	    T_H_SUCCESS);
	ck_assert_uint_eq(rec.nerror, 0);
	expect_none();
}
END_TEST

/* An EOI whose CPPR no longer admits the pending interrupt rejects it. */
START_TEST(test_h_eoi_more_favoured_cppr)
{
	set_xive(MSI0, 0, 5);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect(CPU(0, true));
	h_eoi(0, T_XIRR(4, T_XISR_IPI));
	expect(CPU(0, false));
	ck_assert(source(MSI0).rejected);
	h_cppr(0, 0xff);
	expect(CPU(0, true));
}
END_TEST

START_TEST(test_h_ipi_bad_server)
{
	ck_assert_int_eq(hcall(x, 0, T_H_IPI, NSRV, 4, NULL, NULL),
	    T_H_PARAMETER);
	expect_error("hcall-bad-server");
	ck_assert_int_eq(hcall(x, 0, T_H_IPI, 1ULL << 32, 4, NULL, NULL),
	    T_H_PARAMETER);
	expect_error("hcall-bad-server");
	expect_none();
	for (unsigned s = 0; s < NSRV; s++)
		ck_assert_uint_eq(icp(s).st.mfrr, T_MASKED);
}
END_TEST

/* The IPI: XISR 2 at MFRR's priority; armed until MFRR goes back to 0xff. */
START_TEST(test_ipi_self_and_rearm)
{
	h_ipi(0, 0, 4);
	expect(CPU(0, true));
	ck_assert_uint_eq(icp(0).st.xirr, T_XIRR(0xff, T_XISR_IPI));
	ck_assert_uint_eq(icp(0).st.pending_priority, 4);
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, T_XISR_IPI));
	expect(CPU(0, false));
	ck_assert_uint_eq(icp(0).cppr, 4);
	/* EOI without clearing MFRR: the IPI is presented again. */
	h_eoi(0, T_XIRR(0xff, T_XISR_IPI));
	expect(CPU(0, true));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, T_XISR_IPI));
	expect(CPU(0, false));
	/* Linux's way: MFRR 0xff first, then the EOI: done. */
	h_ipi(0, 0, 0xff);
	h_eoi(0, T_XIRR(0xff, T_XISR_IPI));
	expect_none();
	ck_assert_uint_eq(icp(0).st.xirr, T_XIRR(0xff, T_XISR_NONE));
	ck_assert_uint_eq(icp(0).st.mfrr, 0xff);
}
END_TEST

START_TEST(test_ipis_to_several_servers)
{
	struct xics_counters	c;

	h_ipi(0, 1, 4);
	h_ipi(0, 2, 4);
	h_ipi(0, 3, 4);
	expect(CPU(1, true), CPU(2, true), CPU(3, true));
	for (unsigned s = 1; s < NSRV; s++) {
		ck_assert_uint_eq(icp(s).st.mfrr, 4);
		ck_assert_uint_eq(icp(s).xisr, T_XISR_IPI);
	}
	ck_assert_uint_eq(icp(0).xisr, T_XISR_NONE);
	ck_assert_uint_eq(icp(0).st.mfrr, 0xff);
	/* A second IPI to a server with one pending changes nothing. */
	h_ipi(3, 2, 4);
	expect_none();
	/* An IPI blocked by CPPR is kept in MFRR only. */
	h_cppr(0, 4);
	h_ipi(1, 0, 4);
	expect_none();
	ck_assert_uint_eq(icp(0).xisr, T_XISR_NONE);
	h_cppr(0, 5);
	expect(CPU(0, true));
	xics_query_counters(x, &c);
	ck_assert_uint_eq(c.ipis, 4);
}
END_TEST

/* An IPI more favoured than the pending external displaces it, and back. */
START_TEST(test_ipi_versus_external)
{
	set_xive(MSI0, 0, 5);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect(CPU(0, true));
	h_ipi(1, 0, 4);
	/* The line stays high: no call. */
	expect_none();
	ck_assert_uint_eq(icp(0).st.xirr, T_XIRR(0xff, T_XISR_IPI));
	ck_assert_uint_eq(icp(0).st.pending_priority, 4);
	ck_assert(source(MSI0).rejected);
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, T_XISR_IPI));
	expect(CPU(0, false));
	h_ipi(0, 0, 0xff);
	h_eoi(0, T_XIRR(0xff, T_XISR_IPI));
	/* The external comes back on the EOI's resend. */
	expect(CPU(0, true));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, MSI0));
	expect(CPU(0, false));
}
END_TEST

/* An IPI less favoured than (or equal to) the pending external waits. */
START_TEST(test_ipi_waits_behind_external)
{
	set_xive(MSI0, 0, 4);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect(CPU(0, true));
	h_ipi(1, 0, 4);
	h_ipi(1, 0, 6);
	expect_none();
	ck_assert_uint_eq(icp(0).xisr, MSI0);
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, MSI0));
	expect(CPU(0, false));
	/* At CPPR 4 the IPI at 6 still waits, then comes with the EOI. */
	h_cppr(0, 4);
	expect_none();
	h_eoi(0, T_XIRR(0xff, MSI0));
	expect(CPU(0, true));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, T_XISR_IPI));
	ck_assert_uint_eq(icp(0).cppr, 6);
}
END_TEST

/* H_IPOLL reads the target server's XIRR and MFRR, and changes nothing. */
START_TEST(test_h_ipoll_other_server)
{
	uint64_t	rets[XICS_HCALL_MAX_RETS];
	unsigned	n = 0;

	set_xive(MSI0, 2, 5);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	h_ipi(1, 2, 6);
	h_cppr(0, 7);
	expect(CPU(2, true));
	ck_assert_int_eq(hcall(x, 0, T_H_IPOLL, 2, 0, rets, &n), T_H_SUCCESS);
	ck_assert_uint_eq(n, 2);
	/* Server 2's, not the caller's (CPPR 7, MFRR 0xff). */
	ck_assert_uint_eq(rets[0], T_XIRR(0xff, MSI0));
	ck_assert_uint_eq(rets[1], 6);
	ck_assert_int_eq(hcall(x, 0, T_H_IPOLL, 0, 0, rets, &n), T_H_SUCCESS);
	ck_assert_uint_eq(rets[0], T_XIRR(7, T_XISR_NONE));
	ck_assert_uint_eq(rets[1], 0xff);
	/* No side effect: still pending, line still up, CPPR unchanged. */
	expect_none();
	ck_assert_uint_eq(icp(2).st.xirr, T_XIRR(0xff, MSI0));
	ck_assert(icp(2).line);
	ck_assert_uint_eq(h_xirr(2), T_XIRR(0xff, MSI0));
	ck_assert_int_eq(hcall(x, 0, T_H_IPOLL, NSRV, 0, rets, &n),
	    T_H_PARAMETER);
	ck_assert_uint_eq(n, 0);
	expect_error("hcall-bad-server");
}
END_TEST

/* ---- sources: LSI ---- */

START_TEST(test_lsi_assert_eoi_represent)
{
	set_xive(LSI0, 0, 5);
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	expect(CPU(0, true));
	ck_assert(source(LSI0).sent);
	/* Asserting again changes nothing: a level, not an edge. */
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	expect_none();
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, LSI0));
	expect(CPU(0, false));
	/* Still asserted at EOI: resample first, then presented again. */
	h_eoi(0, T_XIRR(0xff, LSI0));
	expect(RESAMPLE(LSI0), CPU(0, true));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, LSI0));
	expect(CPU(0, false));
	/* Deasserted before the EOI: not presented again. */
	ck_assert_int_eq(xics_set_irq(x, LSI0, false), 0);
	h_eoi(0, T_XIRR(0xff, LSI0));
	expect(RESAMPLE(LSI0));
	ck_assert(!source(LSI0).sent);
	ck_assert(!source(LSI0).asserted);
	ck_assert_uint_eq(source(LSI0).counters.eois, 2);
	ck_assert_uint_eq(source(LSI0).counters.delivered, 2);
}
END_TEST

/* The resample callback deasserts a quiet source: no re-presentation. */
START_TEST(test_lsi_resample_deasserts)
{
	rec.resample_deassert = 1;
	set_xive(LSI1, 1, 5);
	ck_assert_int_eq(xics_set_irq(x, LSI1, true), 0);
	expect(CPU(1, true));
	ck_assert_uint_eq(h_xirr(1), T_XIRR(0xff, LSI1));
	expect(CPU(1, false));
	h_eoi(1, T_XIRR(0xff, LSI1));
	expect(RESAMPLE(LSI1));
	ck_assert(!source(LSI1).asserted);
}
END_TEST

/* An LSI asserted while masked is presented at its priority on unmask. */
START_TEST(test_lsi_masked_then_unmasked)
{
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	expect_none();
	ck_assert(!source(LSI0).sent);
	set_xive(LSI0, 3, 6);
	expect(CPU(3, true));
	ck_assert_uint_eq(icp(3).st.pending_priority, 6);
	ck_assert_uint_eq(h_xirr(3), T_XIRR(0xff, LSI0));
	expect(CPU(3, false));
	/* int-off, EOI: stays quiet; int-on: presented again at 6. */
	int_onoff("ibm,int-off", LSI0);
	h_eoi(3, T_XIRR(0xff, LSI0));
	expect(RESAMPLE(LSI0));
	int_onoff("ibm,int-on", LSI0);
	expect(CPU(3, true));
	ck_assert_uint_eq(icp(3).st.pending_priority, 6);
}
END_TEST

/* A rejected LSI is not remembered as REJECTED: its level brings it back. */
START_TEST(test_lsi_reject)
{
	struct xics_source_info	s;

	set_xive(LSI0, 0, 5);
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	expect(CPU(0, true));
	h_cppr(0, 5);
	expect(CPU(0, false));
	s = source(LSI0);
	ck_assert_uint_eq(s.st.status, T_ST_ASSERTED);
	h_cppr(0, 0xff);
	expect(CPU(0, true));
	ck_assert_uint_eq(source(LSI0).st.status, T_ST_ASSERTED | T_ST_SENT);
}
END_TEST

START_TEST(test_lsi_pulse)
{
	set_xive(LSI0, 0, 5);
	ck_assert_int_eq(xics_pulse_irq(x, LSI0), 0);
	expect(CPU(0, true));
	ck_assert_uint_eq(source(LSI0).st.status, T_ST_SENT);
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, LSI0));
	h_eoi(0, T_XIRR(0xff, LSI0));
	expect(CPU(0, false), RESAMPLE(LSI0));
}
END_TEST

/*
 * A guest that EOIs a pending LSI before taking it clears SENT while the
 * LSI sits in XISR. The state must still save and load, and run on.
 */
START_TEST(test_lsi_eoi_before_accept)
{
	struct recorder		r2;
	struct xics		*y;
	struct xics_state	*st;

	set_xive(LSI0, 0, 5);
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	expect(CPU(0, true));
	h_eoi(0, T_XIRR(0xff, LSI0));
	expect(RESAMPLE(LSI0));
	ck_assert_uint_eq(source(LSI0).st.status, T_ST_ASSERTED);
	ck_assert_uint_eq(icp(0).xisr, LSI0);

	st = xics_state_alloc(x);
	xics_get_state(x, st);
	memset(&r2, 0, sizeof r2);
	y = make(BASE, NSRC, NSRV, &r2);
	ck_assert_int_eq(xics_set_state(y, st, NULL, 0), 0);
	ck_assert_uint_eq(r2.nev, 1);
	ck_assert_uint_eq(h_xirr_on(y, 0), T_XIRR(0xff, LSI0));
	xics_state_free(st);
	xics_destroy(y);

	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, LSI0));
	h_eoi(0, T_XIRR(0xff, LSI0));
	expect(CPU(0, false), RESAMPLE(LSI0), CPU(0, true));
}
END_TEST

/* ---- sources: MSI ---- */

START_TEST(test_msi_masked_pending_set_xive)
{
	/* Priority 0xff (claimed masked): the trigger is latched. */
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect_none();
	ck_assert_uint_eq(source(MSI0).st.status, T_ST_MASKED_PENDING);
	/* set-xive keeping 0xff does not deliver it. */
	set_xive(MSI0, 1, 0xff);
	expect_none();
	ck_assert(source(MSI0).masked_pending);
	set_xive(MSI0, 1, 5);
	expect(CPU(1, true));
	ck_assert_uint_eq(source(MSI0).st.status, 0);
	ck_assert_uint_eq(h_xirr(1), T_XIRR(0xff, MSI0));
}
END_TEST

START_TEST(test_msi_masked_pending_int_on)
{
	set_xive(MSI0, 2, 3);
	int_onoff("ibm,int-off", MSI0);
	ck_assert_uint_eq(source(MSI0).st.priority, 0xff);
	ck_assert_uint_eq(source(MSI0).st.saved_priority, 3);
	ck_assert_int_eq(xics_set_irq(x, MSI0, true), 0);
	/* Several triggers while masked are one pending interrupt. */
	ck_assert_int_eq(xics_set_irq(x, MSI0, true), 0);
	expect_none();
	int_onoff("ibm,int-on", MSI0);
	expect(CPU(2, true));
	ck_assert_uint_eq(icp(2).st.pending_priority, 3);
	ck_assert_uint_eq(h_xirr(2), T_XIRR(0xff, MSI0));
	h_eoi(2, T_XIRR(0xff, MSI0));
	expect(CPU(2, false));
}
END_TEST

/* A falling edge is nothing to an MSI. */
START_TEST(test_msi_level_false)
{
	set_xive(MSI0, 0, 5);
	ck_assert_int_eq(xics_set_irq(x, MSI0, false), 0);
	expect_none();
	ck_assert_uint_eq(source(MSI0).counters.triggers, 0);
}
END_TEST

/* Displaced by a more favoured one, resent after its EOI. */
START_TEST(test_msi_displaced_and_resent)
{
	set_xive(MSI0, 0, 5);
	set_xive(MSI1, 0, 3);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	ck_assert_int_eq(xics_pulse_irq(x, MSI1), 0);
	expect(CPU(0, true));
	ck_assert_uint_eq(icp(0).xisr, MSI1);
	ck_assert(source(MSI0).rejected);
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, MSI1));
	expect(CPU(0, false));
	/* Running at 3, the resent 5 is not admitted... */
	h_cppr(0, 3);
	ck_assert(source(MSI0).rejected);
	/* ...until the EOI goes back to 0xff. */
	h_eoi(0, T_XIRR(0xff, MSI1));
	expect(CPU(0, true));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, MSI0));
}
END_TEST

/* Equal or less favoured than pending: rejected, not displacing. */
START_TEST(test_msi_equal_priority_rejected)
{
	set_xive(MSI0, 0, 5);
	set_xive(MSI1, 0, 5);
	set_xive(MSI2, 0, 6);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	ck_assert_int_eq(xics_pulse_irq(x, MSI1), 0);
	ck_assert_int_eq(xics_pulse_irq(x, MSI2), 0);
	expect(CPU(0, true));
	ck_assert_uint_eq(icp(0).xisr, MSI0);
	ck_assert(source(MSI1).rejected);
	ck_assert(source(MSI2).rejected);
	/* Each EOI brings the next, most favoured first. */
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, MSI0));
	h_eoi(0, T_XIRR(0xff, MSI0));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, MSI1));
	h_eoi(0, T_XIRR(0xff, MSI1));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, MSI2));
	h_eoi(0, T_XIRR(0xff, MSI2));
	expect(CPU(0, false), CPU(0, true), CPU(0, false), CPU(0, true),
	    CPU(0, false));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, T_XISR_NONE));
}
END_TEST

/* A rejected MSI masked before its resend waits for the unmask. */
START_TEST(test_msi_rejected_then_masked)
{
	set_xive(MSI0, 0, 5);
	h_cppr(0, 2);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect_none();
	ck_assert(source(MSI0).rejected);
	int_onoff("ibm,int-off", MSI0);
	h_cppr(0, 0xff);
	expect_none();
	ck_assert_uint_eq(source(MSI0).st.status, T_ST_MASKED_PENDING);
	int_onoff("ibm,int-on", MSI0);
	expect(CPU(0, true));
}
END_TEST

/*
 * Resend retries only the resending server's sources (QEMU retries every
 * source): server 0's resend leaves server 1's rejected MSI alone.
 */
START_TEST(test_resend_filtered_by_server)
{
	struct xics_source_info	s;

	set_xive(MSI0, 1, 5);
	h_cppr(1, 4);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect_none();
	s = source(MSI0);
	ck_assert(s.rejected);
	ck_assert_uint_eq(s.counters.rejected, 1);
	/* Server 0 resends (CPPR up, then an EOI): MSI0 is not touched. */
	h_cppr(0, 0xff);
	h_eoi(0, T_XIRR(0xff, T_XISR_IPI));
	s = source(MSI0);
	ck_assert(s.rejected);
	ck_assert_uint_eq(s.counters.resent, 0);
	ck_assert_uint_eq(s.counters.rejected, 1);
	expect_none();
	/* Server 1's own resend presents it. */
	h_cppr(1, 0xff);
	expect(CPU(1, true));
	ck_assert_uint_eq(source(MSI0).counters.resent, 1);
}
END_TEST

/*
 * A source moved to another server while pending, then rejected by its old
 * server, is presented at its new one (not stranded by the filter).
 */
START_TEST(test_resend_moved_source)
{
	set_xive(MSI0, 0, 5);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	expect(CPU(0, true));
	set_xive(MSI0, 1, 5);
	expect_none();
	h_cppr(0, 1);
	expect(CPU(0, false), CPU(1, true));
	ck_assert_uint_eq(h_xirr(1), T_XIRR(0xff, MSI0));
	ck_assert(!source(MSI0).rejected);

	/* The same for an LSI, rejected by its old server at the EOI. */
	set_xive(LSI0, 2, 5);
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	expect(CPU(1, false), CPU(2, true));
	ck_assert_uint_eq(h_xirr(2), T_XIRR(0xff, LSI0));
	set_xive(LSI0, 3, 5);
	h_eoi(2, T_XIRR(0xff, LSI0));
	expect(CPU(2, false), RESAMPLE(LSI0), CPU(3, true));
}
END_TEST

/* ---- PHB MSI decode ---- */

START_TEST(test_msi_decode)
{
	uint32_t		irq = 0;
	char			why[128];
	struct xics_counters	c;

	set_xive(MSI0, 1, 5);
	ck_assert_int_eq(xics_msi_decode(x, T_MSI_WINDOW, MSI0, &irq, why,
	    sizeof why), 0);
	ck_assert_uint_eq(irq, MSI0);
	expect_none();
	/* The offset in the window is ignored. */
	ck_assert_int_eq(xics_msi_write(x, T_MSI_WINDOW + 0x1230, MSI0), 0);
	expect(CPU(1, true));
	ck_assert_uint_eq(rec.nerror, 0);
	/* The last whole 32-bit word of the window, then past it. */
	ck_assert_int_eq(xics_msi_write(x, T_MSI_WINDOW +
	    XICS_DEFAULT_MSI_SIZE - 4, MSI0), 0);
	ck_assert_int_eq(xics_msi_write(x, T_MSI_WINDOW +
	    XICS_DEFAULT_MSI_SIZE - 3, MSI0), -ENXIO);
	ck_assert_int_eq(xics_msi_write(x, T_MSI_WINDOW - 1, MSI0), -ENXIO);
	ck_assert_int_eq(xics_msi_write(x, 0, MSI0), -ENXIO);
	ck_assert_int_eq(xics_msi_write(x, UINT64_MAX, MSI0), -ENXIO);
	ck_assert_int_eq(xics_msi_decode(x, 0xfee00000, MSI0, &irq, why,
	    sizeof why), -ENXIO);
	ck_assert_uint_eq(rec.nerror, 0);
	xics_query_counters(x, &c);
	ck_assert_uint_eq(c.msis, 2);
}
END_TEST

START_TEST(test_msi_hostile_data)
{
	static const uint32_t	bad[] = {
		0, T_XISR_IPI, BASE - 1, BASE + NSRC, 0xffffff, 0x1000000,
		0xffffffff, 0x80000000 | MSI0, LSI0, FREE0,
	};
	struct xics_counters	c;
	uint32_t		irq;
	char			why[128];
	unsigned		i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_int_eq(xics_msi_decode(x, T_MSI_WINDOW, bad[i], &irq,
		    why, sizeof why), -ENOENT);
		ck_assert_uint_gt(strlen(why), 0);
		ck_assert_int_eq(xics_msi_write(x, T_MSI_WINDOW, bad[i]), 0);
		expect_error("msi-bad-data");
	}
	expect_none();
	ck_assert(!source(LSI0).asserted);
	xics_query_counters(x, &c);
	ck_assert_uint_eq(c.msis, 0);
	ck_assert_uint_eq(c.guest_errors, ARRAY_SIZE(bad));
}
END_TEST

/* A chip without a window decodes nothing. */
START_TEST(test_msi_no_window)
{
	struct xics_config	cfg;
	struct recorder		r;
	struct xics		*c;

	memset(&r, 0, sizeof r);
	xics_config_default(&cfg);
	cfg.msi_size = 0;
	c = xics_create(&cfg, &rec_ops, &r);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(xics_claim(c, 4096, 1, XICS_TYPE_MSI, NULL, 0), 0);
	ck_assert_int_eq(xics_msi_write(c, T_MSI_WINDOW, 4096), -ENXIO);
	xics_destroy(c);
}
END_TEST

/* ---- RTAS ---- */

START_TEST(test_rtas_names)
{
	ck_assert_int_eq(xics_rtas_lookup("ibm,set-xive"), XICS_RTAS_SET_XIVE);
	ck_assert_int_eq(xics_rtas_lookup("ibm,get-xive"), XICS_RTAS_GET_XIVE);
	ck_assert_int_eq(xics_rtas_lookup("ibm,int-off"), XICS_RTAS_INT_OFF);
	ck_assert_int_eq(xics_rtas_lookup("ibm,int-on"), XICS_RTAS_INT_ON);
	ck_assert_int_eq(xics_rtas_lookup("ibm,change-msi"), -ENOENT);
	ck_assert_int_eq(xics_rtas_lookup("ibm,set-xive "), -ENOENT);
	ck_assert_int_eq(xics_rtas_lookup(""), -ENOENT);
	ck_assert_int_eq(xics_rtas_lookup(NULL), -ENOENT);
	ck_assert_str_eq(xics_rtas_name(XICS_RTAS_INT_ON), "ibm,int-on");
	ck_assert_ptr_null(xics_rtas_name(XICS_RTAS_NCALLS));
}
END_TEST

START_TEST(test_rtas_client_errors)
{
	uint32_t	args[3] = { MSI0, 0, 5 }, rets[3] = { 7, 7, 7 };

	ck_assert_int_eq(xics_rtas(x, NSRV, XICS_RTAS_SET_XIVE, args, 3, rets,
	    1), -EINVAL);
	ck_assert_int_eq(xics_rtas(x, 0, XICS_RTAS_NCALLS, args, 3, rets, 1),
	    -EINVAL);
	ck_assert_int_eq(xics_rtas(x, 0, (enum xics_rtas_call)-1, args, 3,
	    rets, 1), -EINVAL);
	ck_assert_uint_eq(rets[0], 7);
	ck_assert_uint_eq(source(MSI0).st.priority, 0xff);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_rtas_set_get_xive)
{
	uint32_t	args[3], rets[3];

	set_xive(MSI0, 3, 0x42);
	args[0] = MSI0;
	ck_assert_uint_eq(rtas(x, "ibm,get-xive", args, 1, rets, 3),
	    T_RTAS_SUCCESS);
	ck_assert_uint_eq(rets[1], 3);
	ck_assert_uint_eq(rets[2], 0x42);
	ck_assert_uint_eq(source(MSI0).st.saved_priority, 0x42);
	/* Priority 0xff is a valid one: masked. */
	set_xive(MSI0, 0, 0xff);
	ck_assert_uint_eq(rtas(x, "ibm,get-xive", args, 1, rets, 3),
	    T_RTAS_SUCCESS);
	ck_assert_uint_eq(rets[1], 0);
	ck_assert_uint_eq(rets[2], 0xff);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* Every PARAM_ERROR of ibm,set-xive, and nothing changed by any. */
START_TEST(test_rtas_set_xive_errors)
{
	uint32_t	args[4] = { MSI0, 1, 5, 0 }, rets[2];

	ck_assert_uint_eq(rtas(x, "ibm,set-xive", args, 2, rets, 1),
	    T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-args");
	ck_assert_uint_eq(rtas(x, "ibm,set-xive", args, 4, rets, 1),
	    T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-args");
	ck_assert_uint_eq(rtas(x, "ibm,set-xive", args, 3, rets, 2),
	    T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-args");
	ck_assert_uint_eq(set_xive_on(x, FREE0, 1, 5), T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-irq");
	ck_assert_uint_eq(set_xive_on(x, BASE - 1, 1, 5), T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-irq");
	ck_assert_uint_eq(set_xive_on(x, BASE + NSRC, 1, 5),
	    T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-irq");
	ck_assert_uint_eq(set_xive_on(x, MSI0, NSRV, 5), T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-server");
	ck_assert_uint_eq(set_xive_on(x, MSI0, 0xffffffff, 5),
	    T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-server");
	ck_assert_uint_eq(set_xive_on(x, MSI0, 1, 0x100), T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-priority");
	ck_assert_uint_eq(source(MSI0).st.server, 0);
	ck_assert_uint_eq(source(MSI0).st.priority, 0xff);
	ck_assert_uint_eq(source(MSI0).st.saved_priority, 0xff);
}
END_TEST

START_TEST(test_rtas_get_xive_errors)
{
	uint32_t	args[2] = { MSI0, 0 }, rets[4] = { 9, 9, 9, 9 };

	ck_assert_uint_eq(rtas(x, "ibm,get-xive", args, 1, rets, 1),
	    T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-args");
	ck_assert_uint_eq(rtas(x, "ibm,get-xive", args, 2, rets, 3),
	    T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-args");
	ck_assert_uint_eq(rtas(x, "ibm,get-xive", args, 1, rets, 4),
	    T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-args");
	ck_assert_uint_eq(rets[3], 9);
	args[0] = FREE0;
	ck_assert_uint_eq(rtas(x, "ibm,get-xive", args, 1, rets, 3),
	    T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-irq");
}
END_TEST

START_TEST(test_rtas_int_on_off)
{
	uint32_t	args[2] = { MSI0, 0 }, rets[3];
	static const char *const calls[] = { "ibm,int-off", "ibm,int-on" };

	set_xive(MSI0, 1, 4);
	int_onoff("ibm,int-off", MSI0);
	ck_assert_uint_eq(source(MSI0).st.priority, 0xff);
	ck_assert_uint_eq(source(MSI0).st.saved_priority, 4);
	ck_assert_uint_eq(source(MSI0).st.server, 1);
	int_onoff("ibm,int-on", MSI0);
	ck_assert_uint_eq(source(MSI0).st.priority, 4);
	ck_assert_uint_eq(source(MSI0).st.saved_priority, 4);
	for (unsigned i = 0; i < ARRAY_SIZE(calls); i++) {
		args[0] = MSI0;
		ck_assert_uint_eq(rtas(x, calls[i], args, 2, rets, 1),
		    T_RTAS_PARAM_ERROR);
		expect_error("rtas-bad-args");
		ck_assert_uint_eq(rtas(x, calls[i], args, 1, rets, 3),
		    T_RTAS_PARAM_ERROR);
		expect_error("rtas-bad-args");
		ck_assert_uint_eq(rtas(x, calls[i], args, 0, rets, 1),
		    T_RTAS_PARAM_ERROR);
		expect_error("rtas-bad-args");
		args[0] = FREE0;
		ck_assert_uint_eq(rtas(x, calls[i], args, 1, rets, 1),
		    T_RTAS_PARAM_ERROR);
		expect_error("rtas-bad-irq");
		args[0] = 0;
		ck_assert_uint_eq(rtas(x, calls[i], args, 1, rets, 1),
		    T_RTAS_PARAM_ERROR);
		expect_error("rtas-bad-irq");
	}
	ck_assert_uint_eq(source(MSI0).st.priority, 4);
}
END_TEST

/* No return cell: the status cannot be given; nothing is written or done. */
START_TEST(test_rtas_no_return_cell)
{
	uint32_t	args[3] = { MSI0, 1, 5 }, rets[1] = { 0x5a5a5a5a };

	ck_assert_int_eq(xics_rtas(x, 0, XICS_RTAS_SET_XIVE, args, 3, rets, 0),
	    0);
	expect_error("rtas-bad-args");
	ck_assert_uint_eq(rets[0], 0x5a5a5a5a);
	ck_assert_uint_eq(source(MSI0).st.priority, 0xff);
}
END_TEST

/*
 * RTAS irq arguments are global numbers: with the ICS at 0x1000, source 0
 * is 0x1000 and 0 is nobody (QEMU once indexed off by the offset).
 */
START_TEST(test_rtas_global_numbers)
{
	struct recorder	r;
	struct xics	*c;
	uint32_t	args[1], rets[3];

	ck_assert_uint_eq(set_xive_on(x, 0, 0, 5), T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-irq");
	ck_assert_uint_eq(set_xive_on(x, LSI0 - BASE + 1, 0, 5),
	    T_RTAS_PARAM_ERROR);
	expect_error("rtas-bad-irq");
	set_xive(LSI0, 2, 5);
	ck_assert_uint_eq(source(BASE).st.server, 2);

	memset(&r, 0, sizeof r);
	c = make(0x2000, 16, 1, &r);
	ck_assert_int_eq(xics_claim(c, 0x2000, 16, XICS_TYPE_MSI, NULL, 0), 0);
	ck_assert_uint_eq(set_xive_on(c, 0x1000, 0, 5), T_RTAS_PARAM_ERROR);
	ck_assert_uint_eq(set_xive_on(c, 0x200f, 0, 7), T_RTAS_SUCCESS);
	args[0] = 0x200f;
	ck_assert_uint_eq(rtas(c, "ibm,get-xive", args, 1, rets, 3),
	    T_RTAS_SUCCESS);
	ck_assert_uint_eq(rets[2], 7);
	args[0] = 0x2010;
	ck_assert_uint_eq(rtas(c, "ibm,get-xive", args, 1, rets, 3),
	    T_RTAS_PARAM_ERROR);
	xics_destroy(c);
}
END_TEST

/* ---- Linux's pseries XICS driver, as it boots and runs ---- */

/*
 * arch/powerpc/sysdev/xics: each CPU opens with H_CPPR 0xff; a device
 * interrupt is unmasked with ibm,set-xive (server, DEFAULT_PRIORITY) and
 * ibm,int-on; the handler reads H_XIRR and EOIs with the CPPR it had (0xff)
 * and the source; an IPI is H_IPI (target, IPI_PRIORITY), whose handler
 * clears MFRR with H_IPI (self, 0xff) and EOIs XISR 2.
 */
START_TEST(test_linux_boot_sequence)
{
	uint64_t	rets[XICS_HCALL_MAX_RETS];
	uint32_t	args[3], st[1];
	unsigned	cpu, n;

	/* Two CPUs, nothing claimed or opened yet. */
	xics_destroy(x);
	memset(&rec, 0, sizeof rec);
	x = make(BASE, NSRC, 2, &rec);
	ck_assert_int_eq(xics_claim(x, LSI0, 1, XICS_TYPE_LSI, NULL, 0), 0);
	ck_assert_int_eq(xics_claim(x, MSI0, 2, XICS_TYPE_MSI, NULL, 0), 0);
	/* xics_setup_cpu() on the boot CPU and the secondary. */
	for (cpu = 0; cpu < 2; cpu++)
		h_cppr(cpu, 0xff);
	/* xics_unmask_irq() for the LSI (CPU 0) and an MSI (CPU 1). */
	args[0] = LSI0;
	args[1] = 0;
	args[2] = T_LINUX_DEFAULT_PRIORITY;
	ck_assert_uint_eq(rtas(x, "ibm,set-xive", args, 3, st, 1),
	    T_RTAS_SUCCESS);
	ck_assert_uint_eq(rtas(x, "ibm,int-on", args, 1, st, 1),
	    T_RTAS_SUCCESS);
	args[0] = MSI0;
	args[1] = 1;
	ck_assert_uint_eq(rtas(x, "ibm,set-xive", args, 3, st, 1),
	    T_RTAS_SUCCESS);
	ck_assert_uint_eq(rtas(x, "ibm,int-on", args, 1, st, 1),
	    T_RTAS_SUCCESS);
	expect_none();

	/* The device raises its line; CPU 0 takes and EOIs it. */
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	expect(CPU(0, true));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, LSI0));
	expect(CPU(0, false));
	ck_assert_int_eq(xics_set_irq(x, LSI0, false), 0);	/* handled */
	h_eoi(0, T_XIRR(0xff, LSI0));
	expect(RESAMPLE(LSI0));

	/* An MSI to CPU 1 through the PHB window, with H_XIRR_X. */
	ck_assert_int_eq(xics_msi_write(x, T_MSI_WINDOW, MSI0), 0);
	expect(CPU(1, true));
	{
		uint64_t	a[1] = { 0 };
		long		ret;

		ck_assert_int_eq(xics_hcall(x, 1, T_H_XIRR_X, a, 1, rets, &n,
		    1000, &ret), 0);
		ck_assert_int_eq(ret, T_H_SUCCESS);
		ck_assert_uint_eq(rets[0], T_XIRR(0xff, MSI0));
		ck_assert_uint_eq(rets[1], 1000);
	}
	expect(CPU(1, false));
	h_eoi(1, T_XIRR(0xff, MSI0));
	expect_none();

	/* smp_call_function: CPU 0 sends an IPI to CPU 1 and back. */
	h_ipi(0, 1, T_LINUX_IPI_PRIORITY);
	expect(CPU(1, true));
	ck_assert_uint_eq(h_xirr(1), T_XIRR(0xff, T_XISR_IPI));
	expect(CPU(1, false));
	h_ipi(1, 1, 0xff);
	h_eoi(1, T_XIRR(0xff, T_XISR_IPI));
	h_ipi(1, 0, T_LINUX_IPI_PRIORITY);
	expect(CPU(0, true));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, T_XISR_IPI));
	expect(CPU(0, false));
	h_ipi(0, 0, 0xff);
	h_eoi(0, T_XIRR(0xff, T_XISR_IPI));

	/* An MSI arriving while CPU 1 is in the IPI handler (CPPR 4) waits. */
	h_ipi(0, 1, T_LINUX_IPI_PRIORITY);
	ck_assert_uint_eq(h_xirr(1), T_XIRR(0xff, T_XISR_IPI));
	ck_assert_int_eq(xics_msi_write(x, T_MSI_WINDOW, MSI0), 0);
	expect(CPU(1, true), CPU(1, false));
	h_ipi(1, 1, 0xff);
	h_eoi(1, T_XIRR(0xff, T_XISR_IPI));
	expect(CPU(1, true));
	ck_assert_uint_eq(h_xirr(1), T_XIRR(0xff, MSI0));
	h_eoi(1, T_XIRR(0xff, MSI0));
	expect(CPU(1, false));
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* ---- state ---- */

/* Drives a chip through a fixed sequence, recording what it outputs. */
static void
script(struct xics *c)
{
	uint64_t	rets[XICS_HCALL_MAX_RETS];
	unsigned	n;

	ck_assert_int_eq(hcall(c, 0, T_H_XIRR, 0, 0, rets, &n), T_H_SUCCESS);
	ck_assert_int_eq(hcall(c, 0, T_H_EOI, rets[0], 0, NULL, NULL),
	    T_H_SUCCESS);
	ck_assert_int_eq(hcall(c, 1, T_H_CPPR, 0xff, 0, NULL, NULL),
	    T_H_SUCCESS);
	ck_assert_int_eq(hcall(c, 1, T_H_XIRR, 0, 0, rets, &n), T_H_SUCCESS);
	ck_assert_int_eq(hcall(c, 1, T_H_EOI, rets[0], 0, NULL, NULL),
	    T_H_SUCCESS);
	ck_assert_int_eq(hcall(c, 2, T_H_IPI, 2, 0xff, NULL, NULL),
	    T_H_SUCCESS);
	ck_assert_int_eq(hcall(c, 2, T_H_XIRR, 0, 0, rets, &n), T_H_SUCCESS);
	ck_assert_int_eq(hcall(c, 2, T_H_EOI, rets[0], 0, NULL, NULL),
	    T_H_SUCCESS);
	ck_assert_uint_eq(set_xive_on(c, MSI2, 3, 5), T_RTAS_SUCCESS);
	ck_assert_int_eq(xics_set_irq(c, LSI0, false), 0);
	ck_assert_int_eq(hcall(c, 0, T_H_XIRR, 0, 0, rets, &n), T_H_SUCCESS);
	ck_assert_int_eq(hcall(c, 0, T_H_EOI, rets[0], 0, NULL, NULL),
	    T_H_SUCCESS);
	ck_assert_int_eq(hcall(c, 3, T_H_XIRR, 0, 0, rets, &n), T_H_SUCCESS);
}

/* Save mid-flight, load into a fresh chip: both continue identically. */
START_TEST(test_save_load_mid_flight)
{
	struct recorder		r2;
	struct xics		*y;
	struct xics_state	*st, *a, *b;
	char			why[160];
	unsigned		i;

	/* Pending LSI (sent, asserted) on 0, rejected MSI on 1, IPI on 2... */
	set_xive(LSI0, 0, 5);
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	set_xive(MSI0, 1, 5);
	h_cppr(1, 3);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	h_ipi(0, 2, 4);
	/* ...and a masked-pending MSI. */
	ck_assert_int_eq(xics_pulse_irq(x, MSI2), 0);
	expect(CPU(0, true), CPU(2, true));

	st = xics_state_alloc(x);
	ck_assert_ptr_nonnull(st);
	xics_get_state(x, st);
	ck_assert_uint_eq(st->source[LSI0 - BASE].status,
	    T_ST_ASSERTED | T_ST_SENT);
	ck_assert_uint_eq(st->source[MSI0 - BASE].status, T_ST_REJECTED);
	ck_assert_uint_eq(st->source[MSI2 - BASE].status, T_ST_MASKED_PENDING);
	ck_assert_uint_eq(st->icp[2].xirr, T_XIRR(0xff, T_XISR_IPI));

	memset(&r2, 0, sizeof r2);
	y = make(BASE, NSRC, NSRV, &r2);
	ck_assert_int_eq(xics_set_state(y, st, why, sizeof why), 0);
	/* The fresh chip raises the lines the state holds high. */
	ck_assert_uint_eq(r2.nev, 2);
	ck_assert(r2.ev[0].kind == 'c' && r2.ev[0].server == 0 &&
	    r2.ev[0].level);
	ck_assert(r2.ev[1].kind == 'c' && r2.ev[1].server == 2 &&
	    r2.ev[1].level);
	r2.nev = 0;

	script(x);
	script(y);
	ck_assert_uint_eq(rec.nev, r2.nev);
	ck_assert_uint_gt(rec.nev, 0);
	for (i = 0; i < rec.nev; i++) {
		ck_assert_int_eq(rec.ev[i].kind, r2.ev[i].kind);
		ck_assert_uint_eq(rec.ev[i].server, r2.ev[i].server);
		ck_assert_int_eq(rec.ev[i].level, r2.ev[i].level);
		ck_assert_uint_eq(rec.ev[i].irq, r2.ev[i].irq);
	}
	a = xics_state_alloc(x);
	b = xics_state_alloc(y);
	xics_get_state(x, a);
	xics_get_state(y, b);
	ck_assert_mem_eq(a->source, b->source, NSRC * sizeof *a->source);
	ck_assert_mem_eq(a->icp, b->icp, NSRV * sizeof *a->icp);
	xics_state_free(a);
	xics_state_free(b);
	xics_state_free(st);
	xics_destroy(y);
	rec.nev = 0;
}
END_TEST

/* Each bad state is refused with a reason and changes nothing. */
START_TEST(test_set_state_rejects)
{
	struct xics_state	*good, *bad, *now;
	char			why[160];
	unsigned		i;
	enum { NCASE = 12 };

	set_xive(LSI0, 0, 5);
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	expect(CPU(0, true));
	good = xics_state_alloc(x);
	bad = xics_state_alloc(x);
	now = xics_state_alloc(x);
	xics_get_state(x, good);
	for (i = 0; i < NCASE; i++) {
		struct xics_source_state *lsi = &bad->source[LSI0 - BASE];
		struct xics_source_state *msi = &bad->source[MSI0 - BASE];
		struct xics_source_state *fre = &bad->source[FREE0 - BASE];

		memcpy(bad->source, good->source, NSRC * sizeof *bad->source);
		memcpy(bad->icp, good->icp, NSRV * sizeof *bad->icp);
		bad->irq_base = good->irq_base;
		bad->nsources = good->nsources;
		bad->nservers = good->nservers;
		switch (i) {
		case 0: bad->irq_base = BASE + 1; break;
		case 1: bad->nservers = NSRV - 1; break;
		case 2: msi->type = 3; break;
		case 3: fre->priority = 5; break;
		case 4: lsi->status |= T_ST_REJECTED; break;
		case 5: msi->status = T_ST_ASSERTED; break;
		case 6: msi->server = NSRV; break;
		case 7: bad->icp[1].xirr = T_XIRR(0xff, FREE0);
			bad->icp[1].pending_priority = 5; break;
		case 8: bad->icp[1].xirr = T_XIRR(0xff, BASE + NSRC);
			bad->icp[1].pending_priority = 5; break;
		case 9: bad->icp[0].pending_priority = 0xff; break;
		case 10: bad->icp[1].pending_priority = 5; break;
		case 11: bad->icp[0].xirr = T_XIRR(4, LSI0); break;
		}
		why[0] = '\0';
		ck_assert_msg(xics_set_state(x, bad, why, sizeof why) ==
		    -EINVAL, "case %u accepted", i);
		ck_assert_uint_gt(strlen(why), 0);
		xics_get_state(x, now);
		ck_assert_mem_eq(now->source, good->source,
		    NSRC * sizeof *now->source);
		ck_assert_mem_eq(now->icp, good->icp, NSRV * sizeof *now->icp);
	}
	ck_assert_int_eq(xics_set_state(x, NULL, why, sizeof why), -EINVAL);
	expect_none();
	/* The good one loads; the line is already high: no call. */
	ck_assert_int_eq(xics_set_state(x, good, why, sizeof why), 0);
	expect_none();
	xics_state_free(good);
	xics_state_free(bad);
	xics_state_free(now);
}
END_TEST

/* Loading a state with nothing pending lowers a high line. */
START_TEST(test_set_state_lowers_line)
{
	struct xics_state	*st = xics_state_alloc(x);

	xics_get_state(x, st);
	h_ipi(0, 1, 4);
	expect(CPU(1, true));
	ck_assert_int_eq(xics_set_state(x, st, NULL, 0), 0);
	expect(CPU(1, false));
	ck_assert_uint_eq(icp(1).st.mfrr, 0xff);
	xics_state_free(st);
}
END_TEST

START_TEST(test_announce_lines)
{
	h_ipi(0, 2, 4);
	expect(CPU(2, true));
	xics_announce_lines(x);
	expect(CPU(0, false), CPU(1, false), CPU(2, true), CPU(3, false));
}
END_TEST

/* ---- queries and decoders ---- */

START_TEST(test_counters)
{
	struct xics_counters	c;
	struct xics_source_info	s;

	set_xive(MSI0, 0, 5);
	set_xive(MSI1, 0, 3);
	ck_assert_int_eq(xics_pulse_irq(x, MSI0), 0);
	ck_assert_int_eq(xics_pulse_irq(x, MSI1), 0);
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, MSI1));
	h_eoi(0, T_XIRR(0xff, MSI1));
	ck_assert_uint_eq(h_xirr(0), T_XIRR(0xff, MSI0));
	h_eoi(0, T_XIRR(0xff, MSI0));
	s = source(MSI0);
	ck_assert_uint_eq(s.counters.triggers, 1);
	ck_assert_uint_eq(s.counters.delivered, 2);
	ck_assert_uint_eq(s.counters.rejected, 1);
	ck_assert_uint_eq(s.counters.resent, 1);
	ck_assert_uint_eq(s.counters.eois, 1);
	s = source(MSI1);
	ck_assert_uint_eq(s.counters.delivered, 1);
	ck_assert_uint_eq(s.counters.rejected, 0);
	xics_query_counters(x, &c);
	ck_assert_uint_eq(c.sources.triggers, 2);
	ck_assert_uint_eq(c.sources.delivered, 3);
	ck_assert_uint_eq(c.sources.rejected, 1);
	ck_assert_uint_eq(c.sources.resent, 1);
	ck_assert_uint_eq(c.sources.eois, 2);
	ck_assert_uint_eq(c.rtas_calls, 2);
	ck_assert_uint_eq(c.hcalls, NSRV + 4);
	ck_assert_uint_eq(c.guest_errors, 0);
}
END_TEST

START_TEST(test_decoders)
{
	struct xics_source_info	s;
	struct xics_icp_info	i;
	char			buf[64];

	ck_assert_str_eq(xics_type_name(XICS_TYPE_FREE), "free");
	ck_assert_str_eq(xics_type_name(XICS_TYPE_LSI), "lsi");
	ck_assert_str_eq(xics_type_name(XICS_TYPE_MSI), "msi");
	ck_assert_str_eq(xics_type_name(9), "?");
	ck_assert_int_eq(xics_type_lookup("lsi"), XICS_TYPE_LSI);
	ck_assert_int_eq(xics_type_lookup("msi"), XICS_TYPE_MSI);
	ck_assert_int_eq(xics_type_lookup("free"), -EINVAL);
	ck_assert_int_eq(xics_type_lookup(NULL), -EINVAL);

	xics_status_format(0, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	xics_status_format(T_ST_ASSERTED | T_ST_SENT, buf, sizeof buf);
	ck_assert_str_eq(buf, "asserted,sent");
	xics_status_format(T_ST_REJECTED | T_ST_MASKED_PENDING | 0x40, buf,
	    sizeof buf);
	ck_assert_str_eq(buf, "rejected,masked-pending,0x40");
	xics_status_format(T_ST_ASSERTED | T_ST_SENT, buf, 6);
	ck_assert_uint_lt(strlen(buf), 6);

	set_xive(LSI0, 1, 5);
	ck_assert_int_eq(xics_set_irq(x, LSI0, true), 0);
	s = source(LSI0);
	ck_assert_uint_eq(s.irq, LSI0);
	ck_assert(s.asserted && s.sent && !s.rejected && !s.masked_pending);
	ck_assert(!s.masked);
	ck_assert_uint_eq(source(LSI1).masked, true);
	i = icp(1);
	ck_assert_uint_eq(i.server, 1);
	ck_assert_uint_eq(i.cppr, 0xff);
	ck_assert_uint_eq(i.xisr, LSI0);
	ck_assert(!i.ipi_pending);
	ck_assert(i.line);
	ck_assert_int_eq(xics_query_icp(x, NSRV, &i), -EINVAL);
}
END_TEST

static Suite *
xics_suite(void)
{
	Suite	*s = suite_create("xics");
	TCase	*tc = tcase_create("xics");

	tcase_add_checked_fixture(tc, setup, teardown);

	tcase_add_test(tc, test_create_rejects);
	tcase_add_test(tc, test_initial_presenters);
	tcase_add_test(tc, test_cppr_zero_blocks_until_opened);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_multiple_instances);

	tcase_add_test(tc, test_claim);
	tcase_add_test(tc, test_alloc_aligned);
	tcase_add_test(tc, test_unclaimed_never_fire);
	tcase_add_test(tc, test_free);
	tcase_add_test(tc, test_free_presents_next);

	tcase_add_test(tc, test_hcall_client_errors);
	tcase_add_test(tc, test_hcall_unknown_opcode);
	tcase_add_test(tc, test_h_cppr_reject_and_resend);
	tcase_add_test(tc, test_h_cppr_keeps_more_favoured);
	tcase_add_test(tc, test_h_xirr_accept);
	tcase_add_test(tc, test_h_xirr_x_timebase);
	tcase_add_test(tc, test_h_eoi_bad_irq);
	tcase_add_test(tc, test_h_eoi_more_favoured_cppr);
	tcase_add_test(tc, test_h_ipi_bad_server);
	tcase_add_test(tc, test_ipi_self_and_rearm);
	tcase_add_test(tc, test_ipis_to_several_servers);
	tcase_add_test(tc, test_ipi_versus_external);
	tcase_add_test(tc, test_ipi_waits_behind_external);
	tcase_add_test(tc, test_h_ipoll_other_server);

	tcase_add_test(tc, test_lsi_assert_eoi_represent);
	tcase_add_test(tc, test_lsi_resample_deasserts);
	tcase_add_test(tc, test_lsi_masked_then_unmasked);
	tcase_add_test(tc, test_lsi_reject);
	tcase_add_test(tc, test_lsi_pulse);
	tcase_add_test(tc, test_lsi_eoi_before_accept);
	tcase_add_test(tc, test_msi_masked_pending_set_xive);
	tcase_add_test(tc, test_msi_masked_pending_int_on);
	tcase_add_test(tc, test_msi_level_false);
	tcase_add_test(tc, test_msi_displaced_and_resent);
	tcase_add_test(tc, test_msi_equal_priority_rejected);
	tcase_add_test(tc, test_msi_rejected_then_masked);
	tcase_add_test(tc, test_resend_filtered_by_server);
	tcase_add_test(tc, test_resend_moved_source);

	tcase_add_test(tc, test_msi_decode);
	tcase_add_test(tc, test_msi_hostile_data);
	tcase_add_test(tc, test_msi_no_window);

	tcase_add_test(tc, test_rtas_names);
	tcase_add_test(tc, test_rtas_client_errors);
	tcase_add_test(tc, test_rtas_set_get_xive);
	tcase_add_test(tc, test_rtas_set_xive_errors);
	tcase_add_test(tc, test_rtas_get_xive_errors);
	tcase_add_test(tc, test_rtas_int_on_off);
	tcase_add_test(tc, test_rtas_no_return_cell);
	tcase_add_test(tc, test_rtas_global_numbers);

	tcase_add_test(tc, test_linux_boot_sequence);

	tcase_add_test(tc, test_save_load_mid_flight);
	tcase_add_test(tc, test_set_state_rejects);
	tcase_add_test(tc, test_set_state_lowers_line);
	tcase_add_test(tc, test_announce_lines);

	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_decoders);

	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(xics_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

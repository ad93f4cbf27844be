/*
 * POWER9 XIVE in sPAPR exploitation mode as a pure state machine (POWER9
 * XIVE architecture document; PAPR+, the exploitation-mode H_INT_* calls).
 *
 *   ESB window (esb_base)                    TIMA (4 x 64K, per CPU context)
 *   source n at n << esb_shift:              page 0 HW, 1 HV, 2 OS, 3 USER
 *     2-page (shift 13, 17): even page        0x00 QW0 USER  0x10 QW1 OS
 *       trigger only, odd page management     0x20 QW2 POOL  0x30 QW3 PHYS
 *     1-page (shift 12, 16): management       ring: NSR CPPR IPB LSMFB ACK_CNT
 *       page, stores 0x000-0x3ff trigger            INC AGE PIPR | WORD2 WORD3
 *   END i after the sources: ESn page,        0x810 ACK_OS_REG  0x812 SET_OS_PENDING
 *     ESe page                                0x818 PULL_OS_CTX (HV) ...
 *
 *   management page (bits 11:0)   load                 store
 *     0x000-0x3ff                 EOI (1: re-notified) trigger
 *     0x400-0x7ff                 -                    StoreEOI (if offered)
 *     0x800-0xbff                 GET PQ               INJECT (hypervisor)
 *     0xc00/d00/e00/f00           SET_PQ_00/01/10/11, return the old PQ
 *
 * An event: source PQ says notify -> EAS (valid, masked, END, EISN) -> END:
 * enqueue generation << 31 | EISN (big-endian) in the guest's queue, ESn
 * coalescing unless unconditional notify, present to the thread context whose
 * OS CAM is the END's NVT (IPB bit, PIPR, NSR, line), else backlog in the NVT,
 * then escalation through ESe. The line of a CPU is decided in one place,
 * xive_tctx_update().
 *
 * Choices where the specifications leave room:
 * - ESB loads of any size return the PQ (or EOI result) as the integer of
 *   the access. Loads the page does not define (the trigger page, 0x400-0x7ff
 *   of a management page, any page of an unclaimed source) are guest errors
 *   returning all ones; stores there are dropped.
 * - INJECT (store 0x800) is a hypervisor facility the OS has no use for: a
 *   guest error. Stores to END ESB pages likewise.
 * - An LSI sees its input as a level: whenever its PQ becomes 00 while it is
 *   asserted (EOI, StoreEOI, SET_PQ_00) it fires again, after ops.resample
 *   had the chance to lower it (KVM does this for the load EOI only; a level
 *   with PQ 00 that never fires would lose the interrupt after an unmask).
 * - The END of H_INT_SET_QUEUE_CONFIG has BACKLOG set, so an event for a
 *   pulled OS context waits in the NVT's IPB and is presented at the push.
 * - NSR.EO follows PIPR < CPPR; the line is EO with an OS context pushed.
 * - H_INT_RESET also masks every source (PQ 01, as the KVM device's reset)
 *   and drops NVT backlogs; thread contexts are the guest's to set again.
 * - H_INT_GET_QUEUE_CONFIG reports the generation in PPC bit 62 (0x2), as
 *   PAPR says (QEMU uses LSB-0 bit 62).
 * - H_INT_SET/GET_OS_REPORTING_LINE answer H_FUNCTION, as QEMU's do. H_STATE
 *   is never due: H_INT_RESET completes within the call.
 * - A store at 0x000-0x3ff of a two-page management page triggers too
 *   (QEMU), though only the one-page mode advertises it.
 * - H_INT_ESB takes offsets inside the management page, else H_P3 (QEMU
 *   compares with the whole two-page slot). An EISN wider than the EAS's 31
 *   bits is truncated to them (QEMU).
 * - An event whose queue entry is not guest RAM is lost and reported
 *   (eq-not-ram); the index stays, the notification goes on (QEMU).
 * - Escalation goes one hop: an escalation END that escalates is reported
 *   (escalation-loop). sPAPR guests cannot configure escalations; only a
 *   loaded state can hold one.
 * - TIMA: raw accesses (below 0x800) are 4 or 8 bytes, aligned, outside the
 *   user ring, filtered per page and byte; special operations match offset,
 *   size and direction exactly, from their own page or a more privileged
 *   one. Nothing is decoded above 4K in a page. The user ring's EBB and
 *   push/pull operations are guest errors (not modelled).
 * - Re-entry: ops.resample may call xive_set_irq(); the EOI in progress then
 *   decides. No other callback may re-enter.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "xive.h"
#include "xive_internal.h"

/* Escalation goes one END further at most (an escalation END escalating is a loop). */
#define XIVE_ESC_DEPTH_MAX	1

struct xive_src {
	struct xive_source_state st;
	struct xive_source_counters cnt;
	bool in_eoi;			/* ops.resample runs for this source */
};

struct xive_tctx {
	struct xive_tctx_state st;
	struct xive_cpu_counters cnt;
	bool line;			/* last level given to ops.cpu_irq */
};

struct xive {
	struct xive_ops ops;
	void *opaque;
	struct xive_config cfg;
	bool active;
	unsigned nends;
	unsigned esc_depth;
	uint64_t guest_errors;
	struct xive_src *src;		/* nsources */
	struct xive_end_state *end;	/* nends */
	struct xive_nvt_state *nvt;	/* ncpus */
	struct xive_tctx *tctx;		/* ncpus */
};

/* TIMA special operations, and the pages that may do them. */
enum tm_op_kind {
	TM_OP_SET_OS_CPPR,
	TM_OP_PUSH_OS_CTX,
	TM_OP_SET_HV_CPPR,
	TM_OP_VT_PUSH,
	TM_OP_VT_POLL,
	TM_OP_ACK_OS_REG,
	TM_OP_SET_OS_PENDING,
	TM_OP_PULL_OS_CTX,
	TM_OP_ACK_HV_REG,
	TM_OP_PULL_POOL_CTX,
	TM_OP_PULL_PHYS_CTX,
};

struct tm_op {
	uint8_t page;		/* the least privileged page allowed */
	uint16_t offset;
	uint8_t size;
	bool write;
	enum tm_op_kind kind;
};

/*
 * XIVE architecture, "TIMA special operations": a page may do the ops of its
 * own level and of the less privileged ones (HW > HV > OS > USER). The user
 * ring's EBB and push/pull operations are not modelled.
 */
static const struct tm_op tm_ops[] = {
	{ TM_PAGE_OS, TM_QW1_OS + TM_CPPR, 1, true, TM_OP_SET_OS_CPPR },
	{ TM_PAGE_HV, TM_QW1_OS + TM_WORD2, 4, true, TM_OP_PUSH_OS_CTX },
	{ TM_PAGE_HV, TM_QW3_HV_PHYS + TM_CPPR, 1, true, TM_OP_SET_HV_CPPR },
	{ TM_PAGE_HV, TM_QW3_HV_PHYS + TM_WORD2, 1, true, TM_OP_VT_PUSH },
	{ TM_PAGE_HV, TM_QW3_HV_PHYS + TM_WORD2, 1, false, TM_OP_VT_POLL },
	{ TM_PAGE_OS, TM_SPC_ACK_OS_REG, 2, false, TM_OP_ACK_OS_REG },
	{ TM_PAGE_OS, TM_SPC_SET_OS_PENDING, 1, true, TM_OP_SET_OS_PENDING },
	{ TM_PAGE_HV, TM_SPC_PULL_OS_CTX, 4, false, TM_OP_PULL_OS_CTX },
	{ TM_PAGE_HV, TM_SPC_PULL_OS_CTX, 8, false, TM_OP_PULL_OS_CTX },
	{ TM_PAGE_HV, TM_SPC_ACK_HV_REG, 2, false, TM_OP_ACK_HV_REG },
	{ TM_PAGE_HV, TM_SPC_PULL_POOL_CTX, 4, false, TM_OP_PULL_POOL_CTX },
	{ TM_PAGE_HV, TM_SPC_PULL_POOL_CTX, 8, false, TM_OP_PULL_POOL_CTX },
	{ TM_PAGE_HV, TM_SPC_PULL_PHYS_CTX, 1, false, TM_OP_PULL_PHYS_CTX },
};

#define RW	TM_ACC_RW
#define RO	TM_ACC_R
/*
 * Raw (4 and 8-byte) access rights to the context bytes below 2K, per page:
 * the HW and HV pages see every ring, the OS page its own ring read-only
 * but for CPPR, the USER page nothing it may reach raw.
 */
static const uint8_t tm_view_hv[XIVE_TCTX_SIZE] = {
	RW, 0, 0, 0, 0, 0, 0, 0, RW, RW, RW, RW, 0, 0, 0, 0,		/* QW0 */
	RW, RW, RW, RW, RW, RW, 0, RO, RW, RW, RW, RW, 0, 0, 0, 0,	/* QW1 */
	0, 0, RW, RW, 0, RW, RW, 0, RW, RW, RW, RW, 0, 0, 0, 0,		/* QW2 */
	RW, RW, RW, RW, 0, RW, 0, RO, RW, 0, 0, RW, RW, RW, RW, 0,	/* QW3 */
};
static const uint8_t tm_view_os[XIVE_TCTX_SIZE] = {
	RW, 0, 0, 0, 0, 0, 0, 0, RW, RW, RW, RW, 0, 0, 0, 0,		/* QW0 */
	RO, RW, RO, RO, RO, RO, 0, RO, 0, 0, 0, 0, 0, 0, 0, 0,		/* QW1 */
};
static const uint8_t tm_view_user[XIVE_TCTX_SIZE] = {
	RW,
};
#undef RW
#undef RO

static const uint8_t *const tm_views[] = {
	[TM_PAGE_HW] = tm_view_hv,
	[TM_PAGE_HV] = tm_view_hv,
	[TM_PAGE_OS] = tm_view_os,
	[TM_PAGE_USER] = tm_view_user,
};

static void PRINTFLIKE(3, 4)
xive_guest_error(struct xive *x, const char *kind, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	x->guest_errors++;
	x->ops.guest_error(x->opaque, kind, msg);
}

/* Guest memory structures are big-endian whatever the host. */
static uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* All ones in an access of size bytes: the answer of an invalid load. */
static uint64_t
all_ones(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static bool
access_size_valid(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* ---- PQ machine (XIVE architecture, ESB state transitions) ---- */

bool
xive_pq_trigger(uint8_t *pq)
{
	switch (*pq & 3) {
	case XIVE_ESB_RESET:
		*pq = XIVE_ESB_PENDING;
		return true;
	case XIVE_ESB_PENDING:
	case XIVE_ESB_QUEUED:
		*pq = XIVE_ESB_QUEUED;
		return false;
	default:
		*pq = XIVE_ESB_OFF;
		return false;
	}
}

bool
xive_pq_lsi_trigger(uint8_t *pq)
{
	if ((*pq & 3) != XIVE_ESB_RESET)
		return false;
	*pq = XIVE_ESB_PENDING;
	return true;
}

bool
xive_pq_eoi(uint8_t *pq)
{
	switch (*pq & 3) {
	case XIVE_ESB_RESET:
	case XIVE_ESB_PENDING:
		*pq = XIVE_ESB_RESET;
		return false;
	case XIVE_ESB_QUEUED:
		/* Triggered again while pending: notify once more. */
		*pq = XIVE_ESB_PENDING;
		return true;
	default:
		*pq = XIVE_ESB_OFF;
		return false;
	}
}

uint8_t
xive_pq_set(uint8_t *pq, uint8_t value)
{
	uint8_t old = *pq & 3;

	*pq = value & 3;
	return old;
}

const char *
xive_pq_name(uint8_t pq)
{
	static const char *const names[] = { "reset", "off", "pending", "queued" };

	return names[pq & 3];
}

/* ---- Thread contexts (TIMA) ---- */

/* IPB bit of a priority: 0 is the most favoured, bit 7 of the byte. */
static uint8_t
prio_to_ipb(uint8_t prio)
{
	return prio <= XIVE_PRIORITY_MAX ? (uint8_t)(0x80 >> prio) : 0;
}

/* PIPR: the most favoured pending priority, 0xff if none. */
static uint8_t
ipb_to_pipr(uint8_t ipb)
{
	uint8_t prio;

	for (prio = 0; prio <= XIVE_PRIORITY_MAX; prio++) {
		if (ipb & prio_to_ipb(prio))
			return prio;
	}
	return XIVE_PRIORITY_MASKED;
}

static uint8_t
cppr_clamp(uint8_t cppr)
{
	return cppr > XIVE_PRIORITY_MAX ? XIVE_PRIORITY_MASKED : cppr;
}

static uint32_t
tctx_os_word2(const struct xive_tctx *t)
{
	return load_be32(&t->st.regs[TM_QW1_OS + TM_WORD2]);
}

/*
 * Every decision about a CPU's OS ring and line: PIPR follows the IPB, an
 * exception is outstanding (NSR.EO) while PIPR is more favoured than CPPR,
 * and the line is high while one is, with an OS context pushed.
 */
static void
xive_tctx_update(struct xive *x, unsigned cpu)
{
	struct xive_tctx *t = &x->tctx[cpu];
	uint8_t *os = &t->st.regs[TM_QW1_OS];
	bool level;

	os[TM_PIPR] = ipb_to_pipr(os[TM_IPB]);
	if (os[TM_PIPR] < os[TM_CPPR])
		os[TM_NSR] |= TM_QW1_NSR_EO;
	else
		os[TM_NSR] &= (uint8_t)~TM_QW1_NSR_EO;
	level = (tctx_os_word2(t) & TM_QW1W2_VO) && (os[TM_NSR] & TM_QW1_NSR_EO);
	if (level == t->line)
		return;
	t->line = level;
	if (level)
		t->cnt.raises++;
	x->ops.cpu_irq(x->opaque, cpu, level);
}

/* The CPU whose sPAPR NVT this is, or -1. */
static int
nvt_to_cpu(const struct xive *x, uint8_t blk, uint32_t idx)
{
	if (blk != SPAPR_XIVE_BLOCK || idx < SPAPR_XIVE_NVT_BASE ||
	    idx - SPAPR_XIVE_NVT_BASE >= x->cfg.ncpus)
		return -1;
	return (int)(idx - SPAPR_XIVE_NVT_BASE);
}

static bool
tctx_matches(const struct xive_tctx *t, uint32_t cam)
{
	uint32_t w2 = tctx_os_word2(t);

	return (w2 & TM_QW1W2_VO) && (w2 & TM_QW1W2_OS_CAM) == cam;
}

/*
 * Present priority prio to the thread where the NVT is dispatched (its OS
 * CAM pushed). Returns false when it is not dispatched anywhere.
 */
static bool
xive_present(struct xive *x, uint8_t blk, uint32_t idx, uint8_t prio)
{
	uint32_t cam = XIVE_NVT_CAM(blk, idx);
	int home = nvt_to_cpu(x, blk, idx);
	unsigned cpu;

	if (home < 0 || !tctx_matches(&x->tctx[home], cam)) {
		/* The VMM may have pushed the context on another thread. */
		for (cpu = 0; cpu < x->cfg.ncpus; cpu++) {
			if (tctx_matches(&x->tctx[cpu], cam))
				break;
		}
		if (cpu == x->cfg.ncpus)
			return false;
		home = (int)cpu;
	}
	x->tctx[home].st.regs[TM_QW1_OS + TM_IPB] |= prio_to_ipb(prio);
	x->tctx[home].cnt.events++;
	xive_tctx_update(x, (unsigned)home);
	return true;
}

/* A pushed OS context takes the backlog its NVT recorded while pulled. */
static void
xive_tctx_resend(struct xive *x, unsigned cpu)
{
	struct xive_tctx *t = &x->tctx[cpu];
	uint32_t w2 = tctx_os_word2(t);
	uint32_t cam = w2 & TM_QW1W2_OS_CAM;
	struct xive_nvt_state *nvt;
	int owner;
	uint8_t ipb;

	if (w2 & TM_QW1W2_VO) {
		owner = nvt_to_cpu(x, (uint8_t)(cam >> XIVE_CAM_BLOCK_SHIFT),
		    cam & XIVE_CAM_INDEX);
		if (owner >= 0) {
			nvt = &x->nvt[owner];
			ipb = (uint8_t)((nvt->w[4] & NVT_W4_IPB) >> NVT_W4_IPB_SHIFT);
			nvt->w[4] &= ~NVT_W4_IPB;
			t->st.regs[TM_QW1_OS + TM_IPB] |= ipb;
		}
	}
	xive_tctx_update(x, cpu);
}

/* sPAPR thread context at reset: the vCPU's OS context pushed, CPPR 0. */
static void
xive_tctx_reset(struct xive *x, unsigned cpu)
{
	uint8_t *regs = x->tctx[cpu].st.regs;

	memset(regs, 0, XIVE_TCTX_SIZE);
	regs[TM_QW1_OS + TM_LSMFB] = 0xff;
	regs[TM_QW1_OS + TM_ACK_CNT] = 0xff;
	regs[TM_QW1_OS + TM_AGE] = 0xff;
	regs[TM_QW1_OS + TM_PIPR] = XIVE_PRIORITY_MASKED;
	regs[TM_QW3_HV_PHYS + TM_PIPR] = XIVE_PRIORITY_MASKED;
	store_be32(&regs[TM_QW1_OS + TM_WORD2], TM_QW1W2_VO |
	    XIVE_NVT_CAM(SPAPR_XIVE_BLOCK, SPAPR_XIVE_NVT_BASE + cpu));
	xive_tctx_update(x, cpu);
}

/* ACK_OS_REG: accept the outstanding exception, return NSR << 8 | CPPR. */
static uint64_t
xive_tm_ack_os(struct xive *x, unsigned cpu)
{
	struct xive_tctx *t = &x->tctx[cpu];
	uint8_t *os = &t->st.regs[TM_QW1_OS];
	uint8_t nsr = os[TM_NSR];

	if (nsr & TM_QW1_NSR_EO) {
		os[TM_CPPR] = os[TM_PIPR];
		os[TM_IPB] &= (uint8_t)~prio_to_ipb(os[TM_CPPR]);
		os[TM_NSR] &= (uint8_t)~TM_QW1_NSR_EO;
		t->cnt.acks++;
	}
	xive_tctx_update(x, cpu);
	return (uint64_t)nsr << 8 | os[TM_CPPR];
}

/* ACK_HV_REG: the physical ring (no HV exception is raised by sPAPR). */
static uint64_t
xive_tm_ack_hv(struct xive *x, unsigned cpu)
{
	uint8_t *ph = &x->tctx[cpu].st.regs[TM_QW3_HV_PHYS];
	uint8_t nsr = ph[TM_NSR];

	if (nsr & TM_QW3_NSR_HE) {
		ph[TM_CPPR] = ph[TM_PIPR];
		ph[TM_IPB] &= (uint8_t)~prio_to_ipb(ph[TM_CPPR]);
		ph[TM_PIPR] = ipb_to_pipr(ph[TM_IPB]);
		ph[TM_NSR] &= (uint8_t)~TM_QW3_NSR_HE;
	}
	return (uint64_t)nsr << 8 | ph[TM_CPPR];
}

static uint64_t
xive_tm_op(struct xive *x, unsigned cpu, enum tm_op_kind kind, uint64_t value)
{
	struct xive_tctx *t = &x->tctx[cpu];
	uint8_t *regs = t->st.regs;
	uint32_t w2;

	switch (kind) {
	case TM_OP_SET_OS_CPPR:
		regs[TM_QW1_OS + TM_CPPR] = cppr_clamp((uint8_t)value);
		xive_tctx_update(x, cpu);
		break;
	case TM_OP_PUSH_OS_CTX:
		store_be32(&regs[TM_QW1_OS + TM_WORD2], (uint32_t)value);
		xive_tctx_resend(x, cpu);
		break;
	case TM_OP_SET_HV_CPPR:
		regs[TM_QW3_HV_PHYS + TM_CPPR] = cppr_clamp((uint8_t)value);
		break;
	case TM_OP_VT_PUSH:
		regs[TM_QW3_HV_PHYS + TM_WORD2] = (uint8_t)value;
		break;
	case TM_OP_VT_POLL:
		return regs[TM_QW3_HV_PHYS + TM_WORD2];
	case TM_OP_ACK_OS_REG:
		return xive_tm_ack_os(x, cpu);
	case TM_OP_SET_OS_PENDING:
		regs[TM_QW1_OS + TM_IPB] |= prio_to_ipb((uint8_t)value);
		xive_tctx_update(x, cpu);
		break;
	case TM_OP_PULL_OS_CTX:
		/* Returns word 2 as it was (in the low word of a Load64). */
		w2 = tctx_os_word2(t);
		store_be32(&regs[TM_QW1_OS + TM_WORD2], w2 & ~TM_QW1W2_VO);
		xive_tctx_update(x, cpu);
		return w2;
	case TM_OP_ACK_HV_REG:
		return xive_tm_ack_hv(x, cpu);
	case TM_OP_PULL_POOL_CTX:
		w2 = load_be32(&regs[TM_QW2_HV_POOL + TM_WORD2]);
		store_be32(&regs[TM_QW2_HV_POOL + TM_WORD2], w2 & ~TM_QW2W2_VP);
		return w2;
	case TM_OP_PULL_PHYS_CTX:
		w2 = regs[TM_QW3_HV_PHYS + TM_WORD2];
		regs[TM_QW3_HV_PHYS + TM_WORD2] = (uint8_t)(w2 & ~TM_QW3B8_VT);
		return w2;
	}
	return 0;
}

static const struct tm_op *
tm_find_op(unsigned page, unsigned offset, unsigned size, bool write)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tm_ops); i++) {
		if (page <= tm_ops[i].page && offset == tm_ops[i].offset &&
		    size == tm_ops[i].size && write == tm_ops[i].write)
			return &tm_ops[i];
	}
	return NULL;
}

/* Raw access to the context bytes, filtered by the page's view. */
static void
xive_tm_raw(struct xive *x, unsigned cpu, unsigned page, unsigned offset,
    unsigned size, bool write, uint64_t *value)
{
	uint8_t *regs = x->tctx[cpu].st.regs;
	const uint8_t *view = tm_views[page];
	uint8_t want = write ? TM_ACC_W : TM_ACC_R;
	uint32_t w2_before = tctx_os_word2(&x->tctx[cpu]);
	uint64_t mask = 0, v = 0;
	unsigned i, shift;

	if ((size != 4 && size != 8) || (offset & (size - 1)) != 0 ||
	    offset + size > XIVE_TCTX_SIZE ||
	    (offset & TM_RING_OFFSET) == TM_QW0_USER) {
		xive_guest_error(x, "tima-access", "cpu %u: %s of %u bytes at "
		    "TIMA page %u offset 0x%03x, where no register is", cpu,
		    write ? "store" : "load", size, page, offset);
		if (!write)
			*value = all_ones(size);
		return;
	}
	for (i = 0; i < size; i++) {
		if (view[offset + i] & want)
			mask |= 0xffULL << (8 * (size - 1 - i));
	}
	if (mask == 0) {
		xive_guest_error(x, "tima-access", "cpu %u: %s of %u bytes at "
		    "TIMA page %u offset 0x%03x, which this page may not do",
		    cpu, write ? "store" : "load", size, page, offset);
		if (!write)
			*value = all_ones(size);
		return;
	}
	if (!write) {
		for (i = 0; i < size; i++)
			v = v << 8 | regs[offset + i];
		*value = v & mask;
		return;
	}
	for (i = 0; i < size; i++) {
		shift = 8 * (size - 1 - i);
		if ((mask >> shift) & 0xff)
			regs[offset + i] = (uint8_t)(*value >> shift);
	}
	/* PIPR is read-only: it follows the IPB written. */
	if ((offset & TM_RING_OFFSET) == TM_QW3_HV_PHYS) {
		regs[TM_QW3_HV_PHYS + TM_CPPR] =
		    cppr_clamp(regs[TM_QW3_HV_PHYS + TM_CPPR]);
		regs[TM_QW3_HV_PHYS + TM_PIPR] =
		    ipb_to_pipr(regs[TM_QW3_HV_PHYS + TM_IPB]);
	}
	if ((offset & TM_RING_OFFSET) == TM_QW1_OS) {
		regs[TM_QW1_OS + TM_CPPR] = cppr_clamp(regs[TM_QW1_OS + TM_CPPR]);
		if (!(w2_before & TM_QW1W2_VO))
			xive_tctx_resend(x, cpu);
		else
			xive_tctx_update(x, cpu);
	}
}

static int
xive_tima_access(struct xive *x, unsigned cpu, uint64_t offset, unsigned size,
    bool write, uint64_t *value)
{
	const struct tm_op *op;
	unsigned page, off;

	if (cpu >= x->cfg.ncpus || !access_size_valid(size) ||
	    offset >= XIVE_TIMA_SIZE || offset + size > XIVE_TIMA_SIZE)
		return -EINVAL;
	page = (unsigned)(offset >> TM_SHIFT);
	off = (unsigned)(offset & ((1U << TM_SHIFT) - 1));
	if (write && size < 8)
		*value &= all_ones(size);

	if (off + size > TM_PAGE_DECODE + 1) {
		xive_guest_error(x, "tima-access", "cpu %u: %s of %u bytes at "
		    "TIMA page %u offset 0x%x, where no register is", cpu,
		    write ? "store" : "load", size, page, off);
		if (!write)
			*value = all_ones(size);
		return 0;
	}
	op = tm_find_op(page, off, size, write);
	if (op != NULL) {
		if (write)
			(void)xive_tm_op(x, cpu, op->kind, *value);
		else
			*value = xive_tm_op(x, cpu, op->kind, 0);
		return 0;
	}
	if (off & TM_SPECIAL_OP) {
		xive_guest_error(x, "tima-special-op", "cpu %u: %s of %u bytes "
		    "at TIMA page %u offset 0x%03x is no operation this page "
		    "may do", cpu, write ? "store" : "load", size, page, off);
		if (!write)
			*value = all_ones(size);
		return 0;
	}
	xive_tm_raw(x, cpu, page, off, size, write, value);
	return 0;
}

int
xive_tima_read(struct xive *x, unsigned cpu, uint64_t offset, unsigned size,
    uint64_t *value)
{
	return xive_tima_access(x, cpu, offset, size, false, value);
}

int
xive_tima_write(struct xive *x, unsigned cpu, uint64_t offset, unsigned size,
    uint64_t value)
{
	return xive_tima_access(x, cpu, offset, size, true, &value);
}

/* ---- Router: EAS, END, event queues ---- */

static uint8_t
end_esn(const struct xive_end_state *e)
{
	return (uint8_t)((e->w[1] & END_W1_ESN) >> END_W1_ESN_SHIFT);
}

static uint8_t
end_ese(const struct xive_end_state *e)
{
	return (uint8_t)((e->w[1] & END_W1_ESE) >> END_W1_ESE_SHIFT);
}

static void
end_set_esn(struct xive_end_state *e, uint8_t pq)
{
	e->w[1] = (e->w[1] & ~END_W1_ESN) | (uint32_t)(pq & 3) << END_W1_ESN_SHIFT;
}

static void
end_set_ese(struct xive_end_state *e, uint8_t pq)
{
	e->w[1] = (e->w[1] & ~END_W1_ESE) | (uint32_t)(pq & 3) << END_W1_ESE_SHIFT;
}

static uint64_t
end_qaddr(const struct xive_end_state *e)
{
	return (uint64_t)(e->w[2] & END_W2_EQ_ADDR_HI) << 32 | e->w[3];
}

static unsigned
end_qsize(const struct xive_end_state *e)
{
	return (e->w[0] & END_W0_QSIZE) >> END_W0_QSIZE_SHIFT;
}

/* Entries (u32) of a queue of QSIZE q: 2^(q + 12) bytes. */
static uint32_t
qsize_entries(unsigned qsize)
{
	return 1U << (qsize + 10);
}

/* END reset (PAPR H_INT_SET_QUEUE_CONFIG size 0): off, ESn and ESe 01. */
static void
end_reset(struct xive_end_state *e)
{
	memset(e, 0, sizeof *e);
	end_set_esn(e, XIVE_ESB_OFF);
	end_set_ese(e, XIVE_ESB_OFF);
}

/*
 * Write the event in the END's queue: a big-endian u32, generation in bit
 * 31 and the EAS data below; the index wraps to 0 and flips the generation.
 */
static void
xive_end_enqueue(struct xive *x, unsigned idx, uint32_t data)
{
	struct xive_end_state *e = &x->end[idx];
	uint32_t index = e->w[1] & END_W1_PAGE_OFF;
	uint32_t gen = (e->w[1] & END_W1_GENERATION) ? 1 : 0;
	uint64_t addr = end_qaddr(e) + (uint64_t)index * 4;
	uint8_t buf[4];

	store_be32(buf, gen << 31 | (data & 0x7fffffffU));
	if (x->ops.write(x->opaque, addr, buf, sizeof buf) != 0) {
		xive_guest_error(x, "eq-not-ram", "END %u: event queue entry "
		    "0x%llx is not guest RAM, event 0x%x lost", idx,
		    (unsigned long long)addr, data);
		return;
	}
	if (++index == qsize_entries(end_qsize(e))) {
		index = 0;
		gen ^= 1;
	}
	e->w[1] = (e->w[1] & ~(END_W1_PAGE_OFF | END_W1_GENERATION)) | index |
	    (gen ? END_W1_GENERATION : 0);
}

/*
 * An event reaches END (blk, idx) with data (XIVE architecture, "END
 * processing"). Returns false if it was lost to a configuration error.
 */
static bool
xive_end_notify(struct xive *x, uint8_t blk, uint32_t idx, uint32_t data)
{
	struct xive_end_state *e;
	uint8_t pq, prio, nvt_blk;
	uint32_t nvt_idx;
	int cpu;

	if (blk != SPAPR_XIVE_BLOCK || idx >= x->nends) {
		xive_guest_error(x, "end-unknown", "event 0x%x for END %u/0x%x, "
		    "which does not exist", data, blk, idx);
		return false;
	}
	e = &x->end[idx];
	if (!(e->w[0] & END_W0_VALID)) {
		xive_guest_error(x, "end-invalid", "event 0x%x for END 0x%x, "
		    "which has no queue configured", data, idx);
		return false;
	}
	if (e->w[0] & END_W0_ENQUEUE)
		xive_end_enqueue(x, idx, data);

	if (!(e->w[0] & END_W0_SILENT_ESCALATE)) {
		prio = (uint8_t)((e->w[7] & END_W7_F0_PRIORITY) >>
		    END_W7_F0_PRIORITY_SHIFT);
		if (prio == XIVE_PRIORITY_MASKED)
			return true;
		/* ESn coalesces notifications until the queue is drained. */
		if (!(e->w[0] & END_W0_UCOND_NOTIFY)) {
			pq = end_esn(e);
			if (!xive_pq_trigger(&pq)) {
				end_set_esn(e, pq);
				return true;
			}
			end_set_esn(e, pq);
		}
		nvt_blk = (uint8_t)((e->w[6] & END_W6_NVT_BLOCK) >>
		    END_W6_NVT_BLOCK_SHIFT);
		nvt_idx = e->w[6] & END_W6_NVT_INDEX;
		if (xive_present(x, nvt_blk, nvt_idx, prio))
			return true;
		if (e->w[0] & END_W0_BACKLOG) {
			cpu = nvt_to_cpu(x, nvt_blk, nvt_idx);
			if (cpu < 0) {
				xive_guest_error(x, "nvt-unknown", "END 0x%x "
				    "targets NVT %u/0x%x, which does not exist",
				    idx, nvt_blk, nvt_idx);
				return false;
			}
			x->nvt[cpu].w[4] |= (uint32_t)prio_to_ipb(prio) <<
			    NVT_W4_IPB_SHIFT;
			x->tctx[cpu].cnt.backlogged++;
		}
	}

	if (!(e->w[0] & END_W0_ESCALATE_CTL))
		return true;
	if (!(e->w[0] & END_W0_UNCOND_ESCALATE)) {
		pq = end_ese(e);
		if (!xive_pq_trigger(&pq)) {
			end_set_ese(e, pq);
			return true;
		}
		end_set_ese(e, pq);
	}
	if (x->esc_depth >= XIVE_ESC_DEPTH_MAX) {
		xive_guest_error(x, "escalation-loop", "END 0x%x escalates from "
		    "an escalation", idx);
		return false;
	}
	x->esc_depth++;
	(void)xive_end_notify(x,
	    (uint8_t)((e->w[4] & END_W4_ESC_END_BLOCK) >> END_W4_ESC_END_BLOCK_SHIFT),
	    e->w[4] & END_W4_ESC_END_INDEX, e->w[5] & END_W5_ESC_END_DATA);
	x->esc_depth--;
	return true;
}

/* The PQ let source n's event through: route it by its EAS. */
static void
xive_source_forward(struct xive *x, unsigned n)
{
	struct xive_src *s = &x->src[n];
	uint64_t eas = s->st.eas;

	s->cnt.notifies++;
	if (!(eas & EAS_VALID)) {
		s->cnt.dropped++;
		xive_guest_error(x, "eas-invalid", "event of LISN 0x%x, whose "
		    "EAS is not valid", x->cfg.irq_base + n);
		return;
	}
	if (eas & EAS_MASKED) {
		s->cnt.dropped++;
		return;
	}
	if (!xive_end_notify(x, (uint8_t)((eas & EAS_END_BLOCK) >> EAS_END_BLOCK_SHIFT),
	    (uint32_t)((eas & EAS_END_INDEX) >> EAS_END_INDEX_SHIFT),
	    (uint32_t)(eas & EAS_END_DATA)))
		s->cnt.dropped++;
}

/* ---- Sources ---- */

static void
xive_source_trigger(struct xive *x, unsigned n)
{
	struct xive_src *s = &x->src[n];
	bool notify;

	s->cnt.triggers++;
	if (s->st.flags & XIVE_SRC_LSI)
		notify = xive_pq_lsi_trigger(&s->st.pq);
	else
		notify = xive_pq_trigger(&s->st.pq);
	if (notify)
		xive_source_forward(x, n);
}

/*
 * An LSI's PQ became 00: after an EOI, resample sources may lower the input
 * first; a level still high fires again. Returns true if it did.
 */
static bool
xive_lsi_settle(struct xive *x, unsigned n, bool eoi)
{
	struct xive_src *s = &x->src[n];

	if (!(s->st.flags & XIVE_SRC_LSI) || s->st.pq != XIVE_ESB_RESET)
		return false;
	if (eoi && x->ops.resample != NULL) {
		s->in_eoi = true;
		x->ops.resample(x->opaque, x->cfg.irq_base + n);
		s->in_eoi = false;
	}
	if (!(s->st.flags & XIVE_SRC_ASSERTED) ||
	    !xive_pq_lsi_trigger(&s->st.pq))
		return false;
	xive_source_forward(x, n);
	return true;
}

/* Load EOI or StoreEOI: returns 1 if the source notified again. */
static uint64_t
xive_source_eoi(struct xive *x, unsigned n)
{
	struct xive_src *s = &x->src[n];
	bool notify;

	s->cnt.eois++;
	notify = xive_pq_eoi(&s->st.pq);
	if (notify)
		xive_source_forward(x, n);
	if (xive_lsi_settle(x, n, true))
		notify = true;
	return notify;
}

static uint8_t
xive_source_set_pq(struct xive *x, unsigned n, uint8_t pq)
{
	struct xive_src *s = &x->src[n];
	uint8_t old = xive_pq_set(&s->st.pq, pq);

	(void)xive_lsi_settle(x, n, (old & XIVE_ESB_P) != 0);
	return old;
}

/* A management page operation on source n (also H_INT_ESB). */
static uint64_t
xive_esb_mgmt(struct xive *x, unsigned n, unsigned op, unsigned size, bool write)
{
	uint32_t irq = x->cfg.irq_base + n;

	op &= XIVE_ESB_OP_MASK;
	if (!write) {
		if (op < XIVE_ESB_STORE_EOI)
			return xive_source_eoi(x, n);
		if (op < XIVE_ESB_GET) {
			xive_guest_error(x, "esb-access", "LISN 0x%x: load at ESB "
			    "offset 0x%03x, which only takes stores", irq, op);
			return all_ones(size);
		}
		if (op < XIVE_ESB_SET_PQ_00)
			return x->src[n].st.pq;
		return xive_source_set_pq(x, n, (uint8_t)(op >> 8));
	}
	if (op < XIVE_ESB_STORE_EOI) {
		xive_source_trigger(x, n);
	} else if (op < XIVE_ESB_INJECT) {
		if (x->cfg.store_eoi)
			(void)xive_source_eoi(x, n);
		else
			xive_guest_error(x, "esb-store-eoi", "LISN 0x%x: "
			    "StoreEOI, which is not offered", irq);
	} else if (op < XIVE_ESB_SET_PQ_00) {
		xive_guest_error(x, "esb-access", "LISN 0x%x: store to the "
		    "hypervisor's INJECT offset 0x%03x dropped", irq, op);
	} else {
		(void)xive_source_set_pq(x, n, (uint8_t)(op >> 8));
	}
	return 0;
}

/* A load on an END's ESn or ESe page (stores are not defined there). */
static uint64_t
xive_end_esb(struct xive *x, unsigned idx, unsigned page, unsigned op,
    unsigned size, bool write)
{
	struct xive_end_state *e = &x->end[idx];
	uint8_t pq = page == XIVE_END_PAGE_ESN ? end_esn(e) : end_ese(e);
	uint64_t ret;

	op &= XIVE_ESB_OP_MASK;
	if (write || (op >= XIVE_ESB_STORE_EOI && op < XIVE_ESB_GET)) {
		xive_guest_error(x, "esb-access", "END 0x%x: %s at %s offset "
		    "0x%03x, which is not defined", idx, write ? "store" : "load",
		    page == XIVE_END_PAGE_ESN ? "ESn" : "ESe", op);
		return all_ones(size);
	}
	if (op < XIVE_ESB_STORE_EOI)
		ret = xive_pq_eoi(&pq);
	else if (op < XIVE_ESB_SET_PQ_00)
		ret = pq;
	else
		ret = xive_pq_set(&pq, (uint8_t)(op >> 8));
	if (page == XIVE_END_PAGE_ESN)
		end_set_esn(e, pq);
	else
		end_set_ese(e, pq);
	return ret;
}

static bool
esb_two_page(unsigned shift)
{
	return shift == 13 || shift == 17;
}

/* Size of one page of an ESB: the management page of a source. */
static unsigned
esb_page_shift(unsigned shift)
{
	return esb_two_page(shift) ? shift - 1 : shift;
}

static uint64_t
esb_sources_size(const struct xive *x)
{
	return (uint64_t)x->cfg.nsources << x->cfg.esb_shift;
}

/* An END's slot: two pages (ESn, ESe) of the sources' page size. */
static unsigned
esb_end_slot_shift(const struct xive *x)
{
	return esb_page_shift(x->cfg.esb_shift) + 1;
}

uint64_t
xive_esb_window_size(const struct xive *x)
{
	return esb_sources_size(x) + ((uint64_t)x->nends << esb_end_slot_shift(x));
}

static int
xive_esb_access(struct xive *x, uint64_t offset, unsigned size, bool write,
    uint64_t *value)
{
	unsigned shift = x->cfg.esb_shift, pshift = esb_page_shift(shift);
	uint64_t in, rel;
	unsigned n;

	if (!access_size_valid(size) || offset >= xive_esb_window_size(x) ||
	    offset + size > xive_esb_window_size(x))
		return -EINVAL;
	if (offset >= esb_sources_size(x)) {
		rel = offset - esb_sources_size(x);
		*value = xive_end_esb(x, (unsigned)(rel >> esb_end_slot_shift(x)),
		    (unsigned)(rel >> pshift) & 1,
		    (unsigned)(rel & ((1ULL << pshift) - 1)), size, write);
		if (write)
			*value = 0;
		return 0;
	}
	n = (unsigned)(offset >> shift);
	in = offset & ((1ULL << shift) - 1);
	if (!(x->src[n].st.flags & XIVE_SRC_CLAIMED)) {
		xive_guest_error(x, "esb-unclaimed", "%s at the ESB of LISN 0x%x, "
		    "which is not claimed", write ? "store" : "load",
		    x->cfg.irq_base + n);
		*value = write ? 0 : all_ones(size);
		return 0;
	}
	if (esb_two_page(shift) && in < (1ULL << pshift)) {
		/* The even page only triggers. */
		if (write) {
			xive_source_trigger(x, n);
			return 0;
		}
		xive_guest_error(x, "esb-trigger-load", "load at offset 0x%llx "
		    "of the trigger page of LISN 0x%x", (unsigned long long)in,
		    x->cfg.irq_base + n);
		*value = all_ones(size);
		return 0;
	}
	*value = xive_esb_mgmt(x, n, (unsigned)(in & ((1ULL << pshift) - 1)),
	    size, write);
	if (write)
		*value = 0;
	return 0;
}

int
xive_esb_read(struct xive *x, uint64_t offset, unsigned size, uint64_t *value)
{
	return xive_esb_access(x, offset, size, false, value);
}

int
xive_esb_write(struct xive *x, uint64_t offset, unsigned size, uint64_t value)
{
	return xive_esb_access(x, offset, size, true, &value);
}

int
xive_esb_source_offsets(const struct xive *x, uint32_t irq, uint64_t *trigger,
    uint64_t *mgmt)
{
	uint64_t slot;

	if (irq < x->cfg.irq_base || irq - x->cfg.irq_base >= x->cfg.nsources)
		return -EINVAL;
	slot = (uint64_t)(irq - x->cfg.irq_base) << x->cfg.esb_shift;
	*trigger = slot;
	*mgmt = esb_two_page(x->cfg.esb_shift) ?
	    slot + (1ULL << esb_page_shift(x->cfg.esb_shift)) : slot;
	return 0;
}

/* Source index of a global number, or -1 if not ours. */
static long
irq_to_src(const struct xive *x, uint64_t irq)
{
	if (irq < x->cfg.irq_base || irq - x->cfg.irq_base >= x->cfg.nsources)
		return -1;
	return (long)(irq - x->cfg.irq_base);
}

static bool
src_claimed(const struct xive *x, long n)
{
	return n >= 0 && (x->src[n].st.flags & XIVE_SRC_CLAIMED);
}

int
xive_set_irq(struct xive *x, uint32_t irq, bool level)
{
	long n = irq_to_src(x, irq);
	struct xive_src *s;

	if (n < 0)
		return -EINVAL;
	if (!src_claimed(x, n))
		return -ENOENT;
	s = &x->src[n];
	if (!(s->st.flags & XIVE_SRC_LSI)) {
		/* An MSI source given a level fires on its rising side. */
		if (level)
			xive_source_trigger(x, (unsigned)n);
		return 0;
	}
	if (level)
		s->st.flags |= XIVE_SRC_ASSERTED;
	else
		s->st.flags &= (uint8_t)~XIVE_SRC_ASSERTED;
	/* Inside ops.resample, the EOI in progress decides. */
	if (level && !s->in_eoi)
		xive_source_trigger(x, (unsigned)n);
	return 0;
}

int
xive_trigger(struct xive *x, uint32_t irq)
{
	long n = irq_to_src(x, irq);
	int error;

	if (n < 0)
		return -EINVAL;
	if (!src_claimed(x, n))
		return -ENOENT;
	if (x->src[n].st.flags & XIVE_SRC_LSI) {
		if ((error = xive_set_irq(x, irq, true)) != 0)
			return error;
		return xive_set_irq(x, irq, false);
	}
	xive_source_trigger(x, (unsigned)n);
	return 0;
}

int
xive_msi_write(struct xive *x, uint64_t address, uint32_t data)
{
	long n;

	if (x->cfg.msi_size == 0 || address < x->cfg.msi_base ||
	    address - x->cfg.msi_base >= x->cfg.msi_size)
		return -EINVAL;
	/* The data is the LISN (LoPAPR ibm,change-msi); the address is ignored. */
	n = irq_to_src(x, data);
	if (!src_claimed(x, n) || (x->src[n].st.flags & XIVE_SRC_LSI)) {
		xive_guest_error(x, "msi-bad-data", "MSI write of data 0x%x at "
		    "0x%llx, which names no claimed MSI source", data,
		    (unsigned long long)address);
		return 0;
	}
	xive_source_trigger(x, (unsigned)n);
	return 0;
}

int
xive_irq_claim(struct xive *x, uint32_t irq, unsigned count, unsigned align,
    bool lsi, uint32_t *first)
{
	uint64_t start, end = (uint64_t)x->cfg.irq_base + x->cfg.nsources, g;
	unsigned i;

	if (count == 0 || count > x->cfg.nsources)
		return -EINVAL;
	if (align == 0)
		align = 1;
	if ((align & (align - 1)) != 0)
		return -EINVAL;
	if (irq != XIVE_IRQ_ANY) {
		if (irq < x->cfg.irq_base || (uint64_t)irq + count > end ||
		    irq % align != 0)
			return -EINVAL;
		for (i = 0; i < count; i++) {
			if (x->src[irq - x->cfg.irq_base + i].st.flags)
				return -EBUSY;
		}
		start = irq;
	} else {
		start = ((uint64_t)x->cfg.irq_base + align - 1) / align * align;
		while (start + count <= end) {
			for (g = start; g < start + count; g++) {
				if (x->src[g - x->cfg.irq_base].st.flags)
					break;
			}
			if (g == start + count)
				break;
			/* No block can hold g: go past it (linear overall). */
			start = (g / align + 1) * align;
		}
		if (start + count > end)
			return -ENOSPC;
	}
	for (g = start; g < start + count; g++) {
		struct xive_src *s = &x->src[g - x->cfg.irq_base];

		memset(s, 0, sizeof *s);
		s->st.flags = XIVE_SRC_CLAIMED | (lsi ? XIVE_SRC_LSI : 0);
		s->st.pq = XIVE_ESB_OFF;
		s->st.eas = EAS_VALID | EAS_MASKED;
	}
	if (first != NULL)
		*first = (uint32_t)start;
	return 0;
}

int
xive_irq_free(struct xive *x, uint32_t irq, unsigned count)
{
	uint64_t g;

	if (count == 0 || irq < x->cfg.irq_base ||
	    (uint64_t)irq + count > (uint64_t)x->cfg.irq_base + x->cfg.nsources)
		return -EINVAL;
	for (g = irq; g < (uint64_t)irq + count; g++) {
		if (!(x->src[g - x->cfg.irq_base].st.flags & XIVE_SRC_CLAIMED))
			return -ENOENT;
	}
	for (g = irq; g < (uint64_t)irq + count; g++) {
		memset(&x->src[g - x->cfg.irq_base], 0, sizeof x->src[0]);
		x->src[g - x->cfg.irq_base].st.pq = XIVE_ESB_OFF;
	}
	return 0;
}

/* ---- Hypervisor calls (PAPR+, XIVE exploitation mode H_INT_*) ---- */

/* A priority the guest may use: not in ibm,plat-res-int-priorities. */
static bool
prio_reserved(uint64_t prio)
{
	return prio > SPAPR_XIVE_PRIO_GUEST_MAX;
}

static bool
target_valid(const struct xive *x, uint64_t target)
{
	return target < x->cfg.ncpus;
}

static unsigned
end_index(uint64_t target, uint64_t prio)
{
	return (unsigned)(target * XIVE_PRIORITIES + prio);
}

/* A LISN the hcalls accept: ours and claimed (its EAS is valid). */
static long
hcall_lisn(const struct xive *x, uint64_t lisn)
{
	long n = irq_to_src(x, lisn);

	return src_claimed(x, n) ? n : -1;
}

static long
h_int_get_source_info(struct xive *x, const uint64_t *a, uint64_t *r)
{
	unsigned shift = x->cfg.esb_shift;
	uint64_t trig = 0, mgmt = 0, flags = 0;
	long n;

	if (a[0] != 0)
		return H_PARAMETER;
	if ((n = hcall_lisn(x, a[1])) < 0)
		return H_P2;
	(void)xive_esb_source_offsets(x, (uint32_t)a[1], &trig, &mgmt);
	if (!esb_two_page(shift))
		flags |= SPAPR_XIVE_SRC_TRIGGER;
	if (x->cfg.store_eoi)
		flags |= SPAPR_XIVE_SRC_STORE_EOI;
	/* LSIs are EOIed through H_INT_ESB so that we re-fire them. */
	if (x->src[n].st.flags & XIVE_SRC_LSI)
		flags |= SPAPR_XIVE_SRC_H_INT_ESB | SPAPR_XIVE_SRC_LSI;
	r[0] = flags;
	r[1] = (flags & SPAPR_XIVE_SRC_H_INT_ESB) ? ~0ULL : x->cfg.esb_base + mgmt;
	r[2] = esb_two_page(shift) && !(flags & SPAPR_XIVE_SRC_H_INT_ESB) ?
	    x->cfg.esb_base + trig : ~0ULL;
	r[3] = esb_page_shift(shift);
	return H_SUCCESS;
}

static long
h_int_set_source_config(struct xive *x, const uint64_t *a)
{
	uint64_t flags = a[0], target = a[2], prio = a[3], eisn = a[4], eas;
	long n;

	if (flags & ~(SPAPR_XIVE_SRC_SET_EISN | SPAPR_XIVE_SRC_MASK))
		return H_PARAMETER;
	if ((n = hcall_lisn(x, a[1])) < 0)
		return H_P2;
	/* Priority 0xff resets the EAS (PAPR: the source is masked). */
	if (prio == XIVE_PRIORITY_MASKED) {
		x->src[n].st.eas = EAS_VALID | EAS_MASKED;
		return H_SUCCESS;
	}
	if (prio_reserved(prio))
		return H_P4;
	if (!target_valid(x, target))
		return H_P3;
	eas = x->src[n].st.eas & ~(EAS_MASKED | EAS_END_BLOCK | EAS_END_INDEX);
	if (flags & SPAPR_XIVE_SRC_MASK)
		eas |= EAS_MASKED;
	eas |= (uint64_t)SPAPR_XIVE_BLOCK << EAS_END_BLOCK_SHIFT |
	    (uint64_t)end_index(target, prio) << EAS_END_INDEX_SHIFT;
	if (flags & SPAPR_XIVE_SRC_SET_EISN)
		eas = (eas & ~EAS_END_DATA) | (eisn & EAS_END_DATA);
	x->src[n].st.eas = eas | EAS_VALID;
	return H_SUCCESS;
}

static long
h_int_get_source_config(struct xive *x, const uint64_t *a, uint64_t *r)
{
	uint64_t eas;
	uint32_t idx;
	long n;

	if (a[0] != 0)
		return H_PARAMETER;
	if ((n = hcall_lisn(x, a[1])) < 0)
		return H_P2;
	eas = x->src[n].st.eas;
	idx = (uint32_t)((eas & EAS_END_INDEX) >> EAS_END_INDEX_SHIFT);
	/* sPAPR: END index = target * 8 + priority. */
	r[0] = idx / XIVE_PRIORITIES;
	r[1] = (eas & EAS_MASKED) ? XIVE_PRIORITY_MASKED : idx % XIVE_PRIORITIES;
	r[2] = eas & EAS_END_DATA;
	return H_SUCCESS;
}

static long
h_int_get_queue_info(struct xive *x, const uint64_t *a, uint64_t *r)
{
	const struct xive_end_state *e;
	unsigned idx;

	if (a[0] != 0)
		return H_PARAMETER;
	if (prio_reserved(a[2]))
		return H_P3;
	if (!target_valid(x, a[1]))
		return H_P2;
	idx = end_index(a[1], a[2]);
	e = &x->end[idx];
	r[0] = x->cfg.esb_base + esb_sources_size(x) +
	    ((uint64_t)idx << esb_end_slot_shift(x));
	r[1] = (e->w[0] & END_W0_ENQUEUE) ? end_qsize(e) + 12 : 0;
	return H_SUCCESS;
}

/* The queue [qpage, qpage + len) is guest RAM. */
static bool
queue_in_ram(struct xive *x, uint64_t qpage, uint64_t len)
{
	uint8_t probe[4];

	if (x->ops.ram_check != NULL)
		return x->ops.ram_check(x->opaque, qpage, len) == 0;
	return x->ops.read(x->opaque, qpage, probe, sizeof probe) == 0 &&
	    x->ops.read(x->opaque, qpage + len - 4, probe, sizeof probe) == 0;
}

static long
h_int_set_queue_config(struct xive *x, const uint64_t *a)
{
	uint64_t flags = a[0], target = a[1], prio = a[2], qpage = a[3];
	uint64_t qsize = a[4];
	struct xive_end_state e;
	unsigned idx;

	if (flags & ~SPAPR_XIVE_END_ALWAYS_NOTIFY)
		return H_PARAMETER;
	if (prio_reserved(prio))
		return H_P3;
	if (!target_valid(x, target))
		return H_P2;
	idx = end_index(target, prio);
	switch (qsize) {
	case 0:
		end_reset(&x->end[idx]);
		return H_SUCCESS;
	case 12:
	case 16:
	case 21:
	case 24:
		break;
	default:
		return H_P5;
	}
	/* Naturally aligned, in the END's 60 address bits, and RAM. */
	if ((qpage & ((1ULL << qsize) - 1)) != 0 ||
	    (qpage >> 32) > END_W2_EQ_ADDR_HI ||
	    !queue_in_ram(x, qpage, 1ULL << qsize))
		return H_P4;

	memset(&e, 0, sizeof e);
	e.w[0] = END_W0_VALID | END_W0_ENQUEUE | END_W0_BACKLOG |
	    (uint32_t)(qsize - 12) << END_W0_QSIZE_SHIFT;
	if (flags & SPAPR_XIVE_END_ALWAYS_NOTIFY)
		e.w[0] |= END_W0_UCOND_NOTIFY;
	/* The generation starts at 1, the index at 0; ESn and ESe 00. */
	e.w[1] = END_W1_GENERATION;
	e.w[2] = (uint32_t)(qpage >> 32) & END_W2_EQ_ADDR_HI;
	e.w[3] = (uint32_t)qpage;
	e.w[6] = (uint32_t)SPAPR_XIVE_BLOCK << END_W6_NVT_BLOCK_SHIFT |
	    (uint32_t)(SPAPR_XIVE_NVT_BASE + target);
	e.w[7] = (uint32_t)prio << END_W7_F0_PRIORITY_SHIFT;
	x->end[idx] = e;
	return H_SUCCESS;
}

static long
h_int_get_queue_config(struct xive *x, const uint64_t *a, uint64_t *r)
{
	const struct xive_end_state *e;
	uint64_t flags = a[0];

	if (flags & ~SPAPR_XIVE_END_DEBUG)
		return H_PARAMETER;
	if (prio_reserved(a[2]))
		return H_P3;
	if (!target_valid(x, a[1]))
		return H_P2;
	e = &x->end[end_index(a[1], a[2])];
	r[0] = (e->w[0] & END_W0_UCOND_NOTIFY) ? SPAPR_XIVE_END_ALWAYS_NOTIFY : 0;
	if (e->w[0] & END_W0_ENQUEUE) {
		r[1] = end_qaddr(e);
		r[2] = end_qsize(e) + 12;
	} else {
		r[1] = 0;
		r[2] = 0;
	}
	r[3] = 0;
	if (flags & SPAPR_XIVE_END_DEBUG) {
		if (e->w[1] & END_W1_GENERATION)
			r[0] |= SPAPR_XIVE_END_GENERATION;
		r[3] = e->w[1] & END_W1_PAGE_OFF;
	}
	return H_SUCCESS;
}

static long
h_int_esb(struct xive *x, const uint64_t *a, uint64_t *r)
{
	uint64_t flags = a[0], offset = a[2];
	long n;

	if (flags & ~SPAPR_XIVE_ESB_STORE)
		return H_PARAMETER;
	if ((n = hcall_lisn(x, a[1])) < 0)
		return H_P2;
	if (offset >= 1ULL << esb_page_shift(x->cfg.esb_shift))
		return H_P3;
	/* The operation the management page's offset names, 8 bytes wide. */
	r[0] = xive_esb_mgmt(x, (unsigned)n, (unsigned)offset, 8,
	    (flags & SPAPR_XIVE_ESB_STORE) != 0);
	if (flags & SPAPR_XIVE_ESB_STORE)
		r[0] = ~0ULL;
	return H_SUCCESS;
}

static long
h_int_sync(struct xive *x, const uint64_t *a)
{
	if (a[0] != 0)
		return H_PARAMETER;
	if (hcall_lisn(x, a[1]) < 0)
		return H_P2;
	/* Events are in their queue when the call that caused them returns. */
	return H_SUCCESS;
}

/* H_INT_RESET: the partition's EAS, END and NVT structures as at boot. */
static void
xive_reset_routing(struct xive *x)
{
	unsigned i;

	for (i = 0; i < x->cfg.nsources; i++) {
		struct xive_src *s = &x->src[i];

		s->st.pq = XIVE_ESB_OFF;
		s->st.eas = (s->st.flags & XIVE_SRC_CLAIMED) ?
		    EAS_VALID | EAS_MASKED : 0;
	}
	for (i = 0; i < x->nends; i++)
		end_reset(&x->end[i]);
	for (i = 0; i < x->cfg.ncpus; i++) {
		memset(&x->nvt[i], 0, sizeof x->nvt[i]);
		x->nvt[i].w[0] = NVT_W0_VALID;
	}
}

static long
h_int_reset(struct xive *x, const uint64_t *a)
{
	if (a[0] != 0)
		return H_PARAMETER;
	xive_reset_routing(x);
	return H_SUCCESS;
}

long
xive_hcall(struct xive *x, unsigned caller_cpu, uint64_t opcode,
    const uint64_t *args, unsigned nargs, uint64_t *rets, unsigned *nrets)
{
	uint64_t a[5] = { 0 };
	unsigned i;
	long rc;

	*nrets = 0;
	for (i = 0; i < XIVE_HCALL_MAX_RETS; i++)
		rets[i] = 0;
	if (caller_cpu >= x->cfg.ncpus)
		return H_HARDWARE;
	if (!x->active)
		return H_FUNCTION;
	for (i = 0; i < nargs && i < ARRAY_SIZE(a); i++)
		a[i] = args[i];

	switch (opcode) {
	case H_INT_GET_SOURCE_INFO:
		if ((rc = h_int_get_source_info(x, a, rets)) == H_SUCCESS)
			*nrets = 4;
		return rc;
	case H_INT_SET_SOURCE_CONFIG:
		return h_int_set_source_config(x, a);
	case H_INT_GET_SOURCE_CONFIG:
		if ((rc = h_int_get_source_config(x, a, rets)) == H_SUCCESS)
			*nrets = 3;
		return rc;
	case H_INT_GET_QUEUE_INFO:
		if ((rc = h_int_get_queue_info(x, a, rets)) == H_SUCCESS)
			*nrets = 2;
		return rc;
	case H_INT_SET_QUEUE_CONFIG:
		return h_int_set_queue_config(x, a);
	case H_INT_GET_QUEUE_CONFIG:
		if ((rc = h_int_get_queue_config(x, a, rets)) == H_SUCCESS)
			*nrets = 4;
		return rc;
	case H_INT_ESB:
		if ((rc = h_int_esb(x, a, rets)) == H_SUCCESS)
			*nrets = 1;
		return rc;
	case H_INT_SYNC:
		return h_int_sync(x, a);
	case H_INT_RESET:
		return h_int_reset(x, a);
	case H_INT_SET_OS_REPORTING_LINE:
	case H_INT_GET_OS_REPORTING_LINE:
	default:
		return H_FUNCTION;
	}
}

/* ---- Life cycle, state ---- */

void
xive_reset(struct xive *x)
{
	unsigned cpu;

	xive_reset_routing(x);
	for (cpu = 0; cpu < x->cfg.ncpus; cpu++)
		xive_tctx_reset(x, cpu);
}

void
xive_set_active(struct xive *x, bool active)
{
	x->active = active;
}

bool
xive_active(const struct xive *x)
{
	return x->active;
}

const struct xive_config *
xive_config(const struct xive *x)
{
	return &x->cfg;
}

static bool
config_valid(const struct xive_config *c)
{
	if (c->nsources == 0 || c->nsources > XIVE_MAX_SOURCES ||
	    c->ncpus == 0 || c->ncpus > XIVE_MAX_CPUS ||
	    (uint64_t)c->irq_base + c->nsources > XIVE_MAX_LISN)
		return false;
	if (c->esb_shift != 12 && c->esb_shift != 13 && c->esb_shift != 16 &&
	    c->esb_shift != 17)
		return false;
	if ((c->esb_base & ((1ULL << c->esb_shift) - 1)) != 0)
		return false;
	if (c->msi_size != 0 && c->msi_base + c->msi_size - 1 < c->msi_base)
		return false;
	return true;
}

struct xive *
xive_create(const struct xive_config *cfg, const struct xive_ops *ops,
    void *opaque)
{
	struct xive *x;

	if (cfg == NULL || ops == NULL || !config_valid(cfg) ||
	    ops->cpu_irq == NULL || ops->read == NULL || ops->write == NULL ||
	    ops->resample == NULL || ops->guest_error == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((x = calloc(1, sizeof *x)) == NULL)
		return NULL;
	x->ops = *ops;
	x->opaque = opaque;
	x->cfg = *cfg;
	x->nends = cfg->ncpus * XIVE_PRIORITIES;
	x->src = calloc(cfg->nsources, sizeof x->src[0]);
	x->end = calloc(x->nends, sizeof x->end[0]);
	x->nvt = calloc(cfg->ncpus, sizeof x->nvt[0]);
	x->tctx = calloc(cfg->ncpus, sizeof x->tctx[0]);
	if (x->src == NULL || x->end == NULL || x->nvt == NULL ||
	    x->tctx == NULL) {
		xive_destroy(x);
		errno = ENOMEM;
		return NULL;
	}
	/* At creation no line is high: the reset's updates need no callback. */
	xive_reset(x);
	return x;
}

void
xive_destroy(struct xive *x)
{
	if (x == NULL)
		return;
	free(x->src);
	free(x->end);
	free(x->nvt);
	free(x->tctx);
	free(x);
}

void
xive_announce_lines(struct xive *x)
{
	unsigned cpu;

	for (cpu = 0; cpu < x->cfg.ncpus; cpu++)
		x->ops.cpu_irq(x->opaque, cpu, x->tctx[cpu].line);
}

bool
xive_cpu_line(const struct xive *x, unsigned cpu)
{
	return cpu < x->cfg.ncpus && x->tctx[cpu].line;
}

struct xive_state *
xive_state_alloc(const struct xive *x)
{
	struct xive_state *st;

	if ((st = calloc(1, sizeof *st)) == NULL)
		return NULL;
	st->irq_base = x->cfg.irq_base;
	st->nsources = x->cfg.nsources;
	st->ncpus = x->cfg.ncpus;
	st->esb_shift = x->cfg.esb_shift;
	st->store_eoi = x->cfg.store_eoi;
	st->src = calloc(st->nsources, sizeof st->src[0]);
	st->end = calloc(x->nends, sizeof st->end[0]);
	st->nvt = calloc(st->ncpus, sizeof st->nvt[0]);
	st->tctx = calloc(st->ncpus, sizeof st->tctx[0]);
	if (st->src == NULL || st->end == NULL || st->nvt == NULL ||
	    st->tctx == NULL) {
		xive_state_free(st);
		return NULL;
	}
	return st;
}

void
xive_state_free(struct xive_state *st)
{
	if (st == NULL)
		return;
	free(st->src);
	free(st->end);
	free(st->nvt);
	free(st->tctx);
	free(st);
}

static bool
state_shape_ok(const struct xive *x, const struct xive_state *st)
{
	return st->irq_base == x->cfg.irq_base && st->nsources == x->cfg.nsources &&
	    st->ncpus == x->cfg.ncpus && st->esb_shift == x->cfg.esb_shift &&
	    st->store_eoi == x->cfg.store_eoi && st->src != NULL &&
	    st->end != NULL && st->nvt != NULL && st->tctx != NULL;
}

int
xive_get_state(const struct xive *x, struct xive_state *st)
{
	unsigned i;

	if (!state_shape_ok(x, st))
		return -EINVAL;
	st->active = x->active;
	for (i = 0; i < x->cfg.nsources; i++)
		st->src[i] = x->src[i].st;
	memcpy(st->end, x->end, x->nends * sizeof x->end[0]);
	memcpy(st->nvt, x->nvt, x->cfg.ncpus * sizeof x->nvt[0]);
	for (i = 0; i < x->cfg.ncpus; i++)
		st->tctx[i] = x->tctx[i].st;
	return 0;
}

static bool
source_state_valid(const struct xive *x, const struct xive_source_state *s)
{
	if (s->pq > 3 || (s->flags & ~(XIVE_SRC_CLAIMED | XIVE_SRC_LSI |
	    XIVE_SRC_ASSERTED)) != 0)
		return false;
	if (!(s->flags & XIVE_SRC_CLAIMED))
		return s->flags == 0 && s->eas == 0;
	if ((s->flags & XIVE_SRC_ASSERTED) && !(s->flags & XIVE_SRC_LSI))
		return false;
	return (s->eas & EAS_VALID) && (s->eas & ~EAS_DEFINED) == 0 &&
	    (s->eas & EAS_END_BLOCK) == 0 &&
	    ((s->eas & EAS_END_INDEX) >> EAS_END_INDEX_SHIFT) < x->nends;
}

static bool
end_state_valid(const struct xive *x, const struct xive_end_state *e)
{
	unsigned q = end_qsize(e);
	uint8_t prio = (uint8_t)((e->w[7] & END_W7_F0_PRIORITY) >>
	    END_W7_F0_PRIORITY_SHIFT);

	if (!(e->w[0] & END_W0_VALID))
		return true;
	if (e->w[6] & END_W6_FORMAT_BIT)
		return false;
	if (prio > XIVE_PRIORITY_MAX && prio != XIVE_PRIORITY_MASKED)
		return false;
	if (e->w[0] & END_W0_ENQUEUE) {
		if (q != 0 && q != 4 && q != 9 && q != 12)
			return false;
		if ((e->w[1] & END_W1_PAGE_OFF) >= qsize_entries(q) ||
		    (end_qaddr(e) & ((1ULL << (q + 12)) - 1)) != 0)
			return false;
	}
	if (!(e->w[0] & END_W0_SILENT_ESCALATE) && prio != XIVE_PRIORITY_MASKED &&
	    nvt_to_cpu(x, (uint8_t)((e->w[6] & END_W6_NVT_BLOCK) >>
	    END_W6_NVT_BLOCK_SHIFT), e->w[6] & END_W6_NVT_INDEX) < 0)
		return false;
	if ((e->w[0] & END_W0_ESCALATE_CTL) &&
	    ((e->w[4] & END_W4_ESC_END_BLOCK) != 0 ||
	    (e->w[4] & END_W4_ESC_END_INDEX) >= x->nends))
		return false;
	return true;
}

static bool
tctx_state_valid(const struct xive_tctx_state *t)
{
	const uint8_t *os = &t->regs[TM_QW1_OS];
	uint8_t cppr = os[TM_CPPR], hv_cppr = t->regs[TM_QW3_HV_PHYS + TM_CPPR];

	if (cppr_clamp(cppr) != cppr || cppr_clamp(hv_cppr) != hv_cppr)
		return false;
	if (os[TM_PIPR] != ipb_to_pipr(os[TM_IPB]) ||
	    t->regs[TM_QW3_HV_PHYS + TM_PIPR] !=
	    ipb_to_pipr(t->regs[TM_QW3_HV_PHYS + TM_IPB]))
		return false;
	/* EO is set exactly while PIPR is more favoured than CPPR. */
	if ((os[TM_NSR] & TM_QW1_NSR_EO) !=
	    (os[TM_PIPR] < cppr ? TM_QW1_NSR_EO : 0))
		return false;
	return true;
}

int
xive_set_state(struct xive *x, const struct xive_state *st)
{
	unsigned i;

	if (!state_shape_ok(x, st))
		return -EINVAL;
	for (i = 0; i < x->cfg.nsources; i++) {
		if (!source_state_valid(x, &st->src[i]))
			return -EINVAL;
	}
	for (i = 0; i < x->nends; i++) {
		if (!end_state_valid(x, &st->end[i]))
			return -EINVAL;
	}
	for (i = 0; i < x->cfg.ncpus; i++) {
		if (!tctx_state_valid(&st->tctx[i]))
			return -EINVAL;
	}

	/* Routing first, then the thread contexts that it feeds. */
	x->active = st->active;
	memcpy(x->end, st->end, x->nends * sizeof x->end[0]);
	for (i = 0; i < x->cfg.nsources; i++) {
		x->src[i].st = st->src[i];
		x->src[i].in_eoi = false;
	}
	memcpy(x->nvt, st->nvt, x->cfg.ncpus * sizeof x->nvt[0]);
	for (i = 0; i < x->cfg.ncpus; i++) {
		x->tctx[i].st = st->tctx[i];
		xive_tctx_update(x, i);
	}
	return 0;
}

int
xive_source_counters(const struct xive *x, uint32_t irq,
    struct xive_source_counters *c)
{
	long n = irq_to_src(x, irq);

	if (n < 0)
		return -EINVAL;
	*c = x->src[n].cnt;
	return 0;
}

int
xive_cpu_counters(const struct xive *x, unsigned cpu, struct xive_cpu_counters *c)
{
	if (cpu >= x->cfg.ncpus)
		return -EINVAL;
	*c = x->tctx[cpu].cnt;
	return 0;
}

uint64_t
xive_guest_errors(const struct xive *x)
{
	return x->guest_errors;
}

/* ---- Decoders for people ---- */

void
xive_eas_decode(uint64_t eas, struct xive_eas_fields *f)
{
	memset(f, 0, sizeof *f);
	f->valid = (eas & EAS_VALID) != 0;
	f->masked = (eas & EAS_MASKED) != 0;
	f->end_block = (uint8_t)((eas & EAS_END_BLOCK) >> EAS_END_BLOCK_SHIFT);
	f->end_index = (uint32_t)((eas & EAS_END_INDEX) >> EAS_END_INDEX_SHIFT);
	f->end_data = (uint32_t)(eas & EAS_END_DATA);
}

void
xive_end_decode(const struct xive_end_state *e, struct xive_end_fields *f)
{
	memset(f, 0, sizeof *f);
	f->valid = (e->w[0] & END_W0_VALID) != 0;
	f->enqueue = (e->w[0] & END_W0_ENQUEUE) != 0;
	f->ucond_notify = (e->w[0] & END_W0_UCOND_NOTIFY) != 0;
	f->backlog = (e->w[0] & END_W0_BACKLOG) != 0;
	f->escalate = (e->w[0] & END_W0_ESCALATE_CTL) != 0;
	f->ucond_escalate = (e->w[0] & END_W0_UNCOND_ESCALATE) != 0;
	f->silent_escalate = (e->w[0] & END_W0_SILENT_ESCALATE) != 0;
	f->qshift = f->enqueue ? end_qsize(e) + 12 : 0;
	f->qaddr = end_qaddr(e);
	f->qindex = e->w[1] & END_W1_PAGE_OFF;
	f->generation = (e->w[1] & END_W1_GENERATION) ? 1 : 0;
	f->esn = end_esn(e);
	f->ese = end_ese(e);
	f->esc_end_block = (uint8_t)((e->w[4] & END_W4_ESC_END_BLOCK) >>
	    END_W4_ESC_END_BLOCK_SHIFT);
	f->esc_end_index = e->w[4] & END_W4_ESC_END_INDEX;
	f->esc_end_data = e->w[5] & END_W5_ESC_END_DATA;
	f->nvt_block = (uint8_t)((e->w[6] & END_W6_NVT_BLOCK) >>
	    END_W6_NVT_BLOCK_SHIFT);
	f->nvt_index = e->w[6] & END_W6_NVT_INDEX;
	f->priority = (uint8_t)((e->w[7] & END_W7_F0_PRIORITY) >>
	    END_W7_F0_PRIORITY_SHIFT);
}

void
xive_tctx_os_decode(const struct xive_tctx_state *t, struct xive_tctx_os_fields *f)
{
	const uint8_t *os = &t->regs[TM_QW1_OS];
	uint32_t w2 = load_be32(&os[TM_WORD2]);

	memset(f, 0, sizeof *f);
	f->nsr = os[TM_NSR];
	f->cppr = os[TM_CPPR];
	f->ipb = os[TM_IPB];
	f->lsmfb = os[TM_LSMFB];
	f->ack_cnt = os[TM_ACK_CNT];
	f->inc = os[TM_INC];
	f->age = os[TM_AGE];
	f->pipr = os[TM_PIPR];
	f->vo = (w2 & TM_QW1W2_VO) != 0;
	f->cam = w2 & TM_QW1W2_OS_CAM;
}

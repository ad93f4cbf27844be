/*
 * POWER XICS (sPAPR) as a pure state machine: the interrupt source layer
 * (ICS) and one presentation controller (ICP) per server, reached through
 * the PAPR hypervisor calls and RTAS (LoPAPR, "Interrupt Controller"
 * chapter; PAPR hcalls H_CPPR 0x68, H_EOI 0x64, H_IPI 0x6c, H_IPOLL 0x70,
 * H_XIRR 0x74, H_XIRR_X 0x2fc; RTAS ibm,set-xive, ibm,get-xive, ibm,int-off,
 * ibm,int-on).
 *
 *   ICP (per server)                    ICS (per source)
 *   XIRR  31:24 CPPR  current priority   server          destination ICP
 *         23:0  XISR  pending source,    priority        0xff: masked
 *                     0 none, 2 IPI      saved_priority  for ibm,int-on
 *   MFRR  IPI priority, 0xff none        status          ASSERTED, SENT (LSI)
 *   PP    priority of XISR                               REJECTED,
 *                                                        MASKED_PENDING (MSI)
 *
 * Priority 0 is the most favoured. An ICP raises its server's external
 * interrupt line while XISR is not 0. The ICP accepts an interrupt only if
 * it is more favoured than CPPR and than what it holds; an interrupt it
 * refuses or displaces is "rejected" back to the ICS, which keeps it (MSI:
 * REJECTED; LSI: SENT cleared while the line stays asserted) until that
 * ICP's next "resend" (an EOI with nothing pending, or a CPPR made less
 * favoured). The transitions are QEMU's hw/intc/xics.c and KVM's
 * book3s_xics.c, which implement LoPAPR's description.
 *
 * Choices where the sources leave room:
 * - A resend from server s retries only the sources whose server is s
 *   (QEMU retries every source, a FIXME in its code). So that moving a
 *   source between servers never strands it: a source rejected by an ICP
 *   that is no longer its server makes its own server resend once the call
 *   in progress is done ("kick"); ibm,set-xive and ibm,int-on present a
 *   REJECTED or MASKED_PENDING MSI at once if its new priority allows.
 * - A REJECTED MSI found masked by a resend becomes MASKED_PENDING instead
 *   of being dropped (QEMU drops it): an edge is never lost.
 * - H_XIRR with nothing pending returns XIRR and changes nothing (KVM; QEMU
 *   sets CPPR to 0xff, which Linux does not expect after a spurious read).
 * - H_EOI applies its CPPR like H_CPPR does: an interrupt pending at a
 *   priority the new CPPR no longer admits is rejected (QEMU and KVM keep
 *   it; PAPR calls a CPPR raised through EOI a software error). An EOI of a
 *   number outside the chip (other than the IPI) is H_PARAMETER (KVM) and a
 *   guest error; of a free number inside it, accepted silently (freed while
 *   in service).
 * - ibm,int-off saves the current priority even if it is already 0xff, as
 *   QEMU and KVM do (two int-offs then int-on leave it masked).
 * - Reset keeps claims and LSI line levels: they are the machine's wiring.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "xics.h"
#include "xics_internal.h"

struct xics_source {
	struct xics_source_state	st;
	struct xics_source_counters	c;
};

struct xics_icp {
	struct xics_icp_state	st;
	bool			line;	/* level last given to ops.cpu_irq */
	bool			kick;	/* resend when the current call ends */
};

struct xics {
	struct xics_ops		 ops;
	void			*opaque;
	uint32_t		 irq_base;
	unsigned		 nsources;
	unsigned		 nservers;
	uint64_t		 msi_base;
	uint64_t		 msi_size;
	unsigned		 nkick;		/* servers with kick set */
	struct xics_counters	 c;
	struct xics_source	*src;		/* nsources */
	struct xics_icp		*icp;		/* nservers */
};

static const char *const xics_rtas_names[XICS_RTAS_NCALLS] = {
	[XICS_RTAS_SET_XIVE] = "ibm,set-xive",
	[XICS_RTAS_GET_XIVE] = "ibm,get-xive",
	[XICS_RTAS_INT_OFF] = "ibm,int-off",
	[XICS_RTAS_INT_ON] = "ibm,int-on",
};

static void xics_icp_resend(struct xics *, unsigned);

static void PRINTFLIKE(3, 4)
xics_guest_error(struct xics *x, const char *kind, const char *fmt, ...)
{
	char	msg[160];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	x->c.guest_errors++;
	x->ops.guest_error(x->opaque, kind, msg);
}

static int PRINTFLIKE(4, 5)
xics_why(int error, char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return error;
}

static uint8_t
xics_cppr(const struct xics_icp *icp)
{
	return (uint8_t)(icp->st.xirr >> XICS_XIRR_CPPR_SHIFT);
}

static uint32_t
xics_xisr(const struct xics_icp *icp)
{
	return icp->st.xirr & XICS_XIRR_XISR_MASK;
}

static void
xics_set_cppr_field(struct xics_icp *icp, uint8_t cppr)
{
	icp->st.xirr = (icp->st.xirr & XICS_XIRR_XISR_MASK) |
	    (uint32_t)cppr << XICS_XIRR_CPPR_SHIFT;
}

static void
xics_set_xisr_field(struct xics_icp *icp, uint32_t xisr)
{
	icp->st.xirr = (icp->st.xirr & XICS_XIRR_CPPR_MASK) |
	    (xisr & XICS_XIRR_XISR_MASK);
}

/* The source of global number irq, or NULL if the chip has no such number. */
static struct xics_source *
xics_source(const struct xics *x, uint64_t irq)
{
	if (irq < x->irq_base || irq - x->irq_base >= x->nsources)
		return NULL;
	return &x->src[irq - x->irq_base];
}

static uint32_t
xics_source_irq(const struct xics *x, const struct xics_source *s)
{
	return x->irq_base + (uint32_t)(s - x->src);
}

/* The external line follows XISR; tell the owner only when it moves. */
static void
xics_update_line(struct xics *x, unsigned server)
{
	struct xics_icp	*icp = &x->icp[server];
	bool		 level = xics_xisr(icp) != XICS_XISR_NONE;

	if (level == icp->line)
		return;
	icp->line = level;
	x->ops.cpu_irq(x->opaque, server, level);
}

static void
xics_kick(struct xics *x, unsigned server)
{
	if (!x->icp[server].kick) {
		x->icp[server].kick = true;
		x->nkick++;
	}
}

/* Resend on every kicked server; a resend may kick others (see the top). */
static void
xics_flush(struct xics *x)
{
	unsigned	server;

	while (x->nkick > 0) {
		for (server = 0; server < x->nservers; server++) {
			if (!x->icp[server].kick)
				continue;
			x->icp[server].kick = false;
			x->nkick--;
			xics_icp_resend(x, server);
		}
	}
}

/*
 * ICS reject: the ICP at server gave irq back. An MSI remembers it; an LSI
 * forgets it was sent, and its line (still asserted) brings it back.
 */
static void
xics_ics_reject(struct xics *x, unsigned server, uint32_t irq)
{
	struct xics_source	*s;

	if (irq == XICS_XISR_IPI)
		return;		/* the IPI lives on in MFRR */
	s = xics_source(x, irq);
	if (s == NULL || s->st.type == XICS_TYPE_FREE)
		return;		/* freed while pending */
	if (s->st.type == XICS_TYPE_MSI)
		s->st.status |= XICS_STATUS_REJECTED;
	else
		s->st.status &= ~XICS_STATUS_SENT;
	s->c.rejected++;
	x->c.sources.rejected++;
	if (s->st.server != server)
		xics_kick(x, s->st.server);
}

/*
 * Present irq at priority to server's ICP: refused if not more favoured
 * than CPPR and than what is pending; otherwise it displaces the pending
 * one, which goes back to its ICS.
 */
static void
xics_icp_irq(struct xics *x, unsigned server, uint32_t irq, uint8_t priority)
{
	struct xics_icp		*icp = &x->icp[server];
	struct xics_source	*s = xics_source(x, irq);
	uint32_t		 old = xics_xisr(icp);

	if (priority >= xics_cppr(icp) ||
	    (old != XICS_XISR_NONE && icp->st.pending_priority <= priority)) {
		xics_ics_reject(x, server, irq);
		return;
	}
	xics_set_xisr_field(icp, irq);
	icp->st.pending_priority = priority;
	s->c.delivered++;
	x->c.sources.delivered++;
	if (old != XICS_XISR_NONE)
		xics_ics_reject(x, server, old);
	xics_update_line(x, server);
}

/* An MSI fires: presented, or latched while masked. */
static void
xics_msi_trigger(struct xics *x, struct xics_source *s)
{
	s->c.triggers++;
	x->c.sources.triggers++;
	if (s->st.priority == XICS_PRIORITY_MASKED) {
		s->st.status |= XICS_STATUS_MASKED_PENDING;
		return;
	}
	xics_icp_irq(x, s->st.server, xics_source_irq(x, s), s->st.priority);
}

/* An asserted, unmasked LSI not yet sent goes to its server. */
static void
xics_lsi_resend(struct xics *x, struct xics_source *s, bool count)
{
	if (s->st.priority == XICS_PRIORITY_MASKED ||
	    !(s->st.status & XICS_STATUS_ASSERTED) ||
	    (s->st.status & XICS_STATUS_SENT))
		return;
	s->st.status |= XICS_STATUS_SENT;
	if (count) {
		s->c.resent++;
		x->c.sources.resent++;
	}
	xics_icp_irq(x, s->st.server, xics_source_irq(x, s), s->st.priority);
}

/* A rejected or masked-pending MSI tries again at its current settings. */
static void
xics_msi_resend(struct xics *x, struct xics_source *s)
{
	uint8_t	held = XICS_STATUS_REJECTED | XICS_STATUS_MASKED_PENDING;

	if (!(s->st.status & held))
		return;
	if (s->st.priority == XICS_PRIORITY_MASKED) {
		/* Still masked: keep it for the unmask (see the top). */
		s->st.status = (uint8_t)((s->st.status & ~held) |
		    XICS_STATUS_MASKED_PENDING);
		return;
	}
	s->st.status &= ~held;
	s->c.resent++;
	x->c.sources.resent++;
	xics_icp_irq(x, s->st.server, xics_source_irq(x, s), s->st.priority);
}

/* ICS resend for one server: only the sources that target it. */
static void
xics_ics_resend(struct xics *x, unsigned server)
{
	struct xics_source	*s;
	unsigned		 i;

	for (i = 0; i < x->nsources; i++) {
		s = &x->src[i];
		if (s->st.server != server)
			continue;
		if (s->st.type == XICS_TYPE_MSI &&
		    (s->st.status & XICS_STATUS_REJECTED))
			xics_msi_resend(x, s);
		else if (s->st.type == XICS_TYPE_LSI)
			xics_lsi_resend(x, s, true);
	}
}

/* The IPI, if MFRR is more favoured than what is pending. */
static void
xics_icp_check_ipi(struct xics *x, unsigned server)
{
	struct xics_icp	*icp = &x->icp[server];
	uint32_t	 old = xics_xisr(icp);

	if (old != XICS_XISR_NONE && icp->st.pending_priority <= icp->st.mfrr)
		return;
	xics_set_xisr_field(icp, XICS_XISR_IPI);
	icp->st.pending_priority = icp->st.mfrr;
	x->c.ipis++;
	if (old != XICS_XISR_NONE)
		xics_ics_reject(x, server, old);
	xics_update_line(x, server);
}

/* The ICP can take more work: the IPI first, then its sources. */
static void
xics_icp_resend(struct xics *x, unsigned server)
{
	struct xics_icp	*icp = &x->icp[server];

	if (icp->st.mfrr < xics_cppr(icp))
		xics_icp_check_ipi(x, server);
	xics_ics_resend(x, server);
}

/* CPPR made more favoured: what no longer passes goes back. */
static void
xics_icp_down_cppr(struct xics *x, unsigned server, uint8_t cppr)
{
	struct xics_icp	*icp = &x->icp[server];
	uint32_t	 old = xics_xisr(icp);

	xics_set_cppr_field(icp, cppr);
	if (old == XICS_XISR_NONE || cppr > icp->st.pending_priority)
		return;
	xics_set_xisr_field(icp, XICS_XISR_NONE);
	icp->st.pending_priority = XICS_PRIORITY_MASKED;
	xics_update_line(x, server);
	xics_ics_reject(x, server, old);
}

/* H_CPPR. */
static void
xics_icp_set_cppr(struct xics *x, unsigned server, uint8_t cppr)
{
	struct xics_icp	*icp = &x->icp[server];

	if (cppr < xics_cppr(icp)) {
		xics_icp_down_cppr(x, server, cppr);
		return;
	}
	xics_set_cppr_field(icp, cppr);
	if (xics_xisr(icp) == XICS_XISR_NONE)
		xics_icp_resend(x, server);
}

/* H_IPI: MFRR is stored; the IPI is presented if it passes. */
static void
xics_icp_set_mfrr(struct xics *x, unsigned server, uint8_t mfrr)
{
	struct xics_icp	*icp = &x->icp[server];

	icp->st.mfrr = mfrr;
	if (mfrr < xics_cppr(icp))
		xics_icp_check_ipi(x, server);
}

/*
 * H_XIRR: hand the pending interrupt to the processor, which now runs at
 * its priority. The IPI stays armed until MFRR is set back to 0xff.
 */
static uint32_t
xics_icp_accept(struct xics *x, unsigned server)
{
	struct xics_icp	*icp = &x->icp[server];
	uint32_t	 xirr = icp->st.xirr;

	if (xics_xisr(icp) == XICS_XISR_NONE)
		return xirr;
	icp->st.xirr = (uint32_t)icp->st.pending_priority << XICS_XIRR_CPPR_SHIFT;
	icp->st.pending_priority = XICS_PRIORITY_MASKED;
	xics_update_line(x, server);
	return xirr;
}

/* H_EOI: returns the PAPR code. */
static long
xics_icp_eoi(struct xics *x, unsigned server, uint32_t xirr)
{
	struct xics_icp		*icp = &x->icp[server];
	struct xics_source	*s;
	uint32_t		 irq = xirr & XICS_XIRR_XISR_MASK;
	uint8_t			 cppr = (uint8_t)(xirr >> XICS_XIRR_CPPR_SHIFT);
	long			 ret = XICS_H_SUCCESS;

	if (cppr < xics_cppr(icp))
		xics_icp_down_cppr(x, server, cppr);
	else
		xics_set_cppr_field(icp, cppr);

	if (irq != XICS_XISR_IPI) {
		s = xics_source(x, irq);
		if (s == NULL) {
			xics_guest_error(x, "eoi-bad-irq",
			    "server %u: H_EOI of XISR 0x%06x, which is neither "
			    "the IPI nor a source of 0x%06x..0x%06x", server,
			    irq, x->irq_base, x->irq_base + x->nsources - 1);
			ret = XICS_H_PARAMETER;
		} else if (s->st.type != XICS_TYPE_FREE) {
			s->c.eois++;
			x->c.sources.eois++;
			if (s->st.type == XICS_TYPE_LSI) {
				s->st.status &= ~XICS_STATUS_SENT;
				/* Sources that went quiet drop first. */
				x->ops.resample(x->opaque, irq);
				if (s->st.server != server)
					xics_kick(x, s->st.server);
			}
		}
	}
	if (xics_xisr(icp) == XICS_XISR_NONE)
		xics_icp_resend(x, server);
	return ret;
}

/* ibm,set-xive, ibm,int-off, ibm,int-on: new settings, then what they allow. */
static void
xics_write_xive(struct xics *x, struct xics_source *s, uint32_t server,
    uint8_t priority, uint8_t saved)
{
	s->st.server = server;
	s->st.priority = priority;
	s->st.saved_priority = saved;
	if (s->st.type == XICS_TYPE_LSI)
		xics_lsi_resend(x, s, false);
	else
		xics_msi_resend(x, s);
}

void
xics_config_default(struct xics_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->irq_base = XICS_DEFAULT_IRQ_BASE;
	cfg->nsources = XICS_DEFAULT_SOURCES;
	cfg->nservers = 1;
	cfg->msi_base = XICS_DEFAULT_MSI_BASE;
	cfg->msi_size = XICS_DEFAULT_MSI_SIZE;
}

static void
xics_source_clear(struct xics_source *s)
{
	memset(&s->st, 0, sizeof s->st);
	s->st.priority = XICS_PRIORITY_MASKED;
	s->st.saved_priority = XICS_PRIORITY_MASKED;
}

static void
xics_icp_clear(struct xics_icp *icp)
{
	icp->st.xirr = 0;
	icp->st.mfrr = XICS_PRIORITY_MASKED;
	icp->st.pending_priority = XICS_PRIORITY_MASKED;
}

struct xics *
xics_create(const struct xics_config *cfg, const struct xics_ops *ops,
    void *opaque)
{
	struct xics	*x;
	unsigned	 i;

	if (cfg == NULL || ops == NULL || ops->cpu_irq == NULL ||
	    ops->resample == NULL || ops->guest_error == NULL ||
	    cfg->irq_base < XICS_IRQ_BASE_MIN ||
	    cfg->nsources == 0 || cfg->nsources > XICS_MAX_SOURCES ||
	    cfg->irq_base >= XICS_IRQ_LIMIT ||
	    cfg->nsources > XICS_IRQ_LIMIT - cfg->irq_base ||
	    cfg->nservers == 0 || cfg->nservers > XICS_MAX_SERVERS ||
	    cfg->msi_base + cfg->msi_size < cfg->msi_base) {
		errno = EINVAL;
		return NULL;
	}
	if ((x = calloc(1, sizeof *x)) == NULL)
		return NULL;
	x->src = calloc(cfg->nsources, sizeof *x->src);
	x->icp = calloc(cfg->nservers, sizeof *x->icp);
	if (x->src == NULL || x->icp == NULL) {
		xics_destroy(x);
		errno = ENOMEM;
		return NULL;
	}
	x->ops = *ops;
	x->opaque = opaque;
	x->irq_base = cfg->irq_base;
	x->nsources = cfg->nsources;
	x->nservers = cfg->nservers;
	x->msi_base = cfg->msi_base;
	x->msi_size = cfg->msi_size;
	for (i = 0; i < x->nsources; i++)
		xics_source_clear(&x->src[i]);
	for (i = 0; i < x->nservers; i++)
		xics_icp_clear(&x->icp[i]);
	return x;
}

void
xics_destroy(struct xics *x)
{
	if (x == NULL)
		return;
	free(x->src);
	free(x->icp);
	free(x);
}

void
xics_reset(struct xics *x)
{
	struct xics_source	*s;
	unsigned		 i;
	uint8_t			 type, asserted;

	for (i = 0; i < x->nsources; i++) {
		s = &x->src[i];
		type = s->st.type;
		asserted = s->st.status & XICS_STATUS_ASSERTED;
		xics_source_clear(s);
		s->st.type = type;
		if (type == XICS_TYPE_LSI)
			s->st.status = asserted;
	}
	for (i = 0; i < x->nservers; i++) {
		xics_icp_clear(&x->icp[i]);
		x->icp[i].kick = false;
		xics_update_line(x, i);
	}
	x->nkick = 0;
}

uint32_t
xics_irq_base(const struct xics *x)
{
	return x->irq_base;
}

unsigned
xics_nsources(const struct xics *x)
{
	return x->nsources;
}

unsigned
xics_nservers(const struct xics *x)
{
	return x->nservers;
}

/* [irq, irq + count) lies inside the chip. */
static int
xics_block_check(const struct xics *x, uint32_t irq, unsigned count,
    char *why, size_t whylen)
{
	if (count == 0)
		return xics_why(-EINVAL, why, whylen,
		    "count must be at least 1");
	if (irq < x->irq_base || irq - x->irq_base >= x->nsources ||
	    count > x->nsources - (irq - x->irq_base))
		return xics_why(-ERANGE, why, whylen,
		    "interrupts 0x%x..0x%llx are outside this chip's "
		    "0x%x..0x%x", irq, (unsigned long long)irq + count - 1,
		    x->irq_base, x->irq_base + x->nsources - 1);
	return 0;
}

static int
xics_type_check(enum xics_type type, char *why, size_t whylen)
{
	if (type != XICS_TYPE_LSI && type != XICS_TYPE_MSI)
		return xics_why(-EINVAL, why, whylen,
		    "type must be lsi or msi");
	return 0;
}

static void
xics_claim_block(struct xics *x, uint32_t irq, unsigned count,
    enum xics_type type)
{
	struct xics_source	*s;
	unsigned		 i;

	for (i = 0; i < count; i++) {
		s = &x->src[irq - x->irq_base + i];
		xics_source_clear(s);
		memset(&s->c, 0, sizeof s->c);
		s->st.type = (uint8_t)type;
	}
}

int
xics_claim(struct xics *x, uint32_t irq, unsigned count, enum xics_type type,
    char *why, size_t whylen)
{
	unsigned	i;
	int		error;

	if ((error = xics_type_check(type, why, whylen)) != 0 ||
	    (error = xics_block_check(x, irq, count, why, whylen)) != 0)
		return error;
	for (i = 0; i < count; i++) {
		if (x->src[irq - x->irq_base + i].st.type != XICS_TYPE_FREE)
			return xics_why(-EBUSY, why, whylen,
			    "interrupt 0x%x is already claimed", irq + i);
	}
	xics_claim_block(x, irq, count, type);
	return 0;
}

int
xics_alloc(struct xics *x, unsigned count, unsigned align, enum xics_type type,
    uint32_t *irq, char *why, size_t whylen)
{
	uint64_t	first, end = (uint64_t)x->irq_base + x->nsources;
	unsigned	i;
	int		error;

	if ((error = xics_type_check(type, why, whylen)) != 0)
		return error;
	if (count == 0)
		return xics_why(-EINVAL, why, whylen,
		    "count must be at least 1");
	if (align == 0)
		align = 1;
	if ((align & (align - 1)) != 0 || align > XICS_IRQ_LIMIT)
		return xics_why(-EINVAL, why, whylen,
		    "align must be a power of two up to 0x%x", XICS_IRQ_LIMIT);
	first = ((uint64_t)x->irq_base + align - 1) & ~((uint64_t)align - 1);
	for (; first + count <= end; first += align) {
		for (i = 0; i < count; i++) {
			if (x->src[first - x->irq_base + i].st.type !=
			    XICS_TYPE_FREE)
				break;
		}
		if (i == count) {
			xics_claim_block(x, (uint32_t)first, count, type);
			*irq = (uint32_t)first;
			return 0;
		}
	}
	return xics_why(-ENOSPC, why, whylen,
	    "no free block of %u interrupts aligned to %u in 0x%x..0x%x",
	    count, align, x->irq_base, x->irq_base + x->nsources - 1);
}

int
xics_free(struct xics *x, uint32_t irq, unsigned count, char *why,
    size_t whylen)
{
	struct xics_icp	*icp;
	uint32_t	 xisr;
	unsigned	 i, server;
	int		 error;

	if ((error = xics_block_check(x, irq, count, why, whylen)) != 0)
		return error;
	for (i = 0; i < count; i++) {
		if (x->src[irq - x->irq_base + i].st.type == XICS_TYPE_FREE)
			return xics_why(-ENOENT, why, whylen,
			    "interrupt 0x%x is not claimed", irq + i);
	}
	for (i = 0; i < count; i++)
		xics_source_clear(&x->src[irq - x->irq_base + i]);
	/* Withdraw what is pending; the presenter then looks for more. */
	for (server = 0; server < x->nservers; server++) {
		icp = &x->icp[server];
		xisr = xics_xisr(icp);
		if (xisr < irq || xisr - irq >= count)
			continue;
		xics_set_xisr_field(icp, XICS_XISR_NONE);
		icp->st.pending_priority = XICS_PRIORITY_MASKED;
		xics_update_line(x, server);
		xics_kick(x, server);
	}
	xics_flush(x);
	return 0;
}

int
xics_irq_check(const struct xics *x, uint32_t irq, enum xics_type *type,
    char *why, size_t whylen)
{
	const struct xics_source	*s = xics_source(x, irq);

	if (s == NULL)
		return xics_why(-ERANGE, why, whylen,
		    "interrupt 0x%x is outside this chip's 0x%x..0x%x", irq,
		    x->irq_base, x->irq_base + x->nsources - 1);
	if (s->st.type == XICS_TYPE_FREE)
		return xics_why(-ENOENT, why, whylen,
		    "interrupt 0x%x is not claimed", irq);
	if (type != NULL)
		*type = (enum xics_type)s->st.type;
	return 0;
}

int
xics_set_irq(struct xics *x, uint32_t irq, bool level)
{
	struct xics_source	*s = xics_source(x, irq);

	if (s == NULL)
		return -ERANGE;
	if (s->st.type == XICS_TYPE_FREE)
		return -ENOENT;
	if (s->st.type == XICS_TYPE_MSI) {
		if (level)
			xics_msi_trigger(x, s);
	} else {
		if (level && !(s->st.status & XICS_STATUS_ASSERTED)) {
			s->c.triggers++;
			x->c.sources.triggers++;
		}
		if (level)
			s->st.status |= XICS_STATUS_ASSERTED;
		else
			s->st.status &= ~XICS_STATUS_ASSERTED;
		xics_lsi_resend(x, s, false);
	}
	xics_flush(x);
	return 0;
}

int
xics_pulse_irq(struct xics *x, uint32_t irq)
{
	int	error;

	if ((error = xics_set_irq(x, irq, true)) != 0)
		return error;
	return xics_set_irq(x, irq, false);
}

int
xics_msi_decode(const struct xics *x, uint64_t address, uint32_t data,
    uint32_t *irq, char *why, size_t whylen)
{
	const struct xics_source	*s;
	uint64_t			 offset = address - x->msi_base;

	/* A 32-bit write: all four bytes inside the window. */
	if (address < x->msi_base || x->msi_size < 4 ||
	    offset > x->msi_size - 4)
		return xics_why(-ENXIO, why, whylen,
		    "address 0x%llx is outside the MSI window 0x%llx+0x%llx",
		    (unsigned long long)address,
		    (unsigned long long)x->msi_base,
		    (unsigned long long)x->msi_size);
	s = xics_source(x, data);
	if (s == NULL)
		return xics_why(-ENOENT, why, whylen,
		    "MSI data 0x%x names no interrupt of 0x%x..0x%x", data,
		    x->irq_base, x->irq_base + x->nsources - 1);
	if (s->st.type != XICS_TYPE_MSI)
		return xics_why(-ENOENT, why, whylen,
		    "MSI data 0x%x names a %s source, not an MSI one", data,
		    xics_type_name(s->st.type));
	*irq = data;
	return 0;
}

int
xics_msi_write(struct xics *x, uint64_t address, uint32_t data)
{
	char		why[128];
	uint32_t	irq;
	int		error;

	error = xics_msi_decode(x, address, data, &irq, why, sizeof why);
	if (error == -ENXIO)
		return error;
	if (error != 0) {
		xics_guest_error(x, "msi-bad-data", "%s: dropped", why);
		return 0;
	}
	x->c.msis++;
	xics_msi_trigger(x, xics_source(x, irq));
	xics_flush(x);
	return 0;
}

/* Server argument of H_IPI / H_IPOLL. */
static bool
xics_hcall_server(struct xics *x, unsigned caller, const char *call,
    uint64_t server)
{
	if (server < x->nservers)
		return true;
	xics_guest_error(x, "hcall-bad-server",
	    "server %u: %s names server %llu, there are %u", caller, call,
	    (unsigned long long)server, x->nservers);
	return false;
}

/* How many arguments opcode takes; -1 if it is not ours. */
static int
xics_hcall_nargs(uint64_t opcode)
{
	switch (opcode) {
	case XICS_H_EOI:
		return XICS_H_EOI_NARGS;
	case XICS_H_CPPR:
		return XICS_H_CPPR_NARGS;
	case XICS_H_IPI:
		return XICS_H_IPI_NARGS;
	case XICS_H_IPOLL:
		return XICS_H_IPOLL_NARGS;
	case XICS_H_XIRR:
	case XICS_H_XIRR_X:
		return XICS_H_XIRR_NARGS;
	}
	return -1;
}

int
xics_hcall(struct xics *x, unsigned caller, uint64_t opcode,
    const uint64_t *args, unsigned nargs, uint64_t *rets, unsigned *nrets,
    uint64_t timebase, long *ret)
{
	struct xics_icp	*icp;
	int		 need = xics_hcall_nargs(opcode);

	if (caller >= x->nservers || (need > 0 && nargs < (unsigned)need) ||
	    (nargs > 0 && args == NULL) || rets == NULL ||
	    nrets == NULL || ret == NULL)
		return -EINVAL;
	x->c.hcalls++;
	*nrets = 0;
	*ret = XICS_H_SUCCESS;
	switch (opcode) {
	case XICS_H_CPPR:
		xics_icp_set_cppr(x, caller, (uint8_t)(args[0] & XICS_CPPR_MASK));
		break;
	case XICS_H_EOI:
		*ret = xics_icp_eoi(x, caller, (uint32_t)(args[0] & XICS_XIRR_MASK));
		break;
	case XICS_H_IPI:
		if (!xics_hcall_server(x, caller, "H_IPI", args[0])) {
			*ret = XICS_H_PARAMETER;
			break;
		}
		xics_icp_set_mfrr(x, (unsigned)args[0],
		    (uint8_t)(args[1] & XICS_MFRR_MASK));
		break;
	case XICS_H_IPOLL:
		/* The target server's, not the caller's (QEMU ebc184be64). */
		if (!xics_hcall_server(x, caller, "H_IPOLL", args[0])) {
			*ret = XICS_H_PARAMETER;
			break;
		}
		icp = &x->icp[args[0]];
		rets[0] = icp->st.xirr;
		rets[1] = icp->st.mfrr;
		*nrets = 2;
		break;
	case XICS_H_XIRR:
		rets[0] = xics_icp_accept(x, caller);
		*nrets = 1;
		break;
	case XICS_H_XIRR_X:
		rets[0] = xics_icp_accept(x, caller);
		rets[1] = timebase;
		*nrets = 2;
		break;
	default:
		*ret = XICS_H_FUNCTION;
		break;
	}
	xics_flush(x);
	return 0;
}

/* The claimed source an RTAS irq argument names, or NULL (a guest error). */
static struct xics_source *
xics_rtas_source(struct xics *x, enum xics_rtas_call call, uint32_t irq)
{
	struct xics_source	*s = xics_source(x, irq);

	if (s != NULL && s->st.type != XICS_TYPE_FREE)
		return s;
	xics_guest_error(x, "rtas-bad-irq",
	    "%s: interrupt 0x%x is not a claimed source of 0x%x..0x%x",
	    xics_rtas_names[call], irq, x->irq_base,
	    x->irq_base + x->nsources - 1);
	return NULL;
}

static const struct {
	unsigned	nargs;
	unsigned	nret;
} xics_rtas_shape[XICS_RTAS_NCALLS] = {
	[XICS_RTAS_SET_XIVE] = { XICS_SET_XIVE_NARGS, XICS_SET_XIVE_NRET },
	[XICS_RTAS_GET_XIVE] = { XICS_GET_XIVE_NARGS, XICS_GET_XIVE_NRET },
	[XICS_RTAS_INT_OFF] = { XICS_INT_OFF_NARGS, XICS_INT_OFF_NRET },
	[XICS_RTAS_INT_ON] = { XICS_INT_ON_NARGS, XICS_INT_ON_NRET },
};

/* The RTAS call itself, arguments counted; returns the status. */
static int32_t
xics_rtas_call(struct xics *x, enum xics_rtas_call call, const uint32_t *args,
    uint32_t *rets)
{
	struct xics_source	*s;

	if ((s = xics_rtas_source(x, call, args[0])) == NULL)
		return XICS_RTAS_PARAM_ERROR;
	switch (call) {
	case XICS_RTAS_SET_XIVE:
		if (args[1] >= x->nservers) {
			xics_guest_error(x, "rtas-bad-server",
			    "ibm,set-xive: interrupt 0x%x to server %u, there "
			    "are %u", args[0], args[1], x->nservers);
			return XICS_RTAS_PARAM_ERROR;
		}
		if (args[2] > XICS_PRIORITY_MAX) {
			xics_guest_error(x, "rtas-bad-priority",
			    "ibm,set-xive: interrupt 0x%x priority %u is above "
			    "0xff", args[0], args[2]);
			return XICS_RTAS_PARAM_ERROR;
		}
		xics_write_xive(x, s, args[1], (uint8_t)args[2],
		    (uint8_t)args[2]);
		break;
	case XICS_RTAS_GET_XIVE:
		rets[1] = s->st.server;
		rets[2] = s->st.priority;
		break;
	case XICS_RTAS_INT_OFF:
		xics_write_xive(x, s, s->st.server, XICS_PRIORITY_MASKED,
		    s->st.priority);
		break;
	case XICS_RTAS_INT_ON:
		xics_write_xive(x, s, s->st.server, s->st.saved_priority,
		    s->st.saved_priority);
		break;
	case XICS_RTAS_NCALLS:
		break;
	}
	return XICS_RTAS_SUCCESS;
}

int
xics_rtas(struct xics *x, unsigned caller, enum xics_rtas_call call,
    const uint32_t *args, unsigned nargs, uint32_t *rets, unsigned nret)
{
	int32_t	status;

	if (caller >= x->nservers || (unsigned)call >= XICS_RTAS_NCALLS ||
	    (nargs > 0 && args == NULL) || (nret > 0 && rets == NULL))
		return -EINVAL;
	x->c.rtas_calls++;
	if (nret == 0) {
		xics_guest_error(x, "rtas-bad-args",
		    "%s with no return cell for its status: ignored",
		    xics_rtas_names[call]);
		return 0;
	}
	if (nargs != xics_rtas_shape[call].nargs ||
	    nret != xics_rtas_shape[call].nret) {
		xics_guest_error(x, "rtas-bad-args",
		    "%s with %u arguments and %u returns, takes %u and %u",
		    xics_rtas_names[call], nargs, nret,
		    xics_rtas_shape[call].nargs, xics_rtas_shape[call].nret);
		status = XICS_RTAS_PARAM_ERROR;
	} else
		status = xics_rtas_call(x, call, args, rets);
	rets[0] = (uint32_t)status;
	xics_flush(x);
	return 0;
}

int
xics_rtas_lookup(const char *name)
{
	int	i;

	for (i = 0; i < XICS_RTAS_NCALLS; i++) {
		if (name != NULL && strcmp(name, xics_rtas_names[i]) == 0)
			return i;
	}
	return -ENOENT;
}

const char *
xics_rtas_name(enum xics_rtas_call call)
{
	if ((unsigned)call >= XICS_RTAS_NCALLS)
		return NULL;
	return xics_rtas_names[call];
}

const char *
xics_hcall_name(uint64_t opcode)
{
	switch (opcode) {
	case XICS_H_EOI:
		return "H_EOI";
	case XICS_H_CPPR:
		return "H_CPPR";
	case XICS_H_IPI:
		return "H_IPI";
	case XICS_H_IPOLL:
		return "H_IPOLL";
	case XICS_H_XIRR:
		return "H_XIRR";
	case XICS_H_XIRR_X:
		return "H_XIRR_X";
	}
	return NULL;
}

void
xics_announce_lines(struct xics *x)
{
	unsigned	server;

	for (server = 0; server < x->nservers; server++)
		x->ops.cpu_irq(x->opaque, server, x->icp[server].line);
}

struct xics_state *
xics_state_alloc(const struct xics *x)
{
	struct xics_state	*st;

	if ((st = calloc(1, sizeof *st)) == NULL)
		return NULL;
	st->source = calloc(x->nsources, sizeof *st->source);
	st->icp = calloc(x->nservers, sizeof *st->icp);
	if (st->source == NULL || st->icp == NULL) {
		xics_state_free(st);
		errno = ENOMEM;
		return NULL;
	}
	st->irq_base = x->irq_base;
	st->nsources = x->nsources;
	st->nservers = x->nservers;
	return st;
}

void
xics_state_free(struct xics_state *st)
{
	if (st == NULL)
		return;
	free(st->source);
	free(st->icp);
	free(st);
}

void
xics_get_state(const struct xics *x, struct xics_state *st)
{
	unsigned	i;

	st->irq_base = x->irq_base;
	st->nsources = x->nsources;
	st->nservers = x->nservers;
	for (i = 0; i < x->nsources; i++)
		st->source[i] = x->src[i].st;
	for (i = 0; i < x->nservers; i++)
		st->icp[i] = x->icp[i].st;
}

/* A source state this chip could hold. */
static int
xics_source_valid(const struct xics *x, const struct xics_source_state *s,
    uint32_t irq, char *why, size_t whylen)
{
	switch (s->type) {
	case XICS_TYPE_FREE:
		if (s->status != 0 || s->server != 0 ||
		    s->priority != XICS_PRIORITY_MASKED ||
		    s->saved_priority != XICS_PRIORITY_MASKED)
			return xics_why(-EINVAL, why, whylen,
			    "source 0x%x is free but holds state", irq);
		return 0;
	case XICS_TYPE_LSI:
		if (s->status & ~XICS_STATUS_LSI_BITS)
			return xics_why(-EINVAL, why, whylen,
			    "LSI source 0x%x has status 0x%x; an LSI may "
			    "hold only asserted and sent", irq, s->status);
		break;
	case XICS_TYPE_MSI:
		if (s->status & ~XICS_STATUS_MSI_BITS)
			return xics_why(-EINVAL, why, whylen,
			    "MSI source 0x%x has status 0x%x; an MSI may "
			    "hold only rejected and masked-pending", irq,
			    s->status);
		break;
	default:
		return xics_why(-EINVAL, why, whylen,
		    "source 0x%x has type %u, not free, lsi or msi", irq,
		    s->type);
	}
	if (s->server >= x->nservers)
		return xics_why(-EINVAL, why, whylen,
		    "source 0x%x targets server %u, there are %u", irq,
		    s->server, x->nservers);
	return 0;
}

/* A presenter state this chip could hold, given the sources in st. */
static int
xics_icp_valid(const struct xics *x, const struct xics_state *st,
    unsigned server, char *why, size_t whylen)
{
	const struct xics_icp_state	*p = &st->icp[server];
	uint32_t			 xisr = p->xirr & XICS_XIRR_XISR_MASK;
	uint8_t				 cppr = (uint8_t)(p->xirr >>
					    XICS_XIRR_CPPR_SHIFT);

	if (xisr == XICS_XISR_NONE) {
		if (p->pending_priority != XICS_PRIORITY_MASKED)
			return xics_why(-EINVAL, why, whylen,
			    "server %u has nothing pending but pending "
			    "priority 0x%x", server, p->pending_priority);
		return 0;
	}
	/* Delivery and CPPR changes keep anything pending above CPPR. */
	if (p->pending_priority >= cppr)
		return xics_why(-EINVAL, why, whylen,
		    "server %u holds priority 0x%x, not more favoured than "
		    "its CPPR 0x%x", server, p->pending_priority, cppr);
	/*
	 * A pending LSI is normally SENT, but a guest that EOIs it before
	 * taking it clears SENT (as on QEMU and KVM): not checked.
	 */
	if (xisr != XICS_XISR_IPI && (xisr < x->irq_base ||
	    xisr - x->irq_base >= x->nsources ||
	    st->source[xisr - x->irq_base].type == XICS_TYPE_FREE))
		return xics_why(-EINVAL, why, whylen,
		    "server %u holds XISR 0x%x, which is not a claimed "
		    "source", server, xisr);
	return 0;
}

int
xics_set_state(struct xics *x, const struct xics_state *st, char *why,
    size_t whylen)
{
	unsigned	i;
	int		error;

	if (st == NULL || st->source == NULL || st->icp == NULL)
		return xics_why(-EINVAL, why, whylen, "no state");
	if (st->irq_base != x->irq_base || st->nsources != x->nsources ||
	    st->nservers != x->nservers)
		return xics_why(-EINVAL, why, whylen,
		    "state for irq base 0x%x, %u sources, %u servers; this "
		    "chip has 0x%x, %u, %u", st->irq_base, st->nsources,
		    st->nservers, x->irq_base, x->nsources, x->nservers);
	for (i = 0; i < x->nsources; i++) {
		error = xics_source_valid(x, &st->source[i], x->irq_base + i,
		    why, whylen);
		if (error != 0)
			return error;
	}
	for (i = 0; i < x->nservers; i++) {
		if ((error = xics_icp_valid(x, st, i, why, whylen)) != 0)
			return error;
	}
	for (i = 0; i < x->nsources; i++) {
		if (x->src[i].st.type != st->source[i].type)
			memset(&x->src[i].c, 0, sizeof x->src[i].c);
		x->src[i].st = st->source[i];
	}
	for (i = 0; i < x->nservers; i++) {
		x->icp[i].st = st->icp[i];
		x->icp[i].kick = false;
	}
	x->nkick = 0;
	for (i = 0; i < x->nservers; i++)
		xics_update_line(x, i);
	return 0;
}

int
xics_query_source(const struct xics *x, uint32_t irq,
    struct xics_source_info *info)
{
	const struct xics_source	*s = xics_source(x, irq);

	if (s == NULL)
		return -ERANGE;
	if (s->st.type == XICS_TYPE_FREE)
		return -ENOENT;
	memset(info, 0, sizeof *info);
	info->irq = irq;
	info->st = s->st;
	info->masked = s->st.priority == XICS_PRIORITY_MASKED;
	info->asserted = (s->st.status & XICS_STATUS_ASSERTED) != 0;
	info->sent = (s->st.status & XICS_STATUS_SENT) != 0;
	info->rejected = (s->st.status & XICS_STATUS_REJECTED) != 0;
	info->masked_pending =
	    (s->st.status & XICS_STATUS_MASKED_PENDING) != 0;
	info->counters = s->c;
	return 0;
}

int
xics_query_icp(const struct xics *x, unsigned server, struct xics_icp_info *info)
{
	const struct xics_icp	*icp;

	if (server >= x->nservers)
		return -EINVAL;
	icp = &x->icp[server];
	memset(info, 0, sizeof *info);
	info->server = server;
	info->st = icp->st;
	info->cppr = xics_cppr(icp);
	info->xisr = xics_xisr(icp);
	info->ipi_pending = info->xisr == XICS_XISR_IPI;
	info->line = icp->line;
	return 0;
}

void
xics_query_counters(const struct xics *x, struct xics_counters *c)
{
	*c = x->c;
}

const char *
xics_type_name(unsigned type)
{
	switch (type) {
	case XICS_TYPE_FREE:
		return "free";
	case XICS_TYPE_LSI:
		return "lsi";
	case XICS_TYPE_MSI:
		return "msi";
	}
	return "?";
}

int
xics_type_lookup(const char *name)
{
	if (name != NULL && strcmp(name, "lsi") == 0)
		return XICS_TYPE_LSI;
	if (name != NULL && strcmp(name, "msi") == 0)
		return XICS_TYPE_MSI;
	return -EINVAL;
}

void
xics_status_format(uint8_t status, char *buf, size_t len)
{
	static const struct {
		uint8_t		 bit;
		const char	*name;
	} names[] = {
		{ XICS_STATUS_ASSERTED, "asserted" },
		{ XICS_STATUS_SENT, "sent" },
		{ XICS_STATUS_REJECTED, "rejected" },
		{ XICS_STATUS_MASKED_PENDING, "masked-pending" },
	};
	size_t		off = 0;
	unsigned	i;
	uint8_t		rest = status;
	int		n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(status & names[i].bit))
			continue;
		rest &= (uint8_t)~names[i].bit;
		n = snprintf(buf + off, len - off, "%s%s", off ? "," : "",
		    names[i].name);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
	if (rest != 0)
		snprintf(buf + off, len - off, "%s0x%02x", off ? "," : "",
		    rest);
}

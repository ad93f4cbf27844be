/*
 * POWER XICS as the sPAPR platform presents it (LoPAPR, "Interrupt Source
 * Controller" and "Interrupt Presentation" chapters; PAPR hcalls H_CPPR,
 * H_EOI, H_IPI, H_IPOLL, H_XIRR, H_XIRR_X; RTAS ibm,set-xive, ibm,get-xive,
 * ibm,int-off, ibm,int-on): one interrupt source controller (ICS) owning a
 * block of global interrupt numbers, and one presentation controller (ICP)
 * per server, as a pure state machine. Not thread-safe: one owner feeds it.
 *
 * No I/O, no event loop, no JSON, no KVM: inputs are function calls, outputs
 * go through the ops table given to xics_create(). Every instance is
 * independent.
 *
 * Errors. Functions a client (the VMM, through the daemon) drives return 0 or
 * a negative errno, and change nothing on error:
 *   -EINVAL  a malformed argument: count 0, a bad type, an alignment that is
 *            not a power of two, a caller server >= nservers, too few hcall
 *            arguments;
 *   -ERANGE  a global number (or block) outside [irq_base, irq_base + nsources);
 *   -ENOENT  a number inside the chip that is not claimed (set_irq, pulse,
 *            free, query);
 *   -EBUSY   a claim over a source that is already claimed;
 *   -ENOSPC  no free block of that size and alignment;
 *   -ENXIO   an MSI address outside this chip's window (another chip's).
 * Functions taking (why, whylen) also write a sentence naming the field and
 * the allowed range into why (always NUL-terminated; why may be NULL).
 *
 * Unclaimed sources never fire. A line change on one (xics_set_irq,
 * xics_pulse_irq) is the client's error (-ENOENT: the VMM drives lines, and
 * must claim first). An MSI whose data names one is the guest's: the guest
 * programmed the device, so xics_msi_write() reports a guest error and
 * returns 0.
 *
 * Guest errors (ops.guest_error kinds): "msi-bad-data", "eoi-bad-irq",
 * "hcall-bad-server", "rtas-bad-args", "rtas-bad-irq", "rtas-bad-server",
 * "rtas-bad-priority". The guest still gets the PAPR answer.
 */
#ifndef IRQCHIPD_XICS_H
#define IRQCHIPD_XICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Global interrupt numbers are 24 bits wide: XISR is XIRR[23:0]. */
#define XICS_IRQ_LIMIT		(1U << 24)
/*
 * XISR 0 means "nothing pending" and 2 is the IPI, so sources start above the
 * low numbers; 16 is where KVM's in-kernel XICS starts too (FIRST_IRQ).
 */
#define XICS_IRQ_BASE_MIN	16
#define XICS_DEFAULT_IRQ_BASE	4096	/* QEMU's sPAPR ICS offset 0x1000 */
#define XICS_DEFAULT_SOURCES	4096
#define XICS_MAX_SOURCES	65536
#define XICS_MAX_SERVERS	4096
/* sPAPR PHB MSI window (QEMU SPAPR_PCI_MSI_WINDOW); offset is ignored. */
#define XICS_DEFAULT_MSI_BASE	0x40000000000ULL
#define XICS_DEFAULT_MSI_SIZE	0x10000ULL

/* The XISR value of an inter-processor interrupt (LoPAPR, XIRR). */
#define XICS_XISR_IPI		2
/* Priority 0 is the most favoured, 0xff the least: masked, or "none". */
#define XICS_PRIORITY_MASKED	0xff

/* Source types (0 is free: the number is not claimed). */
enum xics_type {
	XICS_TYPE_FREE = 0,
	XICS_TYPE_LSI = 1,	/* level-sensitive: asserted until deasserted */
	XICS_TYPE_MSI = 2,	/* message-signalled (edge): each trigger counts */
};

/* Source status bits (QEMU's ICSIRQState status values). */
#define XICS_STATUS_ASSERTED		0x1	/* LSI line is high */
#define XICS_STATUS_SENT		0x2	/* LSI presented, not yet EOIed */
#define XICS_STATUS_REJECTED		0x4	/* MSI rejected by its ICP */
#define XICS_STATUS_MASKED_PENDING	0x8	/* MSI fired while masked */

/* PAPR hypervisor call numbers (KVM_EXIT_PAPR_HCALL nr). */
#define XICS_H_EOI		0x64
#define XICS_H_CPPR		0x68
#define XICS_H_IPI		0x6c
#define XICS_H_IPOLL		0x70
#define XICS_H_XIRR		0x74
#define XICS_H_XIRR_X		0x2fc

/* PAPR hcall return codes used here. */
#define XICS_H_SUCCESS		0
#define XICS_H_HARDWARE		(-1)
#define XICS_H_FUNCTION		(-2)
#define XICS_H_PARAMETER	(-4)

/* Most values an hcall returns (H_IPOLL, H_XIRR_X: two). */
#define XICS_HCALL_MAX_RETS	2

/* RTAS calls; the platform chooses their tokens, we only know them by name. */
enum xics_rtas_call {
	XICS_RTAS_SET_XIVE,	/* "ibm,set-xive": irq, server, priority */
	XICS_RTAS_GET_XIVE,	/* "ibm,get-xive": irq -> server, priority */
	XICS_RTAS_INT_OFF,	/* "ibm,int-off": irq */
	XICS_RTAS_INT_ON,	/* "ibm,int-on": irq */
	XICS_RTAS_NCALLS
};

/* RTAS status words (PAPR "RTAS Call Return Status"), in rets[0]. */
#define XICS_RTAS_SUCCESS	0
#define XICS_RTAS_HW_ERROR	(-1)
#define XICS_RTAS_BUSY		(-2)
#define XICS_RTAS_PARAM_ERROR	(-3)

struct xics;

struct xics_ops {
	/*
	 * Server's external interrupt line goes to level. Called only when it
	 * changes (and for every server from xics_announce_lines()). Must not
	 * call back into the instance.
	 */
	void (*cpu_irq)(void *opaque, unsigned server, bool level);
	/*
	 * An LSI is being EOIed (global number irq), before the presenter looks
	 * for more work: resample sources must deassert now (KVM irqfd resample).
	 * May call xics_set_irq() or xics_pulse_irq() on the same instance; no
	 * other callback re-enters.
	 */
	void (*resample)(void *opaque, uint32_t irq);
	/* The guest did something PAPR does not allow; kind is a short tag. */
	void (*guest_error)(void *opaque, const char *kind, const char *msg);
};

struct xics_config {
	uint32_t irq_base;	/* global number of source 0, >= XICS_IRQ_BASE_MIN */
	unsigned nsources;	/* 1..XICS_MAX_SOURCES, irq_base + nsources <= 2^24 */
	unsigned nservers;	/* 1..XICS_MAX_SERVERS: servers 0..nservers - 1 */
	uint64_t msi_base;	/* PHB MSI window; msi_size 0: no window */
	uint64_t msi_size;
};

/* One source (ICS entry). Free sources hold zeros and priorities 0xff. */
struct xics_source_state {
	uint8_t type;		/* enum xics_type */
	uint8_t status;		/* XICS_STATUS_* */
	uint8_t priority;	/* 0xff: masked */
	uint8_t saved_priority;	/* restored by ibm,int-on */
	uint32_t server;	/* < nservers */
};

/* One presenter (ICP). */
struct xics_icp_state {
	uint32_t xirr;		/* CPPR 31:24 | XISR 23:0 */
	uint8_t mfrr;		/* IPI priority; 0xff: no IPI */
	uint8_t pending_priority; /* priority of XISR; 0xff when XISR is 0 */
};

/*
 * Everything needed to reproduce a XICS exactly: every source (free ones
 * included) and every presenter. Allocate with xics_state_alloc().
 */
struct xics_state {
	uint32_t irq_base;
	unsigned nsources;
	unsigned nservers;
	struct xics_source_state *source;	/* nsources entries */
	struct xics_icp_state *icp;		/* nservers entries */
};

/* What a source has done, since creation (reset and load keep them). */
struct xics_source_counters {
	uint64_t triggers;	/* MSI triggers and LSI assertions */
	uint64_t delivered;	/* presented by an ICP (XISR set to it) */
	uint64_t rejected;	/* refused or displaced by an ICP */
	uint64_t resent;	/* presented again by a resend */
	uint64_t eois;
};

struct xics_counters {
	struct xics_source_counters sources;	/* sums over every source */
	uint64_t ipis;		/* IPIs presented */
	uint64_t hcalls;
	uint64_t rtas_calls;
	uint64_t msis;		/* MSI writes decoded to a source */
	uint64_t guest_errors;
};

/* A source decoded for people (chip-query). */
struct xics_source_info {
	uint32_t irq;		/* global number */
	struct xics_source_state st;
	bool masked;		/* priority 0xff */
	bool asserted, sent, rejected, masked_pending;
	struct xics_source_counters counters;
};

/* A presenter decoded for people (chip-query). */
struct xics_icp_info {
	unsigned server;
	struct xics_icp_state st;
	uint8_t cppr;		/* XIRR 31:24 */
	uint32_t xisr;		/* XIRR 23:0: 0 none, 2 IPI, else a source */
	bool ipi_pending;	/* XISR is the IPI */
	bool line;		/* the external interrupt line's level */
};

/* Fills cfg with the defaults above, one server. */
void xics_config_default(struct xics_config *cfg);
/* Returns NULL with errno EINVAL (bad config, NULL ops or callback) or ENOMEM. */
struct xics *xics_create(const struct xics_config *, const struct xics_ops *,
    void *opaque);
void xics_destroy(struct xics *);
/*
 * Machine reset (LoPAPR): every claimed source masked (priority and saved
 * priority 0xff), server 0, SENT/REJECTED/MASKED_PENDING cleared; every
 * presenter XIRR 0 (CPPR 0), MFRR 0xff, nothing pending, line lowered.
 * Claims and LSI line levels (ASSERTED) are the machine's wiring: kept.
 */
void xics_reset(struct xics *);
uint32_t xics_irq_base(const struct xics *);
unsigned xics_nsources(const struct xics *);
unsigned xics_nservers(const struct xics *);

/*
 * Claim [irq, irq + count) as type (LSI or MSI): each source starts masked,
 * server 0. -EINVAL, -ERANGE, -EBUSY (some source already claimed).
 */
int xics_claim(struct xics *, uint32_t irq, unsigned count, enum xics_type type,
    char *why, size_t whylen);
/*
 * Claim the lowest free block of count sources whose first global number is
 * a multiple of align (a power of two; 0 or 1: any), as multi-message MSI
 * needs. Stores the first number in *irq. -EINVAL, -ENOSPC.
 */
int xics_alloc(struct xics *, unsigned count, unsigned align, enum xics_type type,
    uint32_t *irq, char *why, size_t whylen);
/*
 * Free [irq, irq + count); every source in it must be claimed (-ENOENT
 * otherwise, -ERANGE, -EINVAL). A freed source pending in a presenter's XISR
 * is withdrawn from it (the presenter then looks for other work); a later
 * EOI of it is accepted silently.
 */
int xics_free(struct xics *, uint32_t irq, unsigned count, char *why,
    size_t whylen);
/* 0 if irq is a claimed source (its type in *type if non-NULL); -ERANGE, -ENOENT. */
int xics_irq_check(const struct xics *, uint32_t irq, enum xics_type *type,
    char *why, size_t whylen);

/*
 * A device's input: an LSI's line goes to level; an MSI fires on true (an
 * edge: false does nothing). -ERANGE, -ENOENT.
 */
int xics_set_irq(struct xics *, uint32_t irq, bool level);
/* One edge: an MSI fires once; an LSI is asserted, then deasserted. */
int xics_pulse_irq(struct xics *, uint32_t irq);

/*
 * What the 32-bit write of data at address becomes: 0 and the global number
 * in *irq if it fires a claimed MSI source; -ENXIO if address is outside the
 * window; -ENOENT (with why) if data names no claimed MSI source. No effect.
 */
int xics_msi_decode(const struct xics *, uint64_t address, uint32_t data,
    uint32_t *irq, char *why, size_t whylen);
/*
 * A 32-bit write in the PHB MSI window: fires the source whose number is
 * data (the offset is ignored). 0 when in the window (data that names no
 * claimed MSI source is a counted "msi-bad-data" guest error); -ENXIO if the
 * address is not in this chip's window.
 */
int xics_msi_write(struct xics *, uint64_t address, uint32_t data);

/*
 * A hypercall by the guest on caller (a server number). Arguments are
 * KVM_EXIT_PAPR_HCALL's args[] (R4 onward); nargs must cover the ones the
 * call takes (extra ones are ignored). On 0, *ret is the PAPR return code,
 * rets[0..*nrets - 1] the values (rets has room for XICS_HCALL_MAX_RETS):
 *   H_CPPR  cppr             -> (nothing)
 *   H_EOI   xirr             -> (nothing); H_PARAMETER for an XISR that is
 *                               neither the IPI nor one of our numbers
 *   H_IPI   server, mfrr     -> (nothing); H_PARAMETER for a bad server
 *   H_IPOLL server           -> XIRR, MFRR of that server, no side effect
 *   H_XIRR                   -> XIRR (accept)
 *   H_XIRR_X                 -> XIRR (accept), timebase as given
 *   anything else            -> H_FUNCTION
 * Values are taken at their register width (CPPR, MFRR 8 bits, XIRR 32), as
 * QEMU and KVM do. Returns -EINVAL (nothing done) for a caller >= nservers
 * or too few arguments: the client's error, not the guest's.
 */
int xics_hcall(struct xics *, unsigned caller, uint64_t opcode,
    const uint64_t *args, unsigned nargs, uint64_t *rets, unsigned *nrets,
    uint64_t timebase, long *ret);

/*
 * An RTAS call by the guest on caller, with nargs argument cells and nret
 * return cells (rets has room for nret cells; only the first three are ever
 * written). rets[0] is the PAPR status; PARAM_ERROR for a wrong nargs/nret,
 * an irq that is not a claimed source, a server >= nservers, a priority >
 * 0xff. Returns -EINVAL (nothing done) for a caller >= nservers or a call
 * out of the enum. With nret 0 the status cannot be returned: the call is
 * refused as a guest error and nothing is written.
 */
int xics_rtas(struct xics *, unsigned caller, enum xics_rtas_call call,
    const uint32_t *args, unsigned nargs, uint32_t *rets, unsigned nret);
/* "ibm,set-xive" -> XICS_RTAS_SET_XIVE etc.; -ENOENT for another name. */
int xics_rtas_lookup(const char *name);
const char *xics_rtas_name(enum xics_rtas_call);
/* "H_CPPR" etc., NULL for an opcode this chip does not handle. */
const char *xics_hcall_name(uint64_t opcode);

/* Calls ops.cpu_irq for every server with its line's level (after a reconnect). */
void xics_announce_lines(struct xics *);

/* A zeroed state shaped for this chip; NULL (errno ENOMEM). */
struct xics_state *xics_state_alloc(const struct xics *);
void xics_state_free(struct xics_state *);
/* st must come from xics_state_alloc() of a chip of the same shape. */
void xics_get_state(const struct xics *, struct xics_state *st);
/*
 * Validates everything first; -EINVAL (nothing changed, why says what) if st
 * does not fit this chip or is a state no guest could produce. On success the
 * lines are recomputed, and ops.cpu_irq is called for each that changes.
 */
int xics_set_state(struct xics *, const struct xics_state *st, char *why,
    size_t whylen);

/* -ERANGE / -ENOENT (unclaimed) or 0. */
int xics_query_source(const struct xics *, uint32_t irq, struct xics_source_info *);
/* -EINVAL for a server >= nservers. */
int xics_query_icp(const struct xics *, unsigned server, struct xics_icp_info *);
void xics_query_counters(const struct xics *, struct xics_counters *);

/* "free", "lsi", "msi"; "?" for anything else. */
const char *xics_type_name(unsigned type);
/* "lsi" / "msi" -> the type; -EINVAL for another name. */
int xics_type_lookup(const char *name);
/* Status bits as "asserted,sent" ("" for none, "0x.." for unknown bits). */
void xics_status_format(uint8_t status, char *buf, size_t len);

#endif

/*
 * POWER9 XIVE interrupt controller in sPAPR exploitation mode, as a pure state
 * machine: sources with their ESB (PQ) state, the router (EAS, END and event
 * queues in guest RAM), the per-CPU thread contexts (TIMA, NVT backlog) and
 * the H_INT_* hypervisor calls. Not thread-safe: one owner feeds it accesses,
 * line changes and hcalls.
 *
 * No I/O, no event loop, no JSON, no KVM: inputs are function calls, outputs
 * go through the ops table given to xive_create(). Guest memory is reached
 * only through ops.read/ops.write. Every instance is independent.
 * Facts: POWER9 XIVE architecture document; PAPR+, the exploitation-mode
 * H_INT_* hypervisor calls.
 *
 * Numbers: a source is named by its global interrupt number, which is also
 * its LISN; the chip owns [irq_base, irq_base + nsources). CPUs are servers 0
 * to ncpus - 1; the END of (cpu, priority) is cpu * 8 + priority and the NVT
 * of cpu is 0x400 + cpu, all in block 0, as on sPAPR.
 */
#ifndef IRQCHIPD_XIVE_H
#define IRQCHIPD_XIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* sPAPR's windows (QEMU and KVM place them there; a VMM may choose others). */
#define XIVE_DEFAULT_ESB_BASE	0x0006010000000000ULL
#define XIVE_DEFAULT_TIMA_BASE	0x0006030203180000ULL
#define XIVE_DEFAULT_ESB_SHIFT	17	/* two 64K pages per source */
#define XIVE_TIMA_PAGE_SHIFT	16
#define XIVE_TIMA_SIZE		(4ULL << XIVE_TIMA_PAGE_SHIFT) /* HW HV OS USER */

#define XIVE_MAX_CPUS		2048
#define XIVE_MAX_SOURCES	(1U << 20)
/* A LISN is block << 28 | index; sPAPR has block 0. */
#define XIVE_MAX_LISN		(1U << 28)
#define XIVE_PRIORITIES		8	/* ENDs per CPU */
#define XIVE_TCTX_SIZE		64	/* 4 rings of 16 bytes */
#define XIVE_HCALL_MAX_RETS	4
/* struct xive_state's layout; saved state carries it. */
#define XIVE_STATE_VERSION	1

/* PQ bits of an ESB (XIVE architecture "ESB state"). */
#define XIVE_ESB_P		0x2
#define XIVE_ESB_Q		0x1
#define XIVE_ESB_RESET		0x0	/* 00: ready */
#define XIVE_ESB_OFF		0x1	/* 01: off (masked) */
#define XIVE_ESB_PENDING	0x2	/* 10: notified, awaits EOI */
#define XIVE_ESB_QUEUED		0x3	/* 11: pending and triggered again */

/* xive_source_state.flags */
#define XIVE_SRC_CLAIMED	0x1
#define XIVE_SRC_LSI		0x2
#define XIVE_SRC_ASSERTED	0x4	/* LSI input level */

#define XIVE_IRQ_ANY		UINT32_MAX	/* xive_irq_claim: find a block */

struct xive;

struct xive_ops {
	/* The CPU's external interrupt line changed (and xive_announce_lines()). */
	void (*cpu_irq)(void *opaque, unsigned cpu, bool level);
	/* Guest memory: 0, or -EFAULT where the range is not RAM. */
	int (*read)(void *opaque, uint64_t gpa, void *buf, size_t len);
	int (*write)(void *opaque, uint64_t gpa, const void *buf, size_t len);
	/*
	 * Optional: 0 if [gpa, gpa + len) is guest RAM, else -EFAULT. Without
	 * it an event queue is checked by reading its first and last entry.
	 */
	int (*ram_check)(void *opaque, uint64_t gpa, uint64_t len);
	/*
	 * An LSI is being EOIed: resample sources must deassert (KVM irqfd
	 * resample). May call xive_set_irq() on this instance; no other
	 * callback may re-enter.
	 */
	void (*resample)(void *opaque, uint32_t irq);
	/* The guest did something the architecture does not define. */
	void (*guest_error)(void *opaque, const char *kind, const char *msg);
};

struct xive_config {
	uint32_t irq_base;	/* first global number (LISN) */
	unsigned nsources;	/* 1..XIVE_MAX_SOURCES */
	unsigned ncpus;		/* 1..XIVE_MAX_CPUS */
	unsigned esb_shift;	/* 12, 13 (2 x 4K), 16, 17 (2 x 64K) */
	bool store_eoi;		/* offer StoreEOI (sPAPR: off) */
	uint64_t esb_base;	/* guest address of the ESB window */
	uint64_t msi_base;	/* MSI window; msi_size 0: none */
	uint64_t msi_size;
};

/* One source (chip-save). */
struct xive_source_state {
	uint8_t flags;		/* XIVE_SRC_* */
	uint8_t pq;		/* XIVE_ESB_* */
	uint64_t eas;		/* EAS word, host order */
};

/* Words host order; in the architecture they are big-endian. */
struct xive_end_state {
	uint32_t w[8];
};

struct xive_nvt_state {
	uint32_t w[16];
};

/* A thread context: the TIMA's 64 bytes in bus (big-endian) byte order. */
struct xive_tctx_state {
	uint8_t regs[XIVE_TCTX_SIZE];
};

/*
 * Everything needed to reproduce a XIVE exactly. Allocated for one instance
 * by xive_state_alloc() (the arrays are sized from its config).
 */
struct xive_state {
	uint32_t irq_base;
	unsigned nsources;
	unsigned ncpus;
	unsigned esb_shift;
	bool store_eoi;
	bool active;			/* exploitation mode chosen */
	struct xive_source_state *src;	/* nsources */
	struct xive_end_state *end;	/* ncpus * XIVE_PRIORITIES */
	struct xive_nvt_state *nvt;	/* ncpus */
	struct xive_tctx_state *tctx;	/* ncpus */
};

struct xive_source_counters {
	uint64_t triggers;	/* trigger inputs (ESB store, MSI, LSI level) */
	uint64_t notifies;	/* events the PQ let through to the router */
	uint64_t dropped;	/* events the router could not deliver */
	uint64_t eois;
};

struct xive_cpu_counters {
	uint64_t events;	/* events presented to this CPU's thread context */
	uint64_t backlogged;	/* recorded in the NVT while the context was pulled */
	uint64_t acks;		/* ACK_OS_REG that accepted an exception */
	uint64_t raises;	/* external interrupt line raised */
};

/* Decoded for people (chip-query). */
struct xive_eas_fields {
	bool valid;
	bool masked;
	uint8_t end_block;
	uint32_t end_index;
	uint32_t end_data;	/* EISN */
};

struct xive_end_fields {
	bool valid;
	bool enqueue;
	bool ucond_notify;
	bool backlog;
	bool escalate;
	bool ucond_escalate;
	bool silent_escalate;
	unsigned qshift;	/* log2 of the queue bytes, 0 if not enqueuing */
	uint64_t qaddr;
	uint32_t qindex;
	unsigned generation;
	uint8_t esn;		/* PQ */
	uint8_t ese;
	uint8_t esc_end_block;
	uint32_t esc_end_index;
	uint32_t esc_end_data;
	uint8_t nvt_block;
	uint32_t nvt_index;
	uint8_t priority;
};

struct xive_tctx_os_fields {
	uint8_t nsr;
	uint8_t cppr;
	uint8_t ipb;
	uint8_t lsmfb;
	uint8_t ack_cnt;
	uint8_t inc;
	uint8_t age;
	uint8_t pipr;
	bool vo;		/* an OS context is pushed */
	uint32_t cam;		/* its NVT: block << 19 | index */
};

/*
 * The PQ machine (XIVE architecture, "ESB state machine"). Each returns true
 * when the event must be forwarded to the router (notify).
 */
bool xive_pq_trigger(uint8_t *pq);
/* LSI input: fires only from 00 and never sets Q. */
bool xive_pq_lsi_trigger(uint8_t *pq);
bool xive_pq_eoi(uint8_t *pq);
/* Sets PQ, returns the old PQ. */
uint8_t xive_pq_set(uint8_t *pq, uint8_t value);
const char *xive_pq_name(uint8_t pq);

/* Returns NULL with errno EINVAL (bad config, NULL ops or callback) or ENOMEM. */
struct xive *xive_create(const struct xive_config *, const struct xive_ops *,
    void *opaque);
void xive_destroy(struct xive *);
/*
 * Architectural reset: sources masked (PQ 01, EAS valid and masked for the
 * claimed ones), ENDs and NVT backlogs cleared, every CPU's OS context pushed
 * with CPPR 0. Claims, LSI types, input levels and the mode are kept.
 */
void xive_reset(struct xive *);
/* Exploitation mode chosen at CAS: until then every H_INT_* is H_FUNCTION. */
void xive_set_active(struct xive *, bool);
bool xive_active(const struct xive *);
const struct xive_config *xive_config(const struct xive *);

/* Bytes of the ESB window: the sources' slots, then the ENDs'. */
uint64_t xive_esb_window_size(const struct xive *);
/* Offsets in the ESB window of a source's trigger and management pages. */
int xive_esb_source_offsets(const struct xive *, uint32_t irq, uint64_t *trigger,
    uint64_t *mgmt);

/*
 * Claim count sources from irq (or an aligned free block, XIVE_IRQ_ANY) as
 * LSIs or MSIs; *first receives the first. -EINVAL (range, align not a power
 * of two), -EBUSY (taken), -ENOSPC (no free block).
 */
int xive_irq_claim(struct xive *, uint32_t irq, unsigned count, unsigned align,
    bool lsi, uint32_t *first);
int xive_irq_free(struct xive *, uint32_t irq, unsigned count);

/*
 * Device inputs. -EINVAL: not our number; -ENOENT: not claimed. set_irq is
 * an LSI's input level (an MSI source fires when given true); trigger is an
 * MSI's edge (an LSI is pulsed: asserted, then deasserted).
 */
int xive_set_irq(struct xive *, uint32_t irq, bool level);
int xive_trigger(struct xive *, uint32_t irq);
/*
 * A device's MSI write in the MSI window: data is the LISN. -EINVAL if address
 * is outside the window; bad data is the guest's (it programmed the device):
 * a guest error, and 0.
 */
int xive_msi_write(struct xive *, uint64_t address, uint32_t data);

/*
 * Guest accesses: offset in the ESB window / in the TIMA (cpu's context).
 * value is the integer the big-endian access carries. Accesses the
 * architecture does not allow are guest errors: loads return all ones,
 * stores are dropped. -EINVAL for an access outside the window, a size not
 * in {1, 2, 4, 8} or an unknown cpu (VMM bugs).
 */
int xive_esb_read(struct xive *, uint64_t offset, unsigned size, uint64_t *value);
int xive_esb_write(struct xive *, uint64_t offset, unsigned size, uint64_t value);
int xive_tima_read(struct xive *, unsigned cpu, uint64_t offset, unsigned size,
    uint64_t *value);
int xive_tima_write(struct xive *, unsigned cpu, uint64_t offset, unsigned size,
    uint64_t value);

/*
 * A hypervisor call from caller_cpu: args are R4.., rets receive R4.. (room
 * for XIVE_HCALL_MAX_RETS), *nrets how many. Missing arguments read as 0.
 * Returns the PAPR code (H_SUCCESS 0, H_FUNCTION -2, H_P2 -55, ...).
 */
long xive_hcall(struct xive *, unsigned caller_cpu, uint64_t opcode,
    const uint64_t *args, unsigned nargs, uint64_t *rets, unsigned *nrets);

/* Call ops.cpu_irq for every CPU with its current level (a VMM reconnects). */
void xive_announce_lines(struct xive *);
bool xive_cpu_line(const struct xive *, unsigned cpu);

struct xive_state *xive_state_alloc(const struct xive *);
void xive_state_free(struct xive_state *);
/* -EINVAL if st was allocated for another configuration. */
int xive_get_state(const struct xive *, struct xive_state *st);
/*
 * Validates first; -EINVAL (nothing changed) if st does not fit this chip.
 * ENDs and EASes are loaded before the thread contexts; the lines are then
 * updated through ops.cpu_irq.
 */
int xive_set_state(struct xive *, const struct xive_state *st);

int xive_source_counters(const struct xive *, uint32_t irq,
    struct xive_source_counters *);
int xive_cpu_counters(const struct xive *, unsigned cpu, struct xive_cpu_counters *);
uint64_t xive_guest_errors(const struct xive *);

void xive_eas_decode(uint64_t eas, struct xive_eas_fields *);
void xive_end_decode(const struct xive_end_state *, struct xive_end_fields *);
void xive_tctx_os_decode(const struct xive_tctx_state *, struct xive_tctx_os_fields *);

#endif

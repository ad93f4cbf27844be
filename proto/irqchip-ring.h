/*
 * irqchipd's shared-memory ring, version 1: the binary layout both sides map
 * (irqchipd-protocol(7), "THE RING", is the reference; this header is the same
 * layout as C).
 *
 * A ring is a memfd the client creates (memfd_create(2) with
 * MFD_ALLOW_SEALING, sealed F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) and
 * hands over with ring-add, together with a doorbell eventfd (eventfd(2)). One
 * producer thread owns a ring; irqchipd is its only consumer. Both sides run
 * on one host, so every field is in the host's native byte order; the magic,
 * read in native order, tells a mismatch (a byte-swapped magic is refused).
 *
 * Layout: a header of IRQCHIP_RING_HEADER_SIZE bytes (each index on its own
 * cache line), then nslots slots of IRQCHIP_RING_SLOT_SIZE bytes.
 *
 * A request: the producer waits until slot (producer mod nslots) is FREE,
 * fills its request fields, stores state SUBMITTED (release), then the
 * producer index + 1 (release), a full fence, and writes the doorbell
 * eventfd only if daemon_state is SLEEPING. irqchipd handles slots from
 * consumer to producer in order, fills the reply fields, stores state DONE
 * (or SPILLED, below) with release order, advances consumer, and wakes the
 * slot's state word with FUTEX_WAKE (futex(2), not FUTEX_PRIVATE_FLAG: the
 * word is shared between processes) if waiting is non-zero. The producer reads
 * the reply after it sees DONE or SPILLED (acquire), then stores FREE.
 *
 * A producer that stops spinning sets waiting to 1, a full fence, re-reads
 * state and sleeps with FUTEX_WAIT on the state word while it is still
 * SUBMITTED.
 *
 * Before irqchipd blocks it stores SLEEPING in daemon_state, a full fence,
 * and looks at every ring's producer index once more; it stores AWAKE when
 * it runs again. So a request is never left unseen: either irqchipd's
 * re-check sees the new index, or the producer's read after its fence sees
 * SLEEPING and rings the doorbell.
 *
 * Spill: a reply whose effects do not fit in the slot (more than
 * IRQCHIP_RING_EFFECTS_MAX, or a kind without a binary form such as
 * its-command) or whose hcall values do not fit goes as a normal JSON reply on
 * the client's socket with the id {"ring": RING, "seq": SEQ} (the ring's id
 * from ring-add and the slot's seq), and the slot's state becomes SPILLED; its
 * status, value, ret and values are filled as for DONE, and the JSON reply's
 * effects replace the slot's (neffects is 0).
 */
#ifndef IRQCHIP_RING_H
#define IRQCHIP_RING_H

#include <stddef.h>
#include <stdint.h>

#define IRQCHIP_RING_MAGIC	0x52434931u	/* bytes 31 49 43 52 on little-endian */
#define IRQCHIP_RING_VERSION	1u
#define IRQCHIP_RING_HEADER_SIZE 256u
#define IRQCHIP_RING_SLOT_SIZE	512u
#define IRQCHIP_RING_MIN_SLOTS	1u
#define IRQCHIP_RING_MAX_SLOTS	4096u
#define IRQCHIP_RING_CHIP_ID_SIZE 64u	/* the protocol's chip ids: 1..63 bytes, NUL padded */
#define IRQCHIP_RING_OPERANDS	11u
#define IRQCHIP_RING_HCALL_ARGS	9u
#define IRQCHIP_RING_VALUES	8u
#define IRQCHIP_RING_REASON_SIZE 96u
#define IRQCHIP_RING_EFFECTS_MAX 4u

/* daemon_state */
#define IRQCHIP_RING_AWAKE	0u
#define IRQCHIP_RING_SLEEPING	1u

/* Slot state */
#define IRQCHIP_RING_FREE	0u
#define IRQCHIP_RING_SUBMITTED	1u
#define IRQCHIP_RING_DONE	2u
#define IRQCHIP_RING_SPILLED	3u

/* Slot op, and the JSON command each one is the twin of. */
#define IRQCHIP_RING_OP_MMIO_READ	1u	/* mmio-read */
#define IRQCHIP_RING_OP_MMIO_WRITE	2u	/* mmio-write */
#define IRQCHIP_RING_OP_EOI		3u	/* eoi */
#define IRQCHIP_RING_OP_LINE_SET	4u	/* line-set */
#define IRQCHIP_RING_OP_LINE_PULSE	5u	/* line-pulse */
#define IRQCHIP_RING_OP_MSI		6u	/* msi */
#define IRQCHIP_RING_OP_HCALL		7u	/* hcall */

/* Slot flags */
#define IRQCHIP_RING_F_SOURCE	0x1u	/* msi: operand[2] is "source" */
#define IRQCHIP_RING_F_TIMEBASE	0x2u	/* hcall: operand[1] is "timebase" */
#define IRQCHIP_RING_F_CPU	0x4u	/* mmio, eoi: cpu is given */
#define IRQCHIP_RING_F_WINDOW	0x8u	/* mmio: window is given */

/* Effect kinds: the JSON effect of the same name. */
#define IRQCHIP_RING_EFFECT_ROUTE	1u
#define IRQCHIP_RING_EFFECT_UNROUTE	2u
#define IRQCHIP_RING_EFFECT_SIGNAL_MSI	3u
#define IRQCHIP_RING_EFFECT_IRQ_LINE	4u
#define IRQCHIP_RING_EFFECT_CPU_IRQ	5u
#define IRQCHIP_RING_EFFECT_LPI		6u
#define IRQCHIP_RING_EFFECT_F_DEVID	0x1u	/* route, signal-msi: devid is given */

struct irqchip_ring_header {
	uint32_t magic;		/* IRQCHIP_RING_MAGIC */
	uint32_t version;	/* IRQCHIP_RING_VERSION */
	uint32_t nslots;	/* a power of two, 1..4096 */
	uint32_t slot_size;	/* IRQCHIP_RING_SLOT_SIZE */
	uint32_t header_size;	/* IRQCHIP_RING_HEADER_SIZE: where slot 0 starts */
	uint32_t reserved0[11];
	uint32_t producer;	/* offset 64: requests published (free-running) */
	uint32_t reserved1[15];
	uint32_t consumer;	/* offset 128: requests completed (free-running) */
	uint32_t reserved2[15];
	uint32_t daemon_state;	/* offset 192: IRQCHIP_RING_AWAKE or _SLEEPING */
	uint32_t reserved3[15];
};

/*
 * operand[] by op:
 *   mmio-read   [0] offset
 *   mmio-write  [0] offset, [1] value
 *   eoi         [0] vector
 *   line-set    [0] line, [1] level
 *   line-pulse  [0] line
 *   msi         [0] address, [1] data, [2] source (with IRQCHIP_RING_F_SOURCE)
 *   hcall       [0] opcode, [1] timebase (with IRQCHIP_RING_F_TIMEBASE),
 *               [2..2+nargs-1] args
 */
struct irqchip_ring_effect {
	uint16_t kind;		/* IRQCHIP_RING_EFFECT_* */
	uint16_t flags;		/* IRQCHIP_RING_EFFECT_F_DEVID */
	uint32_t a;		/* gsi (route, unroute, irq-line), cpu (cpu-irq), intid (lpi) */
	uint64_t address;	/* route, signal-msi */
	uint32_t b;		/* data (route, signal-msi), level (irq-line, cpu-irq),
				   target (lpi) */
	uint32_t devid;		/* route, signal-msi (with F_DEVID); device (lpi) */
	uint32_t event;		/* lpi */
	uint32_t reserved;
};

struct irqchip_ring_slot {
	/* Request: written by the producer while the slot is FREE. */
	uint32_t state;		/* IRQCHIP_RING_FREE, _SUBMITTED, _DONE, _SPILLED */
	uint32_t waiting;	/* the producer sleeps on state (futex) */
	uint32_t op;		/* IRQCHIP_RING_OP_* */
	uint32_t flags;		/* IRQCHIP_RING_F_* */
	uint64_t seq;		/* the producer's number for it; a spill's id names it */
	uint32_t size;		/* mmio: 1, 2, 4 or 8 */
	uint32_t cpu;		/* mmio, eoi, hcall */
	uint32_t window;	/* mmio: index of the chip's window */
	uint32_t nargs;		/* hcall: 0..9 */
	char chip[IRQCHIP_RING_CHIP_ID_SIZE];	/* mmio, line-set, line-pulse */
	uint64_t operand[IRQCHIP_RING_OPERANDS];
	/* Reply: written by irqchipd before DONE or SPILLED. */
	int32_t status;		/* 0, or a negative errno */
	uint32_t error_class;	/* status < 0: the protocol's error class, by number */
	uint32_t neffects;	/* effects[] used, 0..IRQCHIP_RING_EFFECTS_MAX */
	uint32_t nvalues;	/* hcall: values[] used */
	uint64_t value;		/* mmio-read */
	int64_t ret;		/* hcall */
	uint64_t values[IRQCHIP_RING_VALUES];	/* hcall */
	char reason[IRQCHIP_RING_REASON_SIZE];	/* status < 0: the error's desc, truncated */
	struct irqchip_ring_effect effects[IRQCHIP_RING_EFFECTS_MAX];
};

_Static_assert(sizeof(struct irqchip_ring_header) == IRQCHIP_RING_HEADER_SIZE,
    "ring header size");
_Static_assert(offsetof(struct irqchip_ring_header, producer) == 64, "producer offset");
_Static_assert(offsetof(struct irqchip_ring_header, consumer) == 128, "consumer offset");
_Static_assert(offsetof(struct irqchip_ring_header, daemon_state) == 192,
    "daemon_state offset");
_Static_assert(sizeof(struct irqchip_ring_effect) == 32, "ring effect size");
_Static_assert(offsetof(struct irqchip_ring_slot, seq) == 16, "seq offset");
_Static_assert(offsetof(struct irqchip_ring_slot, chip) == 40, "chip offset");
_Static_assert(offsetof(struct irqchip_ring_slot, operand) == 104, "operand offset");
_Static_assert(offsetof(struct irqchip_ring_slot, status) == 192, "status offset");
_Static_assert(offsetof(struct irqchip_ring_slot, value) == 208, "value offset");
_Static_assert(offsetof(struct irqchip_ring_slot, ret) == 216, "ret offset");
_Static_assert(offsetof(struct irqchip_ring_slot, values) == 224, "values offset");
_Static_assert(offsetof(struct irqchip_ring_slot, reason) == 288, "reason offset");
_Static_assert(offsetof(struct irqchip_ring_slot, effects) == 384, "effects offset");
_Static_assert(sizeof(struct irqchip_ring_slot) == IRQCHIP_RING_SLOT_SIZE, "ring slot size");

/* Bytes of a ring of nslots slots. */
#define IRQCHIP_RING_BYTES(nslots) \
	((size_t)IRQCHIP_RING_HEADER_SIZE + (size_t)(nslots) * IRQCHIP_RING_SLOT_SIZE)

#endif

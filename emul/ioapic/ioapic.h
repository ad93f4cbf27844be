/*
 * Intel 82093AA I/O APIC, as a pure state machine. Not thread-safe: one owner
 * feeds it line changes, accesses and EOIs.
 *
 * No I/O, no event loop, no JSON, no KVM: inputs are function calls, outputs go
 * through the ops table given to ioapic_create(). Every instance is independent.
 * Facts: 82093AA datasheet (Intel 290566-001); the route: Documentation/virt/kvm/
 * api.rst, KVM_CAP_SPLIT_IRQCHIP.
 */
#ifndef IRQCHIPD_IOAPIC_H
#define IRQCHIPD_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_DEFAULT_BASE	0xfec00000ULL
#define IOAPIC_WINDOW_SIZE	0x1000	/* the MMIO window a VMM forwards */
#define IOAPIC_DEFAULT_PINS	24
/* IOREGSEL is 8 bits: the last entry's high dword is index 0x10 + 2 * 119 + 1. */
#define IOAPIC_MAX_PINS		120
/* Inputs wired-OR onto one pin (shared INTx): the line is high while any is. */
#define IOAPIC_MAX_SOURCES	32

#define IOAPIC_VERSION_82093AA	0x11	/* no EOI register */
#define IOAPIC_VERSION_EOI	0x20	/* directed-EOI register at 0x40 */

/*
 * Storm throttle, as QEMU's and KVM's IOAPICs apply it: after this many
 * back-to-back re-deliveries...
 */
#define IOAPIC_STORM_LIMIT	10000
/* ...the next one waits this long. */
#define IOAPIC_STORM_DELAY_NS	10000000ULL

struct ioapic;

/* An x86 MSI message: what the entry asks the LAPICs to receive. */
struct ioapic_msi {
	uint64_t address;
	uint32_t data;
};

struct ioapic_ops {
	/* Send msg for pin. Return true if it was accepted (sets Remote IRR for level). */
	bool (*deliver)(void *opaque, unsigned pin, const struct ioapic_msi *msg);
	/*
	 * Pin's KVM route must now be msg; NULL: remove it (an unmasked entry
	 * with a reserved delivery mode). Called on every write of an unmasked
	 * entry. A masked entry's route is neither recomputed nor withdrawn:
	 * under KVM's split irqchip that route is what makes the EOI of a level
	 * interrupt still in flight exit to the VMM (api.rst,
	 * KVM_EXIT_IOAPIC_EOI), and a masked pin delivers nothing anyway.
	 */
	void (*route)(void *opaque, unsigned pin, const struct ioapic_msi *msg);
	/*
	 * A level pin is being EOIed: resample sources must deassert (KVM irqfd
	 * resample). This callback may call ioapic_set_irq() on the same instance,
	 * and deliver may EOI the vector it was given; no other callback re-enters.
	 */
	void (*resample)(void *opaque, unsigned pin);
	/* Call ioapic_timer(pin) after delay_ns; replaces an earlier request for pin. */
	void (*schedule)(void *opaque, unsigned pin, uint64_t delay_ns);
	/* The guest did something the 82093AA does not define; kind is a short tag. */
	void (*guest_error)(void *opaque, const char *kind, const char *msg);
};

struct ioapic_config {
	unsigned pins;		/* 1..IOAPIC_MAX_PINS */
	uint8_t version;	/* IOAPIC_VERSION_82093AA or IOAPIC_VERSION_EOI */
};

/* Per-pin state beyond the redirection entry. */
struct ioapic_pin_state {
	uint64_t rte;		/* redirection entry, Remote IRR included */
	uint32_t sources;	/* input level per source, bit n = source n asserted */
	uint8_t irr_vector;	/* vector delivered when Remote IRR was set (meaningful while set) */
	uint32_t storm_count;	/* consecutive re-deliveries after EOI */
	bool throttled;		/* a delayed re-delivery is pending */
	bool routed;		/* route holds the last route announced */
	struct ioapic_msi route;
};

/*
 * What happened on a pin since the IOAPIC was created (not saved, not reset).
 * An assertion is a source going from low to high.
 */
struct ioapic_pin_counters {
	uint64_t delivered;	/* interrupts a LAPIC accepted */
	uint64_t coalesced;	/* assertions that sent nothing new: an edge
				   while the line was already high, a level
				   while Remote IRR was set or a storm delay ran */
	uint64_t dropped;	/* edges on a masked edge-triggered entry */
	uint64_t eois;		/* EOIs that cleared Remote IRR */
	uint64_t throttles;	/* re-deliveries the storm throttle deferred */
};

/*
 * Everything needed to reproduce an IOAPIC exactly. The daemon's chip-save JSON
 * carries the format version; this struct is the in-memory form.
 */
struct ioapic_state {
	uint8_t id;		/* ID register bits 27:24 */
	uint8_t ioregsel;
	uint8_t version;
	unsigned pins;
	struct ioapic_pin_state pin[IOAPIC_MAX_PINS];
};

/* A redirection entry decoded for people (chip-query). */
struct ioapic_rte_fields {
	uint8_t vector;
	uint8_t delivery_mode;	/* 0 fixed 1 lowest 2 SMI 4 NMI 5 INIT 7 ExtINT */
	bool logical;		/* destination mode */
	bool delivery_status;
	bool active_low;	/* polarity */
	bool remote_irr;
	bool level;		/* trigger mode */
	bool masked;
	uint32_t destination;	/* bits 63:56, plus 55:49 as bits 14:8 */
	bool remappable;	/* bit 48: interrupt-remapping format */
	uint16_t ir_index;	/* remappable: handle 15:0 = RTE[11] << 15 | RTE[63:49] */
};

/* Returns NULL with errno EINVAL (bad config, NULL ops or callback) or ENOMEM. */
struct ioapic *ioapic_create(const struct ioapic_config *, const struct ioapic_ops *,
    void *opaque);
void ioapic_destroy(struct ioapic *);
/*
 * Architectural reset: entries masked, ID 0, IOREGSEL 0; line levels are
 * kept. Like any masked entry, a reset one keeps its last route: no route
 * callback is made.
 */
void ioapic_reset(struct ioapic *);
unsigned ioapic_pins(const struct ioapic *);

/*
 * Guest accesses at offset in the window. Accesses the 82093AA does not define
 * are reported through guest_error; reads of them return 0, writes are dropped.
 * Both return 0, or -EINVAL for an access that does not fit in the window or a
 * size not in {1, 2, 4, 8} (a VMM bug, not a guest one).
 */
int ioapic_mmio_read(struct ioapic *, uint64_t offset, unsigned size, uint64_t *value);
int ioapic_mmio_write(struct ioapic *, uint64_t offset, unsigned size, uint64_t value);

/* Input source on pin goes to level (true = asserted, whatever the polarity). */
int ioapic_set_irq(struct ioapic *, unsigned pin, unsigned source, bool level);
/*
 * A rising and a falling edge on source. The line is the OR of all sources, so
 * while another source holds it high a pulse delivers nothing (as in KVM).
 */
int ioapic_pulse_irq(struct ioapic *, unsigned pin, unsigned source);
/* EOI broadcast or write to the EOI register for vector. */
void ioapic_eoi(struct ioapic *, uint8_t vector);
/* The delay asked for with ops->schedule has passed; ignored if pin is not throttled. */
void ioapic_timer(struct ioapic *, unsigned pin);
/*
 * Call ops->route for every pin (after a load, or when a VMM reconnects): an
 * unmasked entry's route, a masked entry's last route, and NULL for a pin
 * that never had one, unless a level interrupt is in flight on it (Remote IRR
 * set): then the entry's route, mask aside, so that its EOI exits.
 */
void ioapic_announce_routes(struct ioapic *);
/*
 * Delivers what is pending: every unmasked, asserted level line with Remote
 * IRR clear (after a load, or when a client returns: a delivery made while
 * nobody could take it was refused and left Remote IRR clear). Edges that
 * came and went meanwhile are not latched, as on the 82093AA.
 */
void ioapic_resync(struct ioapic *);
/*
 * Whether an edge from source on pin is, as the entry stands, exactly one
 * MSI through the pin's announced route and nothing else: an unmasked
 * edge-triggered entry with a valid delivery mode (82093AA datasheet 3.2.4,
 * 3.3.2), whose announced route is the entry's message, and no other source
 * holding the wired-OR line high (a pulse would then be no edge at all).
 * Fills *route when true. Such a pin's edges may bypass the emulation.
 */
bool ioapic_pin_edge_static(const struct ioapic *, unsigned pin, unsigned source,
    struct ioapic_msi *route);

/* -EINVAL if pin is out of range. */
int ioapic_get_counters(const struct ioapic *, unsigned pin, struct ioapic_pin_counters *);

void ioapic_get_state(const struct ioapic *, struct ioapic_state *);
/* Validates first; -EINVAL (nothing changed) if s does not fit this IOAPIC. */
int ioapic_set_state(struct ioapic *, const struct ioapic_state *s);

void ioapic_rte_decode(uint64_t rte, struct ioapic_rte_fields *);
/* The MSI message (and KVM route) an entry produces: api.rst, KVM_CAP_SPLIT_IRQCHIP. */
void ioapic_rte_to_msi(uint64_t rte, struct ioapic_msi *);

#endif

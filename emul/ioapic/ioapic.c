/*
 * Intel 82093AA I/O APIC as a pure state machine (datasheet 290566-001;
 * 82093AA datasheet section 3, the KVM API document for the route, Intel SDM vol. 3 11.11 for
 * the MSI format).
 *
 *   offset register                 index      register
 *   0x00   IOREGSEL  index, 7:0      0x00       IOAPICID    27:24 ID
 *   0x10   IOWIN     32-bit window   0x01       IOAPICVER   RO: 23:16 pins - 1,
 *   0x40   EOIR      write a vector:                        7:0 version
 *                    EOI (0x20 only) 0x02       IOAPICARB   RO: 27:24 ID
 *                                    0x10 + 2n  IOREDTBL[n] 31:0
 *                                    0x11 + 2n  IOREDTBL[n] 63:32
 *
 *   IOREDTBL[n]: 63:56 destination, 55:49 extended destination, 48 remappable
 *   format, 16 mask, 15 trigger (1 level), 14 Remote IRR (RO), 13 polarity,
 *   12 delivery status (RO, reads 0), 11 destination mode, 10:8 delivery mode,
 *   7:0 vector.
 *
 * All delivery decisions are made in ioapic_evaluate_pin(), which runs after
 * every line change, entry write, EOI and storm timer.
 *
 * Choices where the specifications leave room (82093AA datasheet 3.1; QEMU and
 * KVM differ on them):
 * - IOREGSEL takes 1, 2 and 4-byte accesses; IOWIN and EOIR only 4-byte ones
 *   (QEMU). Any other size at a known offset is a "bad-access-size" guest
 *   error. Offsets are decoded exactly: no aliasing (QEMU masks with 0xff).
 * - An access that does not fit in the window is a VMM bug: -EINVAL.
 * - Writes to IOAPICVER/IOAPICARB are ignored and reported as
 *   "read-only-register"; reads of EOIR return 0 as "write-only-register".
 * - Sources are wired-OR (KVM). An edge entry delivers on a rising edge of the
 *   ORed line, so a pulse on one source while another holds the line high
 *   delivers nothing, as in KVM.
 * - Reserved delivery modes (3, 6) never reach a LAPIC: the pin's route is
 *   removed (a mode-6 MSI would be a STARTUP IPI to KVM) and each dropped
 *   interrupt is a "reserved-delivery-mode" guest error, as is unmasking an
 *   entry that has one.
 * - Storm throttle (3.3.4): an EOI re-delivery is counted; after
 *   IOAPIC_STORM_LIMIT of them in a row, the next one waits for ioapic_timer().
 *   Until then only the timer delivers that pin. An EOI that finds the line
 *   low or the pin masked resets the count (QEMU and KVM do both). A timer for
 *   a pin that is not throttled (stale, after a reset or a load) does nothing.
 * - Re-entry: ops.resample may call any function of this instance (the daemon
 *   deasserts resample sources with ioapic_set_irq()); deliveries for the pin
 *   being EOIed wait until its Remote IRR is clear. ops.deliver may EOI the
 *   vector it is given. No other callback may re-enter.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "ioapic.h"
#include "ioapic_internal.h"

/* Why ioapic_evaluate_pin() is being called. */
enum ioapic_cause {
	IOAPIC_CAUSE_LINE,	/* a source changed, the line did not rise */
	IOAPIC_CAUSE_EDGE,	/* the pin's line went from low to high */
	IOAPIC_CAUSE_WRITE,	/* the guest wrote the entry */
	IOAPIC_CAUSE_EOI,	/* an EOI has just cleared Remote IRR */
	IOAPIC_CAUSE_TIMER,	/* the storm delay has passed */
};

struct ioapic_pin {
	struct ioapic_pin_state	 st;	/* everything chip-save keeps */
	struct ioapic_pin_counters cnt;
	bool			 in_eoi; /* ops.resample runs for this pin */
};

struct ioapic {
	struct ioapic_ops	 ops;
	void			*opaque;
	unsigned		 pins;
	uint8_t			 version;
	uint8_t			 id;		/* IOAPICID bits 27:24 */
	uint8_t			 ioregsel;
	struct ioapic_pin	 pin[];		/* pins entries */
};

static void PRINTFLIKE(3, 4)
ioapic_guest_error(struct ioapic *s, const char *kind, const char *fmt, ...)
{
	char	msg[160];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->ops.guest_error(s->opaque, kind, msg);
}

/* Delivery mode field of an entry. */
static unsigned
ioapic_rte_delmod(uint64_t rte)
{
	return (unsigned)((rte & IOAPIC_RTE_DELMOD_MASK) >>
	    IOAPIC_RTE_DELMOD_SHIFT);
}

/* Delivery modes 3 and 6 are reserved (82093AA datasheet 3.2.4). */
static bool
ioapic_rte_reserved_delmod(uint64_t rte)
{
	unsigned	mode = ioapic_rte_delmod(rte);

	return mode == IOAPIC_DELMOD_RESERVED3 ||
	    mode == IOAPIC_DELMOD_RESERVED6;
}

void
ioapic_rte_to_msi(uint64_t rte, struct ioapic_msi *msg)
{
	/*
	 * api.rst, KVM_CAP_SPLIT_IRQCHIP: RTE[63:56] lands in address[19:12] (destination), 55:49
	 * in 11:5 (extended destination ID, 1.7) and 48 in 4 (remappable
	 * format, 2.2: then 63:49 is the handle 14:0 in 19:5). RTE[11] is the
	 * destination mode, or handle bit 15 for a remappable entry: bit 2
	 * either way.
	 */
	msg->address = IOAPIC_MSI_ADDR_BASE |
	    BITS64(rte, 63, 48) << IOAPIC_MSI_ADDR_RTE_SHIFT |
	    BITS64(rte, 11, 11) << IOAPIC_MSI_ADDR_DM_SHIFT;
	/* Data bit 14 (level) stays 0: KVM treats every MSI as asserted (7). */
	msg->data = (uint32_t)(BITS64(rte, 7, 0) |
	    BITS64(rte, 10, 8) << IOAPIC_MSI_DATA_DELMOD_SHIFT |
	    BITS64(rte, 15, 15) << IOAPIC_MSI_DATA_TRIGGER_SHIFT);
}

void
ioapic_rte_decode(uint64_t rte, struct ioapic_rte_fields *f)
{
	memset(f, 0, sizeof *f);
	f->vector = (uint8_t)(rte & IOAPIC_RTE_INTVEC_MASK);
	f->delivery_mode = (uint8_t)ioapic_rte_delmod(rte);
	f->logical = (rte & IOAPIC_RTE_DESTMOD) != 0;
	f->delivery_status = (rte & IOAPIC_RTE_DELIVS) != 0;
	f->active_low = (rte & IOAPIC_RTE_INTPOL) != 0;
	f->remote_irr = (rte & IOAPIC_RTE_REMOTE_IRR) != 0;
	f->level = (rte & IOAPIC_RTE_TRIGGER) != 0;
	f->masked = (rte & IOAPIC_RTE_MASK) != 0;
	f->destination = (uint32_t)(BITS64(rte, 63, 56) |
	    BITS64(rte, 55, 49) << 8);
	f->remappable = (rte & IOAPIC_RTE_FORMAT) != 0;
	if (f->remappable) {
		f->ir_index = (uint16_t)(BITS64(rte, 11, 11) << 15 |
		    BITS64(rte, 63, IOAPIC_RTE_IRINDEX_SHIFT));
	}
}

/* Announce pin's route as it stands (routed or withdrawn). */
static void
ioapic_send_route(struct ioapic *s, unsigned pin)
{
	struct ioapic_pin_state	*p = &s->pin[pin].st;

	s->ops.route(s->opaque, pin, p->routed ? &p->route : NULL);
}

/*
 * Tell the owner what an unmasked pin's KVM route must be now. A masked
 * entry's route is not recomputed (its fields may name what no longer exists,
 * an interrupt-remapping entry for one) and not withdrawn: KVM's split
 * irqchip decides which EOIs exit from the routes of the IOAPIC's GSIs
 * (api.rst, KVM_CAP_SPLIT_IRQCHIP and KVM_EXIT_IOAPIC_EOI), so withdrawing
 * it would swallow the EOI of a level interrupt in flight and leave Remote
 * IRR set for good. The masked pin sends nothing, so the kept route delivers
 * nothing either.
 */
static void
ioapic_update_route(struct ioapic *s, unsigned pin)
{
	struct ioapic_pin_state	*p = &s->pin[pin].st;

	if (p->rte & IOAPIC_RTE_MASK)
		return;
	if (ioapic_rte_reserved_delmod(p->rte)) {
		p->routed = false;
		memset(&p->route, 0, sizeof p->route);
	} else {
		ioapic_rte_to_msi(p->rte, &p->route);
		p->routed = true;
	}
	ioapic_send_route(s, pin);
}

/* Send pin's interrupt as its entry says; true if a LAPIC accepted it. */
static bool
ioapic_send(struct ioapic *s, unsigned pin)
{
	uint64_t		rte = s->pin[pin].st.rte;
	struct ioapic_msi	msg;

	if (ioapic_rte_reserved_delmod(rte)) {
		ioapic_guest_error(s, "reserved-delivery-mode",
		    "pin %u: interrupt dropped, reserved delivery mode %u",
		    pin, ioapic_rte_delmod(rte));
		return false;
	}
	ioapic_rte_to_msi(rte, &msg);
	if (!s->ops.deliver(s->opaque, pin, &msg))
		return false;
	s->pin[pin].cnt.delivered++;
	return true;
}

/*
 * Every delivery decision (82093AA datasheet 3.2.4), like vmd's i82093aa_evaluate_pin().
 * Polarity is ignored: a source level of true is asserted (api.rst, KVM_IRQ_LINE).
 */
static void
ioapic_evaluate_pin(struct ioapic *s, unsigned pin, enum ioapic_cause cause)
{
	struct ioapic_pin	*ip = &s->pin[pin];
	struct ioapic_pin_state	*p = &ip->st;
	bool			 line = p->sources != 0;
	bool			 masked = (p->rte & IOAPIC_RTE_MASK) != 0;

	if (!(p->rte & IOAPIC_RTE_TRIGGER)) {
		/* 3.3.2: an edge delivers once; a masked edge is dropped. */
		if (cause == IOAPIC_CAUSE_EDGE) {
			if (masked)
				ip->cnt.dropped++;
			else
				(void)ioapic_send(s, pin);
		}
		return;
	}

	/*
	 * A line change or entry write made from inside ops.resample: the EOI
	 * in progress decides once it has cleared Remote IRR.
	 */
	if (ip->in_eoi)
		return;

	if (cause == IOAPIC_CAUSE_EOI) {
		/* 3.3.4: count back-to-back re-deliveries, defer a storm. */
		if (!line || masked) {
			p->storm_count = 0;
			return;
		}
		if (p->throttled)
			return;
		if (p->storm_count >= IOAPIC_STORM_LIMIT) {
			p->storm_count = 0;
			p->throttled = true;
			ip->cnt.throttles++;
			s->ops.schedule(s->opaque, pin, IOAPIC_STORM_DELAY_NS);
			return;
		}
		p->storm_count++;
	}

	/* 3.3.1: deliver a high line unless masked or awaiting an EOI. */
	if (!line || masked || (p->rte & IOAPIC_RTE_REMOTE_IRR) || p->throttled)
		return;
	/*
	 * 3.3.7: Remote IRR only if a LAPIC accepted. It is set before the call
	 * and taken back on refusal, so that an EOI reaching us from inside
	 * ops.deliver finds it set.
	 */
	p->rte |= IOAPIC_RTE_REMOTE_IRR;
	p->irr_vector = (uint8_t)(p->rte & IOAPIC_RTE_INTVEC_MASK);
	if (!ioapic_send(s, pin))
		p->rte &= ~IOAPIC_RTE_REMOTE_IRR;
}

/* A guest write of one dword of pin's entry (82093AA datasheet 3.2.4). */
static void
ioapic_write_rte(struct ioapic *s, unsigned pin, bool high, uint32_t value)
{
	struct ioapic_pin_state	*p = &s->pin[pin].st;
	uint64_t		 rte = p->rte;

	if (high)
		rte = (rte & 0xffffffffULL) | (uint64_t)value << 32;
	else
		rte = (rte & ~0xffffffffULL) | value;
	rte = (rte & IOAPIC_RTE_RW_BITS) | (p->rte & IOAPIC_RTE_REMOTE_IRR);
	/*
	 * Edge clears Remote IRR: Linux's __eoi_ioapic_pin EOIs a pin of an
	 * IOAPIC without EOIR by switching it to edge and back (3.4.6).
	 */
	if (!(rte & IOAPIC_RTE_TRIGGER)) {
		rte &= ~IOAPIC_RTE_REMOTE_IRR;
		p->throttled = false;
	}
	p->rte = rte;
	p->storm_count = 0;

	if (!high && !(rte & IOAPIC_RTE_MASK) &&
	    ioapic_rte_reserved_delmod(rte)) {
		ioapic_guest_error(s, "reserved-delivery-mode",
		    "pin %u unmasked with reserved delivery mode %u", pin,
		    ioapic_rte_delmod(rte));
	}
	/*
	 * Unmasked: always, even unchanged, since KVM rescans its EOI-exit
	 * bitmap on every routing update. Masked: the last route stays.
	 */
	ioapic_update_route(s, pin);
	ioapic_evaluate_pin(s, pin, IOAPIC_CAUSE_WRITE);
}

/* IOWIN read: the register IOREGSEL selects. */
static uint32_t
ioapic_read_index(struct ioapic *s)
{
	unsigned	index = s->ioregsel;
	uint64_t	rte;

	switch (index) {
	case IOAPIC_IOAPICID:
	case IOAPIC_IOAPICARB:
		/* Arbitration ID = the ID (datasheet, IOAPICARB). */
		return (uint32_t)s->id << IOAPIC_ID_SHIFT;
	case IOAPIC_IOAPICVER:
		return s->version | (s->pins - 1) << IOAPIC_VER_MRE_SHIFT;
	}
	if (index >= IOAPIC_IOREDTBL && index < IOAPIC_IOREDTBL + 2 * s->pins) {
		rte = s->pin[(index - IOAPIC_IOREDTBL) / 2].st.rte;
		return (index & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
	}
	ioapic_guest_error(s, "unknown-register",
	    "IOWIN read of register index 0x%02x, which does not exist", index);
	return 0;
}

/* IOWIN write: the register IOREGSEL selects. */
static void
ioapic_write_index(struct ioapic *s, uint32_t value)
{
	unsigned	index = s->ioregsel;

	switch (index) {
	case IOAPIC_IOAPICID:
		s->id = (value >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
		return;
	case IOAPIC_IOAPICVER:
	case IOAPIC_IOAPICARB:
		ioapic_guest_error(s, "read-only-register",
		    "IOWIN write of 0x%08x to read-only register index 0x%02x "
		    "ignored", value, index);
		return;
	}
	if (index >= IOAPIC_IOREDTBL && index < IOAPIC_IOREDTBL + 2 * s->pins) {
		ioapic_write_rte(s, (index - IOAPIC_IOREDTBL) / 2, index & 1,
		    value);
		return;
	}
	ioapic_guest_error(s, "unknown-register",
	    "IOWIN write of 0x%08x to register index 0x%02x, which does not "
	    "exist", value, index);
}

/* An access the VMM may forward: inside the window, a size the bus has. */
static bool
ioapic_access_valid(uint64_t offset, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	return offset < IOAPIC_WINDOW_SIZE &&
	    offset + size <= IOAPIC_WINDOW_SIZE;
}

static void
ioapic_bad_size(struct ioapic *s, const char *what, uint64_t offset,
    unsigned size)
{
	ioapic_guest_error(s, "bad-access-size",
	    "%s of %u bytes at offset 0x%03llx, which takes %s", what, size,
	    (unsigned long long)offset,
	    offset == IOAPIC_IOREGSEL ? "1, 2 or 4 bytes" : "4 bytes");
}

int
ioapic_mmio_read(struct ioapic *s, uint64_t offset, unsigned size,
    uint64_t *value)
{
	if (!ioapic_access_valid(offset, size))
		return -EINVAL;
	*value = 0;

	switch (offset) {
	case IOAPIC_IOREGSEL:
		if (size > 4)
			ioapic_bad_size(s, "read", offset, size);
		else
			*value = s->ioregsel;
		return 0;
	case IOAPIC_IOWIN:
		if (size != 4)
			ioapic_bad_size(s, "read", offset, size);
		else
			*value = ioapic_read_index(s);
		return 0;
	case IOAPIC_EOIR:
		if (s->version == IOAPIC_VERSION_EOI) {
			ioapic_guest_error(s, "write-only-register",
			    "read of the write-only EOI register returns 0");
			return 0;
		}
		break;
	}
	ioapic_guest_error(s, "unknown-offset",
	    "read of %u bytes at offset 0x%03llx, where no register is", size,
	    (unsigned long long)offset);
	return 0;
}

int
ioapic_mmio_write(struct ioapic *s, uint64_t offset, unsigned size,
    uint64_t value)
{
	if (!ioapic_access_valid(offset, size))
		return -EINVAL;
	if (size < 8)
		value &= (1ULL << (size * 8)) - 1;

	switch (offset) {
	case IOAPIC_IOREGSEL:
		/* Bits 31:8 are reserved: only 7:0 select (datasheet). */
		if (size > 4)
			ioapic_bad_size(s, "write", offset, size);
		else
			s->ioregsel = (uint8_t)(value & IOAPIC_IOREGSEL_MASK);
		return 0;
	case IOAPIC_IOWIN:
		if (size != 4)
			ioapic_bad_size(s, "write", offset, size);
		else
			ioapic_write_index(s, (uint32_t)value);
		return 0;
	case IOAPIC_EOIR:
		if (s->version != IOAPIC_VERSION_EOI)
			break;
		/* The EOI register acts on this IOAPIC only (QEMU and KVM differ here). */
		if (size != 4)
			ioapic_bad_size(s, "write", offset, size);
		else
			ioapic_eoi(s,
			    (uint8_t)(value & IOAPIC_EOIR_VECTOR_MASK));
		return 0;
	}
	ioapic_guest_error(s, "unknown-offset",
	    "write of %u bytes to offset 0x%03llx, where no register is, "
	    "dropped", size, (unsigned long long)offset);
	return 0;
}

/*
 * Counts an assertion that cannot send anything new: the ORed line is high
 * already (an edge entry sees no edge), or a level entry awaits its EOI or a
 * storm delay. Masked entries are counted as drops (edge) in
 * ioapic_evaluate_pin(), or not at all (level: delivered at unmask if still
 * high). Called before the source changes.
 */
static void
ioapic_count_assertion(struct ioapic_pin *ip)
{
	const struct ioapic_pin_state	*p = &ip->st;

	if (p->rte & IOAPIC_RTE_TRIGGER) {
		if ((p->rte & IOAPIC_RTE_REMOTE_IRR) || p->throttled)
			ip->cnt.coalesced++;
	} else if (p->sources != 0 && !(p->rte & IOAPIC_RTE_MASK))
		ip->cnt.coalesced++;
}

int
ioapic_set_irq(struct ioapic *s, unsigned pin, unsigned source, bool level)
{
	struct ioapic_pin	*ip;
	struct ioapic_pin_state	*p;
	bool			 was_high;

	if (pin >= s->pins || source >= IOAPIC_MAX_SOURCES)
		return -EINVAL;
	ip = &s->pin[pin];
	p = &ip->st;
	was_high = p->sources != 0;
	if (level && !(p->sources & 1U << source))
		ioapic_count_assertion(ip);
	if (level)
		p->sources |= 1U << source;
	else
		p->sources &= ~(1U << source);
	ioapic_evaluate_pin(s, pin, !was_high && p->sources != 0 ?
	    IOAPIC_CAUSE_EDGE : IOAPIC_CAUSE_LINE);
	return 0;
}

int
ioapic_pulse_irq(struct ioapic *s, unsigned pin, unsigned source)
{
	int	error;

	/* A pulse on a source that is held high is an edge that never came. */
	if (pin < s->pins && source < IOAPIC_MAX_SOURCES &&
	    (s->pin[pin].st.sources & 1U << source))
		ioapic_count_assertion(&s->pin[pin]);
	if ((error = ioapic_set_irq(s, pin, source, true)) != 0)
		return error;
	return ioapic_set_irq(s, pin, source, false);
}

/* Level, awaiting an EOI, and delivered with or now programmed to vector. */
static bool
ioapic_eoi_match(const struct ioapic_pin_state *p, uint8_t vector)
{
	if (!(p->rte & IOAPIC_RTE_TRIGGER) || !(p->rte & IOAPIC_RTE_REMOTE_IRR))
		return false;
	/*
	 * A bug QEMU and KVM both fixed: an entry reprogrammed while its interrupt was in
	 * flight must still be released by the EOI of the vector delivered.
	 */
	return (p->rte & IOAPIC_RTE_INTVEC_MASK) == vector ||
	    p->irr_vector == vector;
}

void
ioapic_eoi(struct ioapic *s, uint8_t vector)
{
	struct ioapic_pin	*ip;
	unsigned		 pin;

	/* Loop over pins, never index by vector (a bug QEMU fixed). */
	for (pin = 0; pin < s->pins; pin++) {
		ip = &s->pin[pin];
		if (ip->in_eoi || !ioapic_eoi_match(&ip->st, vector))
			continue;
		/*
		 * 3.3.3: resample first, so that sources that have gone quiet
		 * are low before the re-delivery decision. The callback may
		 * call back into us; in_eoi holds deliveries for this pin.
		 */
		ip->in_eoi = true;
		s->ops.resample(s->opaque, pin);
		ip->in_eoi = false;
		if (!ioapic_eoi_match(&ip->st, vector)) {
			/* The callback rewrote the entry: do what it held. */
			ioapic_evaluate_pin(s, pin, IOAPIC_CAUSE_LINE);
			continue;
		}
		ip->st.rte &= ~IOAPIC_RTE_REMOTE_IRR;
		ip->cnt.eois++;
		ioapic_evaluate_pin(s, pin, IOAPIC_CAUSE_EOI);
	}
}

void
ioapic_timer(struct ioapic *s, unsigned pin)
{
	if (pin >= s->pins || !s->pin[pin].st.throttled)
		return;
	s->pin[pin].st.throttled = false;
	ioapic_evaluate_pin(s, pin, IOAPIC_CAUSE_TIMER);
}

void
ioapic_announce_routes(struct ioapic *s)
{
	struct ioapic_pin_state	*p;
	unsigned		 pin;

	for (pin = 0; pin < s->pins; pin++) {
		p = &s->pin[pin].st;
		/*
		 * A masked level entry in flight with no known route (a state
		 * saved before routes were kept): route it as programmed, mask
		 * aside, so that the EOI that releases it reaches us.
		 */
		if ((p->rte & IOAPIC_RTE_MASK) && !p->routed &&
		    (p->rte & IOAPIC_RTE_REMOTE_IRR) &&
		    !ioapic_rte_reserved_delmod(p->rte)) {
			ioapic_rte_to_msi(p->rte, &p->route);
			p->routed = true;
		}
		if (p->rte & IOAPIC_RTE_MASK)
			ioapic_send_route(s, pin);
		else
			ioapic_update_route(s, pin);
	}
}

void
ioapic_resync(struct ioapic *s)
{
	unsigned	pin;

	/* 3.3.1 applied to every pin: a pending level line is delivered now. */
	for (pin = 0; pin < s->pins; pin++)
		ioapic_evaluate_pin(s, pin, IOAPIC_CAUSE_LINE);
}

void
ioapic_reset(struct ioapic *s)
{
	struct ioapic_pin_state	*p;
	unsigned		 pin;

	s->id = 0;
	s->ioregsel = 0;
	for (pin = 0; pin < s->pins; pin++) {
		p = &s->pin[pin].st;
		p->rte = IOAPIC_RTE_RESET;
		p->irr_vector = 0;
		p->storm_count = 0;
		p->throttled = false;
	}
	/* Every entry is masked now: routes stay as they are (no callback). */
}

unsigned
ioapic_pins(const struct ioapic *s)
{
	return s->pins;
}

bool
ioapic_pin_edge_static(const struct ioapic *s, unsigned pin, unsigned source,
    struct ioapic_msi *route)
{
	const struct ioapic_pin_state	*p;
	struct ioapic_msi		 msg;

	if (pin >= s->pins || source >= IOAPIC_MAX_SOURCES)
		return false;
	p = &s->pin[pin].st;
	if (p->rte & (IOAPIC_RTE_MASK | IOAPIC_RTE_TRIGGER))
		return false;
	if (ioapic_rte_reserved_delmod(p->rte) || !p->routed)
		return false;
	if ((p->sources & ~(1U << source)) != 0)
		return false;
	ioapic_rte_to_msi(p->rte, &msg);
	if (msg.address != p->route.address || msg.data != p->route.data)
		return false;
	*route = msg;
	return true;
}

int
ioapic_get_counters(const struct ioapic *s, unsigned pin,
    struct ioapic_pin_counters *c)
{
	if (pin >= s->pins)
		return -EINVAL;
	*c = s->pin[pin].cnt;
	return 0;
}

struct ioapic *
ioapic_create(const struct ioapic_config *cfg, const struct ioapic_ops *ops,
    void *opaque)
{
	struct ioapic	*s;
	unsigned	 pin;

	if (cfg == NULL || ops == NULL || cfg->pins == 0 ||
	    cfg->pins > IOAPIC_MAX_PINS ||
	    (cfg->version != IOAPIC_VERSION_82093AA &&
	    cfg->version != IOAPIC_VERSION_EOI) ||
	    ops->deliver == NULL || ops->route == NULL ||
	    ops->resample == NULL || ops->schedule == NULL ||
	    ops->guest_error == NULL) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof *s + cfg->pins * sizeof s->pin[0]);
	if (s == NULL)
		return NULL;
	s->ops = *ops;
	s->opaque = opaque;
	s->pins = cfg->pins;
	s->version = cfg->version;
	for (pin = 0; pin < s->pins; pin++)
		s->pin[pin].st.rte = IOAPIC_RTE_RESET;
	return s;
}

void
ioapic_destroy(struct ioapic *s)
{
	free(s);
}

void
ioapic_get_state(const struct ioapic *s, struct ioapic_state *st)
{
	unsigned	pin;

	memset(st, 0, sizeof *st);
	st->id = s->id;
	st->ioregsel = s->ioregsel;
	st->version = s->version;
	st->pins = s->pins;
	for (pin = 0; pin < s->pins; pin++)
		st->pin[pin] = s->pin[pin].st;
}

/*
 * An MSI the entry-to-route formula can produce: address 0xFEExxxxx with
 * bits 1:0 clear, data with only the vector, delivery mode and trigger.
 */
static bool
ioapic_msi_valid(const struct ioapic_msi *m)
{
	const uint64_t	addr_ok = IOAPIC_MSI_ADDR_BASE | 0xffff4ULL;
	const uint32_t	data_ok = IOAPIC_RTE_INTVEC_MASK |
	    (uint32_t)IOAPIC_RTE_DELMOD_MASK |
	    1U << IOAPIC_MSI_DATA_TRIGGER_SHIFT;

	return (m->address & ~addr_ok) == 0 &&
	    (m->address & IOAPIC_MSI_ADDR_BASE) == IOAPIC_MSI_ADDR_BASE &&
	    (m->data & ~data_ok) == 0;
}

/* A state this IOAPIC could have been in. */
static bool
ioapic_state_valid(const struct ioapic *s, const struct ioapic_state *st)
{
	const struct ioapic_pin_state	*p;
	unsigned			 pin;

	if (st->pins != s->pins || st->version != s->version)
		return false;
	if (st->id > IOAPIC_ID_MASK)
		return false;
	for (pin = 0; pin < st->pins; pin++) {
		p = &st->pin[pin];
		if (p->storm_count > IOAPIC_STORM_LIMIT)
			return false;
		/* Remote IRR and the storm timer belong to level entries. */
		if (!(p->rte & IOAPIC_RTE_TRIGGER) &&
		    ((p->rte & IOAPIC_RTE_REMOTE_IRR) || p->throttled))
			return false;
		/* A kept route is one the route formula can produce. */
		if (p->routed && !ioapic_msi_valid(&p->route))
			return false;
	}
	return true;
}

int
ioapic_set_state(struct ioapic *s, const struct ioapic_state *st)
{
	unsigned	pin;

	if (!ioapic_state_valid(s, st))
		return -EINVAL;
	s->id = st->id;
	s->ioregsel = st->ioregsel;
	for (pin = 0; pin < s->pins; pin++) {
		s->pin[pin].st = st->pin[pin];
		s->pin[pin].st.rte &= ~IOAPIC_RTE_DELIVS;
	}
	/* Routes are the caller's (announce_routes); the timer is ours. */
	for (pin = 0; pin < s->pins; pin++) {
		if (s->pin[pin].st.throttled)
			s->ops.schedule(s->opaque, pin, IOAPIC_STORM_DELAY_NS);
	}
	return 0;
}

/*
 * irqchipd client library, KVM half: runs in the VMM process.
 *
 * KVM refuses VM ioctls from any process but the VM's creator (api.rst,
 * "General description"), so
 * this code is irqchipd's hand inside the VMM: it owns the VM's GSI routing
 * table (the VMM's own MSI routes merged with the routes irqchipd asks for),
 * creates and binds the irqfd eventfds irqchipd injects through, and applies
 * the "effects" lists irqchipd returns (route, unroute, signal-msi, irq-line)
 * before the vCPU that caused them re-enters KVM_RUN (api.rst,
 * KVM_CAP_SPLIT_IRQCHIP).
 *
 * It builds on every Linux architecture. What it does depends on the host:
 * x86 wraps a VM with a split irqchip (IOAPIC pins as the reserved GSIs);
 * arm64 a VM with an in-kernel vGIC (irq-line effects drive SPI GSI + 32,
 * route and signal-msi effects must carry the ITS device ID); POWER applies
 * cpu-irq effects with KVM_INTERRUPT on the vCPU fds given with
 * irqchip_kvm_set_vcpu_fd. Elsewhere (s390x) create() fails and says why, as
 * it does where a capability the host needs is absent.
 *
 * Return convention as in irqchip.h: 0 or a negative errno, and *cause (may be
 * NULL) receives a malloc'ed sentence to free.
 *
 * Threads: every function may be called from any thread (vCPU threads
 * concurrently). Forwarded operations are serialised per VM from the request
 * to the end of applying its effects, so route changes from two vCPUs are
 * applied in the order irqchipd produced them.
 */
#ifndef IRQCHIP_KVM_H
#define IRQCHIP_KVM_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "irqchip.h"

#ifdef __cplusplus
extern "C" {
#endif

struct irqchip_kvm;

/*
 * The VMM advertised KVM_FEATURE_MSI_EXT_DEST_ID (CPUID 0x40000001 EAX bit 15):
 * move address_lo[11:5] to address_hi[14:8] in routes and signal-msi effects
 * when address_lo bit 4 = 0 and address_hi = 0 (api.rst,
 * KVM_FEATURE_MSI_EXT_DEST_ID).
 */
#define IRQCHIP_KVM_EXT_DEST_ID 0x1u
/*
 * Accept routes and signal-msi effects with the SMI, NMI or INIT delivery
 * mode. An IOAPIC entry can select them, but few guests do, and without
 * this flag a compromised irqchipd cannot send them to vCPUs.
 */
#define IRQCHIP_KVM_ALLOW_SPECIAL_DELIVERY 0x2u

/*
 * How the VM's guests EOI level interrupts of the IOAPICs, chosen with
 * KVM_ENABLE_CAP(KVM_CAP_X2APIC_API) (Documentation/virt/kvm/api.rst).
 */
enum irqchip_kvm_eoi_mode {
	/* KVM offers no choice: it advertises directed EOI to x2APIC guests
	   and still exits on their EOIs, so such a guest EOIs twice. */
	IRQCHIP_KVM_EOI_LEGACY,
	/* KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST: a guest that sets SVR bit
	   12 gets no EOI exits and EOIs at the IOAPIC's EOI register (0x20). */
	IRQCHIP_KVM_EOI_DIRECTED,
	/* KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST: directed EOI is not
	   offered; every EOI is a broadcast exit (IOAPICs of version 0x11). */
	IRQCHIP_KVM_EOI_BROADCAST,
};

/*
 * Chooses directed EOI for IOAPICs of version 0x20 (they have the EOI
 * register) and broadcast EOIs for version 0x11, when KVM offers the choice
 * (KVM_CHECK_EXTENSION(KVM_CAP_X2APIC_API) on the VM fd, which reports the
 * flags only once KVM_CAP_SPLIT_IRQCHIP is enabled). Call after enabling the
 * split irqchip and before creating vCPUs. x2apic_flags are the VM's other
 * KVM_CAP_X2APIC_API flags (KVM_X2APIC_API_USE_32BIT_IDS...), enabled in the
 * same call since the call sets them all; 0 for none. *chosen (may be NULL)
 * says what was set: LEGACY when KVM lacks both flags. -EINVAL for another
 * ioapic_version.
 */
int irqchip_kvm_setup_eoi(int vm_fd, unsigned ioapic_version, uint64_t x2apic_flags,
    enum irqchip_kvm_eoi_mode *chosen, char **cause);
/* "legacy", "directed" or "broadcast". */
const char *irqchip_kvm_eoi_mode_name(enum irqchip_kvm_eoi_mode);

/* Counters for people and tests. */
struct irqchip_kvm_stats {
	uint64_t commits;    /* KVM_SET_GSI_ROUTING calls */
	uint64_t signal_msi; /* KVM_SIGNAL_MSI calls */
	uint64_t msi_lost;   /* ... that reached no LAPIC (0, or -1 with EPERM) */
	uint64_t irq_line;   /* KVM_IRQ_LINE calls */
	uint64_t effects;    /* effects applied */
	uint64_t binds;	     /* notifier eventfds bound with KVM_IRQFD (bypass) */
	uint64_t unbinds;    /* ... and deassigned */
	uint64_t route_commits; /* route-commit acknowledgements sent */
};

/*
 * Capabilities to pass to irqchip_client_negotiate on the client this
 * library will drive: "route-commit" (irqchipd holds irqfd deliveries on a
 * GSI whose new route this library has not yet given KVM, and the library
 * acknowledges each such reply). NULL-terminated.
 */
extern const char *const irqchip_kvm_capabilities[];

/*
 * Wraps a VM created with KVM_CAP_SPLIT_IRQCHIP (reserved_routes = the value
 * given to KVM_ENABLE_CAP, the IOAPIC pins whose EOIs exit: a level-triggered
 * route irqchipd asks for must lie below it, see irqchip_kvm_apply_effects). Checks that the
 * VM has a split irqchip (KVM_GET_IRQCHIP fails with ENXIO, KVM_IRQ_LINE
 * works) and the IRQ_ROUTING, IRQFD and SIGNAL_MSI capabilities. client may
 * be NULL and set later. Neither vm_fd nor client is owned.
 */
int irqchip_kvm_create(struct irqchip_client *client, int vm_fd, unsigned reserved_routes,
    unsigned flags, struct irqchip_kvm **out, char **cause);
/*
 * Deassigns and closes every irqfd (telling irqchipd with irqfd-del when a
 * client is attached and still connected) and frees. The routing table in the
 * VM is left as it is.
 */
void irqchip_kvm_destroy(struct irqchip_kvm *);

struct irqchip_client *irqchip_kvm_client(const struct irqchip_kvm *);
/*
 * Attach a new client (a fresh or resumed irqchipd) and hand it every irqfd
 * bound so far with irqfd-add. The routes irqchipd asked for stay in force
 * until the new daemon replaces them (chip-load returns a route for every pin).
 *
 * client NULL detaches: until a client is attached again, forwarded
 * operations (irqchip_kvm_call and the helpers built on it) wait, so the vCPUs
 * that need irqchipd pause while it is replaced. To replace a daemon: detach,
 * chip-save on the old client, start the new one, chip-add and chip-load on
 * it directly (applying the reply with irqchip_kvm_apply_effects), then
 * attach it; an EOI that arrived meanwhile then reaches the restored state.
 */
int irqchip_kvm_set_client(struct irqchip_kvm *, struct irqchip_client *, char **cause);

void irqchip_kvm_get_stats(struct irqchip_kvm *, struct irqchip_kvm_stats *);
/*
 * The route the library holds for gsi (what the last commit gave KVM, or will
 * give it): 0 and the MSI address and data, or -ENOENT if gsi has none.
 */
int irqchip_kvm_get_route(struct irqchip_kvm *, unsigned gsi, uint64_t *address,
    uint32_t *data);

/*
 * POWER: the fd of vCPU cpu (not owned; -1 forgets it), the target of
 * cpu-irq effects for that cpu, which raise and lower its external interrupt
 * line with KVM_INTERRUPT. -EOPNOTSUPP on other hosts, whose vCPUs have no
 * such line for irqchipd to drive.
 */
int irqchip_kvm_set_vcpu_fd(struct irqchip_kvm *, unsigned cpu, int vcpu_fd, char **cause);

/*
 * Effects the VMM applies itself, for chips whose output is not a KVM GSI:
 *   cpu_irq      a POWER presenter's output, a CPU's external interrupt line
 *                (xics, xive) for a VMM that owns its CPUs; without it a POWER
 *                host applies it with KVM_INTERRUPT on the vCPU fd given above;
 *   lpi          an LPI a GICv3 ITS translated, for the VMM that owns the
 *                redistributors (intid is 8192 or more);
 *   its_command  the redistributor-side work of an ITS command, in queue order:
 *                the effect's object, {"command": "INV" | "INVALL" | "CLEAR" |
 *                "MOVI" | "MOVALL" | "DISCARD" | "SYNC", ...} (see
 *                irqchipd-protocol(7)), borrowed for the call.
 * A callback returns 0 or a negative errno, which stops the effects after it
 * and is returned with a reason. An effect whose callback is absent (and, for
 * cpu-irq, that the host cannot apply) is refused before anything is applied.
 */
struct irqchip_kvm_callbacks {
	int (*cpu_irq)(void *opaque, unsigned cpu, int level);
	int (*lpi)(void *opaque, uint32_t intid, uint32_t target, uint32_t device,
	    uint32_t event);
	int (*its_command)(void *opaque, json_object *command);
	void *opaque;
};
/* Sets (a copy of) the callbacks; NULL clears them. */
void irqchip_kvm_set_callbacks(struct irqchip_kvm *, const struct irqchip_kvm_callbacks *);

/*
 * The VMM's own MSI routes (its devices' MSI/MSI-X vectors). A GSI belongs to
 * whoever routed it first: -EEXIST if irqchipd routes it. Each call commits.
 * devid is used only when KVM_CAP_MSI_DEVID is present (valid_devid).
 */
int irqchip_kvm_set_route(struct irqchip_kvm *, unsigned gsi, uint64_t address,
    uint32_t data, bool valid_devid, uint32_t devid, char **cause);
int irqchip_kvm_del_route(struct irqchip_kvm *, unsigned gsi, char **cause);

/*
 * For each GSI first..first+count-1: create an eventfd, bind it with KVM_IRQFD
 * and hand it to irqchipd with irqfd-add. The library keeps its copy until
 * unbind (KVM holds its own reference, irqchipd another; keeping ours lets
 * set_client re-send it and unbind deassign it). -EEXIST if one is bound.
 */
int irqchip_kvm_bind_irqfds(
    struct irqchip_kvm *, unsigned first_gsi, unsigned count, char **cause);
/* irqfd-del, KVM_IRQFD_FLAG_DEASSIGN and close, for each bound GSI in the range. */
int irqchip_kvm_unbind_irqfds(
    struct irqchip_kvm *, unsigned first_gsi, unsigned count, char **cause);
/* The eventfd bound to gsi (still owned by the library), or -ENOENT. */
int irqchip_kvm_irqfd(struct irqchip_kvm *, unsigned gsi);

/*
 * A device's eventfd wired to a chip input (notifier-add). resample_fd -1:
 * an edge input, each write one edge; otherwise a level input asserted by a
 * write until the line's EOI, which writes resample_fd. The library keeps a
 * duplicate of each (the caller keeps its own fds) and re-registers them
 * with a new client in irqchip_kvm_set_client.
 *
 * Kernel bypass: an edge notifier is registered with "bypass". While its
 * input is static (an unmasked edge IOAPIC entry) irqchipd answers with a
 * "bind" effect and the library binds its copy to the input's GSI with
 * KVM_IRQFD: the device's writes then reach the guest without waking
 * irqchipd. An "unbind" in the reply to the guest's write that masks,
 * retargets or re-triggers the entry deassigns it before the write completes.
 * -EEXIST if chip_id/line already has one.
 */
int irqchip_kvm_add_notifier(struct irqchip_kvm *, const char *chip_id, unsigned line,
    int fd, int resample_fd, char **cause);
/* notifier-del, then the library's copies are unbound and closed; -ENOENT if none. */
int irqchip_kvm_del_notifier(struct irqchip_kvm *, const char *chip_id, unsigned line,
    char **cause);
/* The GSI the notifier's eventfd is bound to (bypass), -1 if none, -ENOENT if no notifier. */
int irqchip_kvm_notifier_bound(struct irqchip_kvm *, const char *chip_id, unsigned line);

/*
 * Applies an "effects" array (borrowed; NULL = nothing) in order. Everything is
 * validated first: an unknown kind or a bad field applies nothing and returns
 * -EPROTO. The effects applied, and what each must satisfy:
 *   route {gsi, address, data, devid?}: a KVM_SET_GSI_ROUTING MSI entry;
 *   unroute {gsi}: removes a route irqchipd set (others are left alone);
 *   signal-msi {address, data, devid?}: KVM_SIGNAL_MSI;
 *   irq-line {gsi, level}: KVM_IRQ_LINE;
 *   bind {id, line, gsi}: KVM_IRQFD of the copy of a notifier registered with
 *     irqchip_kvm_add_notifier, after the routes before it are committed; the
 *     GSI must carry an edge route of irqchipd's;
 *   unbind {id, line}: KVM_IRQFD_FLAG_DEASSIGN of that copy (if bound).
 * A route or irq-line GSI must lie in a range irqchipd's chips announce in
 * query-chips ("gsis"; read again when a GSI is not found), or, before any
 * client has reported one, below reserved_routes; never on a VMM route. On
 * x86 an address must lie in the MSI window 0xfee00000-0xfeefffff, the data
 * have no reserved bit (31:16) or delivery mode (3, 6), SMI, NMI and INIT
 * only with IRQCHIP_KVM_ALLOW_SPECIAL_DELIVERY, and a level-triggered route
 * (data bit 15) lie below reserved_routes, where KVM exits on its EOI. Route changes are batched into one KVM_SET_GSI_ROUTING, committed
 * before any signal-msi or irq-line that follows them and at the end.
 * It does not acknowledge a reply's "commit" token (irqchip_kvm_call does):
 * a VMM that applies a reply itself sends route-commit with that token
 * afterwards, or irqchipd keeps holding deliveries on those GSIs.
 */
int irqchip_kvm_apply_effects(struct irqchip_kvm *, json_object *effects, char **cause);

/*
 * Executes command (args borrowed, may be NULL; fds stay the caller's) and
 * applies the reply's "effects" before returning. *ret (may be NULL) receives
 * the return object. The forwarding helpers below are built on it; a vCPU
 * thread calls them synchronously before re-entering KVM_RUN.
 */
int irqchip_kvm_call(struct irqchip_kvm *, const char *command, json_object *args,
    const int *fds, unsigned nfds, json_object **ret, char **cause);

/* A guest access in a chip's MMIO window: mmio-read (fills *value) or mmio-write. */
int irqchip_kvm_mmio(struct irqchip_kvm *, const char *chip_id, uint64_t offset,
    unsigned size, bool is_write, uint64_t *value, char **cause);
/* An EOI broadcast for vector: "eoi". */
int irqchip_kvm_eoi(struct irqchip_kvm *, uint8_t vector, char **cause);
/* An input line's level (line-set) or an edge on it (line-pulse). */
int irqchip_kvm_line(
    struct irqchip_kvm *, const char *chip_id, unsigned line, int level, char **cause);
int irqchip_kvm_pulse(
    struct irqchip_kvm *, const char *chip_id, unsigned line, char **cause);

/*
 * An MSI write a device model made (msi): the chip whose MSI window holds
 * address takes it; has_source gives the writer's device or requester ID.
 */
int irqchip_kvm_msi(struct irqchip_kvm *, uint64_t address, uint32_t data, bool has_source,
    uint32_t source, char **cause);
/*
 * A POWER hypervisor call (hcall) from cpu with nargs (at most 9) arguments:
 * *ret is the return code and values[0..*nvalues-1] the values returned
 * from r4 on (room for IRQCHIP_KVM_HCALL_VALUES).
 */
#define IRQCHIP_KVM_HCALL_VALUES 16
int irqchip_kvm_hcall(struct irqchip_kvm *, unsigned cpu, uint64_t opcode,
    const uint64_t *args, unsigned nargs, int64_t *ret, uint64_t *values,
    unsigned *nvalues, char **cause);

/*
 * Shared-memory rings (irqchipd-protocol(7), "THE RING"; the layout is
 * irqchip-ring.h): the fast path for a vCPU thread's forwarded operations.
 *
 * irqchip_kvm_ring_create makes a ring for the calling thread on this VM (a
 * sealed memfd and a doorbell eventfd) and hands it to irqchipd with
 * ring-add. From then on irqchip_kvm_mmio, _eoi, _line, _pulse, _msi and
 * _hcall called on that thread use the ring: the same operations with the
 * same results and effects (validated and applied exactly as a JSON reply's)
 * and the same serialisation, without a system call while irqchipd polls.
 * Other threads, and a daemon without rings (CommandNotFound), use JSON.
 * irqchip_kvm_set_client adds every ring to the new client again. nslots is
 * a power of two up to 4096 (0: IRQCHIP_KVM_RING_DEFAULT_SLOTS); -EEXIST if
 * the thread has a ring on this VM.
 *
 * irqchip_kvm_ring_destroy tells irqchipd with ring-del and frees the ring;
 * call it before irqchip_kvm_destroy, which otherwise only releases the
 * ring's memory and descriptors, leaving the struct for
 * irqchip_kvm_ring_destroy. Called from another thread than the ring's, it
 * releases everything but the struct, which the ring's thread frees at its
 * next forwarded operation. A thread that ends destroys its ring first.
 */
#define IRQCHIP_KVM_RING_DEFAULT_SLOTS 64
struct irqchip_kvm_ring;
int irqchip_kvm_ring_create(struct irqchip_kvm *, unsigned nslots,
    struct irqchip_kvm_ring **out, char **cause);
void irqchip_kvm_ring_destroy(struct irqchip_kvm_ring *);
/* The id irqchipd gave it (ring-add's "ring"), or 0 while it is not added. */
unsigned irqchip_kvm_ring_id(const struct irqchip_kvm_ring *);
struct irqchip_kvm_ring_stats {
	uint64_t records;     /* records published */
	uint64_t doorbells;   /* ... that found irqchipd asleep and rang */
	uint64_t futex_waits; /* replies waited for asleep (after spinning) */
	uint64_t spills;      /* replies that came over the socket */
};
void irqchip_kvm_ring_get_stats(const struct irqchip_kvm_ring *,
    struct irqchip_kvm_ring_stats *);
/*
 * For throughput: post many line pulses, line levels or MSIs on the calling
 * thread's ring without waiting, then irqchip_kvm_ring_flush waits for all
 * of them and applies their effects in order. The VM's lock is held from the
 * first post to the flush (other threads' forwarded operations wait), so the
 * thread must flush soon and must not detach the client in between. A full
 * ring waits for its oldest record first. Without a ring, a post is the
 * synchronous operation. Flush returns the first failure among the posted
 * records (the others are still applied).
 */
int irqchip_kvm_ring_post_pulse(struct irqchip_kvm *, const char *chip_id, unsigned line,
    char **cause);
int irqchip_kvm_ring_post_line(struct irqchip_kvm *, const char *chip_id, unsigned line,
    int level, char **cause);
int irqchip_kvm_ring_post_msi(struct irqchip_kvm *, uint64_t address, uint32_t data,
    char **cause);
int irqchip_kvm_ring_flush(struct irqchip_kvm *, char **cause);

/*
 * Makes the forwarded operations the calling thread performs until
 * batch_end one unit: other threads' forwarded operations (a vCPU's EOI)
 * wait until it ends. For a device model that asserts and deasserts a level
 * line as one pulse, so that no EOI can fall between the two and find the
 * line still high. Batches nest; the thread must not detach the client inside.
 */
void irqchip_kvm_batch_begin(struct irqchip_kvm *);
void irqchip_kvm_batch_end(struct irqchip_kvm *);

/*
 * An event from irqchip_client_next_event (borrowed): applies data.effects
 * if present, and performs KVM_SIGNAL_MSI for an "interrupt" event that carries
 * "address" and "data". Other events: 0, nothing done.
 */
int irqchip_kvm_handle_event(struct irqchip_kvm *, json_object *event, char **cause);

#ifdef __cplusplus
}
#endif

#endif

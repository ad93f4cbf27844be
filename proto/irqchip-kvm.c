/*
 * Client library, KVM half (irqchip-kvm.h): the VM's GSI routing table, the
 * irqfds irqchipd injects through, and the effects irqchipd asks for.
 *
 * Only the process that created the VM may call its ioctls (api.rst,
 * "General description"), so every KVM call the daemon needs happens here.
 * KVM_SET_GSI_ROUTING replaces the whole table (api.rst), so this file is its
 * only writer and merges the VMM's routes with irqchipd's. Routes must be
 * committed before the vCPU that changed them re-enters the guest (api.rst,
 * KVM_CAP_SPLIT_IRQCHIP), and before a signal-msi that follows
 * them in the same effects list.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "irqchip.h"
#include "wire.h"
#include "irqchip-kvm.h"
#include "libirqchip-private.h"

/*
 * What each host architecture's KVM gives this library (the KVM API,
 * Documentation/virt/kvm/api.rst):
 *   x86:     split irqchip (KVM_CAP_SPLIT_IRQCHIP), MSI routes, KVM_IRQ_LINE
 *            with irq = GSI; the IOAPIC's pins are the reserved GSIs.
 *   arm64:   an in-kernel vGIC. KVM_IRQ_LINE's irq is type | vcpu | irq_id,
 *            and an irq-line effect's GSI n is SPI n + 32 (the numbering of
 *            the vGIC's default GSI routing); MSIs reach the in-kernel ITS,
 *            which translates by device ID (KVM_MSI_VALID_DEVID). Not yet:
 *            the table commit() writes holds MSI routes only and so replaces
 *            that default; an irqfd on arm64 needs an MSI route.
 *   powerpc: KVM_INTERRUPT on a vCPU raises or lowers its external interrupt
 *            line (cpu-irq effects, for an irqchipd that is the XICS/XIVE).
 *   others (s390x): none of these; irqchip_kvm_create says so.
 */
#if defined(__x86_64__) || defined(__i386__)
#define KVM_ARCH_X86 1
#elif defined(__aarch64__)
#define KVM_ARCH_ARM64 1
/* api.rst KVM_IRQ_LINE: SPI irq_ids are 32..1019, so GSIs 0..987. */
#define ARM64_SPI_BASE 32
#define ARM64_SPI_LAST 1019
#elif defined(__powerpc64__)
#define KVM_ARCH_PPC 1
#endif
#if !defined(KVM_ARCH_X86) && !defined(KVM_ARCH_ARM64) && !defined(KVM_ARCH_PPC)
#define KVM_ARCH_NONE 1
#endif

/* As many ranges as irqchipd has chips (max-chips in its limits). */
#define IRQCHIP_KVM_MAX_RANGES 64

/* uapi: GSIs must be below KVM_MAX_IRQ_ROUTES (4096) (api.rst, KVM_SET_GSI_ROUTING). */
#define KVM_ROUTES_MAX 4096
/* cpu-irq targets: vCPU numbers below this (POWER). */
#define IRQCHIP_KVM_MAX_CPUS 16384

enum route_owner {
	OWNER_NONE,
	OWNER_VMM,
	OWNER_DAEMON,
};

struct route {
	enum route_owner owner;
	uint32_t address_lo;
	uint32_t address_hi;
	uint32_t data;
	uint32_t flags; /* KVM_MSI_VALID_DEVID */
	uint32_t devid;
};

struct irqfd {
	unsigned gsi;
	int fd;
};

/* A device eventfd registered with irqchip_kvm_add_notifier: our copy of it. */
struct notifier {
	char id[64];
	unsigned line;
	int fd;		 /* our duplicate */
	int resample_fd; /* our duplicate, or -1 (edge) */
	int level;
	int bound_gsi; /* bound with KVM_IRQFD on irqchipd's "bind", or -1 */
};

struct irqchip_kvm {
	pthread_mutex_t lock;	 /* everything below; held from request to last effect */
	pthread_cond_t attached; /* a client was attached after a detach */
	struct irqchip_client *client;
	int detached; /* set_client(NULL): forwarded operations wait */
	int vm_fd;
	unsigned reserved_routes;
	unsigned flags;
	int have_devid; /* KVM_CAP_MSI_DEVID */

	struct route *routes; /* indexed by GSI, KVM_ROUTES_MAX entries */
	unsigned nroutes;     /* entries with an owner */
	int dirty;	      /* routes differ from what KVM has */

	struct irqfd *irqfds;
	unsigned nirqfds;

	struct notifier *notifiers;
	unsigned nnotifiers;

	int *vcpu_fds; /* POWER: cpu-irq targets by cpu number, -1 = none */
	unsigned nvcpu_fds;
	struct irqchip_kvm_callbacks cb; /* effects the VMM applies itself */
	/* GSI ranges the daemon's chips announced (query-chips), [base, base+count). */
	unsigned gsi_ranges[IRQCHIP_KVM_MAX_RANGES][2];
	unsigned ngsi_ranges;
	int gsi_ranges_known;

	struct irqchip_kvm_stats stats;
	struct irqchip_kvm_ring *rings; /* ring.c's, one per producer thread */
};

/* One effect, parsed and validated before anything is applied. */
enum effect_kind {
	EFFECT_ROUTE,
	EFFECT_UNROUTE,
	EFFECT_SIGNAL_MSI,
	EFFECT_IRQ_LINE,
	EFFECT_CPU_IRQ,
	EFFECT_LPI,
	EFFECT_ITS_COMMAND,
	EFFECT_BIND,
	EFFECT_UNBIND,
};

struct effect {
	enum effect_kind kind;
	unsigned gsi;
	unsigned cpu; /* cpu-irq */
	uint64_t address;
	uint32_t data;
	int has_devid;
	uint32_t devid;
	int level;
	uint32_t intid, target, device, event; /* lpi */
	json_object *body; /* its-command, borrowed from the list */
	int notifier;	   /* bind, unbind: index into notifiers */
	const char *chip;  /* bind, unbind: borrowed from the list */
	unsigned line;	   /* bind, unbind */
};

static int call_apply_locked(struct irqchip_kvm *, const char *command, json_object *args,
    const int *fds, unsigned nfds, json_object **reply, char **cause);

/* Prefixes an existing *cause with context, keeping rc. */
static int
wrap_cause(char **cause, int rc, const char *what)
{
	char *inner;

	if (cause == NULL)
		return rc;
	inner = *cause;
	*cause = NULL;
	wire_set_cause(cause, rc, "%s: %s", what, inner != NULL ? inner : strerror(-rc));
	free(inner);
	return rc;
}

/*
 * KVM never decodes address_lo[11:5] (api.rst, KVM_FEATURE_MSI_EXT_DEST_ID);
 * a guest told about the extended destination ID puts dest 14:8 there, and the VMM moves it to
 * address_hi[14:8] for KVM (QEMU kvm_swizzle_msi_ext_dest_id).
 */
static uint64_t
swizzle(const struct irqchip_kvm *kvm, uint64_t address)
{
	uint64_t ext;

	if (!(kvm->flags & IRQCHIP_KVM_EXT_DEST_ID))
		return address;
	if ((address >> 32) != 0 || (address & 0x10) != 0)
		return address;
	ext = (address >> 5) & 0x7f;
	address &= ~(uint64_t)(0x7f << 5);
	return address | (ext << 40);
}

/* KVM_SET_GSI_ROUTING with every owned entry; called with the lock held. */
static int
commit(struct irqchip_kvm *kvm, char **cause)
{
	struct kvm_irq_routing *table;
	struct kvm_irq_routing_entry *e;
	unsigned gsi, n = 0;
	int rc = 0;

	if (!kvm->dirty)
		return 0;
	table =
	    calloc(1, sizeof *table + (size_t)kvm->nroutes * sizeof table->entries[0]);
	if (table == NULL)
		return wire_set_cause(cause, -ENOMEM, "out of memory");
	for (gsi = 0; gsi < KVM_ROUTES_MAX && n < kvm->nroutes; gsi++) {
		if (kvm->routes[gsi].owner == OWNER_NONE)
			continue;
		e = &table->entries[n++];
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->flags = kvm->routes[gsi].flags;
		e->u.msi.address_lo = kvm->routes[gsi].address_lo;
		e->u.msi.address_hi = kvm->routes[gsi].address_hi;
		e->u.msi.data = kvm->routes[gsi].data;
		e->u.msi.devid = kvm->routes[gsi].devid;
	}
	table->nr = n;
	if (ioctl(kvm->vm_fd, KVM_SET_GSI_ROUTING, table) < 0)
		rc = wire_set_cause(cause, -errno, "KVM_SET_GSI_ROUTING (%u entries): %s", n,
		    strerror(errno));
	else {
		kvm->dirty = 0;
		kvm->stats.commits++;
	}
	free(table);
	return rc;
}

static void
route_store(struct irqchip_kvm *kvm, unsigned gsi, enum route_owner owner,
    uint64_t address, uint32_t data, int valid_devid, uint32_t devid)
{
	struct route *r = &kvm->routes[gsi], n;

	address = swizzle(kvm, address);
	memset(&n, 0, sizeof n);
	n.owner = owner;
	n.address_lo = (uint32_t)address;
	n.address_hi = (uint32_t)(address >> 32);
	n.data = data;
	/* api.rst, KVM_SIGNAL_MSI: VALID_DEVID only where KVM_CAP_MSI_DEVID says it is understood.
	 */
	n.flags = (valid_devid && kvm->have_devid) ? KVM_MSI_VALID_DEVID : 0;
	n.devid = n.flags ? devid : 0;
	/*
	 * An unchanged route costs nothing: each KVM_SET_GSI_ROUTING waits for SRCU
	 * and makes every vCPU rescan its EOI-exit bitmap (api.rst, KVM_SET_GSI_ROUTING).
	 */
	if (memcmp(r, &n, sizeof n) == 0)
		return;
	if (r->owner == OWNER_NONE)
		kvm->nroutes++;
	*r = n;
	kvm->dirty = 1;
}

static void
route_clear(struct irqchip_kvm *kvm, unsigned gsi)
{
	struct route *r = &kvm->routes[gsi];

	if (r->owner == OWNER_NONE)
		return;
	memset(r, 0, sizeof *r);
	kvm->nroutes--;
	kvm->dirty = 1;
}

int
irqchip_kvm_create(struct irqchip_client *client, int vm_fd, unsigned reserved_routes,
    unsigned flags, struct irqchip_kvm **out, char **cause)
{
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
#if defined(KVM_ARCH_PPC)
	    /* api.rst KVM_INTERRUPT: level semantics (SET_LEVEL, UNSET) need it. */
	    {KVM_CAP_PPC_IRQ_LEVEL, "KVM_CAP_PPC_IRQ_LEVEL"},
#else
	    {KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING"},
	    {KVM_CAP_IRQFD, "KVM_CAP_IRQFD"},
	    {KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI"},
#endif
	};
	struct irqchip_kvm *kvm;
#if defined(KVM_ARCH_X86)
	struct kvm_irqchip chip;
	struct kvm_irq_level line;
#endif
	pthread_mutexattr_t attr;
	unsigned i;
	int rc;

	*out = NULL;
	if (reserved_routes > KVM_ROUTES_MAX)
		return wire_set_cause(cause, -EINVAL, "reserved_routes %u is above %u",
		    reserved_routes, KVM_ROUTES_MAX);
#if defined(KVM_ARCH_NONE)
	return wire_set_cause(cause, -ENOTSUP,
	    "irqchipd's KVM glue knows x86 (split irqchip), arm64 (vGIC) and POWER "
	    "(KVM_INTERRUPT) hosts; this one is %s", HOST_CPU);
#elif !defined(KVM_ARCH_X86)
	if (reserved_routes != 0)
		return wire_set_cause(cause, -EINVAL,
		    "reserved_routes %u: IOAPIC pin routes belong to x86's split irqchip, "
		    "which this %s host does not have (pass 0)", reserved_routes, HOST_CPU);
	if (flags & IRQCHIP_KVM_EXT_DEST_ID)
		return wire_set_cause(cause, -EINVAL,
		    "IRQCHIP_KVM_EXT_DEST_ID is an x86 MSI format; this host is %s",
		    HOST_CPU);
#endif
	for (i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		rc = ioctl(vm_fd, KVM_CHECK_EXTENSION, caps[i].cap);
		if (rc < 0)
			return wire_set_cause(cause, -errno, "KVM_CHECK_EXTENSION(%s): %s",
			    caps[i].name, strerror(errno));
		if (rc == 0)
			return wire_set_cause(
			    cause, -ENOTSUP, "this KVM lacks %s", caps[i].name);
	}

#if defined(KVM_ARCH_X86)
	/*
	 * api.rst, KVM_CAP_SPLIT_IRQCHIP: a split irqchip has the LAPICs in the kernel but no PIC or
	 * IOAPIC there. KVM_GET_IRQCHIP fails with ENXIO unless the irqchip is fully
	 * in-kernel; KVM_IRQ_LINE fails with ENXIO when there is no irqchip at all.
	 */
	memset(&chip, 0, sizeof chip);
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	if (ioctl(vm_fd, KVM_GET_IRQCHIP, &chip) == 0)
		return wire_set_cause(cause, -EINVAL,
		    "the VM has a full in-kernel irqchip "
		    "(KVM_CREATE_IRQCHIP): irqchipd needs KVM_CAP_SPLIT_IRQCHIP instead");
	if (errno != ENXIO)
		return wire_set_cause(
		    cause, -errno, "KVM_GET_IRQCHIP probe: %s", strerror(errno));
	memset(&line, 0, sizeof line);
	if (ioctl(vm_fd, KVM_IRQ_LINE, &line) < 0) {
		if (errno == ENXIO)
			return wire_set_cause(cause, -ENXIO,
			    "the VM has no irqchip: enable "
			    "KVM_CAP_SPLIT_IRQCHIP before creating vCPUs");
		return wire_set_cause(
		    cause, -errno, "KVM_IRQ_LINE probe: %s", strerror(errno));
	}
#endif

	kvm = calloc(1, sizeof *kvm);
	if (kvm == NULL)
		return wire_set_cause(cause, -ENOMEM, "out of memory");
	kvm->routes = calloc(KVM_ROUTES_MAX, sizeof *kvm->routes);
	if (kvm->routes == NULL) {
		free(kvm);
		return wire_set_cause(cause, -ENOMEM, "out of memory");
	}
	/* Recursive: a batch (batch_begin) holds it around the calls that take it again.
	 */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&kvm->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_cond_init(&kvm->attached, NULL);
	kvm->client = client;
	kvm->vm_fd = vm_fd;
	kvm->reserved_routes = reserved_routes;
	kvm->flags = flags;
	kvm->have_devid = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MSI_DEVID) > 0;
	*out = kvm;
	return 0;
}

/*
 * Directed EOI under split irqchip (api.rst, KVM_CAP_X2APIC_API): newer
 * uapi headers define these; older ones (Debian 12's) do not.
 */
#ifndef KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST
#define KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST (1ULL << 2)
#endif
#ifndef KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST
#define KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST (1ULL << 3)
#endif
#define IOAPIC_VERSION_82093AA 0x11
#define IOAPIC_VERSION_EOI 0x20

int
irqchip_kvm_setup_eoi(int vm_fd, unsigned ioapic_version, uint64_t x2apic_flags,
    enum irqchip_kvm_eoi_mode *chosen, char **cause)
{
	struct kvm_enable_cap cap;
	enum irqchip_kvm_eoi_mode mode;
	uint64_t want;
	int offered;

	if (chosen != NULL)
		*chosen = IRQCHIP_KVM_EOI_LEGACY;
	if (ioapic_version == IOAPIC_VERSION_EOI) {
		want = KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST;
		mode = IRQCHIP_KVM_EOI_DIRECTED;
	} else if (ioapic_version == IOAPIC_VERSION_82093AA) {
		want = KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST;
		mode = IRQCHIP_KVM_EOI_BROADCAST;
	} else
		return wire_set_cause(cause, -EINVAL, "IOAPIC version 0x%x: 0x11 or 0x20 "
		    "expected", ioapic_version);
	/* The capability returns the flags this KVM accepts (0 if it has none). */
	offered = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API);
	if (offered < 0)
		return wire_set_cause(cause, -errno, "KVM_CHECK_EXTENSION(KVM_CAP_X2APIC_API): "
		    "%s", strerror(errno));
	if (((uint64_t)offered & want) == 0) {
		want = 0;
		mode = IRQCHIP_KVM_EOI_LEGACY;
	}
	if ((want | x2apic_flags) != 0) {
		memset(&cap, 0, sizeof cap);
		cap.cap = KVM_CAP_X2APIC_API;
		cap.args[0] = want | x2apic_flags;
		if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0)
			return wire_set_cause(cause, -errno, "KVM_ENABLE_CAP(KVM_CAP_X2APIC_API, "
			    "0x%llx): %s", (unsigned long long)cap.args[0], strerror(errno));
	}
	if (chosen != NULL)
		*chosen = mode;
	return 0;
}

const char *
irqchip_kvm_eoi_mode_name(enum irqchip_kvm_eoi_mode mode)
{
	switch (mode) {
	case IRQCHIP_KVM_EOI_DIRECTED:
		return "directed";
	case IRQCHIP_KVM_EOI_BROADCAST:
		return "broadcast";
	case IRQCHIP_KVM_EOI_LEGACY:
		break;
	}
	return "legacy";
}

/* KVM_IRQFD (api.rst): binds eventfd fd to gsi, or with deassign unbinds it; 0 or -errno. */
static int
kvm_irqfd(const struct irqchip_kvm *kvm, int fd, unsigned gsi, bool deassign)
{
	struct kvm_irqfd req;

	memset(&req, 0, sizeof req);
	req.fd = (uint32_t)fd;
	req.gsi = gsi;
	req.flags = deassign ? KVM_IRQFD_FLAG_DEASSIGN : 0;
	return ioctl(kvm->vm_fd, KVM_IRQFD, &req) < 0 ? -errno : 0;
}

/* Tells irqchipd (best effort) and KVM that gsi's irqfd is gone; lock held. */
static int
irqfd_release(struct irqchip_kvm *kvm, unsigned idx, int tell_daemon, char **cause)
{
	struct irqfd *f = &kvm->irqfds[idx];
	json_object *args, *ret = NULL;
	int rc = 0, rc2;

	if (tell_daemon && kvm->client != NULL) {
		args = json_object_new_object();
		json_object_object_add(args, "gsi", json_object_new_int64(f->gsi));
		rc = irqchip_client_call(
		    kvm->client, "irqfd-del", args, NULL, 0, &ret, NULL, cause);
		json_object_put(args);
		json_object_put(ret);
		if (rc < 0)
			rc = wrap_cause(cause, rc, "irqfd-del");
	}
	if ((rc2 = kvm_irqfd(kvm, f->fd, f->gsi, true)) < 0) {
		if (rc == 0)
			rc = wire_set_cause(cause, rc2, "KVM_IRQFD deassign (GSI %u): %s",
			    f->gsi, strerror(-rc2));
	}
	close(f->fd);
	kvm->irqfds[idx] = kvm->irqfds[--kvm->nirqfds];
	return rc;
}

/* KVM_IRQFD assign (gsi >= 0) or deassign of a notifier's copy; lock held. */
static int
notifier_irqfd(struct irqchip_kvm *kvm, struct notifier *n, int gsi, char **cause)
{
	unsigned target = (unsigned)(gsi >= 0 ? gsi : n->bound_gsi);
	int rc;

	if ((rc = kvm_irqfd(kvm, n->fd, target, gsi < 0)) < 0)
		return wire_set_cause(cause, rc, "KVM_IRQFD %s (chip %s line %u, GSI %u): %s",
		    gsi >= 0 ? "assign" : "deassign", n->id, n->line, target, strerror(-rc));
	if (gsi >= 0)
		kvm->stats.binds++;
	else
		kvm->stats.unbinds++;
	n->bound_gsi = gsi;
	return 0;
}

/* Unbinds (if bound) and closes our copies of notifier idx; lock held. */
static int
notifier_release(struct irqchip_kvm *kvm, unsigned idx, char **cause)
{
	struct notifier *n = &kvm->notifiers[idx];
	int rc = 0;

	if (n->bound_gsi >= 0)
		rc = notifier_irqfd(kvm, n, -1, cause);
	close(n->fd);
	if (n->resample_fd >= 0)
		close(n->resample_fd);
	kvm->notifiers[idx] = kvm->notifiers[--kvm->nnotifiers];
	return rc;
}

void
irqchip_kvm_destroy(struct irqchip_kvm *kvm)
{
	if (kvm == NULL)
		return;
	pthread_mutex_lock(&kvm->lock);
	while (kvm->nnotifiers > 0)
		notifier_release(kvm, kvm->nnotifiers - 1, NULL);
	ring_free_all(kvm);
	while (kvm->nirqfds > 0)
		irqfd_release(kvm, kvm->nirqfds - 1, 1, NULL);
	pthread_mutex_unlock(&kvm->lock);
	pthread_cond_destroy(&kvm->attached);
	pthread_mutex_destroy(&kvm->lock);
	free(kvm->irqfds);
	free(kvm->notifiers);
	free(kvm->vcpu_fds);
	free(kvm->routes);
	free(kvm);
}

struct irqchip_client *
irqchip_kvm_client(const struct irqchip_kvm *kvm)
{
	return kvm->client;
}

static int
send_irqfd_add(struct irqchip_kvm *kvm, unsigned gsi, int fd, char **cause)
{
	json_object *args, *ret = NULL;
	int rc;

	args = json_object_new_object();
	json_object_object_add(args, "gsi", json_object_new_int64(gsi));
	json_object_object_add(args, "fd", json_object_new_int(0));
	rc = irqchip_client_call(
	    kvm->client, "irqfd-add", args, &fd, 1, &ret, NULL, cause);
	json_object_put(args);
	json_object_put(ret);
	if (rc < 0)
		return wrap_cause(cause, rc, "irqfd-add");
	return 0;
}

/* notifier-add for our copy of n (bypass for an edge), applying the reply; lock held. */
static int
send_notifier_add(struct irqchip_kvm *kvm, const struct notifier *n, char **cause)
{
	json_object *args = json_object_new_object(), *reply = NULL;
	int fds[2] = {n->fd, n->resample_fd};
	int rc;

	json_object_object_add(args, "id", json_object_new_string(n->id));
	json_object_object_add(args, "line", json_object_new_int64(n->line));
	json_object_object_add(args, "fd", json_object_new_int(0));
	json_object_object_add(args, "mode", json_object_new_string(n->level ? "level" : "edge"));
	if (n->level)
		json_object_object_add(args, "resample-fd", json_object_new_int(1));
	else
		json_object_object_add(args, "bypass", json_object_new_boolean(1));
	rc = call_apply_locked(kvm, "notifier-add", args, fds, n->level ? 2 : 1, &reply, cause);
	json_object_put(args);
	json_object_put(reply);
	return rc;
}

int
irqchip_kvm_set_client(
    struct irqchip_kvm *kvm, struct irqchip_client *client, char **cause)
{
	unsigned i;
	int rc = 0;

	pthread_mutex_lock(&kvm->lock);
	kvm->client = client;
	kvm->detached = client == NULL;
	for (i = 0; client != NULL && i < kvm->nirqfds; i++) {
		rc = send_irqfd_add(kvm, kvm->irqfds[i].gsi, kvm->irqfds[i].fd, cause);
		if (rc < 0)
			break;
	}
	/* A bound notifier stays bound until the new daemon says unbind. */
	for (i = 0; client != NULL && rc == 0 && i < kvm->nnotifiers; i++)
		rc = send_notifier_add(kvm, &kvm->notifiers[i], cause);
	/* The rings went with the old client's session: add them again. */
	if (rc == 0)
		rc = ring_attach_all(kvm, client, cause);
	if (client != NULL)
		pthread_cond_broadcast(&kvm->attached);
	pthread_mutex_unlock(&kvm->lock);
	return rc;
}

void
irqchip_kvm_get_stats(struct irqchip_kvm *kvm, struct irqchip_kvm_stats *st)
{
	pthread_mutex_lock(&kvm->lock);
	*st = kvm->stats;
	pthread_mutex_unlock(&kvm->lock);
}

int
irqchip_kvm_get_route(struct irqchip_kvm *kvm, unsigned gsi, uint64_t *address,
    uint32_t *data)
{
	int rc = -ENOENT;

	if (gsi >= KVM_ROUTES_MAX)
		return -ENOENT;
	pthread_mutex_lock(&kvm->lock);
	if (kvm->routes[gsi].owner != OWNER_NONE) {
		*address = (uint64_t)kvm->routes[gsi].address_hi << 32 |
		    kvm->routes[gsi].address_lo;
		*data = kvm->routes[gsi].data;
		rc = 0;
	}
	pthread_mutex_unlock(&kvm->lock);
	return rc;
}

int
irqchip_kvm_set_route(struct irqchip_kvm *kvm, unsigned gsi, uint64_t address,
    uint32_t data, bool valid_devid, uint32_t devid, char **cause)
{
	int rc;

	if (gsi >= KVM_ROUTES_MAX)
		return wire_set_cause(
		    cause, -EINVAL, "GSI %u is above %u", gsi, KVM_ROUTES_MAX - 1);
	pthread_mutex_lock(&kvm->lock);
	if (kvm->routes[gsi].owner == OWNER_DAEMON) {
		pthread_mutex_unlock(&kvm->lock);
		return wire_set_cause(cause, -EEXIST, "GSI %u is routed by irqchipd", gsi);
	}
	route_store(kvm, gsi, OWNER_VMM, address, data, valid_devid, devid);
	rc = commit(kvm, cause);
	pthread_mutex_unlock(&kvm->lock);
	return rc;
}

int
irqchip_kvm_del_route(struct irqchip_kvm *kvm, unsigned gsi, char **cause)
{
	int rc;

	if (gsi >= KVM_ROUTES_MAX)
		return wire_set_cause(
		    cause, -EINVAL, "GSI %u is above %u", gsi, KVM_ROUTES_MAX - 1);
	pthread_mutex_lock(&kvm->lock);
	if (kvm->routes[gsi].owner != OWNER_VMM) {
		pthread_mutex_unlock(&kvm->lock);
		return wire_set_cause(cause, -ENOENT, "GSI %u has no route of the VMM's", gsi);
	}
	route_clear(kvm, gsi);
	rc = commit(kvm, cause);
	pthread_mutex_unlock(&kvm->lock);
	return rc;
}

static int
irqfd_find(const struct irqchip_kvm *kvm, unsigned gsi)
{
	unsigned i;

	for (i = 0; i < kvm->nirqfds; i++)
		if (kvm->irqfds[i].gsi == gsi)
			return (int)i;
	return -1;
}

int
irqchip_kvm_bind_irqfds(
    struct irqchip_kvm *kvm, unsigned first_gsi, unsigned count, char **cause)
{
	struct irqfd *grown;
	unsigned gsi;
	int fd, rc = 0;

	if (first_gsi >= KVM_ROUTES_MAX || count > KVM_ROUTES_MAX - first_gsi)
		return wire_set_cause(cause, -EINVAL, "GSIs %u..%u reach beyond %u", first_gsi,
		    first_gsi + count - 1, KVM_ROUTES_MAX - 1);
	if (kvm->client == NULL)
		return wire_set_cause(cause, -ENOTCONN, "no irqchipd client attached");
	pthread_mutex_lock(&kvm->lock);
	for (gsi = first_gsi; gsi < first_gsi + count; gsi++) {
		if (irqfd_find(kvm, gsi) >= 0) {
			rc =
			    wire_set_cause(cause, -EEXIST, "GSI %u already has an irqfd", gsi);
			break;
		}
		grown = realloc(kvm->irqfds, (kvm->nirqfds + 1) * sizeof *grown);
		if (grown == NULL) {
			rc = wire_set_cause(cause, -ENOMEM, "out of memory");
			break;
		}
		kvm->irqfds = grown;
		fd = eventfd(0, EFD_CLOEXEC);
		if (fd < 0) {
			rc = wire_set_cause(cause, -errno, "eventfd: %s", strerror(errno));
			break;
		}
		if ((rc = kvm_irqfd(kvm, fd, gsi, false)) < 0) {
			rc = wire_set_cause(cause, rc, "KVM_IRQFD (GSI %u): %s", gsi,
			    strerror(-rc));
			close(fd);
			break;
		}
		kvm->irqfds[kvm->nirqfds].gsi = gsi;
		kvm->irqfds[kvm->nirqfds].fd = fd;
		kvm->nirqfds++;
		rc = send_irqfd_add(kvm, gsi, fd, cause);
		if (rc < 0) {
			/* irqchipd does not have it: take it out of KVM too. */
			irqfd_release(kvm, kvm->nirqfds - 1, 0, NULL);
			break;
		}
	}
	pthread_mutex_unlock(&kvm->lock);
	return rc;
}

int
irqchip_kvm_unbind_irqfds(
    struct irqchip_kvm *kvm, unsigned first_gsi, unsigned count, char **cause)
{
	unsigned gsi;
	int idx, rc = 0, rc2;

	pthread_mutex_lock(&kvm->lock);
	for (gsi = first_gsi; gsi - first_gsi < count && gsi < KVM_ROUTES_MAX; gsi++) {
		idx = irqfd_find(kvm, gsi);
		if (idx < 0)
			continue;
		rc2 = irqfd_release(kvm, (unsigned)idx, 1, rc == 0 ? cause : NULL);
		if (rc == 0)
			rc = rc2;
	}
	pthread_mutex_unlock(&kvm->lock);
	return rc;
}

int
irqchip_kvm_irqfd(struct irqchip_kvm *kvm, unsigned gsi)
{
	int idx, fd;

	pthread_mutex_lock(&kvm->lock);
	idx = irqfd_find(kvm, gsi);
	fd = idx < 0 ? -ENOENT : kvm->irqfds[idx].fd;
	pthread_mutex_unlock(&kvm->lock);
	return fd;
}

int
irqchip_kvm_set_vcpu_fd(struct irqchip_kvm *kvm, unsigned cpu, int vcpu_fd, char **cause)
{
#if defined(KVM_ARCH_PPC)
	int *grown;
	unsigned i;

	if (cpu >= IRQCHIP_KVM_MAX_CPUS)
		return wire_set_cause(cause, -EINVAL, "cpu %u is above %u", cpu,
		    IRQCHIP_KVM_MAX_CPUS - 1);
	pthread_mutex_lock(&kvm->lock);
	if (cpu >= kvm->nvcpu_fds) {
		grown = realloc(kvm->vcpu_fds, (cpu + 1) * sizeof *grown);
		if (grown == NULL) {
			pthread_mutex_unlock(&kvm->lock);
			return wire_set_cause(cause, -ENOMEM, "out of memory");
		}
		for (i = kvm->nvcpu_fds; i <= cpu; i++)
			grown[i] = -1;
		kvm->vcpu_fds = grown;
		kvm->nvcpu_fds = cpu + 1;
	}
	kvm->vcpu_fds[cpu] = vcpu_fd < 0 ? -1 : vcpu_fd;
	pthread_mutex_unlock(&kvm->lock);
	return 0;
#else
	return wire_set_cause(cause, -EOPNOTSUPP,
	    "vCPU fds serve cpu-irq effects (KVM_INTERRUPT), which only POWER hosts "
	    "use; this host is %s", HOST_CPU);
#endif
}

/* Reads member key of o as an unsigned value <= max. */
static int
get_uint(
    json_object *o, const char *key, uint64_t max, uint64_t *out, int i, char **cause)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return wire_set_cause(cause, -EPROTO, "effect %d lacks \"%s\"", i, key);
	if (irqchip_json_u64(v, out) < 0 || *out > max)
		return wire_set_cause(cause, -EPROTO,
		    "effect %d: \"%s\" is not an integer "
		    "from 0 to %llu",
		    i, key, (unsigned long long)max);
	return 0;
}

/* Checks that o has no member besides the allowed ones. */
static int
check_keys(
    json_object *o, const char *const *allowed, const char *kind, int i, char **cause)
{
	unsigned k;

	json_object_object_foreach(o, key, val)
	{
		(void)val;
		for (k = 0; allowed[k] != NULL; k++)
			if (strcmp(key, allowed[k]) == 0)
				break;
		if (allowed[k] == NULL)
			return wire_set_cause(cause, -EPROTO,
			    "effect %d (%s) has an unknown "
			    "member \"%s\"",
			    i, kind, key);
	}
	return 0;
}

/*
 * An LPI: IHI 0069 numbers LPIs from 8192, and a GICv3 ITS may use up to 32
 * INTID bits.
 */
static int
parse_lpi(json_object *body, int i, struct effect *e, char **cause)
{
	static const char *const keys[] = {"intid", "target", "device", "event", NULL};
	uint64_t u;
	int rc;

	if ((rc = check_keys(body, keys, "lpi", i, cause)) < 0)
		return rc;
	if ((rc = get_uint(body, "intid", UINT32_MAX, &u, i, cause)) < 0)
		return rc;
	if (u < 8192)
		return wire_set_cause(cause, -EPROTO, "effect %d (lpi): INTID %llu is no "
		    "LPI (LPIs start at 8192)", i, (unsigned long long)u);
	e->intid = (uint32_t)u;
	if ((rc = get_uint(body, "target", UINT32_MAX, &u, i, cause)) < 0)
		return rc;
	e->target = (uint32_t)u;
	if ((rc = get_uint(body, "device", UINT32_MAX, &u, i, cause)) < 0)
		return rc;
	e->device = (uint32_t)u;
	if ((rc = get_uint(body, "event", UINT32_MAX, &u, i, cause)) < 0)
		return rc;
	e->event = (uint32_t)u;
	return 0;
}

/* An ITS command's redistributor work: a known command, and 32-bit fields. */
static int
parse_its_command(json_object *body, int i, char **cause)
{
	static const char *const commands[] = {"INV", "INVALL", "CLEAR", "MOVI", "MOVALL",
	    "DISCARD", "SYNC", NULL};
	static const char *const keys[] = {"command", "device", "event", "intid",
	    "collection", "target", "from", "to", NULL};
	json_object *v;
	const char *name;
	uint64_t u;
	size_t k;
	int rc;

	if ((rc = check_keys(body, keys, "its-command", i, cause)) < 0)
		return rc;
	if (!json_object_object_get_ex(body, "command", &v) ||
	    !json_object_is_type(v, json_type_string))
		return wire_set_cause(cause, -EPROTO, "effect %d (its-command) has no "
		    "\"command\" string", i);
	name = json_object_get_string(v);
	for (k = 0; commands[k] != NULL && strcmp(commands[k], name) != 0; k++)
		;
	if (commands[k] == NULL)
		return wire_set_cause(cause, -EPROTO, "effect %d (its-command): \"command\" "
		    "must be INV, INVALL, CLEAR, MOVI, MOVALL, DISCARD or SYNC", i);
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, "command") != 0 &&
		    (rc = get_uint(body, key, UINT32_MAX, &u, i, cause)) < 0)
			return rc;
	}
	return 0;
}

static int
parse_effect(json_object *item, int i, struct effect *e, char **cause)
{
	static const char *const route_keys[] = {"gsi", "address", "data", "devid", NULL};
	static const char *const unroute_keys[] = {"gsi", NULL};
	static const char *const msi_keys[] = {"address", "data", "devid", NULL};
	static const char *const line_keys[] = {"gsi", "level", NULL};
	static const char *const cpu_irq_keys[] = {"cpu", "level", NULL};
	static const char *const bind_keys[] = {"id", "line", "gsi", NULL};
	static const char *const unbind_keys[] = {"id", "line", NULL};
	json_object *body = NULL, *v;
	const char *kind = NULL;
	uint64_t u;
	int rc;

	if (!json_object_is_type(item, json_type_object) ||
	    json_object_object_length(item) != 1)
		return wire_set_cause(
		    cause, -EPROTO, "effect %d is not an object with one member", i);
	json_object_object_foreach(item, key, val)
	{
		kind = key;
		body = val;
	}
	if (!json_object_is_type(body, json_type_object))
		return wire_set_cause(
		    cause, -EPROTO, "effect %d (%s) is not an object", i, kind);
	memset(e, 0, sizeof *e);
	if (strcmp(kind, "route") == 0 || strcmp(kind, "signal-msi") == 0) {
		e->kind = kind[0] == 'r' ? EFFECT_ROUTE : EFFECT_SIGNAL_MSI;
		rc = check_keys(body, e->kind == EFFECT_ROUTE ? route_keys : msi_keys,
		    kind, i, cause);
		if (rc < 0)
			return rc;
		if (e->kind == EFFECT_ROUTE) {
			if ((rc = get_uint(
				 body, "gsi", KVM_ROUTES_MAX - 1, &u, i, cause)) < 0)
				return rc;
			e->gsi = (unsigned)u;
		}
		if ((rc = get_uint(body, "address", UINT64_MAX, &e->address, i, cause)) <
		    0)
			return rc;
		if ((rc = get_uint(body, "data", UINT32_MAX, &u, i, cause)) < 0)
			return rc;
		e->data = (uint32_t)u;
		if (json_object_object_get_ex(body, "devid", &v)) {
			if ((rc = get_uint(body, "devid", UINT32_MAX, &u, i, cause)) < 0)
				return rc;
			e->has_devid = 1;
			e->devid = (uint32_t)u;
		}
#if defined(KVM_ARCH_ARM64)
		/* api.rst KVM_SIGNAL_MSI: arm64's ITS translates by device ID. */
		if (!e->has_devid)
			return wire_set_cause(cause, -EPROTO,
			    "effect %d (%s) has no \"devid\": arm64 KVM's ITS needs "
			    "the device ID (KVM_MSI_VALID_DEVID)", i, kind);
#endif
	} else if (strcmp(kind, "unroute") == 0) {
		e->kind = EFFECT_UNROUTE;
		if ((rc = check_keys(body, unroute_keys, kind, i, cause)) < 0)
			return rc;
		if ((rc = get_uint(body, "gsi", KVM_ROUTES_MAX - 1, &u, i, cause)) < 0)
			return rc;
		e->gsi = (unsigned)u;
	} else if (strcmp(kind, "irq-line") == 0) {
		e->kind = EFFECT_IRQ_LINE;
		if ((rc = check_keys(body, line_keys, kind, i, cause)) < 0)
			return rc;
		if ((rc = get_uint(body, "gsi", KVM_ROUTES_MAX - 1, &u, i, cause)) < 0)
			return rc;
		e->gsi = (unsigned)u;
		if ((rc = get_uint(body, "level", 1, &u, i, cause)) < 0)
			return rc;
		e->level = (int)u;
#if defined(KVM_ARCH_ARM64)
		if (e->gsi > ARM64_SPI_LAST - ARM64_SPI_BASE)
			return wire_set_cause(cause, -EPROTO,
			    "effect %d (irq-line): GSI %u is no arm64 SPI (GSIs 0..%d are "
			    "SPIs %d..%d)", i, e->gsi, ARM64_SPI_LAST - ARM64_SPI_BASE,
			    ARM64_SPI_BASE, ARM64_SPI_LAST);
#endif
	} else if (strcmp(kind, "cpu-irq") == 0) {
		/* Where it may be applied (a callback, or POWER's vCPU fds): apply(). */
		e->kind = EFFECT_CPU_IRQ;
		if ((rc = check_keys(body, cpu_irq_keys, kind, i, cause)) < 0)
			return rc;
		if ((rc = get_uint(body, "cpu", UINT32_MAX, &u, i, cause)) < 0)
			return rc;
		e->cpu = (unsigned)u;
		if ((rc = get_uint(body, "level", 1, &u, i, cause)) < 0)
			return rc;
		e->level = (int)u;
	} else if (strcmp(kind, "lpi") == 0) {
		e->kind = EFFECT_LPI;
		if ((rc = parse_lpi(body, i, e, cause)) < 0)
			return rc;
	} else if (strcmp(kind, "bind") == 0 || strcmp(kind, "unbind") == 0) {
		e->kind = kind[0] == 'b' ? EFFECT_BIND : EFFECT_UNBIND;
		rc = check_keys(body, e->kind == EFFECT_BIND ? bind_keys : unbind_keys, kind,
		    i, cause);
		if (rc < 0)
			return rc;
		if (!json_object_object_get_ex(body, "id", &v) ||
		    !json_object_is_type(v, json_type_string))
			return wire_set_cause(cause, -EPROTO, "effect %d (%s): \"id\" is "
			    "missing or not a string", i, kind);
		e->chip = json_object_get_string(v);
		if ((rc = get_uint(body, "line", UINT32_MAX, &u, i, cause)) < 0)
			return rc;
		e->line = (unsigned)u;
		if (e->kind == EFFECT_BIND) {
			if ((rc = get_uint(body, "gsi", KVM_ROUTES_MAX - 1, &u, i, cause)) < 0)
				return rc;
			e->gsi = (unsigned)u;
		}
	} else if (strcmp(kind, "its-command") == 0) {
		e->kind = EFFECT_ITS_COMMAND;
		if ((rc = parse_its_command(body, i, cause)) < 0)
			return rc;
		e->body = body;
	} else {
		char esc[64];
		size_t k;

		/* A peer-supplied name: keep only printable ASCII in the message. */
		for (k = 0; kind[k] != '\0' && k < sizeof esc - 1; k++)
			esc[k] = (kind[k] >= 0x20 && kind[k] < 0x7f) ? kind[k] : '?';
		esc[k] = '\0';
		return wire_set_cause(
		    cause, -EPROTO, "effect %d has an unknown kind \"%s\"", i, esc);
	}
	return 0;
}

static int
do_signal_msi(struct irqchip_kvm *kvm, const struct effect *e, char **cause)
{
	struct kvm_msi msi;
	uint64_t address = swizzle(kvm, e->address);
	int rc;

	memset(&msi, 0, sizeof msi);
	msi.address_lo = (uint32_t)address;
	msi.address_hi = (uint32_t)(address >> 32);
	msi.data = e->data;
	if (e->has_devid && kvm->have_devid) {
		msi.flags = KVM_MSI_VALID_DEVID;
		msi.devid = e->devid;
	}
	kvm->stats.signal_msi++;
	rc = ioctl(kvm->vm_fd, KVM_SIGNAL_MSI, &msi);
	/*
	 * api.rst, KVM_SIGNAL_MSI: 0 = blocked by the guest, -1/EPERM = no LAPIC matched the
	 * destination. Both are the guest's doing (as on hardware, the message is
	 * lost), not a failure of the VMM: count them.
	 */
	if (rc == 0 || (rc < 0 && errno == EPERM)) {
		kvm->stats.msi_lost++;
		return 0;
	}
	if (rc < 0)
		return wire_set_cause(cause, -errno,
		    "KVM_SIGNAL_MSI (address 0x%llx data 0x%x): %s",
		    (unsigned long long)address, e->data, strerror(errno));
	return 0;
}

/*
 * What the daemon may ask for is checked against what it announced and what
 * the architecture allows, so that a compromised irqchipd cannot make the
 * VMM route or inject anything an interrupt controller could not produce.
 */

/* Reads the chips' GSI ranges from the daemon (query-chips, "gsis"); lock held. */
static int
gsi_ranges_refresh(struct irqchip_kvm *kvm, char **cause)
{
	json_object *ret = NULL, *chips, *g, *b, *n;
	uint64_t base, count;
	size_t i;
	int rc;

	if (kvm->client == NULL)
		return -ENOTCONN;
	rc = irqchip_client_call(kvm->client, "query-chips", NULL, NULL, 0, &ret, NULL, cause);
	if (rc < 0)
		return rc;
	kvm->ngsi_ranges = 0;
	if (json_object_object_get_ex(ret, "chips", &chips) &&
	    json_object_is_type(chips, json_type_array)) {
		for (i = 0; i < json_object_array_length(chips); i++) {
			if (!json_object_object_get_ex(json_object_array_get_idx(chips, i),
			    "gsis", &g) || !json_object_object_get_ex(g, "base", &b) ||
			    !json_object_object_get_ex(g, "count", &n) ||
			    irqchip_json_u64(b, &base) < 0 || irqchip_json_u64(n, &count) < 0 ||
			    base >= KVM_ROUTES_MAX || count > KVM_ROUTES_MAX - base ||
			    kvm->ngsi_ranges == IRQCHIP_KVM_MAX_RANGES)
				continue;
			kvm->gsi_ranges[kvm->ngsi_ranges][0] = (unsigned)base;
			kvm->gsi_ranges[kvm->ngsi_ranges][1] = (unsigned)count;
			kvm->ngsi_ranges++;
		}
	}
	kvm->gsi_ranges_known = 1;
	json_object_put(ret);
	return 0;
}

static int
gsi_in_ranges(const struct irqchip_kvm *kvm, unsigned gsi)
{
	for (unsigned i = 0; i < kvm->ngsi_ranges; i++) {
		if (gsi >= kvm->gsi_ranges[i][0] &&
		    gsi - kvm->gsi_ranges[i][0] < kvm->gsi_ranges[i][1])
			return 1;
	}
	return 0;
}

/*
 * A GSI the daemon names must be one its chips own. Unknown ranges are read
 * from the daemon (once per miss: a chip may have been added since); with no
 * client ever attached, only the pins KVM_CAP_SPLIT_IRQCHIP reserved for a
 * userspace IOAPIC (reserved_routes) qualify.
 */
static int
gsi_announced(struct irqchip_kvm *kvm, unsigned gsi)
{
	if (gsi_in_ranges(kvm, gsi))
		return 1;
	if (gsi_ranges_refresh(kvm, NULL) == 0)
		return gsi_in_ranges(kvm, gsi);
	return !kvm->gsi_ranges_known && gsi < kvm->reserved_routes;
}

#if defined(__x86_64__) || defined(__i386__)
/* Intel SDM vol. 3A 11.11.1: an MSI address is 0xFEEx_xxxx, 32 bits. */
#define X86_MSI_ADDR_LO 0xfee00000ULL
#define X86_MSI_ADDR_HI 0xfeefffffULL
/* 11.11.2: data bits 10:8 delivery mode; bits 31:16 reserved. */
#define X86_MSI_DM(data) (((data) >> 8) & 7)
#define X86_DM_SMI 2
#define X86_DM_NMI 4
#define X86_DM_INIT 5
#define X86_DM_RESERVED(dm) ((dm) == 3 || (dm) == 6)

static int
msi_allowed(const struct irqchip_kvm *kvm, const struct effect *e, int i, char **cause)
{
	unsigned dm = X86_MSI_DM(e->data);

	if (e->address < X86_MSI_ADDR_LO || e->address > X86_MSI_ADDR_HI)
		return wire_set_cause(cause, -EPROTO, "effect %d: MSI address 0x%llx is "
		    "outside the x86 MSI window 0xfee00000-0xfeefffff", i,
		    (unsigned long long)e->address);
	if ((e->data & 0xffff0000u) != 0 || X86_DM_RESERVED(dm))
		return wire_set_cause(cause, -EPROTO, "effect %d: MSI data 0x%x has reserved "
		    "bits or delivery mode set", i, e->data);
	if ((dm == X86_DM_SMI || dm == X86_DM_NMI || dm == X86_DM_INIT) &&
	    !(kvm->flags & IRQCHIP_KVM_ALLOW_SPECIAL_DELIVERY))
		return wire_set_cause(cause, -EPROTO, "effect %d: delivery mode %s refused "
		    "(IRQCHIP_KVM_ALLOW_SPECIAL_DELIVERY allows it)", i,
		    dm == X86_DM_SMI ? "SMI" : dm == X86_DM_NMI ? "NMI" : "INIT");
	/*
	 * KVM computes EOI exits only for routes below reserved_routes: a
	 * level-triggered route above them would never see its EOI (bit 15).
	 */
	if (e->kind == EFFECT_ROUTE && (e->data & 0x8000) && e->gsi >= kvm->reserved_routes)
		return wire_set_cause(cause, -EPROTO, "effect %d: a level-triggered route for "
		    "GSI %u, at or above reserved_routes %u, would never exit on EOI", i,
		    e->gsi, kvm->reserved_routes);
	return 0;
}
#else
static int
msi_allowed(const struct irqchip_kvm *kvm, const struct effect *e, int i, char **cause)
{
	return 0;
}
#endif

static int
effect_allowed(struct irqchip_kvm *kvm, const struct effect *e, int i, char **cause)
{
	/* An unroute only ever removes a route the daemon set: always harmless. */
	if ((e->kind == EFFECT_ROUTE || e->kind == EFFECT_IRQ_LINE || e->kind == EFFECT_BIND) &&
	    !gsi_announced(kvm, e->gsi))
		return wire_set_cause(cause, -EPROTO, "effect %d: GSI %u belongs to no chip "
		    "of irqchipd's", i, e->gsi);
	if (e->kind == EFFECT_ROUTE || e->kind == EFFECT_SIGNAL_MSI)
		return msi_allowed(kvm, e, i, cause);
	return 0;
}

/*
 * api.rst KVM_INTERRUPT (PPC): KVM_INTERRUPT_SET_LEVEL raises the vCPU's
 * external interrupt line until KVM_INTERRUPT_UNSET lowers it, the level
 * behaviour a presenter's output has.
 */
static int
do_cpu_irq(struct irqchip_kvm *kvm, const struct effect *e, char **cause)
{
#if defined(KVM_ARCH_PPC)
	struct kvm_interrupt irq;
#endif
	int rc;

	/* A VMM that owns its CPUs takes the line itself, on any host. */
	if (kvm->cb.cpu_irq != NULL) {
		if ((rc = kvm->cb.cpu_irq(kvm->cb.opaque, e->cpu, e->level)) < 0)
			return wire_set_cause(cause, rc, "the cpu-irq callback (cpu %u level "
			    "%d) failed: %s", e->cpu, e->level, strerror(-rc));
		return 0;
	}
#if defined(KVM_ARCH_PPC)

	memset(&irq, 0, sizeof irq);
	irq.irq = e->level ? KVM_INTERRUPT_SET_LEVEL : KVM_INTERRUPT_UNSET;
	if (ioctl(kvm->vcpu_fds[e->cpu], KVM_INTERRUPT, &irq) < 0)
		return wire_set_cause(cause, -errno, "KVM_INTERRUPT (cpu %u level %d): %s",
		    e->cpu, e->level, strerror(errno));
	return 0;
#else
	return wire_set_cause(cause, -EOPNOTSUPP, "cpu-irq needs a POWER host");
#endif
}

/*
 * At the bind itself, once the routes before it are in: the GSI must carry
 * an edge-triggered route of irqchipd's, since a device's eventfd bound to
 * it has no EOI to wait for (api.rst KVM_IRQFD: no resample under a split
 * irqchip). Lock held.
 */
static int
bind_allowed(struct irqchip_kvm *kvm, const struct effect *e, unsigned i, char **cause)
{
	const struct route *r = &kvm->routes[e->gsi];

	if (r->owner != OWNER_DAEMON)
		return wire_set_cause(cause, -EPROTO, "effect %u (bind): GSI %u has no route "
		    "from irqchipd to bind chip %s line %u to", i, e->gsi, e->chip, e->line);
#if defined(KVM_ARCH_X86)
	/* Intel SDM vol. 3, 11.11.2: MSI data bit 15 is the trigger mode, 1 = level. */
	if (r->data & 0x8000)
		return wire_set_cause(cause, -EPROTO, "effect %u (bind): GSI %u's route is "
		    "level-triggered, and a bound eventfd cannot wait for its EOI", i, e->gsi);
#endif
	return 0;
}

/* The notifier registered for chip, line, or -1; lock held. */
static int
notifier_index(const struct irqchip_kvm *kvm, const char *chip, unsigned line)
{
	for (unsigned i = 0; i < kvm->nnotifiers; i++) {
		if (kvm->notifiers[i].line == line && strcmp(kvm->notifiers[i].id, chip) == 0)
			return (int)i;
	}
	return -1;
}

/* Applies validated effects in order; lock held. */
static int
apply_locked(
    struct irqchip_kvm *kvm, const struct effect *effects, unsigned count, char **cause)
{
	const struct effect *e;
	struct kvm_irq_level line;
	struct notifier *n;
	unsigned i;
	int rc;

	for (i = 0; i < count; i++) {
		if ((rc = effect_allowed(kvm, &effects[i], (int)i, cause)) < 0)
			return rc;
	}

	for (i = 0; i < count; i++) {
		e = &effects[i];
		switch (e->kind) {
		case EFFECT_ROUTE:
			route_store(kvm, e->gsi, OWNER_DAEMON, e->address, e->data,
			    e->has_devid, e->devid);
			break;
		case EFFECT_UNROUTE:
			if (kvm->routes[e->gsi].owner == OWNER_DAEMON)
				route_clear(kvm, e->gsi);
			break;
		case EFFECT_SIGNAL_MSI:
			/* api.rst, KVM_CAP_SPLIT_IRQCHIP: the new route first, then the one-off injection.
			 */
			if ((rc = commit(kvm, cause)) < 0)
				return rc;
			if ((rc = do_signal_msi(kvm, e, cause)) < 0)
				return rc;
			break;
		case EFFECT_IRQ_LINE:
			if ((rc = commit(kvm, cause)) < 0)
				return rc;
			memset(&line, 0, sizeof line);
#if defined(KVM_ARCH_ARM64)
			/* api.rst KVM_IRQ_LINE: irq = type | vcpu | irq_id. */
			line.irq = (uint32_t)KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT |
			    (e->gsi + ARM64_SPI_BASE) << KVM_ARM_IRQ_NUM_SHIFT;
#else
			line.irq = e->gsi;
#endif
			line.level = (uint32_t)e->level;
			kvm->stats.irq_line++;
			if (ioctl(kvm->vm_fd, KVM_IRQ_LINE, &line) < 0)
				return wire_set_cause(cause, -errno,
				    "KVM_IRQ_LINE (GSI %u level %d): "
				    "%s",
				    e->gsi, e->level, strerror(errno));
			break;
		case EFFECT_CPU_IRQ:
			if ((rc = commit(kvm, cause)) < 0)
				return rc;
			if ((rc = do_cpu_irq(kvm, e, cause)) < 0)
				return rc;
			break;
		case EFFECT_LPI:
			if ((rc = commit(kvm, cause)) < 0)
				return rc;
			rc = kvm->cb.lpi(kvm->cb.opaque, e->intid, e->target, e->device,
			    e->event);
			if (rc < 0)
				return wire_set_cause(cause, rc, "the lpi callback (INTID %u) "
				    "failed: %s", e->intid, strerror(-rc));
			break;
		case EFFECT_ITS_COMMAND:
			if ((rc = commit(kvm, cause)) < 0)
				return rc;
			if ((rc = kvm->cb.its_command(kvm->cb.opaque, e->body)) < 0)
				return wire_set_cause(cause, rc, "the its-command callback "
				    "failed: %s", strerror(-rc));
			break;
		case EFFECT_BIND:
			/* The route the device's writes will take must be KVM's first. */
			if ((rc = commit(kvm, cause)) < 0)
				return rc;
			if ((rc = bind_allowed(kvm, e, i, cause)) < 0)
				return rc;
			n = &kvm->notifiers[e->notifier];
			if (n->bound_gsi == (int)e->gsi)
				break;
			if (n->bound_gsi >= 0 && (rc = notifier_irqfd(kvm, n, -1, cause)) < 0)
				return rc;
			if ((rc = notifier_irqfd(kvm, n, (int)e->gsi, cause)) < 0)
				return rc;
			break;
		case EFFECT_UNBIND:
			n = &kvm->notifiers[e->notifier];
			if (n->bound_gsi >= 0 && (rc = notifier_irqfd(kvm, n, -1, cause)) < 0)
				return rc;
			break;
		}
		kvm->stats.effects++;
	}
	return commit(kvm, cause);
}

/* Whether this VMM can apply e at all: the callbacks it set, the host it runs on. */
static int
check_applicable(const struct irqchip_kvm *kvm, const struct effect *e, size_t i,
    char **cause)
{
	switch (e->kind) {
	case EFFECT_CPU_IRQ:
#if !defined(KVM_ARCH_PPC)
		if (kvm->cb.cpu_irq == NULL)
			return wire_set_cause(cause, -EOPNOTSUPP, "effect %zu (cpu-irq): a "
			    "CPU's external interrupt line is raised with KVM_INTERRUPT on "
			    "POWER hosts only (this host is %s), or by the VMM's cpu_irq "
			    "callback, which it has not set", i, HOST_CPU);
#endif
		return 0;
	case EFFECT_LPI:
		if (kvm->cb.lpi == NULL)
			return wire_set_cause(cause, -EOPNOTSUPP, "effect %zu (lpi): KVM "
			    "injects LPIs only through its own ITS; an emulated ITS delivers "
			    "to a VMM that owns the redistributors, through the lpi callback, "
			    "which this VMM has not set", i);
		return 0;
	case EFFECT_ITS_COMMAND:
		if (kvm->cb.its_command == NULL)
			return wire_set_cause(cause, -EOPNOTSUPP, "effect %zu (its-command): "
			    "the redistributor-side work of ITS commands goes to the "
			    "its_command callback, which this VMM has not set", i);
		return 0;
	default:
		return 0;
	}
}

void
irqchip_kvm_set_callbacks(struct irqchip_kvm *kvm, const struct irqchip_kvm_callbacks *cb)
{
	pthread_mutex_lock(&kvm->lock);
	if (cb != NULL)
		kvm->cb = *cb;
	else
		memset(&kvm->cb, 0, sizeof kvm->cb);
	pthread_mutex_unlock(&kvm->lock);
}

static int
apply(struct irqchip_kvm *kvm, json_object *list, char **cause)
{
	struct effect *effects;
	size_t n, i;
	int rc = 0;

	if (list == NULL)
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return wire_set_cause(cause, -EPROTO, "\"effects\" is not an array");
	n = json_object_array_length(list);
	if (n == 0)
		return 0;
	effects = calloc(n, sizeof *effects);
	if (effects == NULL)
		return wire_set_cause(cause, -ENOMEM, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		rc = parse_effect(
		    json_object_array_get_idx(list, i), (int)i, &effects[i], cause);
		if (rc == 0 && effects[i].kind == EFFECT_ROUTE &&
		    kvm->routes[effects[i].gsi].owner == OWNER_VMM)
			rc = wire_set_cause(cause, -EPROTO,
			    "effect %zu: irqchipd routes GSI %u, which "
			    "the VMM routes itself",
			    i, effects[i].gsi);
		if (rc == 0 && effects[i].kind == EFFECT_BIND &&
		    kvm->routes[effects[i].gsi].owner == OWNER_VMM)
			rc = wire_set_cause(cause, -EPROTO, "effect %zu (bind): GSI %u is "
			    "routed by the VMM, not irqchipd", i, effects[i].gsi);
		if (rc == 0 && (effects[i].kind == EFFECT_BIND ||
		    effects[i].kind == EFFECT_UNBIND) &&
		    (effects[i].notifier = notifier_index(kvm, effects[i].chip,
		    effects[i].line)) < 0)
			rc = wire_set_cause(cause, -EPROTO, "effect %zu (%s): chip %.63s line %u "
			    "has no notifier registered with irqchip_kvm_add_notifier", i,
			    effects[i].kind == EFFECT_BIND ? "bind" : "unbind", effects[i].chip,
			    effects[i].line);
		if (rc == 0)
			rc = check_applicable(kvm, &effects[i], i, cause);
		if (rc == 0 && effects[i].kind == EFFECT_CPU_IRQ && kvm->cb.cpu_irq == NULL &&
		    (effects[i].cpu >= kvm->nvcpu_fds || kvm->vcpu_fds[effects[i].cpu] < 0))
			rc = wire_set_cause(cause, -EPROTO,
			    "effect %zu: cpu-irq for cpu %u, whose vCPU fd the VMM has not "
			    "given (irqchip_kvm_set_vcpu_fd)", i, effects[i].cpu);
	}
	if (rc == 0)
		rc = apply_locked(kvm, effects, (unsigned)n, cause);
	free(effects);
	return rc;
}

int
irqchip_kvm_apply_effects(struct irqchip_kvm *kvm, json_object *effects, char **cause)
{
	int rc;

	pthread_mutex_lock(&kvm->lock);
	rc = apply(kvm, effects, cause);
	pthread_mutex_unlock(&kvm->lock);
	return rc;
}

/*
 * Tells irqchipd that KVM has the routes of the reply that carried token seq
 * (a client that negotiated "route-commit"): it held the irqfd deliveries on
 * those GSIs until now. Lock held.
 */
static int
route_commit(struct irqchip_kvm *kvm, json_object *seq, char **cause)
{
	json_object *args = json_object_new_object(), *ret = NULL;
	int rc;

	json_object_object_add(args, "seq", json_object_get(seq));
	rc = irqchip_client_call(kvm->client, "route-commit", args, NULL, 0, &ret, NULL,
	    cause);
	json_object_put(args);
	json_object_put(ret);
	if (rc < 0)
		return wrap_cause(cause, rc, "route-commit");
	kvm->stats.route_commits++;
	return 0;
}

/* One forwarded request: the call, its effects, its route commit; lock held. */
static int
call_apply_locked(struct irqchip_kvm *kvm, const char *command, json_object *args,
    const int *fds, unsigned nfds, json_object **reply, char **cause)
{
	json_object *effects, *seq;
	int rc;

	rc = irqchip_client_call(kvm->client, command, args, fds, nfds, reply, NULL, cause);
	if (rc == 0 && json_object_object_get_ex(*reply, "effects", &effects)) {
		rc = apply(kvm, effects, cause);
		if (rc < 0)
			wrap_cause(cause, rc, command);
	}
	if (rc == 0 && json_object_object_get_ex(*reply, "commit", &seq))
		rc = route_commit(kvm, seq, cause);
	return rc;
}

/* Detached while irqchipd is being replaced: waits for the new one. Lock held. */
static int
wait_client_locked(struct irqchip_kvm *kvm, const char *command, char **cause)
{
	while (kvm->client == NULL && kvm->detached)
		pthread_cond_wait(&kvm->attached, &kvm->lock);
	if (kvm->client == NULL)
		return wire_set_cause(cause, -ENOTCONN, "%s: no irqchipd client attached",
		    command);
	return 0;
}

int
irqchip_kvm_call(struct irqchip_kvm *kvm, const char *command, json_object *args,
    const int *fds, unsigned nfds, json_object **ret, char **cause)
{
	json_object *reply = NULL;
	int rc;

	if (ret != NULL)
		*ret = NULL;
	pthread_mutex_lock(&kvm->lock);
	if ((rc = wait_client_locked(kvm, command, cause)) < 0) {
		pthread_mutex_unlock(&kvm->lock);
		return rc;
	}
	/*
	 * The lock stays held from the request to the last effect: two vCPUs'
	 * requests are answered in order, and their route changes must reach KVM
	 * in the same order or an older route could overwrite a newer one.
	 */
	rc = call_apply_locked(kvm, command, args, fds, nfds, &reply, cause);
	pthread_mutex_unlock(&kvm->lock);
	if (rc == 0 && ret != NULL)
		*ret = reply;
	else
		json_object_put(reply);
	return rc;
}

int
irqchip_kvm_mmio(struct irqchip_kvm *kvm, const char *chip_id, uint64_t offset,
    unsigned size, bool is_write, uint64_t *value, char **cause)
{
	json_object *args, *ret = NULL, *v;
	int rc;

	if ((rc = ring_mmio(kvm, chip_id, offset, size, is_write, value, cause)) != RING_NONE)
		return rc;
	args = json_object_new_object();
	json_object_object_add(args, "id", json_object_new_string(chip_id));
	json_object_object_add(args, "offset", json_object_new_int64((int64_t)offset));
	json_object_object_add(args, "size", json_object_new_int(size));
	if (is_write) {
		/* Values above 2^53 travel as strings (irqchipd-protocol(7)). */
		if (*value > (1ULL << 53)) {
			char buf[32];

			snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)*value);
			json_object_object_add(
			    args, "value", json_object_new_string(buf));
		} else
			json_object_object_add(
			    args, "value", json_object_new_int64((int64_t)*value));
	}
	rc = irqchip_kvm_call(
	    kvm, is_write ? "mmio-write" : "mmio-read", args, NULL, 0, &ret, cause);
	json_object_put(args);
	if (rc == 0 && !is_write) {
		if (!json_object_object_get_ex(ret, "value", &v) ||
		    irqchip_json_u64(v, value) < 0)
			rc = wire_set_cause(
			    cause, -EPROTO, "mmio-read reply has no valid \"value\"");
	}
	json_object_put(ret);
	return rc;
}

/* A command whose only interesting output is its effects. */
static int
call_effects(
    struct irqchip_kvm *kvm, const char *command, json_object *args, char **cause)
{
	json_object *ret = NULL;
	int rc;

	rc = irqchip_kvm_call(kvm, command, args, NULL, 0, &ret, cause);
	json_object_put(args);
	json_object_put(ret);
	return rc;
}

int
irqchip_kvm_eoi(struct irqchip_kvm *kvm, uint8_t vector, char **cause)
{
	json_object *args;
	int rc;

	if ((rc = ring_eoi(kvm, vector, cause)) != RING_NONE)
		return rc;
	args = json_object_new_object();

	json_object_object_add(args, "vector", json_object_new_int(vector));
	return call_effects(kvm, "eoi", args, cause);
}

int
irqchip_kvm_line(
    struct irqchip_kvm *kvm, const char *chip_id, unsigned line, int level, char **cause)
{
	json_object *args;
	int rc;

	if ((rc = ring_line(kvm, chip_id, line, level, cause)) != RING_NONE)
		return rc;
	args = json_object_new_object();

	json_object_object_add(args, "id", json_object_new_string(chip_id));
	json_object_object_add(args, "line", json_object_new_int64(line));
	json_object_object_add(args, "level", json_object_new_int(level != 0));
	return call_effects(kvm, "line-set", args, cause);
}

int
irqchip_kvm_pulse(
    struct irqchip_kvm *kvm, const char *chip_id, unsigned line, char **cause)
{
	json_object *args;
	int rc;

	if ((rc = ring_pulse(kvm, chip_id, line, cause)) != RING_NONE)
		return rc;
	args = json_object_new_object();

	json_object_object_add(args, "id", json_object_new_string(chip_id));
	json_object_object_add(args, "line", json_object_new_int64(line));
	return call_effects(kvm, "line-pulse", args, cause);
}

int
irqchip_kvm_msi(struct irqchip_kvm *kvm, uint64_t address, uint32_t data, bool has_source,
    uint32_t source, char **cause)
{
	json_object *args;
	int rc;

	if ((rc = ring_msi(kvm, address, data, has_source, source, cause)) != RING_NONE)
		return rc;
	args = json_object_new_object();
	json_object_object_add(args, "address", wire_u64(address));
	json_object_object_add(args, "data", json_object_new_int64(data));
	if (has_source)
		json_object_object_add(args, "source", json_object_new_int64(source));
	return call_effects(kvm, "msi", args, cause);
}

int
irqchip_kvm_hcall(struct irqchip_kvm *kvm, unsigned cpu, uint64_t opcode,
    const uint64_t *args, unsigned nargs, int64_t *ret, uint64_t *values,
    unsigned *nvalues, char **cause)
{
	json_object *a, *list, *reply = NULL, *v;
	uint64_t u;
	size_t n;
	int rc;

	*nvalues = 0;
	*ret = 0;
	rc = ring_hcall(kvm, cpu, opcode, args, nargs, ret, values, nvalues, cause);
	if (rc != RING_NONE)
		return rc;
	a = json_object_new_object();
	json_object_object_add(a, "cpu", json_object_new_int64(cpu));
	json_object_object_add(a, "opcode", wire_u64(opcode));
	list = json_object_new_array();
	for (unsigned i = 0; i < nargs; i++)
		json_object_array_add(list, wire_u64(args[i]));
	json_object_object_add(a, "args", list);
	rc = irqchip_kvm_call(kvm, "hcall", a, NULL, 0, &reply, cause);
	json_object_put(a);
	if (rc == 0) {
		if (!json_object_object_get_ex(reply, "ret", &v))
			rc = wire_set_cause(cause, -EPROTO, "hcall reply has no \"ret\"");
		else
			*ret = json_object_get_int64(v);
		if (rc == 0 && json_object_object_get_ex(reply, "values", &v) &&
		    json_object_is_type(v, json_type_array)) {
			n = json_object_array_length(v);
			for (size_t i = 0; i < n && i < IRQCHIP_KVM_HCALL_VALUES; i++) {
				if (irqchip_json_u64(json_object_array_get_idx(v, i), &u) == 0)
					values[i] = u;
			}
			*nvalues = (unsigned)(n < IRQCHIP_KVM_HCALL_VALUES ? n :
			    IRQCHIP_KVM_HCALL_VALUES);
		}
	}
	json_object_put(reply);
	return rc;
}

/* What ring.c needs of the VM (libirqchip-private.h). */
void
kvm_lock(struct irqchip_kvm *kvm)
{
	pthread_mutex_lock(&kvm->lock);
}

void
kvm_unlock(struct irqchip_kvm *kvm)
{
	pthread_mutex_unlock(&kvm->lock);
}

struct irqchip_client *
kvm_wait_client(struct irqchip_kvm *kvm)
{
	while (kvm->client == NULL && kvm->detached)
		pthread_cond_wait(&kvm->attached, &kvm->lock);
	return kvm->client;
}

int
kvm_apply_locked(struct irqchip_kvm *kvm, json_object *effects, char **cause)
{
	return apply(kvm, effects, cause);
}

int
kvm_route_commit_locked(struct irqchip_kvm *kvm, json_object *seq, char **cause)
{
	return route_commit(kvm, seq, cause);
}

struct irqchip_kvm_ring **
kvm_rings(struct irqchip_kvm *kvm)
{
	return &kvm->rings;
}

void
irqchip_kvm_batch_begin(struct irqchip_kvm *kvm)
{
	pthread_mutex_lock(&kvm->lock);
}

void
irqchip_kvm_batch_end(struct irqchip_kvm *kvm)
{
	pthread_mutex_unlock(&kvm->lock);
}

int
irqchip_kvm_handle_event(struct irqchip_kvm *kvm, json_object *event, char **cause)
{
	json_object *name, *data, *effects, *a, *d;
	struct effect e;
	uint64_t u;
	int rc = 0;

	if (!json_object_object_get_ex(event, "event", &name) ||
	    !json_object_object_get_ex(event, "data", &data))
		return wire_set_cause(cause, -EPROTO, "not an event");
	pthread_mutex_lock(&kvm->lock);
	if (json_object_object_get_ex(data, "effects", &effects))
		rc = apply(kvm, effects, cause);
	else if (strcmp(json_object_get_string(name), "interrupt") == 0 &&
	    json_object_object_get_ex(data, "address", &a) &&
	    json_object_object_get_ex(data, "data", &d)) {
		memset(&e, 0, sizeof e);
		e.kind = EFFECT_SIGNAL_MSI;
		if (irqchip_json_u64(a, &e.address) < 0 || irqchip_json_u64(d, &u) < 0 ||
		    u > UINT32_MAX)
			rc = wire_set_cause(
			    cause, -EPROTO, "interrupt event with a bad address or data");
		else {
			e.data = (uint32_t)u;
			rc = apply_locked(kvm, &e, 1, cause);
		}
	}
	pthread_mutex_unlock(&kvm->lock);
	return rc;
}

int
irqchip_kvm_add_notifier(struct irqchip_kvm *kvm, const char *chip_id, unsigned line,
    int fd, int resample_fd, char **cause)
{
	struct notifier *n, *grown;
	int rc;

	if (chip_id == NULL || strlen(chip_id) >= sizeof n->id)
		return wire_set_cause(cause, -EINVAL, "a chip id is 1 to %zu characters",
		    sizeof n->id - 1);
	pthread_mutex_lock(&kvm->lock);
	if (notifier_index(kvm, chip_id, line) >= 0) {
		pthread_mutex_unlock(&kvm->lock);
		return wire_set_cause(cause, -EEXIST, "chip %s line %u already has a notifier",
		    chip_id, line);
	}
	grown = realloc(kvm->notifiers, (kvm->nnotifiers + 1) * sizeof *grown);
	if (grown == NULL) {
		pthread_mutex_unlock(&kvm->lock);
		return wire_set_cause(cause, -ENOMEM, "out of memory");
	}
	kvm->notifiers = grown;
	n = &kvm->notifiers[kvm->nnotifiers];
	memset(n, 0, sizeof *n);
	snprintf(n->id, sizeof n->id, "%s", chip_id);
	n->line = line;
	n->level = resample_fd >= 0;
	n->bound_gsi = -1;
	n->resample_fd = -1;
	/* Our own copies: irqchipd gets others, and KVM_IRQFD takes ours on a bind. */
	if ((n->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0 || (n->level &&
	    (n->resample_fd = fcntl(resample_fd, F_DUPFD_CLOEXEC, 3)) < 0)) {
		rc = wire_set_cause(cause, -errno, "cannot duplicate the eventfd: %s",
		    strerror(errno));
		if (n->fd >= 0)
			close(n->fd);
		pthread_mutex_unlock(&kvm->lock);
		return rc;
	}
	kvm->nnotifiers++;
	if ((rc = wait_client_locked(kvm, "notifier-add", cause)) == 0)
		rc = send_notifier_add(kvm, n, cause);
	if (rc < 0)
		(void)notifier_release(kvm, kvm->nnotifiers - 1, NULL);
	pthread_mutex_unlock(&kvm->lock);
	return rc;
}

int
irqchip_kvm_del_notifier(struct irqchip_kvm *kvm, const char *chip_id, unsigned line,
    char **cause)
{
	json_object *args, *reply = NULL;
	int idx, rc;

	pthread_mutex_lock(&kvm->lock);
	if ((idx = notifier_index(kvm, chip_id, line)) < 0) {
		pthread_mutex_unlock(&kvm->lock);
		return wire_set_cause(cause, -ENOENT, "chip %s line %u has no notifier",
		    chip_id, line);
	}
	rc = wait_client_locked(kvm, "notifier-del", cause);
	if (rc == 0) {
		args = json_object_new_object();
		json_object_object_add(args, "id", json_object_new_string(chip_id));
		json_object_object_add(args, "line", json_object_new_int64(line));
		/* Its reply unbinds a bound one, before irqchipd forgets it. */
		rc = call_apply_locked(kvm, "notifier-del", args, NULL, 0, &reply, cause);
		json_object_put(args);
		json_object_put(reply);
	}
	/* Ours goes whatever irqchipd said: the device is being unplugged. */
	idx = notifier_index(kvm, chip_id, line);
	if (idx >= 0) {
		int rc2 = notifier_release(kvm, (unsigned)idx, rc < 0 ? NULL : cause);

		if (rc == 0)
			rc = rc2;
	}
	pthread_mutex_unlock(&kvm->lock);
	return rc;
}

int
irqchip_kvm_notifier_bound(struct irqchip_kvm *kvm, const char *chip_id, unsigned line)
{
	int idx, gsi;

	pthread_mutex_lock(&kvm->lock);
	idx = notifier_index(kvm, chip_id, line);
	gsi = idx < 0 ? -ENOENT : kvm->notifiers[idx].bound_gsi;
	pthread_mutex_unlock(&kvm->lock);
	return gsi;
}

const char *const irqchip_kvm_capabilities[] = {"route-commit", NULL};

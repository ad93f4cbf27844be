/*
 * Deliveries and route announcements: the only place that decides how an
 * interrupt reaches the guest. A chip says what it delivers (struct
 * delivery); inject() picks the backend, in this order:
 *
 *   x86 MSI   kvm     embedded mode only: KVM_SIGNAL_MSI on the VM fd;
 *             effect  the GSI's route changed in this request: a signal-msi
 *                     effect, after the route, so the library commits it first;
 *             irqfd   the eventfd the VMM bound to the GSI with KVM_IRQFD;
 *             effect  no irqfd, but a request is in progress: signal-msi;
 *             event   otherwise an "interrupt" event, for a VMM that owns
 *                     the CPU side.
 *   GSI line  kvm     embedded mode: KVM_IRQ_LINE;
 *             irqfd   a rising level on a GSI with an irqfd;
 *             effect  otherwise an irq-line effect (in an effects event
 *                     outside a request).
 *   LPI       effect  an lpi effect for the VMM that owns the redistributors.
 *   CPU irq   effect  a cpu-irq effect (KVM_INTERRUPT is a vCPU ioctl: VMM side).
 *
 * KVM refuses VM and vCPU ioctls from any process but the VM's creator
 * (Documentation/virt/kvm/api.rst, "General description"), hence effects.
 *
 * Route commits. KVM_SET_GSI_ROUTING replaces the table at once, and an
 * irqfd written to a GSI with no route (or the old one) injects nothing (or
 * the old interrupt) (virt/kvm/irqchip.c, kvm_set_irq; api.rst KVM_IRQFD).
 * So for a client that negotiated "route-commit", a reply whose effects change
 * routes carries a "commit" token; deliveries to those GSIs' irqfds are held
 * (one per GSI: the LAPIC's IRR coalesces edges anyway) until route-commit
 * with that token says KVM has the routes.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "daemon.h"
#include "log.h"
#include "probes.h"
#include "wire.h"
#include "xmalloc.h"

struct gsi_irqfd *
gsi_irqfd_add(struct server *srv, unsigned gsi, int fd)
{
	struct gsi_irqfd *f = xcalloc(1, sizeof *f);

	f->gsi = gsi;
	f->fd = fd;
	TAILQ_INSERT_TAIL(&srv->irqfds, f, entry);
	srv->irqfd_by_gsi[gsi] = f;
	return f;
}

struct gsi_irqfd *
gsi_irqfd_find(struct server *srv, unsigned gsi)
{
	return gsi <= GSI_MAX ? srv->irqfd_by_gsi[gsi] : NULL;
}

void
gsi_irqfd_free(struct server *srv, struct gsi_irqfd *f)
{
	srv->irqfd_by_gsi[f->gsi] = NULL;
	TAILQ_REMOVE(&srv->irqfds, f, entry);
	close(f->fd);
	free(f);
}

static bool
request_routed(const struct request *req, unsigned gsi)
{
	for (unsigned i = 0; req != NULL && i < req->nrouted; i++) {
		if (req->routed_gsis[i] == gsi)
			return true;
	}
	return false;
}

static json_object *
msi_object(uint64_t address, uint32_t data)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "address", wire_u64(address));
	json_object_object_add(o, "data", json_object_new_int64(data));
	return o;
}

void
inject_effect(struct server *srv, struct request *req, const char *kind, json_object *body)
{
	json_object *e = json_object_new_object(), *list;

	json_object_object_add(e, kind, body);
	if (req != NULL) {
		json_object_array_add(req->effects, e);
		return;
	}
	/* Outside a request (a timer, a notifier) the effect travels as an event. */
	list = json_object_new_array();
	json_object_array_add(list, e);
	body = json_object_new_object();
	json_object_object_add(body, "effects", list);
	server_event(srv, "effects", body);
}

void
inject_route(struct server *srv, struct request *req, unsigned gsi, bool present,
    uint64_t address, uint32_t data)
{
	json_object *body;

	PROBE4(route, gsi, present, address, data);
	if (present) {
		body = msi_object(address, data);
		json_object_object_add(body, "gsi", json_object_new_int64(gsi));
		inject_effect(srv, req, "route", body);
	} else {
		body = json_object_new_object();
		json_object_object_add(body, "gsi", json_object_new_int64(gsi));
		inject_effect(srv, req, "unroute", body);
	}
	if (req != NULL && !request_routed(req, gsi)) {
		if (req->nrouted == req->routed_cap) {
			req->routed_cap = req->routed_cap ? 2 * req->routed_cap : 32;
			req->routed_gsis = xreallocarray(req->routed_gsis, req->routed_cap,
			    sizeof *req->routed_gsis);
		}
		req->routed_gsis[req->nrouted++] = gsi;
	}
}

void
inject_commit_token(struct server *srv, struct request *req, json_object *ret)
{
	struct client *c = req->client;
	unsigned gsi;

	if (req->nrouted == 0 || c == NULL || c != srv->client || !c->route_commit ||
	    srv->kvm_vm_fd >= 0)
		return;
	srv->route_seq++;
	for (unsigned i = 0; i < req->nrouted; i++) {
		if ((gsi = req->routed_gsis[i]) > GSI_MAX)
			continue;
		if (srv->route_pending[gsi] == 0)
			srv->nroute_pending++;
		srv->route_pending[gsi] = srv->route_seq;
	}
	json_object_object_add(ret, "commit", wire_u64(srv->route_seq));
}

static bool write_irqfd(struct server *, struct gsi_irqfd *);

unsigned
inject_route_commit(struct server *srv, uint64_t seq)
{
	struct gsi_irqfd *f;
	unsigned released = 0;

	srv->stats.route_commits++;
	for (unsigned gsi = 0; gsi <= GSI_MAX && srv->nroute_pending > 0; gsi++) {
		if (srv->route_pending[gsi] == 0 || srv->route_pending[gsi] > seq)
			continue;
		srv->route_pending[gsi] = 0;
		srv->nroute_pending--;
		if ((f = gsi_irqfd_find(srv, gsi)) != NULL && f->held > 0) {
			f->held = 0;
			srv->stats.released++;
			(void)write_irqfd(srv, f);
			released++;
		}
	}
	return released;
}

static bool
kvm_signal_msi(struct server *srv, uint64_t address, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)address,
		.address_hi = (uint32_t)(address >> 32),
		.data = data,
	};
	int rc;

	rc = ioctl(srv->kvm_vm_fd, KVM_SIGNAL_MSI, &msi);
	if (rc > 0) {
		srv->stats.inject_kvm++;
		return true;
	}
	/* 0: the guest blocked it (masked LAPIC); no destination is EPERM on x86. */
	if (rc < 0)
		log_debug("KVM_SIGNAL_MSI 0x%llx/0x%x: %s", (unsigned long long)address, data,
		    strerror(errno));
	srv->stats.inject_lost++;
	return false;
}

static bool
kvm_irq_line(struct server *srv, unsigned gsi, int level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = (uint32_t)level };

	if (ioctl(srv->kvm_vm_fd, KVM_IRQ_LINE, &l) == 0) {
		srv->stats.inject_kvm++;
		return true;
	}
	log_debug("KVM_IRQ_LINE %u/%d: %s", gsi, level, strerror(errno));
	srv->stats.inject_lost++;
	return false;
}

void
inject_fd_failed(struct server *srv, const char *what, const char *chip, unsigned n,
    int err)
{
	json_object *data = json_object_new_object();
	char msg[160];

	srv->stats.eventfd_write_failures++;
	if (chip != NULL)
		reason(msg, sizeof msg, "%s of chip %s line %u: write failed: %s%s", what, chip,
		    n, strerror(err), err == EAGAIN ? " (the eventfd is full: nobody reads it)" :
		    "");
	else
		reason(msg, sizeof msg, "%s for GSI %u: write failed: %s%s", what, n,
		    strerror(err), err == EAGAIN ? " (the eventfd is full: nobody reads it)" : "");
	log_warn_limited(&srv->log_fd, "%s", msg);
	json_object_object_add(data, "kind", json_object_new_string(what));
	if (chip != NULL) {
		json_object_object_add(data, "id", json_object_new_string(chip));
		json_object_object_add(data, "line", json_object_new_int64(n));
	} else {
		json_object_object_add(data, "gsi", json_object_new_int64(n));
	}
	json_object_object_add(data, "message", json_object_new_string(msg));
	json_object_object_add(data, "count", wire_u64(srv->stats.eventfd_write_failures));
	server_event(srv, "client-error", data);
}

static bool
write_irqfd(struct server *srv, struct gsi_irqfd *f)
{
	uint64_t one = 1;

	if (write(f->fd, &one, sizeof one) == sizeof one) {
		f->writes++;
		srv->stats.inject_irqfd++;
		return true;
	}
	srv->stats.inject_lost++;
	inject_fd_failed(srv, "irqfd", NULL, f->gsi, errno);
	return false;
}

static const char *const delivery_kind_names[] = {
	[DELIVER_X86_MSI] = "x86-msi",
	[DELIVER_GSI_LINE] = "gsi-line",
	[DELIVER_LPI] = "lpi",
	[DELIVER_CPU_IRQ] = "cpu-irq",
};

/*
 * A delivery's outcome, for the deliver probe: the backend that took it
 * (kvm, irqfd, effect, event), or failed (its write or ioctl failed; "none"
 * when nobody could take it). Returns accepted. The probe's value is what
 * the kind carries: MSI data, line level, LPI INTID.
 */
static bool
delivered(const struct delivery *d, const char *backend, const char *failed, bool accepted)
{
	PROBE6(deliver, d->chip != NULL ? d->chip->id : "", d->line,
	    delivery_kind_names[d->kind], accepted ? backend : failed, d->gsi,
	    d->kind == DELIVER_X86_MSI ? d->data : d->kind == DELIVER_LPI ? d->intid :
	    (uint32_t)d->level);
	return accepted;
}

static bool
inject_x86_msi(struct server *srv, struct request *req, const struct delivery *d)
{
	struct gsi_irqfd *f;
	json_object *body;

	if (srv->kvm_vm_fd >= 0)
		return delivered(d, "kvm", "kvm-failed", kvm_signal_msi(srv, d->address, d->data));
	if (req != NULL && request_routed(req, d->gsi)) {
		srv->stats.inject_effect++;
		inject_effect(srv, req, "signal-msi", msi_object(d->address, d->data));
		return delivered(d, "effect", "effect", true);
	}
	if (d->gsi != DELIVERY_NO_GSI && (f = gsi_irqfd_find(srv, d->gsi)) != NULL) {
		/* The GSI's new route is not in KVM yet: deliver once it is. */
		if (srv->nroute_pending > 0 && srv->route_pending[d->gsi] != 0) {
			f->held++;
			srv->stats.held++;
			return delivered(d, "held", "held", true);
		}
		return delivered(d, "irqfd", "irqfd-failed", write_irqfd(srv, f));
	}
	if (req != NULL) {
		srv->stats.inject_effect++;
		inject_effect(srv, req, "signal-msi", msi_object(d->address, d->data));
		return delivered(d, "effect", "effect", true);
	}
	if (server_client_negotiated(srv)) {
		body = msi_object(d->address, d->data);
		json_object_object_add(body, "id", json_object_new_string(d->chip->id));
		json_object_object_add(body, "line", json_object_new_int64(d->line));
		if (d->gsi != DELIVERY_NO_GSI)
			json_object_object_add(body, "gsi", json_object_new_int64(d->gsi));
		srv->stats.inject_event++;
		server_event(srv, "interrupt", body);
		return delivered(d, "event", "event", true);
	}
	srv->stats.inject_lost++;
	log_debug("chip %s line %u: no client to deliver GSI %u to", d->chip->id, d->line,
	    d->gsi);
	return delivered(d, "none", "none", false);
}

/* Effects with no kernel path from here: they need a client to take them. */
static bool
inject_as_effect(struct server *srv, struct request *req, const struct delivery *d,
    const char *kind, json_object *body)
{
	if (req == NULL && !server_client_negotiated(srv)) {
		json_object_put(body);
		srv->stats.inject_lost++;
		return delivered(d, "none", "none", false);
	}
	srv->stats.inject_effect++;
	inject_effect(srv, req, kind, body);
	return delivered(d, "effect", "effect", true);
}

bool
inject(struct server *srv, struct request *req, const struct delivery *d)
{
	struct gsi_irqfd *f;
	json_object *body;

	switch (d->kind) {
	case DELIVER_X86_MSI:
		return inject_x86_msi(srv, req, d);
	case DELIVER_GSI_LINE:
		if (srv->kvm_vm_fd >= 0)
			return delivered(d, "kvm", "kvm-failed", kvm_irq_line(srv, d->gsi, d->level));
		if (d->level && (f = gsi_irqfd_find(srv, d->gsi)) != NULL)
			return delivered(d, "irqfd", "irqfd-failed", write_irqfd(srv, f));
		body = json_object_new_object();
		json_object_object_add(body, "gsi", json_object_new_int64(d->gsi));
		json_object_object_add(body, "level", json_object_new_int(d->level));
		return inject_as_effect(srv, req, d, "irq-line", body);
	case DELIVER_LPI:
		body = json_object_new_object();
		json_object_object_add(body, "intid", json_object_new_int64(d->intid));
		json_object_object_add(body, "target", json_object_new_int64(d->target));
		json_object_object_add(body, "device", json_object_new_int64(d->device));
		json_object_object_add(body, "event", json_object_new_int64(d->event));
		return inject_as_effect(srv, req, d, "lpi", body);
	case DELIVER_CPU_IRQ:
		body = json_object_new_object();
		json_object_object_add(body, "cpu", json_object_new_int64(d->cpu));
		json_object_object_add(body, "level", json_object_new_int(d->level));
		return inject_as_effect(srv, req, d, "cpu-irq", body);
	}
	return false;
}

/*
 * Injection and route announcements: the only place that decides how an
 * interrupt reaches KVM (DESIGN.md "Injection, and who may touch KVM").
 *
 *   kvm     embedded mode only: KVM_SIGNAL_MSI on the VM fd (accept is known);
 *   effect  the GSI's route changed in this request: a signal-msi effect,
 *           ordered after the route so the library commits the route first;
 *   irqfd   the eventfd the VMM bound to the GSI with KVM_IRQFD;
 *   effect  no irqfd, but a request is in progress: a signal-msi effect;
 *   event   otherwise an "interrupt" event for a VMM that owns the CPU side.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "chip.h"
#include "log.h"
#include "server.h"
#include "wire.h"
#include "xmalloc.h"

struct irqfd *
irqfd_find(struct server *srv, unsigned gsi)
{
	struct irqfd *f;

	TAILQ_FOREACH(f, &srv->irqfds, entry) {
		if (f->gsi == gsi)
			return f;
	}
	return NULL;
}

void
irqfd_free(struct server *srv, struct irqfd *f)
{
	TAILQ_REMOVE(&srv->irqfds, f, entry);
	close(f->fd);
	free(f);
}

static bool
request_routed(const struct request *req, unsigned gsi)
{
	for (unsigned i = 0; i < req->nrouted; i++) {
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

static void
add_effect(struct server *srv, const char *kind, json_object *body)
{
	json_object *e = json_object_new_object(), *list;

	json_object_object_add(e, kind, body);
	if (srv->req != NULL) {
		json_object_array_add(srv->req->effects, e);
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
inject_route(struct server *srv, unsigned gsi, bool present, uint64_t address, uint32_t data)
{
	json_object *body;
	struct request *req = srv->req;

	if (present) {
		body = msi_object(address, data);
		json_object_object_add(body, "gsi", json_object_new_int64(gsi));
		add_effect(srv, "route", body);
	} else {
		body = json_object_new_object();
		json_object_object_add(body, "gsi", json_object_new_int64(gsi));
		add_effect(srv, "unroute", body);
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

static bool
inject_kvm(struct server *srv, uint64_t address, uint32_t data)
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

bool
inject_msi(struct server *srv, struct chip *chip, unsigned line, unsigned gsi,
    uint64_t address, uint32_t data)
{
	struct irqfd *f;
	json_object *body;
	uint64_t one = 1;

	if (srv->kvm_vm_fd >= 0)
		return inject_kvm(srv, address, data);
	if (srv->req != NULL && request_routed(srv->req, gsi)) {
		srv->stats.inject_effect++;
		add_effect(srv, "signal-msi", msi_object(address, data));
		return true;
	}
	if ((f = irqfd_find(srv, gsi)) != NULL) {
		if (write(f->fd, &one, sizeof one) == sizeof one) {
			f->writes++;
			srv->stats.inject_irqfd++;
			return true;
		}
		log_warn("irqfd for GSI %u: write: %s", gsi, strerror(errno));
		srv->stats.inject_lost++;
		return false;
	}
	if (srv->req != NULL) {
		srv->stats.inject_effect++;
		add_effect(srv, "signal-msi", msi_object(address, data));
		return true;
	}
	if (server_client_negotiated(srv)) {
		body = msi_object(address, data);
		json_object_object_add(body, "id", json_object_new_string(chip->id));
		json_object_object_add(body, "line", json_object_new_int64(line));
		json_object_object_add(body, "gsi", json_object_new_int64(gsi));
		srv->stats.inject_event++;
		server_event(srv, "interrupt", body);
		return true;
	}
	srv->stats.inject_lost++;
	log_debug("chip %s line %u: no client to deliver GSI %u to", chip->id, line, gsi);
	return false;
}

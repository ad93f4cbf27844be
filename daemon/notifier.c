/*
 * Device eventfds wired to chip inputs. An edge notifier turns each eventfd
 * write into one pulse; a level notifier asserts on a write and is deasserted
 * by the line's EOI, which then signals the resample eventfd: KVM's irqfd
 * resample, which KVM refuses under split irqchip (Documentation/virt/kvm/api.rst,
 * KVM_IRQFD: KVM_IRQFD_FLAG_RESAMPLE needs an in-kernel irqchip).
 *
 * Kernel bypass. An edge notifier added with "bypass" (by the client library,
 * which keeps its own copy of the eventfd) whose input is static, as the
 * chip's edge_gsi hook says (an unmasked edge IOAPIC entry: one MSI through
 * its GSI's route, no state), is handed back to the library with a "bind"
 * effect: the library binds it to the GSI with KVM_IRQFD and the device's
 * writes never wake irqchipd. When the input stops being static (the guest
 * masks the entry, makes it level, retargets it) an "unbind" effect in the
 * reply to the guest's write takes it back before the write completes.
 *
 * Nothing is lost or doubled across the switch: irqchipd stops polling the
 * eventfd before it asks for the bind, and KVM_IRQFD delivers a count already
 * pending when it binds (virt/kvm/eventfd.c, kvm_irqfd_assign polls the file
 * once); after an unbind irqchipd polls again at once, and a write that both
 * KVM's irqfd and this loop see is consumed by one of them (eventfd(2): a read
 * returns the counter and resets it).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "daemon.h"

/* A burst larger than this is one storm, not work to replay write by write. */
#define NOTIFIER_MAX_PULSES	65536

struct notifier *
notifier_find(struct server *srv, struct chip *chip, unsigned line)
{
	struct notifier *n;

	TAILQ_FOREACH(n, &srv->notifiers, entry) {
		if (n->chip == chip && n->line == line)
			return n;
	}
	return NULL;
}

static void
notifier_cb(evutil_socket_t fd, short what, void *arg)
{
	struct notifier *n = arg;
	struct server *srv = n->srv;
	uint64_t count, i;
	ssize_t got;

	got = read(fd, &count, sizeof count);
	if (got != sizeof count) {
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		log_warn("notifier %s line %u: read: %s; removing it", n->chip->id, n->line,
		    got < 0 ? strerror(errno) : "short read");
		notifier_free(srv, NULL, n);
		return;
	}
	n->triggers += count;
	srv->stats.notifier_triggers += count;
	if (n->mode == NOTIFIER_EDGE) {
		if (count > NOTIFIER_MAX_PULSES) {
			log_warn("notifier %s line %u: %" PRIu64 " writes at once; pulsing %d times",
			    n->chip->id, n->line, count, NOTIFIER_MAX_PULSES);
			count = NOTIFIER_MAX_PULSES;
		}
		for (i = 0; i < count; i++)
			chip_line_pulse(n->chip, NULL, n->line, n->source);
	} else {
		n->asserted = true;
		chip_line_set(n->chip, NULL, n->line, n->source, true);
	}
}

static void
notifier_poll(struct notifier *n, bool on)
{
	if (on == n->polled)
		return;
	if (on ? event_add(n->ev, NULL) < 0 : event_del(n->ev) < 0) {
		log_warn("notifier %s line %u: cannot %s polling its eventfd", n->chip->id,
		    n->line, on ? "resume" : "stop");
		return;
	}
	n->polled = on;
}

/* The unbind effect alone: the library deassigns its copy. */
static void
notifier_unbind_effect(struct server *srv, struct request *req, struct notifier *n)
{
	json_object *body = json_object_new_object();

	json_object_object_add(body, "id", json_object_new_string(n->chip->id));
	json_object_object_add(body, "line", json_object_new_int64(n->line));
	inject_effect(srv, req, "unbind", body);
	srv->stats.unbinds++;
	n->bound_gsi = NOTIFIER_UNBOUND;
}

/* The eventfd comes back: unbind it and read it here again. */
static void
notifier_unbind(struct server *srv, struct request *req, struct notifier *n)
{
	notifier_unbind_effect(srv, req, n);
	notifier_poll(n, true);
}

static void
notifier_bind(struct server *srv, struct request *req, struct notifier *n, unsigned gsi)
{
	json_object *body = json_object_new_object();

	/* Stop reading first: from here on a write waits in the counter for KVM. */
	notifier_poll(n, false);
	json_object_object_add(body, "id", json_object_new_string(n->chip->id));
	json_object_object_add(body, "line", json_object_new_int64(n->line));
	json_object_object_add(body, "gsi", json_object_new_int64(gsi));
	inject_effect(srv, req, "bind", body);
	srv->stats.binds++;
	n->bound_gsi = (int)gsi;
}

void
notifier_reconcile(struct server *srv, struct request *req)
{
	struct notifier *n;
	int want;

	if (srv->nbypass == 0)
		return;
	TAILQ_FOREACH(n, &srv->notifiers, entry) {
		if (!n->bypass)
			continue;
		want = n->chip->cls->edge_gsi != NULL ?
		    n->chip->cls->edge_gsi(n->chip, n->line, n->source) : -1;
		if (want == n->bound_gsi || (want < 0 && n->bound_gsi == NOTIFIER_UNBOUND))
			continue;
		if (n->bound_gsi != NOTIFIER_UNBOUND)
			notifier_unbind(srv, req, n);
		if (want >= 0)
			notifier_bind(srv, req, n, (unsigned)want);
	}
}

void
notifier_route_changing(struct chip *chip, struct request *req, unsigned line)
{
	struct notifier *n;

	if (chip->srv->nbypass == 0 || (n = notifier_find(chip->srv, chip, line)) == NULL)
		return;
	if (n->bypass && n->bound_gsi >= 0)
		notifier_unbind(chip->srv, req, n);
}

int
notifier_start(struct server *srv, struct notifier *n, char **cause)
{
	n->srv = srv;
	n->bound_gsi = n->bypass ? NOTIFIER_UNKNOWN : NOTIFIER_UNBOUND;
	n->ev = event_new(srv->base, n->fd, EV_READ | EV_PERSIST, notifier_cb, n);
	if (n->ev == NULL || event_add(n->ev, NULL) < 0) {
		if (n->ev != NULL)
			event_free(n->ev);
		n->ev = NULL;
		if (asprintf(cause, "cannot watch the eventfd") < 0)
			*cause = NULL;
		return -ENOMEM;
	}
	n->polled = true;
	if (n->bypass)
		srv->nbypass++;
	TAILQ_INSERT_TAIL(&srv->notifiers, n, entry);
	return 0;
}

void
notifier_free(struct server *srv, struct request *req, struct notifier *n)
{
	TAILQ_REMOVE(&srv->notifiers, n, entry);
	/* The library must stop KVM delivering it; without a request nobody is left to. */
	if (n->bypass) {
		srv->nbypass--;
		if (req != NULL && n->bound_gsi != NOTIFIER_UNBOUND)
			notifier_unbind_effect(srv, req, n);
	}
	/*
	 * However it goes (notifier-del, disconnect, chip-del, a dead eventfd),
	 * the device is unplugged and its level with it, as KVM's
	 * irqfd_resampler_shutdown deasserts: nothing could lower it later.
	 * Its source may be high from a chip-load even if it never wrote.
	 */
	n->asserted = false;
	chip_line_set(n->chip, NULL, n->line, n->source, false);
	if (n->ev != NULL)
		event_free(n->ev);
	close(n->fd);
	if (n->resample_fd >= 0)
		close(n->resample_fd);
	free(n);
}

void
notifier_free_chip(struct server *srv, struct request *req, struct chip *chip)
{
	struct notifier *n, *next;

	TAILQ_FOREACH_SAFE(n, &srv->notifiers, entry, next) {
		if (n->chip == chip)
			notifier_free(srv, req, n);
	}
}

void
notifier_resample(struct server *srv, struct chip *chip, unsigned line)
{
	struct notifier *n, *next;
	uint64_t one = 1;

	TAILQ_FOREACH_SAFE(n, &srv->notifiers, entry, next) {
		if (n->chip != chip || n->line != line || n->mode != NOTIFIER_LEVEL)
			continue;
		/*
		 * Deassert first, then tell the device: it re-asserts if it still
		 * needs us. Always, as KVM's resampler does: the source may have
		 * been asserted before this notifier existed (chip-load of a
		 * migrated device), and nothing else would ever lower it.
		 */
		n->asserted = false;
		chip_line_set(chip, chip->req, line, n->source, false);
		if (n->resample_fd >= 0 && write(n->resample_fd, &one, sizeof one) != sizeof one)
			inject_fd_failed(srv, "resample-fd", chip->id, line, errno);
		srv->stats.resamples++;
	}
}

/*
 * Device eventfds wired to chip inputs. An edge notifier turns each eventfd
 * write into one pulse; a level notifier asserts on a write and is deasserted
 * by the line's EOI, which then signals the resample eventfd: KVM's irqfd
 * resample, which KVM refuses under split irqchip (Documentation/virt/kvm/api.rst,
 * KVM_IRQFD: KVM_IRQFD_FLAG_RESAMPLE needs an in-kernel irqchip).
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
		notifier_free(srv, n);
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

int
notifier_start(struct server *srv, struct notifier *n, char **cause)
{
	n->srv = srv;
	n->ev = event_new(srv->base, n->fd, EV_READ | EV_PERSIST, notifier_cb, n);
	if (n->ev == NULL || event_add(n->ev, NULL) < 0) {
		if (n->ev != NULL)
			event_free(n->ev);
		n->ev = NULL;
		if (asprintf(cause, "cannot watch the eventfd") < 0)
			*cause = NULL;
		return -ENOMEM;
	}
	TAILQ_INSERT_TAIL(&srv->notifiers, n, entry);
	return 0;
}

void
notifier_free(struct server *srv, struct notifier *n)
{
	TAILQ_REMOVE(&srv->notifiers, n, entry);
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
notifier_free_chip(struct server *srv, struct chip *chip)
{
	struct notifier *n, *next;

	TAILQ_FOREACH_SAFE(n, &srv->notifiers, entry, next) {
		if (n->chip == chip)
			notifier_free(srv, n);
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

/* Embedded mode: the server on a thread of the VMM process (irqchip-embedded.h). */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "irqchip-embedded.h"
#include "log.h"
#include "daemon.h"
#include "xmalloc.h"

struct irqchip_embedded {
	pthread_t thread;
	struct event_base *base;
	struct server *srv;
	int stop_fd;			/* eventfd: the loop's way to hear "stop" */
	struct event *stop_ev;
};

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct irqchip_embedded *e = arg;

	event_base_loopbreak(e->base);
}

static void
on_disconnect(void *arg)
{
	struct irqchip_embedded *e = arg;

	event_base_loopbreak(e->base);
}

static void *
run(void *arg)
{
	struct irqchip_embedded *e = arg;

	/* Rings work here too; with poll_us 0 the thread never spins in the VMM. */
	server_run(e->srv);
	return NULL;
}

static void
embedded_free(struct irqchip_embedded *e)
{
	if (e->srv != NULL)
		server_free(e->srv);
	if (e->stop_ev != NULL)
		event_free(e->stop_ev);
	if (e->stop_fd >= 0)
		close(e->stop_fd);
	if (e->base != NULL)
		event_base_free(e->base);
	free(e);
}

int
irqchip_embedded_start(int vm_fd, struct irqchip_embedded **out,
    struct irqchip_client **client, char **cause)
{
	struct server_options opts = { .embedded = true, .exit_on_disconnect = true };
	struct irqchip_embedded *e;
	enum log_level level;
	int sv[2], rc;

	*out = NULL;
	*client = NULL;
	/* Inside a VMM, irqchipd speaks up only for warnings unless asked to. */
	if (getenv("IRQCHIPD_LOG_LEVEL") == NULL ||
	    log_level_parse(getenv("IRQCHIPD_LOG_LEVEL"), &level) < 0)
		level = LOG_LEVEL_WARN;
	log_set_level(level);
	e = xcalloc(1, sizeof *e);
	e->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->base = server_event_base_new();
	if (e->stop_fd < 0 || e->base == NULL) {
		rc = -errno;
		xasprintf(cause, "cannot create the event loop: %s", strerror(errno));
		embedded_free(e);
		return rc < 0 ? rc : -ENOMEM;
	}
	e->stop_ev = event_new(e->base, e->stop_fd, EV_READ, stop_cb, e);
	event_add(e->stop_ev, NULL);
	opts.on_exit = on_disconnect;
	opts.on_exit_arg = e;
	e->srv = server_create(e->base, &opts, cause);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = -errno;
		xasprintf(cause, "socketpair: %s", strerror(errno));
		embedded_free(e);
		return rc;
	}
	/* The greeting is queued on the socket now; the thread serves the rest. */
	if ((rc = server_attach(e->srv, sv[1], getuid(), cause)) < 0) {
		close(sv[0]);
		close(sv[1]);
		embedded_free(e);
		return rc;
	}
	if ((rc = pthread_create(&e->thread, NULL, run, e)) != 0) {
		xasprintf(cause, "pthread_create: %s", strerror(rc));
		close(sv[0]);
		embedded_free(e);
		return -rc;
	}
	*out = e;
	rc = irqchip_client_open_fd(sv[0], client, cause);
	if (rc == 0)
		rc = irqchip_client_negotiate(*client, NULL, NULL, NULL, cause);
	if (rc == 0 && vm_fd >= 0) {
		json_object *args = json_object_new_object();

		json_object_object_add(args, "fd", json_object_new_int(0));
		rc = irqchip_client_call(*client, "kvm-attach", args, &vm_fd, 1, NULL, NULL,
		    cause);
		json_object_put(args);
	}
	if (rc < 0) {
		irqchip_client_close(*client);
		*client = NULL;
		irqchip_embedded_stop(e);
		*out = NULL;
	}
	return rc;
}

void
irqchip_embedded_stop(struct irqchip_embedded *e)
{
	uint64_t one = 1;

	if (e == NULL)
		return;
	if (write(e->stop_fd, &one, sizeof one) != sizeof one)
		abort();	/* an eventfd write of 1 cannot fail */
	pthread_join(e->thread, NULL);
	embedded_free(e);
}

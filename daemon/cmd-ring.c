/*
 * Ring commands: a shared-memory ring per producer thread (ring.c has the
 * layout's checks and the loop that drains them), added and removed by the
 * controlling client. Rings go with the client's session (session_release).
 */
#include "config.h"

#include <errno.h>

#include "compiler.h"
#include "daemon.h"
#include "irqchip-ring.h"

static int
cmd_ring_add(struct request *req, struct args *a, struct reply *r)
{
	int memfd = args_take_fd(a, "fd"), doorbell = args_take_fd(a, "doorbell-fd");
	int id;

	/* ring_add owns both fds from here: kept, or closed on failure. */
	if ((id = ring_add(req->srv, req->client, memfd, doorbell, r)) < 0)
		return -EINVAL;
	json_object_object_add(r->ret, "ring", json_object_new_int64(id));
	json_object_object_add(r->ret, "version", json_object_new_int64(IRQCHIP_RING_VERSION));
	json_object_object_add(r->ret, "poll-us", json_object_new_int64(req->srv->opts.poll_us));
	return 0;
}

static int
cmd_ring_del(struct request *req, struct args *a, struct reply *r)
{
	return ring_del(req->srv, (unsigned)args_u64(a, "ring", 0), r);
}

#define R ARG_REQUIRED
#define ARGS(x) x, ARRAY_SIZE(x)

static const struct arg_spec ring_add_args[] = {
	{ "fd", ARG_FD, R, .fd_kind = FD_MEMFD, .help =
	    "the ring: a memfd sealed with F_SEAL_SHRINK and F_SEAL_GROW, laid out as "
	    "irqchipd-protocol(7) says" },
	{ "doorbell-fd", ARG_FD, R, .fd_kind = FD_EVENTFD, .help =
	    "an eventfd the producer writes when the ring says the daemon sleeps" },
};
static const struct arg_spec ring_del_args[] = {
	{ "ring", ARG_U64, R, 1, UINT32_MAX, .help = "the ring's id from ring-add" },
};

static const struct command ring_commands[] = {
	{ "ring-add", cmd_ring_add, ARGS(ring_add_args), 0,
	    "a shared-memory ring for one producer thread's forwarded operations" },
	{ "ring-del", cmd_ring_del, ARGS(ring_del_args), 0,
	    "remove a ring, after running what was published on it" },
};

const struct command_table cmd_ring_table = { ARGS(ring_commands) };

/* Memory commands: the guest RAM regions chips read their tables and queues from. */
#include "config.h"

#include <errno.h>

#include "compiler.h"
#include "daemon.h"

static int
cmd_memory_add(struct request *req, struct args *a, struct reply *r)
{
	return memory_add(req->srv, args_u64(a, "gpa", 0), args_u64(a, "size", 0),
	    args_take_fd(a, "fd"), args_u64(a, "offset", 0), r);
}

static int
cmd_memory_del(struct request *req, struct args *a, struct reply *r)
{
	return memory_del(req->srv, args_u64(a, "gpa", 0), r);
}

static int
cmd_query_memory(struct request *req, struct args *a, struct reply *r)
{
	json_object_object_add(r->ret, "regions", memory_describe(req->srv));
	return 0;
}

#define R ARG_REQUIRED
#define ARGS(x) x, ARRAY_SIZE(x)

static const struct arg_spec memory_add_args[] = {
	{ "gpa", ARG_U64, R, 0, UINT64_MAX, .help = "guest-physical address, page aligned" },
	{ "size", ARG_U64, R, 1, UINT64_MAX, .help = "bytes, a multiple of the page size" },
	{ "fd", ARG_FD, R, .fd_kind = FD_MEMFD,
	    .help = "a memfd sealed with F_SEAL_SHRINK holding the RAM" },
	{ "offset", ARG_U64, 0, 0, UINT64_MAX,
	    .help = "where the region starts in the memfd, page aligned (default 0)" },
};
static const struct arg_spec memory_del_args[] = {
	{ "gpa", ARG_U64, R, 0, UINT64_MAX, .help = "the region's guest-physical address" },
};

static const struct command memory_commands[] = {
	{ "memory-add", cmd_memory_add, ARGS(memory_add_args), 0,
	    "a guest RAM region, for chips whose tables live in guest memory" },
	{ "memory-del", cmd_memory_del, ARGS(memory_del_args), 0,
	    "forget a guest RAM region" },
	{ "query-memory", cmd_query_memory, NULL, 0, CMD_OBSERVER, "the guest RAM regions" },
};

const struct command_table cmd_memory_table = { ARGS(memory_commands) };

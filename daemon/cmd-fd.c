/* fd commands: irqfds the VMM bound to GSIs, and device eventfds wired to chip inputs. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler.h"
#include "daemon.h"
#include "xmalloc.h"


static int
cmd_irqfd_add(struct request *req, struct args *a, struct reply *r)
{
	struct server *srv = req->srv;
	unsigned gsi = (unsigned)args_u64(a, "gsi", 0);

	if (gsi_irqfd_find(srv, gsi) != NULL)
		return reply_error(r, ERR_ALREADY_EXISTS, "argument 'gsi': GSI %u already has "
		    "an irqfd (irqfd-del it first)", gsi);
	if (fd_budget_check(srv, 1, r, NULL, 0) < 0)
		return -EMFILE;
	(void)gsi_irqfd_add(srv, gsi, args_take_fd(a, "fd"));
	return 0;
}

static int
cmd_irqfd_del(struct request *req, struct args *a, struct reply *r)
{
	unsigned gsi = (unsigned)args_u64(a, "gsi", 0);
	struct gsi_irqfd *f = gsi_irqfd_find(req->srv, gsi);

	if (f == NULL)
		return reply_error(r, ERR_DEVICE_NOT_FOUND, "argument 'gsi': GSI %u has no "
		    "irqfd", gsi);
	gsi_irqfd_free(req->srv, f);
	return 0;
}

static int
cmd_notifier_add(struct request *req, struct args *a, struct reply *r)
{
	struct server *srv = req->srv;
	struct chip *chip = chip_need_line(req->srv, a, r);
	unsigned line = (unsigned)args_u64(a, "line", 0);
	bool level = strcmp(args_str(a, "mode", "edge"), "level") == 0;
	struct notifier *n;
	char *cause = NULL;

	if (chip == NULL)
		return -EINVAL;
	if (notifier_find(srv, chip, line) != NULL)
		return reply_error(r, ERR_ALREADY_EXISTS, "chip '%s' line %u already has a "
		    "notifier (notifier-del it first)", chip->id, line);
	if (level && !args_has(a, "resample-fd"))
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'resample-fd' is "
		    "required when 'mode' is level: it is how the device learns of the EOI");
	if (!level && args_has(a, "resample-fd"))
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'resample-fd' goes only "
		    "with 'mode' level");
	if (level && args_u64(a, "bypass", 0))
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'bypass' goes only with "
		    "'mode' edge: a level input needs its EOI, which only irqchipd sees");
	if (fd_budget_check(srv, level ? 2 : 1, r, NULL, 0) < 0)
		return -EMFILE;
	n = xcalloc(1, sizeof *n);
	n->chip = chip;
	n->line = line;
	n->source = SOURCE_NOTIFIER;
	n->mode = level ? NOTIFIER_LEVEL : NOTIFIER_EDGE;
	n->bypass = args_u64(a, "bypass", 0) != 0;
	n->fd = args_take_fd(a, "fd");
	n->resample_fd = args_take_fd(a, "resample-fd");
	if (notifier_start(srv, n, &cause) < 0) {
		reply_error(r, ERR_GENERIC, "%s", cause != NULL ? cause : "notifier failed");
		free(cause);
		close(n->fd);
		if (n->resample_fd >= 0)
			close(n->resample_fd);
		free(n);
		return -EINVAL;
	}
	return 0;
}

static int
cmd_notifier_del(struct request *req, struct args *a, struct reply *r)
{
	struct server *srv = req->srv;
	struct chip *chip = chip_need_line(req->srv, a, r);
	unsigned line = (unsigned)args_u64(a, "line", 0);
	struct notifier *n;

	if (chip == NULL)
		return -EINVAL;
	if ((n = notifier_find(srv, chip, line)) == NULL)
		return reply_error(r, ERR_DEVICE_NOT_FOUND, "chip '%s' line %u has no notifier",
		    chip->id, line);
	/* The device is unplugged from the line: its level goes with it. */
	if (n->asserted)
		chip_line_set(chip, req, line, n->source, false);
	notifier_free(srv, req, n);
	return 0;
}

static int
cmd_route_commit(struct request *req, struct args *a, struct reply *r)
{
	struct server *srv = req->srv;
	uint64_t seq = args_u64(a, "seq", 0);

	if (!req->client->route_commit)
		return reply_error(r, ERR_SESSION, "this client did not negotiate the "
		    "'route-commit' capability, so irqchipd issued it no commit token");
	if (seq == 0 || seq > srv->route_seq)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'seq' is %" PRIu64
		    ": irqchipd has issued commit tokens 1..%" PRIu64, seq, srv->route_seq);
	json_object_object_add(r->ret, "released",
	    json_object_new_int64(inject_route_commit(srv, seq)));
	return 0;
}

#define R ARG_REQUIRED
#define ARGS(x) x, ARRAY_SIZE(x)

static const struct arg_spec irqfd_add_args[] = {
	{ "gsi", ARG_U64, R, 0, GSI_MAX, .help = "the GSI the eventfd is bound to" },
	{ "fd", ARG_FD, R, .fd_kind = FD_EVENTFD, .help = "eventfd bound with KVM_IRQFD" },
};
static const struct arg_spec irqfd_del_args[] = {
	{ "gsi", ARG_U64, R, 0, GSI_MAX, .help = "the GSI" },
};
static const char *const notifier_modes[] = { "edge", "level", NULL };
static const struct arg_spec notifier_add_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "line", ARG_U64, R, 0, LINE_MAX_GLOBAL,
	    .help = "input line (IOAPIC pin; POWER global interrupt number)" },
	{ "fd", ARG_FD, R, .fd_kind = FD_EVENTFD, .help = "the device's eventfd" },
	{ "mode", ARG_ENUM, R, .values = notifier_modes,
	    .help = "edge: each write is a pulse; level: a write asserts until EOI" },
	{ "resample-fd", ARG_FD, 0, .fd_kind = FD_EVENTFD,
	    .help = "level mode: written at each EOI of the line" },
	{ "bypass", ARG_BOOL, 0,
	    .help = "edge mode: the client keeps a copy and binds it with KVM_IRQFD on 'bind'" },
};
static const struct arg_spec notifier_del_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "line", ARG_U64, R, 0, LINE_MAX_GLOBAL, .help = "input line" },
};

static const struct arg_spec route_commit_args[] = {
	{ "seq", ARG_U64, R, 1, UINT64_MAX, .help = "the reply's commit token" },
};

static const struct command fd_commands[] = {
	{ "irqfd-add", cmd_irqfd_add, ARGS(irqfd_add_args), 0,
	    "an eventfd the VMM bound to a GSI with KVM_IRQFD" },
	{ "irqfd-del", cmd_irqfd_del, ARGS(irqfd_del_args), 0, "forget a GSI's irqfd" },
	{ "notifier-add", cmd_notifier_add, ARGS(notifier_add_args), CMD_EFFECTS,
	    "wire a device eventfd to a chip input" },
	{ "notifier-del", cmd_notifier_del, ARGS(notifier_del_args), CMD_EFFECTS,
	    "unwire it (its level is deasserted)" },
	{ "route-commit", cmd_route_commit, ARGS(route_commit_args), 0,
	    "KVM has the routes of the reply that carried this commit token" },
};

const struct command_table cmd_fd_table = { ARGS(fd_commands) };

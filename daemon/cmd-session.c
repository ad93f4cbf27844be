/* Session commands: negotiate, the queries about the daemon itself, kvm-attach. */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "compiler.h"
#include "daemon.h"
#include "log.h"
#include "wire.h"

void
session_release(struct server *srv)
{
	struct notifier *n;
	struct gsi_irqfd *f;

	while ((n = TAILQ_FIRST(&srv->notifiers)) != NULL)
		notifier_free(srv, NULL, n);
	while ((f = TAILQ_FIRST(&srv->irqfds)) != NULL)
		gsi_irqfd_free(srv, f);
	/* Held deliveries went with the irqfds; a new client's routes are announced anew. */
	memset(srv->route_pending, 0, sizeof srv->route_pending);
	srv->nroute_pending = 0;
	ring_free_all(srv);
	if (srv->kvm_vm_fd >= 0) {
		close(srv->kvm_vm_fd);
		srv->kvm_vm_fd = -1;
	}
}

/* Whether this negotiate may make c the controller; r says why not. */
static int
may_control(struct request *req, const char *resume, bool takeover, struct reply *r)
{
	struct server *srv = req->srv;
	struct client *old = srv->client;
	unsigned nchips = chip_count(srv);

	if (resume != NULL && strcmp(resume, srv->token) != 0)
		return reply_error(r, ERR_SESSION, "argument 'resume' does not match "
		    "this daemon's session token (the greeting's \"session\")");
	if (takeover && resume == NULL)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'takeover' needs "
		    "'resume' with the session token: only a holder of the token may "
		    "replace the controlling client");
	if (old != NULL && old != req->client && !old->closing && !takeover)
		return reply_error(r, ERR_BUSY, "another client (pid %d) controls this "
		    "daemon; negotiate with 'observer' true to watch, or with 'resume' and "
		    "'takeover' true to replace it", (int)old->pid);
	if (resume == NULL && nchips > 0)
		return reply_error(r, ERR_SESSION, "this daemon keeps the state of an earlier "
		    "session (%u chips); negotiate with 'resume' set to the greeting's session "
		    "token to take it over", nchips);
	return 0;
}

static int
cmd_negotiate(struct request *req, struct args *a, struct reply *r)
{
	struct server *srv = req->srv;
	struct client *c = req->client, *old = srv->client;
	const char *resume = args_str(a, "resume", NULL);
	bool observer = args_u64(a, "observer", 0) != 0;
	bool takeover = args_u64(a, "takeover", 0) != 0;
	struct chip *chip;

	if (c->negotiated)
		return reply_error(r, ERR_SESSION, "this connection has already negotiated");
	if (observer && (resume != NULL || takeover))
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'observer' excludes "
		    "'resume' and 'takeover': an observer changes nothing");
	if (!observer && may_control(req, resume, takeover, r) < 0)
		return -EINVAL;
	c->negotiated = true;
	c->observer = observer;
	/*
	 * Capabilities the client asks for are informative: unknown ones are
	 * ignored. "route-commit": the client acknowledges every reply that
	 * changes routes (its "commit" token) with route-commit once KVM has the
	 * routes, and irqchipd holds irqfd deliveries on those GSIs until then.
	 */
	c->route_commit = !observer && args_strings_has(a, "capabilities", "route-commit");
	json_object_object_add(r->ret, "capabilities", server_capabilities(srv));
	json_object_object_add(r->ret, "session", json_object_new_string(srv->token));
	json_object_object_add(r->ret, "resumed", json_object_new_boolean(resume != NULL));
	json_object_object_add(r->ret, "observer", json_object_new_boolean(observer));
	if (observer) {
		log_debug("pid %d observes", (int)c->pid);
		return 0;
	}
	if (old != NULL && old != c) {
		/*
		 * A takeover: the old controller's fds are released now, so the
		 * newcomer can hand over its own; the old connection closes once
		 * this request is done.
		 */
		srv->stats.takeovers++;
		log_info("pid %d takes the session over from pid %d", (int)c->pid,
		    (int)old->pid);
		client_close_later(old, "taken over by another client");
		session_release(srv);
	}
	srv->client = c;
	/* A resumed client's routing table is rebuilt from the chips' current routes. */
	if (resume != NULL) {
		TAILQ_FOREACH(chip, &srv->chips, entry)
			chip_announce(chip, req);
	}
	/* The token opens the kept state: not for an info-level log. */
	log_info("session %s", resume != NULL ? "resumed" : "started");
	log_debug("session token %s", srv->token);
	return 0;
}

static int
cmd_query_version(struct request *req, struct args *a, struct reply *r)
{
	json_object_object_add(r->ret, "irqchipd", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(r->ret, "protocol", json_object_new_int(1));
	json_object_object_add(r->ret, "package", json_object_new_string(PACKAGE_STRING));
	return 0;
}

static int
cmd_query_capabilities(struct request *req, struct args *a, struct reply *r)
{
	json_object_object_add(r->ret, "capabilities", server_capabilities(req->srv));
	json_object_object_add(r->ret, "chip-types", chip_types_json());
	json_object_object_add(r->ret, "limits", server_limits());
	return 0;
}

static int
cmd_query_status(struct request *req, struct args *a, struct reply *r)
{
	struct server *srv = req->srv;
	const struct counters *s = &srv->stats;
	json_object *c = json_object_new_object(), *byc = json_object_new_object();
	json_object *inj = json_object_new_object(), *cc;
	struct timespec now;
	struct chip *chip;
	struct gsi_irqfd *f;
	struct notifier *n;
	struct mem_region *m;
	unsigned nirqfds = 0, nnotifiers = 0, nregions = 0, nobservers = 0, nconns = 0;
	struct client *cl;
	uint64_t ram = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	TAILQ_FOREACH(f, &srv->irqfds, entry)
		nirqfds++;
	TAILQ_FOREACH(n, &srv->notifiers, entry)
		nnotifiers++;
	TAILQ_FOREACH(cl, &srv->clients, entry) {
		nconns++;
		if (cl->observer)
			nobservers++;
	}
	TAILQ_FOREACH(m, &srv->memory, entry) {
		nregions++;
		ram += m->size;
	}

	json_object_object_add(r->ret, "uptime-ms", wire_u64((uint64_t)
	    ((now.tv_sec - srv->started.tv_sec) * 1000 +
	    (now.tv_nsec - srv->started.tv_nsec) / 1000000)));
	json_object_object_add(r->ret, "session", json_object_new_string(srv->token));
	json_object_object_add(r->ret, "embedded", json_object_new_boolean(srv->opts.embedded));
	json_object_object_add(r->ret, "kvm-backend", json_object_new_boolean(srv->kvm_vm_fd >= 0));
	json_object_object_add(c, "connections", wire_u64(s->connections));
	json_object_object_add(c, "rejected-connections", wire_u64(s->rejected_connections));
	json_object_object_add(c, "messages", wire_u64(s->messages));
	json_object_object_add(c, "replies", wire_u64(s->replies));
	json_object_object_add(c, "errors", wire_u64(s->errors));
	json_object_object_add(c, "events", wire_u64(s->events));
	json_object_object_add(c, "guest-errors", wire_u64(s->guest_errors));
	json_object_object_add(c, "notifier-triggers", wire_u64(s->notifier_triggers));
	json_object_object_add(c, "resamples", wire_u64(s->resamples));
	json_object_object_add(c, "binds", wire_u64(s->binds));
	json_object_object_add(c, "unbinds", wire_u64(s->unbinds));
	json_object_object_add(c, "route-commits", wire_u64(s->route_commits));
	json_object_object_add(c, "held", wire_u64(s->held));
	json_object_object_add(c, "released", wire_u64(s->released));
	json_object_object_add(c, "sent", wire_u64(s->sent));
	json_object_object_add(c, "queued", wire_u64(s->queued));
	json_object_object_add(c, "discarded", wire_u64(s->discarded));
	json_object_object_add(c, "queue-overruns", wire_u64(s->queue_overruns));
	json_object_object_add(c, "negotiate-timeouts", wire_u64(s->negotiate_timeouts));
	json_object_object_add(c, "takeovers", wire_u64(s->takeovers));
	json_object_object_add(c, "eventfd-write-failures", wire_u64(s->eventfd_write_failures));
	for (int i = 0; i < ERR_CLASS_COUNT; i++)
		json_object_object_add(byc, error_class_name((enum error_class)i),
		    wire_u64(s->errors_by_class[i]));
	json_object_object_add(c, "errors-by-class", byc);
	json_object_object_add(inj, "irqfd", wire_u64(s->inject_irqfd));
	json_object_object_add(inj, "kvm", wire_u64(s->inject_kvm));
	json_object_object_add(inj, "effect", wire_u64(s->inject_effect));
	json_object_object_add(inj, "event", wire_u64(s->inject_event));
	json_object_object_add(inj, "lost", wire_u64(s->inject_lost));
	json_object_object_add(c, "injections", inj);
	json_object_object_add(c, "ring-requests", wire_u64(s->ring_requests));
	json_object_object_add(c, "ring-spills", wire_u64(s->ring_spills));
	json_object_object_add(c, "ring-malformed", wire_u64(s->ring_malformed));
	json_object_object_add(c, "ring-doorbells", wire_u64(s->ring_doorbells));
	json_object_object_add(c, "ring-sleeps", wire_u64(s->ring_sleeps));
	json_object_object_add(c, "ring-spin-us", wire_u64(s->ring_spin_ns / 1000));
	json_object_object_add(r->ret, "counters", c);
	json_object_object_add(r->ret, "open-fds", json_object_new_int64(count_open_fds()));
	json_object_object_add(r->ret, "fds-held", json_object_new_int64(fds_held(srv)));
	json_object_object_add(r->ret, "fd-limit", json_object_new_int64((int64_t)fd_limit()));
	json_object_object_add(r->ret, "chips", json_object_new_int64(chip_count(srv)));
	json_object_object_add(r->ret, "irqfds", json_object_new_int64(nirqfds));
	json_object_object_add(r->ret, "notifiers", json_object_new_int64(nnotifiers));
	json_object_object_add(r->ret, "memory-regions", json_object_new_int64(nregions));
	json_object_object_add(r->ret, "memory-bytes", wire_u64(ram));
	json_object_object_add(r->ret, "connections", json_object_new_int64(nconns));
	json_object_object_add(r->ret, "observers", json_object_new_int64(nobservers));
	json_object_object_add(r->ret, "rings", ring_describe(srv));
	json_object_object_add(r->ret, "poll-us", json_object_new_int64(srv->opts.poll_us));
	json_object_object_add(r->ret, "send-queue", json_object_new_int64(req->client->nqueued));
	/* Counters of the chips that keep them, by chip id. */
	cc = json_object_new_object();
	TAILQ_FOREACH(chip, &srv->chips, entry) {
		if (chip->cls->counters != NULL) {
			json_object *o = json_object_new_object();

			chip->cls->counters(chip, o);
			json_object_object_add(cc, chip->id, o);
		}
	}
	json_object_object_add(r->ret, "chip-counters", cc);
	return 0;
}

static json_object *
describe_args(const struct arg_spec *specs, size_t n)
{
	json_object *list = json_object_new_array();
	char what[256];

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		arg_describe(&specs[i], what, sizeof what);
		json_object_object_add(o, "name", json_object_new_string(specs[i].name));
		json_object_object_add(o, "type", json_object_new_string(what));
		json_object_object_add(o, "required",
		    json_object_new_boolean(specs[i].flags & ARG_REQUIRED));
		if (specs[i].help != NULL)
			json_object_object_add(o, "help", json_object_new_string(specs[i].help));
		json_object_array_add(list, o);
	}
	return list;
}

static int
cmd_query_commands(struct request *req, struct args *a, struct reply *r)
{
	json_object *list = json_object_new_array(), *types = json_object_new_array();
	const struct chip_class *cls;
	const struct command *cmd;

	for (size_t i = 0; (cmd = command_at(i)) != NULL; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(cmd->name));
		json_object_object_add(o, "help", json_object_new_string(cmd->help));
		json_object_object_add(o, "arguments", describe_args(cmd->args, cmd->nargs));
		json_object_array_add(list, o);
	}
	for (size_t i = 0; (cls = chip_class_at(i)) != NULL; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "type", json_object_new_string(cls->type));
		json_object_object_add(o, "help", json_object_new_string(cls->help));
		json_object_object_add(o, "arguments",
		    describe_args(cls->config_args, cls->nconfig_args));
		json_object_array_add(types, o);
	}
	json_object_object_add(r->ret, "commands", list);
	json_object_object_add(r->ret, "chip-types", types);
	return 0;
}

static int
cmd_kvm_attach(struct request *req, struct args *a, struct reply *r)
{
	struct server *srv = req->srv;

	if (!srv->opts.embedded)
		return reply_error(r, ERR_UNSUPPORTED, "kvm-attach works only in embedded mode: "
		    "KVM refuses VM ioctls from any process but the VM's creator (EIO)");
	if (srv->kvm_vm_fd >= 0)
		return reply_error(r, ERR_ALREADY_EXISTS, "a KVM VM fd is already attached");
	srv->kvm_vm_fd = args_take_fd(a, "fd");
	return 0;
}

#define R ARG_REQUIRED
#define ARGS(x) x, ARRAY_SIZE(x)

static const struct arg_spec negotiate_args[] = {
	{ "capabilities", ARG_STRINGS, 0, .help = "capabilities the client knows" },
	{ "resume", ARG_STRING, 0, .help = "the session token, to take over kept state" },
	{ "observer", ARG_BOOL, 0, .help = "watch only: queries and events, no changes" },
	{ "takeover", ARG_BOOL, 0,
	    .help = "with resume: replace the controlling client, which is disconnected" },
};
static const struct arg_spec kvm_attach_args[] = {
	{ "fd", ARG_FD, R, .fd_kind = FD_KVM_VM, .help = "the VM fd (embedded mode only)" },
};

static const struct command session_commands[] = {
	{ "negotiate", cmd_negotiate, ARGS(negotiate_args), CMD_BEFORE_NEGOTIATE | CMD_EFFECTS,
	    "start (or resume) the session; must come first" },
	{ "query-version", cmd_query_version, NULL, 0, CMD_OBSERVER, "daemon and protocol versions" },
	{ "query-capabilities", cmd_query_capabilities, NULL, 0, CMD_OBSERVER,
	    "capabilities, chip types and limits" },
	{ "query-status", cmd_query_status, NULL, 0, CMD_OBSERVER,
	    "uptime, counters, open fds, chips, memory" },
	{ "query-commands", cmd_query_commands, NULL, 0, CMD_OBSERVER,
	    "this table: commands, arguments, chip types" },
	{ "kvm-attach", cmd_kvm_attach, ARGS(kvm_attach_args), 0,
	    "embedded mode: inject with KVM_SIGNAL_MSI on this VM fd" },
};

const struct command_table cmd_session_table = { ARGS(session_commands) };

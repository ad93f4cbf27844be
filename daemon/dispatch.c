/*
 * One message from the client, in three steps: the envelope (JSON object
 * with execute, arguments and id), validation (the command exists, may run
 * now, its arguments and fds fit its schema), and dispatch (the handler runs
 * with the request, its effects are attached, the reply goes out). A message
 * is handled completely before the next is read, so a request sees no
 * concurrent change.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "probes.h"
#include "wire.h"

/* What the envelope gave: the command's name, its arguments, and the id. */
struct envelope {
	json_object *msg;
	const char *name;
	json_object *arguments;
	bool has_id;
	json_object *id;
};

static int
parse_envelope(const char *buf, size_t len, struct envelope *env, struct reply *r)
{
	json_object *name = NULL;
	char *why = NULL;
	char esc[96];

	env->msg = wire_parse(buf, len, &why);
	if (env->msg == NULL) {
		reply_error(r, ERR_PROTOCOL, "%s", why != NULL ? why : "invalid JSON");
		free(why);
		return -EINVAL;
	}
	if (!json_object_is_type(env->msg, json_type_object))
		return reply_error(r, ERR_PROTOCOL, "a message must be a JSON object, not %s",
		    json_type_to_name(json_object_get_type(env->msg)));
	env->has_id = json_object_object_get_ex(env->msg, "id", &env->id);
	json_object_object_foreach(env->msg, key, val) {
		(void)val;
		if (strcmp(key, "execute") != 0 && strcmp(key, "arguments") != 0 &&
		    strcmp(key, "id") != 0)
			return reply_error(r, ERR_PROTOCOL, "unknown key '%s' in the message; "
			    "allowed: execute, arguments, id", log_escape(key, esc, sizeof esc));
	}
	if (!json_object_object_get_ex(env->msg, "execute", &name) ||
	    !json_object_is_type(name, json_type_string))
		return reply_error(r, ERR_PROTOCOL, "the message needs 'execute' with a "
		    "command name (a string)");
	env->name = json_object_get_string(name);
	if (json_object_object_get_ex(env->msg, "arguments", &env->arguments) &&
	    !json_object_is_type(env->arguments, json_type_object))
		return reply_error(r, ERR_PROTOCOL, "'arguments' must be a JSON object");
	return 0;
}

static bool
command_takes_fds(const struct command *cmd)
{
	for (size_t i = 0; i < cmd->nargs; i++) {
		if (cmd->args[i].type == ARG_FD)
			return true;
	}
	return false;
}

/* The command, once it may run with these arguments and fds; NULL with r set. */
static const struct command *
validate(struct client *c, const struct envelope *env, struct args *a, int *fds,
    unsigned nfds, struct reply *r)
{
	const struct command *cmd = command_find(env->name);
	bool used[WIRE_MAX_FDS] = { false };
	char esc[96];

	if (cmd == NULL) {
		reply_error(r, ERR_COMMAND_NOT_FOUND, "unknown command '%s' (query-commands "
		    "lists them)", log_escape(env->name, esc, sizeof esc));
		return NULL;
	}
	if (!c->negotiated && !(cmd->flags & CMD_BEFORE_NEGOTIATE)) {
		reply_error(r, ERR_COMMAND_NOT_FOUND, "command '%s' is not available before "
		    "negotiate", cmd->name);
		return NULL;
	}
	if (c->observer && !(cmd->flags & CMD_OBSERVER)) {
		reply_error(r, ERR_PERMISSION_DENIED, "command '%s' changes state; this "
		    "connection negotiated as an observer (queries and events only)", cmd->name);
		return NULL;
	}
	if (args_parse(a, cmd->args, cmd->nargs, env->arguments, cmd->flags & CMD_EXTRA_ARGS,
	    fds, nfds, used, r) < 0)
		return NULL;
	for (unsigned i = 0; i < nfds; i++) {
		if (used[i])
			continue;
		if (!command_takes_fds(cmd))
			reply_error(r, ERR_INVALID_FD, "command '%s' takes no fds, but the "
			    "message carries %u", cmd->name, nfds);
		else
			reply_error(r, ERR_INVALID_FD, "fd index %u is not referred to by any "
			    "argument of '%s'", i, cmd->name);
		return NULL;
	}
	return cmd;
}

static void
run(struct server *srv, struct client *c, const struct command *cmd, struct args *a,
    int *fds, struct reply *r)
{
	struct request req = { .srv = srv, .client = c };
	int rc;

	req.effects = json_object_new_array();
	rc = cmd->handler(&req, a, r);
	/* The outcome is the return value; a failure without a reason is a bug here. */
	if (rc < 0 && r->err_desc == NULL)
		reply_error(r, ERR_GENERIC, "internal: command '%s' failed (%s)", cmd->name,
		    strerror(-rc));
	if (r->err_desc == NULL && (cmd->flags & CMD_EFFECTS)) {
		/* What the request changed may bind or unbind a notifier's eventfd. */
		notifier_reconcile(srv, &req);
		inject_commit_token(srv, &req, r->ret);
		json_object_object_add(r->ret, "effects", json_object_get(req.effects));
	}
	/* The fds the handler kept are no longer the packet's to close. */
	for (size_t i = 0; i < a->nspecs; i++) {
		if (a->v[i].present && a->specs[i].type == ARG_FD && a->v[i].fd < 0)
			fds[a->v[i].fd_index] = -1;
	}
	json_object_put(req.effects);
	free(req.routed_gsis);
}

int
dispatch_call(struct server *srv, struct client *c, const char *name, json_object *arguments,
    struct reply *r)
{
	struct envelope env = { .name = name, .arguments = arguments };
	const struct command *cmd;
	int fds[1] = { -1 };
	struct args a;

	if ((cmd = validate(c, &env, &a, fds, 0, r)) == NULL)
		return -EINVAL;
	run(srv, c, cmd, &a, fds, r);
	return r->err_desc != NULL ? -EINVAL : 0;
}

void
dispatch_message(struct server *srv, struct client *c, const char *buf, size_t len,
    int *fds, unsigned nfds)
{
	struct envelope env = { .msg = NULL };
	const struct command *cmd;
	struct reply r;
	struct args a;

	srv->stats.messages++;
	reply_init(&r);
	PROBE3(request__received, buf, len, nfds);
	if (parse_envelope(buf, len, &env, &r) == 0 &&
	    (cmd = validate(c, &env, &a, fds, nfds, &r)) != NULL)
		run(srv, c, cmd, &a, fds, &r);
	send_reply(c, &r, env.has_id, env.id);
	PROBE3(request__answered, env.name != NULL ? env.name : "", r.err_desc == NULL,
	    r.err_desc == NULL ? "" : error_class_name(r.err_class));
	wire_close_fds(fds, nfds);
	reply_clear(&r);
	json_object_put(env.msg);
}

/*
 * Listening socket, the one client, message dispatch, events and the kept
 * session. A message is handled completely (validation, handler, effects,
 * reply) before the next is read, so a request sees no concurrent change.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "chip.h"
#include "commands.h"
#include "log.h"
#include "server.h"
#include "wire.h"
#include "xmalloc.h"

struct client {
	struct server *srv;
	int fd;
	uid_t uid;
	pid_t pid;
	bool negotiated;
	struct event *ev;
	char *buf;
};

static const char *const error_class_names[ERR_CLASS_COUNT] = {
	[ERR_GENERIC] = "GenericError",
	[ERR_PROTOCOL] = "ProtocolError",
	[ERR_COMMAND_NOT_FOUND] = "CommandNotFound",
	[ERR_INVALID_PARAMETER] = "InvalidParameter",
	[ERR_INVALID_FD] = "InvalidFd",
	[ERR_DEVICE_NOT_FOUND] = "DeviceNotFound",
	[ERR_ALREADY_EXISTS] = "AlreadyExists",
	[ERR_SESSION] = "SessionError",
	[ERR_BUSY] = "Busy",
	[ERR_PERMISSION_DENIED] = "PermissionDenied",
	[ERR_UNSUPPORTED] = "Unsupported",
};

const char *
error_class_name(enum error_class c)
{
	return c < ERR_CLASS_COUNT ? error_class_names[c] : "GenericError";
}

int
reply_error(struct reply *r, enum error_class c, const char *fmt, ...)
{
	va_list ap;

	/* The first error wins: it is the one that explains the others. */
	if (r->err_desc != NULL)
		return -EINVAL;
	r->err_class = c;
	va_start(ap, fmt);
	if (vasprintf(&r->err_desc, fmt, ap) < 0)
		r->err_desc = xstrdup("out of memory");
	va_end(ap);
	return -EINVAL;
}

static json_object *
timestamp_now(void)
{
	struct timespec ts;
	json_object *t = json_object_new_object();

	clock_gettime(CLOCK_REALTIME, &ts);
	json_object_object_add(t, "seconds", json_object_new_int64(ts.tv_sec));
	json_object_object_add(t, "microseconds", json_object_new_int64(ts.tv_nsec / 1000));
	return t;
}

static void client_free(struct client *, const char *why);

/* Sends one message; a failure means the client is gone. */
static int
client_send(struct client *c, json_object *msg)
{
	int rc = wire_send_json(c->fd, msg, NULL, 0);

	if (rc < 0)
		log_info("client pid %d: send failed: %s", (int)c->pid, strerror(-rc));
	return rc;
}

void
server_event(struct server *srv, const char *name, json_object *data)
{
	json_object *ev;

	if (srv->client == NULL || !srv->client->negotiated) {
		json_object_put(data);
		return;
	}
	ev = json_object_new_object();
	json_object_object_add(ev, "event", json_object_new_string(name));
	json_object_object_add(ev, "data", data != NULL ? data : json_object_new_object());
	json_object_object_add(ev, "timestamp", timestamp_now());
	srv->stats.events++;
	/* A failed send is noticed by the read handler, which sees the hang-up. */
	(void)client_send(srv->client, ev);
	json_object_put(ev);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define GUEST_ERROR_LOG_PER_SEC	10

void
server_guest_error(struct server *srv, struct chip *chip, const char *kind, const char *msg)
{
	int64_t now = mono_ms();
	json_object *data;

	srv->stats.guest_errors++;
	chip->guest_errors++;
	/* A guest can produce errors as fast as it can exit: log and announce a few a second. */
	if (now - chip->log_window_ms >= 1000) {
		if (chip->log_suppressed > 0)
			log_warn("chip %s: %" PRIu64 " further guest errors not shown", chip->id,
			    chip->log_suppressed);
		chip->log_window_ms = now;
		chip->log_in_window = 0;
		chip->log_suppressed = 0;
	}
	if (chip->log_in_window >= GUEST_ERROR_LOG_PER_SEC) {
		chip->log_suppressed++;
		return;
	}
	chip->log_in_window++;
	log_warn("chip %s: guest error %s: %s", chip->id, kind, msg);
	data = json_object_new_object();
	json_object_object_add(data, "id", json_object_new_string(chip->id));
	json_object_object_add(data, "kind", json_object_new_string(kind));
	json_object_object_add(data, "message", json_object_new_string(msg));
	json_object_object_add(data, "count", json_object_new_int64((int64_t)chip->guest_errors));
	server_event(srv, "guest-error", data);
}

bool
server_client_negotiated(const struct server *srv)
{
	return srv->client != NULL && srv->client->negotiated;
}

void
server_set_negotiated(struct server *srv)
{
	if (srv->client != NULL)
		srv->client->negotiated = true;
}

static void
new_token(struct server *srv)
{
	unsigned char raw[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof raw) {
		n = getrandom(raw + got, sizeof raw - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* getrandom cannot fail once the pool is ready; this is an invariant. */
			log_error("getrandom: %s", strerror(errno));
			abort();
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(srv->token + 2 * i, 3, "%02x", raw[i]);
}

static json_object *
make_greeting(struct server *srv)
{
	json_object *msg = json_object_new_object(), *g = json_object_new_object();
	json_object *v = json_object_new_object();

	json_object_object_add(v, "irqchipd", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(v, "protocol", json_object_new_int(1));
	json_object_object_add(g, "version", v);
	json_object_object_add(g, "protocol", json_object_new_int(1));
	json_object_object_add(g, "capabilities", server_capabilities(srv));
	json_object_object_add(g, "limits", server_limits());
	json_object_object_add(g, "session", json_object_new_string(srv->token));
	json_object_object_add(g, "resumable", json_object_new_boolean(!TAILQ_EMPTY(&srv->chips)));
	json_object_object_add(msg, "greeting", g);
	return msg;
}

/* Sends a lone error (no request) and closes fd: refused connections. */
static void
refuse(int fd, enum error_class c, const char *desc)
{
	json_object *msg = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "class", json_object_new_string(error_class_name(c)));
	json_object_object_add(e, "desc", json_object_new_string(desc));
	json_object_object_add(msg, "error", e);
	(void)wire_send_json(fd, msg, NULL, 0);
	json_object_put(msg);
	close(fd);
}

static void
send_reply(struct server *srv, struct reply *r, bool has_id, json_object *id)
{
	json_object *msg = json_object_new_object();

	if (r->err_desc != NULL) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "class",
		    json_object_new_string(error_class_name(r->err_class)));
		json_object_object_add(e, "desc", json_object_new_string(r->err_desc));
		json_object_object_add(msg, "error", e);
		srv->stats.errors++;
		srv->stats.errors_by_class[r->err_class]++;
		log_debug("error reply %s: %s", error_class_name(r->err_class), r->err_desc);
	} else {
		json_object_object_add(msg, "return", json_object_get(r->ret));
		srv->stats.replies++;
	}
	/* An id is echoed whatever it is, null included (json-c's NULL). */
	if (has_id)
		json_object_object_add(msg, "id", json_object_get(id));
	if (srv->client != NULL)
		(void)client_send(srv->client, msg);
	json_object_put(msg);
}

static void
request_free(struct request *req)
{
	json_object_put(req->effects);
	free(req->routed_gsis);
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

/* Handles one received packet: parse, validate, run, reply; fds are always consumed. */
static void
handle_message(struct server *srv, const char *buf, size_t len, int *fds, unsigned nfds)
{
	struct reply r = { .ret = NULL };
	struct request req = { .effects = NULL };
	const struct command *cmd = NULL;
	json_object *msg, *id = NULL, *name = NULL, *arguments = NULL;
	struct args a;
	bool used[WIRE_MAX_FDS] = { false };
	char *why = NULL;
	char esc[96];
	bool has_id = false;
	size_t i;

	srv->stats.messages++;
	r.ret = json_object_new_object();
	msg = wire_parse(buf, len, &why);
	if (msg == NULL) {
		reply_error(&r, ERR_PROTOCOL, "%s", why != NULL ? why : "invalid JSON");
		free(why);
		goto out;
	}
	if (!json_object_is_type(msg, json_type_object)) {
		reply_error(&r, ERR_PROTOCOL, "a message must be a JSON object, not %s",
		    json_type_to_name(json_object_get_type(msg)));
		goto out;
	}
	has_id = json_object_object_get_ex(msg, "id", &id);
	json_object_object_foreach(msg, key, val) {
		(void)val;
		if (strcmp(key, "execute") != 0 && strcmp(key, "arguments") != 0 &&
		    strcmp(key, "id") != 0) {
			reply_error(&r, ERR_PROTOCOL, "unknown key '%s' in the message; allowed: "
			    "execute, arguments, id", log_escape(key, esc, sizeof esc));
			goto out;
		}
	}
	if (!json_object_object_get_ex(msg, "execute", &name) ||
	    !json_object_is_type(name, json_type_string)) {
		reply_error(&r, ERR_PROTOCOL, "the message needs 'execute' with a command name "
		    "(a string)");
		goto out;
	}
	if (json_object_object_get_ex(msg, "arguments", &arguments) &&
	    !json_object_is_type(arguments, json_type_object)) {
		reply_error(&r, ERR_PROTOCOL, "'arguments' must be a JSON object");
		goto out;
	}
	cmd = command_find(json_object_get_string(name));
	if (cmd == NULL) {
		reply_error(&r, ERR_COMMAND_NOT_FOUND, "unknown command '%s' (query-commands "
		    "lists them)", log_escape(json_object_get_string(name), esc, sizeof esc));
		goto out;
	}
	if (!srv->client->negotiated && !(cmd->flags & CMD_BEFORE_NEGOTIATE)) {
		reply_error(&r, ERR_COMMAND_NOT_FOUND, "command '%s' is not available before "
		    "negotiate", cmd->name);
		cmd = NULL;
		goto out;
	}
	if (args_parse(&a, cmd->args, cmd->nargs, arguments, cmd->flags & CMD_EXTRA_ARGS,
	    fds, nfds, used, &r) < 0) {
		cmd = NULL;
		goto out;
	}
	for (i = 0; i < nfds; i++) {
		if (used[i])
			continue;
		if (!command_takes_fds(cmd))
			reply_error(&r, ERR_INVALID_FD, "command '%s' takes no fds, but the "
			    "message carries %u", cmd->name, nfds);
		else
			reply_error(&r, ERR_INVALID_FD, "fd index %zu is not referred to by any "
			    "argument of '%s'", i, cmd->name);
		cmd = NULL;
		goto out;
	}

	req.effects = json_object_new_array();
	srv->req = &req;
	cmd->handler(srv, &a, &r);
	srv->req = NULL;
	if (r.err_desc == NULL && (cmd->flags & CMD_EFFECTS))
		json_object_object_add(r.ret, "effects", json_object_get(req.effects));
	/* Close what the handler did not keep. */
	for (i = 0; i < a.nspecs; i++) {
		if (a.v[i].present && a.specs[i].type == ARG_FD && a.v[i].fd < 0)
			fds[a.v[i].fd_index] = -1;
	}
out:
	if (srv->client != NULL)
		send_reply(srv, &r, has_id, id);
	wire_close_fds(fds, nfds);
	request_free(&req);
	json_object_put(r.ret);
	free(r.err_desc);
	json_object_put(msg);
}

/* Whether the peer of a connected socket has closed (or shut down) its end. */
static bool
peer_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static void
client_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	struct server *srv = c->srv;
	int fds[WIRE_MAX_FDS];
	unsigned nfds;
	size_t len;
	int rc;

	rc = wire_recv(fd, c->buf, WIRE_MAX_MESSAGE, &len, fds, &nfds, MSG_DONTWAIT);
	if (rc == -EAGAIN)
		return;
	if (rc == -EMSGSIZE || rc == -EPROTO) {
		struct reply r = { .ret = json_object_new_object() };

		srv->stats.messages++;
		if (rc == -EMSGSIZE)
			reply_error(&r, ERR_PROTOCOL, "message longer than %d bytes; its fds "
			    "were closed", WIRE_MAX_MESSAGE);
		else
			reply_error(&r, ERR_PROTOCOL, "more than %d fds in one message; all "
			    "were closed", WIRE_MAX_FDS);
		send_reply(srv, &r, false, NULL);
		json_object_put(r.ret);
		free(r.err_desc);
		return;
	}
	if (rc < 0) {
		client_free(c, strerror(-rc));
		return;
	}
	/*
	 * A seqpacket read returns 0 both at the end and for an empty packet;
	 * only the end comes with the peer gone. An empty packet is bad input.
	 */
	if (len == 0 && nfds == 0 && peer_gone(fd)) {
		client_free(c, "disconnected");
		return;
	}
	handle_message(srv, c->buf, len, fds, nfds);
}

/* Drops the client: its fds go, the emulated state stays for a resume. */
static void
client_free(struct client *c, const char *why)
{
	struct server *srv = c->srv;
	bool negotiated = c->negotiated;
	struct notifier *n;
	struct irqfd *f;

	log_info("client pid %d uid %u: %s; closing its fds, keeping %s", (int)c->pid,
	    (unsigned)c->uid, why, TAILQ_EMPTY(&srv->chips) ? "no state" : "the chips' state");
	while ((n = TAILQ_FIRST(&srv->notifiers)) != NULL)
		notifier_free(srv, n);
	while ((f = TAILQ_FIRST(&srv->irqfds)) != NULL)
		irqfd_free(srv, f);
	if (srv->kvm_vm_fd >= 0) {
		close(srv->kvm_vm_fd);
		srv->kvm_vm_fd = -1;
	}
	event_free(c->ev);
	close(c->fd);
	free(c->buf);
	free(c);
	srv->client = NULL;
	/*
	 * Only the end of a session ends the daemon: a connect-and-close that
	 * never negotiated (another daemon probing whether the socket is in
	 * use, a refused greeting) must not.
	 */
	if (negotiated && srv->opts.exit_on_disconnect && srv->opts.on_exit != NULL) {
		srv->exiting = true;
		srv->opts.on_exit(srv->opts.on_exit_arg);
	}
}

/*
 * A client that has hung up may still be on the books when the next one
 * connects: its hang-up waits behind the new connection in this loop
 * iteration. Finish it first (what it sent before leaving, then the hang-up)
 * so that the newcomer is served rather than refused as Busy.
 */
static void
client_reap_departed(struct server *srv)
{
	while (srv->client != NULL && peer_gone(srv->client->fd))
		client_read_cb(srv->client->fd, EV_READ, srv->client);
}

static bool
uid_allowed(const struct server *srv, uid_t uid)
{
	if (srv->opts.nallow_uids == 0)
		return uid == 0 || uid == geteuid();
	for (unsigned i = 0; i < srv->opts.nallow_uids; i++) {
		if (srv->opts.allow_uids[i] == uid)
			return true;
	}
	return false;
}

int
server_attach(struct server *srv, int fd, uid_t uid, char **cause)
{
	struct client *c;
	json_object *greeting;
	int rc;

	c = xcalloc(1, sizeof *c);
	c->srv = srv;
	c->fd = fd;
	c->uid = uid;
	c->pid = -1;
	c->buf = xmalloc(WIRE_MAX_MESSAGE);
	c->ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, client_read_cb, c);
	if (c->ev == NULL || event_add(c->ev, NULL) < 0) {
		if (c->ev != NULL)
			event_free(c->ev);
		free(c->buf);
		free(c);
		xasprintf(cause, "cannot watch the client socket");
		return -ENOMEM;
	}
	srv->client = c;
	srv->stats.connections++;
	if (TAILQ_EMPTY(&srv->chips))
		new_token(srv);
	greeting = make_greeting(srv);
	rc = client_send(c, greeting);
	json_object_put(greeting);
	if (rc < 0) {
		client_free(c, "greeting failed");
		return 0;
	}
	return 0;
}

static void
listen_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct server *srv = arg;
	struct ucred cred;
	socklen_t len = sizeof cred;
	char *cause = NULL;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept: %s", strerror(errno));
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warn("SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return;
	}
	if (!uid_allowed(srv, cred.uid)) {
		srv->stats.rejected_connections++;
		log_warn("refused pid %d: uid %u is not allowed", (int)cred.pid,
		    (unsigned)cred.uid);
		refuse(fd, ERR_PERMISSION_DENIED, "this uid may not connect (see --allow-uid)");
		return;
	}
	if (srv->client != NULL) {
		client_reap_departed(srv);
		/* With --exit-on-disconnect that was the end: the loop is stopping. */
		if (srv->client == NULL && srv->exiting) {
			refuse(fd, ERR_BUSY, "irqchipd is exiting: its client left "
			    "(--exit-on-disconnect)");
			return;
		}
	}
	if (srv->client != NULL) {
		srv->stats.rejected_connections++;
		log_warn("refused pid %d: a client (pid %d) is already connected", (int)cred.pid,
		    (int)srv->client->pid);
		refuse(fd, ERR_BUSY, "another client is connected; irqchipd serves one at a time");
		return;
	}
	if (server_attach(srv, fd, cred.uid, &cause) < 0) {
		log_warn("%s", cause);
		free(cause);
		close(fd);
		return;
	}
	if (srv->client != NULL) {
		srv->client->pid = cred.pid;
		log_info("client pid %d uid %u connected", (int)cred.pid, (unsigned)cred.uid);
	}
}

int
server_listen(struct server *srv, int fd, char **cause)
{
	srv->listen_ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, listen_cb, srv);
	if (srv->listen_ev == NULL || event_add(srv->listen_ev, NULL) < 0) {
		xasprintf(cause, "cannot watch the listening socket");
		return -ENOMEM;
	}
	srv->listen_fd = fd;
	return 0;
}

struct event_base *
server_event_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (cfg == NULL)
		return NULL;
	/*
	 * Precise timers: libevent's default coarse clock (4 ms jiffies on some
	 * hosts) let the 10 ms storm delay (SPECS.md 3.3.4) fire up to a jiffy
	 * early (8.2 ms measured).
	 */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

struct server *
server_create(struct event_base *base, const struct server_options *opts, char **cause)
{
	struct server *srv = xcalloc(1, sizeof *srv);

	srv->base = base;
	srv->opts = *opts;
	srv->listen_fd = -1;
	srv->kvm_vm_fd = -1;
	TAILQ_INIT(&srv->chips);
	TAILQ_INIT(&srv->irqfds);
	TAILQ_INIT(&srv->notifiers);
	clock_gettime(CLOCK_MONOTONIC, &srv->started);
	new_token(srv);
	return srv;
}

void
server_free(struct server *srv)
{
	struct chip *chip;

	if (srv == NULL)
		return;
	if (srv->client != NULL) {
		srv->opts.exit_on_disconnect = false;
		client_free(srv->client, "server stopping");
	}
	while ((chip = TAILQ_FIRST(&srv->chips)) != NULL)
		chip_free(chip);
	if (srv->listen_ev != NULL)
		event_free(srv->listen_ev);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	free(srv);
}

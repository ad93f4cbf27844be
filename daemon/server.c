/*
 * The listening socket, the connections (one controller, any number of
 * observers) and the kept session: who may connect, the greeting, the
 * negotiate timeout, reading packets (dispatch.c handles each), and what a
 * disconnect releases.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"

static void client_free(struct client *, const char *why);
static void client_reap_departed(struct server *);

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

/* Whether the peer of a connected socket has closed (or shut down) its end. */
static bool
peer_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/*
 * A packet whose fds did not all arrive: too many, or this daemon at its fd
 * limit (the kernel then passes fewer and truncates the control data). The
 * data is whole in the second case, so the reply names the request's id and
 * blames the right side.
 */
static void
refuse_packet(struct client *c, int rc, size_t len, unsigned nfds)
{
	struct server *srv = c->srv;
	json_object *msg = NULL, *id = NULL;
	bool has_id = false;
	unsigned long limit;
	char *why = NULL;
	struct reply r;

	reply_init(&r);
	srv->stats.messages++;
	if (rc == -EPROTO && len > 0 && (msg = wire_parse(c->buf, len, &why)) != NULL &&
	    json_object_is_type(msg, json_type_object))
		has_id = json_object_object_get_ex(msg, "id", &id);
	free(why);
	limit = fd_limit();
	if (rc == -EMSGSIZE)
		reply_error(&r, ERR_PROTOCOL, "message longer than %d bytes; its fds were "
		    "closed", WIRE_MAX_MESSAGE);
	else if (nfds < WIRE_MAX_FDS) {
		log_warn_limited(&srv->log_fd, "client pid %d: a message's fds did not fit "
		    "under RLIMIT_NOFILE %lu", (int)c->pid, limit);
		reply_error(&r, ERR_GENERIC, "irqchipd is at its fd limit (RLIMIT_NOFILE %lu): "
		    "the message's fds could not be received and nothing was done; delete "
		    "irqfds or notifiers, or raise the limit", limit);
	} else
		reply_error(&r, ERR_PROTOCOL, "more than %d fds in one message; all were "
		    "closed", WIRE_MAX_FDS);
	send_reply(c, &r, has_id, id);
	reply_clear(&r);
	json_object_put(msg);
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
		refuse_packet(c, rc, len, nfds);
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
	/*
	 * A controller that has hung up may still be on the books when its
	 * successor negotiates: its hang-up waits behind this packet in the
	 * loop. Finish it first, so that the newcomer is not told Busy.
	 */
	if (!c->negotiated && srv->client != NULL && srv->client != c)
		client_reap_departed(srv);
	dispatch_message(srv, c, c->buf, len, fds, nfds);
}

/*
 * The interrupt events still queued for a departing controller never
 * reached the VMM, so the guest never saw them and will never EOI them. A
 * level-triggered one left its IOAPIC entry waiting for that EOI (Remote
 * IRR), which would hold the line off for good: give the EOI now, so that
 * a resume delivers the line again once its device asserts it.
 */
static void
release_undelivered(struct server *srv, struct client *c)
{
	struct json_tokener *tok;
	json_object *o, *name, *data, *d;
	struct outmsg *m;
	uint64_t v;

	if ((tok = json_tokener_new()) == NULL)
		return;
	TAILQ_FOREACH(m, &c->outq, entry) {
		if (!m->event || m->len > INT_MAX)
			continue;
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, m->buf, (int)m->len);
		if (o != NULL && json_object_object_get_ex(o, "event", &name) &&
		    strcmp(json_object_get_string(name), "interrupt") == 0 &&
		    json_object_object_get_ex(o, "data", &data) &&
		    json_object_object_get_ex(data, "data", &d) && wire_get_u64(d, &v) == 0 &&
		    (v & 0x8000) != 0) {
			log_debug("vector %u was never delivered; ending it with an EOI",
			    (unsigned)(v & 0xff));
			chip_eoi_all(srv, NULL, (uint8_t)(v & 0xff));
		}
		json_object_put(o);
	}
	json_tokener_free(tok);
}

/* Drops a connection; the controller's fds go with it, the emulated state stays. */
static void
client_free(struct client *c, const char *why)
{
	struct server *srv = c->srv;
	bool controller = c == srv->client;
	bool negotiated = c->negotiated;

	/* Nothing more goes to it, whatever its departure sets off. */
	c->closing = true;
	if (controller) {
		log_info("client pid %d uid %u: %s; closing its fds, keeping %s", (int)c->pid,
		    (unsigned)c->uid, why, TAILQ_EMPTY(&srv->chips) ? "no state" :
		    "the chips' state");
		session_release(srv);
		release_undelivered(srv, c);
		srv->client = NULL;
	} else {
		log_info_limited(&srv->log_accept, "%s pid %d uid %u: %s",
		    c->observer ? "observer" : "connection", (int)c->pid, (unsigned)c->uid, why);
	}
	TAILQ_REMOVE(&srv->clients, c, entry);
	client_outbound_free(c);
	event_free(c->ev);
	event_free(c->close_ev);
	event_free(c->timer);
	close(c->fd);
	free(c->buf);
	free(c);
	/*
	 * Only the end of a session ends the daemon: a connect-and-close that
	 * never negotiated (another daemon probing whether the socket is in
	 * use, a refused greeting), an observer, or a controller replaced by a
	 * takeover must not.
	 */
	if (controller && negotiated && srv->opts.exit_on_disconnect &&
	    srv->opts.on_exit != NULL) {
		srv->exiting = true;
		srv->opts.on_exit(srv->opts.on_exit_arg);
	}
}

/* A close that a send or a takeover asked for, now that nobody holds c. */
static void
client_close_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	client_free(c, c->close_why != NULL ? c->close_why : "closed");
}

/* Sends a lone error (no request) to a connection that is about to go. */
static void
tell(struct client *c, enum error_class cls, const char *desc)
{
	json_object *msg = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "class", json_object_new_string(error_class_name(cls)));
	json_object_object_add(e, "desc", json_object_new_string(desc));
	json_object_object_add(msg, "error", e);
	(void)client_send(c, msg);
	json_object_put(msg);
}

/* A connection that has not negotiated in time gives its place back. */
static void
client_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	struct server *srv = c->srv;

	if (c->negotiated || c->closing)
		return;
	srv->stats.negotiate_timeouts++;
	tell(c, ERR_SESSION, "no negotiate within the negotiate timeout (see "
	    "--negotiate-timeout); closing");
	client_free(c, "did not negotiate in time");
}

/*
 * A controller that has hung up may still be on the books when the next
 * client negotiates: its hang-up waits behind the new packet in this loop
 * iteration. Finish it first (what it sent before leaving, then the hang-up).
 */
static void
client_reap_departed(struct server *srv)
{
	while (srv->client != NULL && !srv->client->closing && peer_gone(srv->client->fd))
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
	struct timeval tv;
	struct client *c;
	json_object *greeting;
	unsigned ms;
	int flags;

	/* Sends never block the loop: what the socket does not take waits in the queue. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		xasprintf(cause, "cannot make the client socket non-blocking: %s",
		    strerror(errno));
		return -errno;
	}
	c = xcalloc(1, sizeof *c);
	c->srv = srv;
	c->fd = fd;
	c->uid = uid;
	c->pid = -1;
	c->buf = xmalloc(WIRE_MAX_MESSAGE);
	client_outbound_init(c);
	c->ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, client_read_cb, c);
	c->close_ev = event_new(srv->base, -1, 0, client_close_cb, c);
	c->timer = evtimer_new(srv->base, client_timeout_cb, c);
	ms = srv->opts.negotiate_timeout_ms != 0 ? srv->opts.negotiate_timeout_ms :
	    NEGOTIATE_TIMEOUT_DEFAULT_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (c->ev == NULL || c->wev == NULL || c->close_ev == NULL || c->timer == NULL ||
	    event_add(c->ev, NULL) < 0 || event_add(c->timer, &tv) < 0) {
		client_outbound_free(c);
		if (c->ev != NULL)
			event_free(c->ev);
		if (c->close_ev != NULL)
			event_free(c->close_ev);
		if (c->timer != NULL)
			event_free(c->timer);
		free(c->buf);
		free(c);
		xasprintf(cause, "cannot watch the client socket");
		return -ENOMEM;
	}
	TAILQ_INSERT_TAIL(&srv->clients, c, entry);
	srv->stats.connections++;
	if (TAILQ_EMPTY(&srv->chips) && srv->client == NULL)
		new_token(srv);
	greeting = make_greeting(srv);
	(void)client_send(c, greeting);
	json_object_put(greeting);
	return 0;
}

#define LISTEN_PAUSE_MS	1000

/* The pause is over: accept again. */
static void
listen_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	if (srv->reserve_fd < 0)
		srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	event_add(srv->listen_ev, NULL);
}

/*
 * accept(2) failed for want of an fd. The connection stays queued and the
 * listening socket readable: accepting again at once would spin. Spend the
 * reserve fd to take the connection and tell it why it is refused; without
 * one, stop listening for a while.
 */
static void
accept_out_of_fds(struct server *srv, int lfd, int err)
{
	struct timeval tv = { LISTEN_PAUSE_MS / 1000, (LISTEN_PAUSE_MS % 1000) * 1000 };
	unsigned long limit = fd_limit();
	char why[160];
	int fd;

	srv->stats.rejected_connections++;
	log_warn_limited(&srv->log_accept, "accept: %s (RLIMIT_NOFILE %lu); refusing "
	    "connections until fds are free", strerror(err), limit);
	if (srv->reserve_fd >= 0) {
		close(srv->reserve_fd);
		srv->reserve_fd = -1;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			reason(why, sizeof why, "irqchipd is at its fd limit (RLIMIT_NOFILE "
			    "%lu); try again later", limit);
			refuse(fd, ERR_BUSY, why);
		}
		srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && srv->reserve_fd >= 0)
			return;
	}
	event_del(srv->listen_ev);
	evtimer_add(srv->listen_pause_ev, &tv);
}

static void
listen_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct server *srv = arg;
	struct ucred cred;
	socklen_t len = sizeof cred;
	char *cause = NULL, why[160];
	struct client *c;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			accept_out_of_fds(srv, lfd, errno);
		else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn_limited(&srv->log_accept, "accept: %s", strerror(errno));
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warn_limited(&srv->log_accept, "SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return;
	}
	if (!uid_allowed(srv, cred.uid)) {
		srv->stats.rejected_connections++;
		log_warn_limited(&srv->log_refused, "refused pid %d: uid %u is not allowed",
		    (int)cred.pid, (unsigned)cred.uid);
		refuse(fd, ERR_PERMISSION_DENIED, "this uid may not connect (see --allow-uid)");
		return;
	}
	if (srv->client != NULL)
		client_reap_departed(srv);
	/* With --exit-on-disconnect that was the end: the loop is stopping. */
	if (srv->exiting) {
		srv->stats.rejected_connections++;
		refuse(fd, ERR_BUSY, "irqchipd is exiting: its client left "
		    "(--exit-on-disconnect)");
		return;
	}
	if (fd_budget_check(srv, 1, NULL, why, sizeof why) < 0) {
		srv->stats.rejected_connections++;
		log_warn_limited(&srv->log_refused, "refused pid %d: %s", (int)cred.pid, why);
		refuse(fd, ERR_BUSY, why);
		return;
	}
	if (server_attach(srv, fd, cred.uid, &cause) < 0) {
		log_warn_limited(&srv->log_accept, "%s", cause);
		free(cause);
		close(fd);
		return;
	}
	c = TAILQ_LAST(&srv->clients, client_list);
	c->pid = cred.pid;
	log_info_limited(&srv->log_accept, "pid %d uid %u connected", (int)cred.pid,
	    (unsigned)cred.uid);
}

int
server_listen(struct server *srv, int fd, char **cause)
{
	srv->listen_ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, listen_cb, srv);
	srv->listen_pause_ev = evtimer_new(srv->base, listen_resume_cb, srv);
	/* Kept open to be spent when accept(2) fails with EMFILE. */
	srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	srv->fd_baseline = count_open_fds();
	if (srv->listen_ev == NULL || srv->listen_pause_ev == NULL ||
	    event_add(srv->listen_ev, NULL) < 0) {
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
	 * No EVENT_BASE_FLAG_PRECISE_TIMER: with it libevent's epoll backend
	 * calls timerfd_settime before every epoll_wait, one syscall in four on
	 * the request path. libevent's timers therefore run on its coarse clock
	 * (a jiffy early or late): the daemon's own (negotiate timeout, accept
	 * pause) do not mind, and the IOAPIC's storm delay, which must not end
	 * early, runs on a timerfd (chip_ioapic.c).
	 */
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
	srv->reserve_fd = -1;
	TAILQ_INIT(&srv->chips);
	TAILQ_INIT(&srv->irqfds);
	TAILQ_INIT(&srv->notifiers);
	TAILQ_INIT(&srv->memory);
	TAILQ_INIT(&srv->clients);
	TAILQ_INIT(&srv->rings);
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
	srv->opts.exit_on_disconnect = false;
	while (!TAILQ_EMPTY(&srv->clients))
		client_free(TAILQ_FIRST(&srv->clients), "server stopping");
	ring_free_all(srv);
	while ((chip = TAILQ_FIRST(&srv->chips)) != NULL) {
		notifier_free_chip(srv, NULL, chip);
		chip_free(chip);
	}
	memory_free_all(srv);
	if (srv->listen_ev != NULL)
		event_free(srv->listen_ev);
	if (srv->listen_pause_ev != NULL)
		event_free(srv->listen_pause_ev);
	if (srv->reserve_fd >= 0)
		close(srv->reserve_fd);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	free(srv);
}

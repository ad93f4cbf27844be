/*
 * What goes to clients: replies and events, each one JSON message in one
 * packet. Every sender in the daemon goes through here, so the counters in
 * query-status count what was really sent. A socket that is full never
 * blocks the loop and never loses a message: the message waits in its
 * client's bounded queue (back-pressure in irqchipd-protocol(7)).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"

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

/* One message reached the socket: count it as what it was. */
static void
counted_sent(struct server *srv, bool event)
{
	srv->stats.sent++;
	if (event)
		srv->stats.events++;
}

static void
discard_queue(struct client *c)
{
	struct outmsg *m;

	while ((m = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, m, entry);
		c->srv->stats.discarded++;
		free(m->buf);
		free(m);
	}
	c->nqueued = 0;
}

void
client_close_later(struct client *c, const char *why)
{
	if (c->closing)
		return;
	c->closing = true;
	c->close_why = why;
	event_del(c->ev);
	event_del(c->wev);
	event_active(c->close_ev, EV_TIMEOUT, 1);
}

/* A send failed for good (the peer left, or the socket broke). */
static void
send_failed(struct client *c, int rc)
{
	log_info_limited(&c->srv->log_send, "client pid %d: send failed: %s; closing it",
	    (int)c->pid, strerror(-rc));
	client_close_later(c, "its socket failed");
}

/*
 * Sends what waits, in order, while the socket takes it. While anything
 * waits the client's requests wait too (its read event is off): their
 * replies would only join the queue, and a client that does not read cannot
 * make the daemon buffer without bound by asking.
 */
static void
client_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	struct outmsg *m;
	int rc;

	while ((m = TAILQ_FIRST(&c->outq)) != NULL) {
		rc = wire_send(c->fd, m->buf, m->len, NULL, 0);
		if (rc == -EAGAIN)
			return;
		if (rc < 0) {
			send_failed(c, rc);
			return;
		}
		TAILQ_REMOVE(&c->outq, m, entry);
		c->nqueued--;
		counted_sent(c->srv, m->event);
		free(m->buf);
		free(m);
	}
	event_del(c->wev);
	if (!c->closing)
		event_add(c->ev, NULL);
}

void
client_outbound_init(struct client *c)
{
	TAILQ_INIT(&c->outq);
	c->wev = event_new(c->srv->base, c->fd, EV_WRITE | EV_PERSIST, client_write_cb, c);
}

void
client_outbound_free(struct client *c)
{
	discard_queue(c);
	if (c->wev != NULL)
		event_free(c->wev);
	c->wev = NULL;
}

static unsigned
queue_bound(const struct server *srv)
{
	return srv->opts.send_queue != 0 ? srv->opts.send_queue : SEND_QUEUE_DEFAULT;
}

/* Sends msg, already serialized as s (len bytes), or queues it. */
static int
client_send_text(struct client *c, const char *s, size_t len, bool event)
{
	struct server *srv = c->srv;
	struct outmsg *m;
	int rc;

	if (c->closing) {
		srv->stats.discarded++;
		return -ECONNRESET;
	}
	if (s == NULL || len > WIRE_MAX_MESSAGE) {
		/* Replies page or turn into an error; an event this long is a bug here. */
		srv->stats.discarded++;
		log_error("a %zu-byte %s does not fit a packet; not sent", len,
		    event ? "event" : "message");
		return -EMSGSIZE;
	}
	if (TAILQ_EMPTY(&c->outq)) {
		rc = wire_send(c->fd, s, len, NULL, 0);
		if (rc == 0) {
			counted_sent(srv, event);
			return 0;
		}
		if (rc != -EAGAIN) {
			srv->stats.discarded++;
			send_failed(c, rc);
			return rc;
		}
	}
	if (c->nqueued >= queue_bound(srv)) {
		/*
		 * Dropping this message would break a promise (a reply, an
		 * interrupt); the client goes instead. Its chips stay for a
		 * resume, which re-announces routes and pending deliveries.
		 */
		srv->stats.queue_overruns++;
		srv->stats.discarded++;
		log_warn_limited(&srv->log_send, "client pid %d: %u messages wait for it "
		    "(--send-queue); disconnecting it, its session stays resumable",
		    (int)c->pid, c->nqueued);
		client_close_later(c, "it did not read its messages (send queue full)");
		return -ENOBUFS;
	}
	m = xcalloc(1, sizeof *m);
	m->buf = xmalloc(len);
	memcpy(m->buf, s, len);
	m->len = len;
	m->event = event;
	if (TAILQ_EMPTY(&c->outq)) {
		event_del(c->ev);
		event_add(c->wev, NULL);
	}
	TAILQ_INSERT_TAIL(&c->outq, m, entry);
	c->nqueued++;
	srv->stats.queued++;
	return 0;
}

static int
client_send_kind(struct client *c, json_object *msg, bool event)
{
	const char *s;
	size_t len = 0;

	if (c->closing) {
		c->srv->stats.discarded++;
		return -ECONNRESET;
	}
	s = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN, &len);
	return client_send_text(c, s, len, event);
}

int
client_send(struct client *c, json_object *msg)
{
	return client_send_kind(c, msg, false);
}

bool
server_client_negotiated(const struct server *srv)
{
	return srv->client != NULL && srv->client->negotiated && !srv->client->closing;
}

void
server_event(struct server *srv, const char *name, json_object *data)
{
	struct client *c;
	json_object *ev;

	ev = json_object_new_object();
	json_object_object_add(ev, "event", json_object_new_string(name));
	json_object_object_add(ev, "data", data != NULL ? data : json_object_new_object());
	json_object_object_add(ev, "timestamp", timestamp_now());
	TAILQ_FOREACH(c, &srv->clients, entry) {
		if (c->negotiated && !c->closing)
			(void)client_send_kind(c, ev, true);
	}
	json_object_put(ev);
}

/* What a message with this id costs beyond its payload, with room to spare. */
#define ENVELOPE_RESERVE	512

static size_t
json_len(json_object *o)
{
	size_t len = 0;

	json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	return len;
}

/*
 * A reply whose effects do not fit in one packet sends them ahead in
 * {"partial": {"effects": [...]}, "id": ...} messages, in order, as many as
 * it takes; the final reply carries the rest. The client library puts them
 * back together, so a VMM sees one list. Nothing is dropped.
 */
static void
send_partials(struct client *c, json_object *ret, bool has_id, json_object *id)
{
	size_t budget = WIRE_MAX_MESSAGE - ENVELOPE_RESERVE - (has_id ? json_len(id) : 0);
	json_object *effects, *rest, *chunk = NULL;
	size_t used = 0, n, i;

	if (!json_object_object_get_ex(ret, "effects", &effects))
		return;
	n = json_object_array_length(effects);
	rest = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(effects, i);
		size_t len = json_len(e) + 1;

		if (chunk != NULL && used + len > budget) {
			json_object *msg = json_object_new_object(), *p = json_object_new_object();

			json_object_object_add(p, "effects", chunk);
			json_object_object_add(msg, "partial", p);
			if (has_id)
				json_object_object_add(msg, "id", json_object_get(id));
			(void)client_send(c, msg);
			json_object_put(msg);
			chunk = NULL;
			used = 0;
		}
		if (chunk == NULL)
			chunk = json_object_new_array();
		json_object_array_add(chunk, json_object_get(e));
		used += len;
	}
	/* The last chunk stays in the reply itself. */
	json_object_object_add(ret, "effects", chunk != NULL ? chunk : rest);
	if (chunk != NULL)
		json_object_put(rest);
}

/*
 * The reply message, serialized once: almost every reply fits a packet, and
 * only one that does not (checked on the whole message, which is longer
 * than its return object) is measured again the way send_partials needs.
 */
void
send_reply(struct client *c, struct reply *r, bool has_id, json_object *id)
{
	struct server *srv = c->srv;
	json_object *msg = json_object_new_object();
	const char *s;
	size_t len = 0;

	if (r->err_desc == NULL) {
		json_object_object_add(msg, "return", json_object_get(r->ret));
		if (has_id)
			json_object_object_add(msg, "id", json_object_get(id));
		s = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN, &len);
		if (s != NULL && len + ENVELOPE_RESERVE <= WIRE_MAX_MESSAGE) {
			srv->stats.replies++;
			(void)client_send_text(c, s, len, false);
			json_object_put(msg);
			return;
		}
		json_object_put(msg);
		msg = json_object_new_object();
	}
	if (r->err_desc == NULL && json_len(r->ret) + ENVELOPE_RESERVE > WIRE_MAX_MESSAGE) {
		send_partials(c, r->ret, has_id, id);
		if (json_len(r->ret) + ENVELOPE_RESERVE > WIRE_MAX_MESSAGE) {
			/* Only a reply that does not page can get here: say so, never drop it. */
			reply_error(r, ERR_GENERIC, "the reply is larger than %d bytes; ask for "
			    "less (chip-query pages with 'start' and 'count'; chip-save writes "
			    "to a memfd given as 'fd')", WIRE_MAX_MESSAGE);
		}
	}

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
	(void)client_send(c, msg);
	json_object_put(msg);
}

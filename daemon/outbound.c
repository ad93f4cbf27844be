/*
 * What goes to the client: replies and events, each one JSON message in one
 * packet. Every sender in the daemon goes through here, so the counters in
 * query-status count what was really sent.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"
#include "wire.h"

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

int
client_send(struct client *c, json_object *msg)
{
	int rc = wire_send_json(c->fd, msg, NULL, 0);

	if (rc < 0)
		log_info("client pid %d: send failed: %s", (int)c->pid, strerror(-rc));
	return rc;
}

bool
server_client_negotiated(const struct server *srv)
{
	return srv->client != NULL && srv->client->negotiated;
}

void
server_event(struct server *srv, const char *name, json_object *data)
{
	json_object *ev;

	if (!server_client_negotiated(srv)) {
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
send_partials(struct server *srv, json_object *ret, bool has_id, json_object *id)
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
			(void)client_send(srv->client, msg);
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

void
send_reply(struct server *srv, struct reply *r, bool has_id, json_object *id)
{
	json_object *msg = json_object_new_object();

	if (r->err_desc == NULL && srv->client != NULL &&
	    json_len(r->ret) + ENVELOPE_RESERVE > WIRE_MAX_MESSAGE) {
		send_partials(srv, r->ret, has_id, id);
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
	if (srv->client != NULL)
		(void)client_send(srv->client, msg);
	json_object_put(msg);
}

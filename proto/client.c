/* Client library: the VMM side of protocol v1 (irqchipd-protocol(7)). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "irqchip.h"
#include "libirqchip-private.h"
#include "wire.h"

struct queued_event {
	json_object *event;
	struct queued_event *next;
};

struct irqchip_client {
	int sock;
	pthread_mutex_t lock;
	json_object *greeting_msg;
	json_object *greeting;		/* borrowed from greeting_msg */
	int64_t next_id;
	struct queued_event *events, **events_tail;
	unsigned nevents, max_events;
	int timeout_ms;			/* for one call's reply; < 0 waits for ever */
	int failed;			/* the event queue overflowed: -ENOBUFS */
	char *buf;
	/* Ring replies that spilled to the socket, until their producer takes them. */
	struct queued_event *spills, **spills_tail;
	unsigned nspills;
};

/* Spilled replies kept at most: one per record in flight, and then some. */
#define MAX_SPILLS	65536

static void set_send_timeout(struct irqchip_client *);

/* Appends a {"partial": {"effects": [...]}} packet's effects to *joined. */
static void
join_partial(json_object *part, json_object **joined)
{
	json_object *pe;

	if (!json_object_object_get_ex(part, "effects", &pe) ||
	    !json_object_is_type(pe, json_type_array))
		return;
	if (*joined == NULL)
		*joined = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(pe); i++)
		json_object_array_add(*joined, json_object_get(json_object_array_get_idx(pe, i)));
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one message; events are queued unless want_event. */
static int
recv_message(struct irqchip_client *c, int timeout_ms, json_object **out, char **cause)
{
	int fds[WIRE_MAX_FDS];
	unsigned nfds;
	size_t len;
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = c->sock, .events = POLLIN };
	json_object *msg;
	char *why;
	int rc, left;

	for (;;) {
		left = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && left < 0)
			left = 0;
		rc = poll(&pfd, 1, left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return wire_set_cause(cause, -errno, "poll: %s", strerror(errno));
		if (rc == 0)
			return wire_set_cause(cause, -ETIMEDOUT, "no message from irqchipd in %d ms",
			    timeout_ms);
		rc = wire_recv(c->sock, c->buf, WIRE_MAX_MESSAGE, &len, fds, &nfds, 0);
		if (rc < 0)
			return wire_set_cause(cause, rc, "receiving from irqchipd: %s", strerror(-rc));
		/* The daemon never sends fds; drop any rather than leak them. */
		wire_close_fds(fds, nfds);
		if (len == 0)
			return wire_set_cause(cause, -ECONNRESET, "irqchipd closed the connection");
		msg = wire_parse(c->buf, len, &why);
		if (msg == NULL) {
			rc = wire_set_cause(cause, -EPROTO, "irqchipd sent %s",
			    why != NULL ? why : "invalid JSON");
			free(why);
			return rc;
		}
		*out = msg;
		return 0;
	}
}

int
irqchip_client_open_fd(int fd, struct irqchip_client **out, char **cause)
{
	struct irqchip_client *c;
	json_object *msg, *g;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (c != NULL)
		c->buf = malloc(WIRE_MAX_MESSAGE);
	if (c == NULL || c->buf == NULL) {
		free(c);
		close(fd);
		return wire_set_cause(cause, -ENOMEM, "out of memory");
	}
	c->sock = fd;
	c->next_id = 1;
	c->timeout_ms = IRQCHIP_DEFAULT_TIMEOUT_MS;
	c->max_events = IRQCHIP_DEFAULT_MAX_EVENTS;
	set_send_timeout(c);
	c->events_tail = &c->events;
	c->spills_tail = &c->spills;
	pthread_mutex_init(&c->lock, NULL);

	rc = recv_message(c, 10000, &msg, cause);
	if (rc < 0) {
		irqchip_client_close(c);
		return rc;
	}
	if (!json_object_object_get_ex(msg, "greeting", &g) ||
	    !json_object_is_type(g, json_type_object)) {
		json_object *e, *d;
		const char *desc = "no greeting";

		/* A refused connection gets an error instead of a greeting. */
		if (json_object_object_get_ex(msg, "error", &e) &&
		    json_object_object_get_ex(e, "desc", &d))
			desc = json_object_get_string(d);
		rc = wire_set_cause(cause, -ECONNREFUSED, "irqchipd refused the connection: %s", desc);
		json_object_put(msg);
		irqchip_client_close(c);
		return rc;
	}
	c->greeting_msg = msg;
	c->greeting = g;
	*out = c;
	return 0;
}

int
irqchip_client_connect(const char *path, struct irqchip_client **out, char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	*out = NULL;
	if (strlen(path) >= sizeof sun.sun_path)
		return wire_set_cause(cause, -ENAMETOOLONG, "socket path longer than %zu bytes: %s",
		    sizeof sun.sun_path - 1, path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return wire_set_cause(cause, -errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		int err = errno;

		close(fd);
		return wire_set_cause(cause, -err, "connect %s: %s", path, strerror(err));
	}
	return irqchip_client_open_fd(fd, out, cause);
}

void
irqchip_client_close(struct irqchip_client *c)
{
	struct queued_event *e, *next;

	if (c == NULL)
		return;
	if (c->sock >= 0)
		close(c->sock);
	for (e = c->events; e != NULL; e = next) {
		next = e->next;
		json_object_put(e->event);
		free(e);
	}
	for (e = c->spills; e != NULL; e = next) {
		next = e->next;
		json_object_put(e->event);
		free(e);
	}
	json_object_put(c->greeting_msg);
	pthread_mutex_destroy(&c->lock);
	free(c->buf);
	free(c);
}

int
irqchip_client_fd(const struct irqchip_client *c)
{
	return c->sock;
}

json_object *
irqchip_client_greeting(const struct irqchip_client *c)
{
	return c->greeting;
}

/* Sends wait no longer than replies do (SO_SNDTIMEO, socket(7)); 0 there is for ever. */
static void
set_send_timeout(struct irqchip_client *c)
{
	struct timeval tv = { 0, 0 };

	if (c->timeout_ms > 0) {
		tv.tv_sec = c->timeout_ms / 1000;
		tv.tv_usec = (c->timeout_ms % 1000) * 1000;
	}
	(void)setsockopt(c->sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void
irqchip_client_set_timeout(struct irqchip_client *c, int timeout_ms)
{
	pthread_mutex_lock(&c->lock);
	c->timeout_ms = timeout_ms;
	set_send_timeout(c);
	pthread_mutex_unlock(&c->lock);
}

void
irqchip_client_set_max_events(struct irqchip_client *c, unsigned max)
{
	pthread_mutex_lock(&c->lock);
	c->max_events = max > 0 ? max : 1;
	pthread_mutex_unlock(&c->lock);
}

static int
overflowed(struct irqchip_client *c, char **cause)
{
	return wire_set_cause(cause, -ENOBUFS, "more than %u events were not taken with "
	    "irqchip_client_next_event: the connection was closed; the session stays in "
	    "irqchipd and can be resumed with its token", c->max_events);
}

/*
 * Keeps an event for irqchip_client_next_event. The queue is bounded: when
 * it is full the client closes its end (the daemon keeps the session for a
 * resume) rather than grow without limit.
 */
static int
queue_event(struct irqchip_client *c, json_object *event, char **cause)
{
	struct queued_event *q;

	if (c->nevents >= c->max_events) {
		json_object_put(event);
		if (c->failed == 0)
			shutdown(c->sock, SHUT_RDWR);
		c->failed = -ENOBUFS;
		return overflowed(c, cause);
	}
	if ((q = malloc(sizeof *q)) == NULL) {
		json_object_put(event);
		return wire_set_cause(cause, -ENOMEM, "out of memory for an event");
	}
	q->event = event;
	q->next = NULL;
	*c->events_tail = q;
	c->events_tail = &q->next;
	c->nevents++;
	return 0;
}

/* The ring and seq of a spilled ring reply's id {"ring": R, "seq": S}; false if m is not one. */
static bool
spill_id(json_object *m, uint64_t *ring, uint64_t *seq)
{
	json_object *id, *r, *q;

	return json_object_object_get_ex(m, "id", &id) &&
	    json_object_is_type(id, json_type_object) &&
	    json_object_object_get_ex(id, "ring", &r) && irqchip_json_u64(r, ring) == 0 &&
	    json_object_object_get_ex(id, "seq", &q) && irqchip_json_u64(q, seq) == 0;
}

/*
 * Keeps a ring's spilled reply (or a partial of it) for the producer that
 * waits for it, whichever thread read it from the socket; consumes m if so.
 */
static bool
stash_spill(struct irqchip_client *c, json_object *m)
{
	struct queued_event *q;
	uint64_t ring, seq;

	if (!spill_id(m, &ring, &seq))
		return false;
	if (c->nspills >= MAX_SPILLS && (q = c->spills) != NULL) {
		/* Bounded: the oldest, whose producer gave up long ago, goes. */
		c->spills = q->next;
		if (c->spills == NULL)
			c->spills_tail = &c->spills;
		c->nspills--;
		json_object_put(q->event);
		free(q);
	}
	if ((q = malloc(sizeof *q)) == NULL) {
		json_object_put(m);
		return true;
	}
	q->event = m;
	q->next = NULL;
	*c->spills_tail = q;
	c->spills_tail = &q->next;
	c->nspills++;
	return true;
}

/* Takes the first stashed message of (ring, seq), or NULL. */
static json_object *
take_spill(struct irqchip_client *c, uint64_t ring, uint64_t seq)
{
	struct queued_event **pp, *q;
	json_object *m;
	uint64_t r, s;

	for (pp = &c->spills; (q = *pp) != NULL; pp = &q->next) {
		if (!spill_id(q->event, &r, &s) || r != ring || s != seq)
			continue;
		*pp = q->next;
		if (*pp == NULL)
			c->spills_tail = pp;
		c->nspills--;
		m = q->event;
		free(q);
		return m;
	}
	return NULL;
}

int
client_wait_spill(struct irqchip_client *c, unsigned ring, uint64_t seq, int timeout_ms,
    json_object **ret, char **cause)
{
	json_object *m, *part, *val, *partial = NULL, *reply = NULL;
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int rc = 0, left;

	*ret = NULL;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		if ((m = take_spill(c, ring, seq)) == NULL) {
			left = deadline < 0 ? -1 : (int)(deadline - now_ms());
			if (deadline >= 0 && left < 0)
				left = 0;
			if (c->failed < 0) {
				rc = overflowed(c, cause);
				break;
			}
			rc = recv_message(c, left, &m, cause);
			if (rc < 0)
				break;
			if (json_object_object_get_ex(m, "event", NULL)) {
				if ((rc = queue_event(c, m, cause)) < 0)
					break;
			} else if (!stash_spill(c, m)) {
				/* A late reply to a call that timed out: skipped, as calls do. */
				json_object_put(m);
			}
			continue;
		}
		if (json_object_object_get_ex(m, "partial", &part)) {
			join_partial(part, &partial);
			json_object_put(m);
			continue;
		}
		reply = m;
		break;
	}
	pthread_mutex_unlock(&c->lock);
	if (rc < 0) {
		json_object_put(partial);
		return rc;
	}
	if (!json_object_object_get_ex(reply, "return", &val)) {
		json_object_put(partial);
		json_object_put(reply);
		return wire_set_cause(cause, -EPROTO, "irqchipd spilled ring %u record %llu "
		    "as something other than a return", ring, (unsigned long long)seq);
	}
	if (partial != NULL) {
		json_object *tail;

		if (json_object_object_get_ex(val, "effects", &tail) &&
		    json_object_is_type(tail, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(tail); i++)
				json_object_array_add(partial,
				    json_object_get(json_object_array_get_idx(tail, i)));
		}
		json_object_object_add(val, "effects", partial);
	}
	*ret = json_object_get(val);
	json_object_put(reply);
	return 0;
}

int
client_timeout_ms(struct irqchip_client *c)
{
	int t;

	pthread_mutex_lock(&c->lock);
	t = c->timeout_ms;
	pthread_mutex_unlock(&c->lock);
	return t;
}

static int
recv_reply_locked(struct irqchip_client *c, int timeout_ms, json_object **msg, char **cause)
{
	json_object *m;
	int rc;

	for (;;) {
		if (c->failed < 0)
			return overflowed(c, cause);
		rc = recv_message(c, timeout_ms, &m, cause);
		if (rc < 0)
			return rc;
		if (json_object_object_get_ex(m, "event", NULL)) {
			if ((rc = queue_event(c, m, cause)) < 0)
				return rc;
			continue;
		}
		if (stash_spill(c, m))
			continue;
		*msg = m;
		return 0;
	}
}

int
irqchip_client_recv_reply(struct irqchip_client *c, int timeout_ms, json_object **msg)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = recv_reply_locked(c, timeout_ms, msg, NULL);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int
irqchip_client_send_raw(struct irqchip_client *c, const void *buf, size_t len,
    const int *fds, unsigned nfds)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = wire_send(c->sock, buf, len, fds, nfds);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int
irqchip_client_call(struct irqchip_client *c, const char *command, json_object *args,
    const int *fds, unsigned nfds, json_object **ret, json_object **err, char **cause)
{
	json_object *req, *reply = NULL, *val, *idv, *partial = NULL;
	int64_t id;
	int rc;

	if (ret != NULL)
		*ret = NULL;
	if (err != NULL)
		*err = NULL;
	if (nfds > WIRE_MAX_FDS)
		return wire_set_cause(cause, -E2BIG, "at most %d fds per message", WIRE_MAX_FDS);

	req = json_object_new_object();
	json_object_object_add(req, "execute", json_object_new_string(command));
	if (args != NULL)
		json_object_object_add(req, "arguments", json_object_get(args));

	pthread_mutex_lock(&c->lock);
	id = c->next_id++;
	json_object_object_add(req, "id", json_object_new_int64(id));
	if (c->failed < 0) {
		pthread_mutex_unlock(&c->lock);
		json_object_put(req);
		return overflowed(c, cause);
	}
	rc = wire_send_json(c->sock, req, fds, nfds);
	json_object_put(req);
	if (rc == -EAGAIN) {
		pthread_mutex_unlock(&c->lock);
		return wire_set_cause(cause, -ETIMEDOUT, "irqchipd did not take '%s' within "
		    "%d ms (irqchip_client_set_timeout)", command, c->timeout_ms);
	}
	if (rc < 0) {
		pthread_mutex_unlock(&c->lock);
		return wire_set_cause(cause, rc, "sending %s: %s", command, strerror(-rc));
	}
	/*
	 * Replies come in request order; skip anything that is not ours. A
	 * long effects list arrives in "partial" messages ahead of the reply:
	 * they are joined, in order, in front of the reply's own effects.
	 */
	for (;;) {
		json_object *part;

		/* Each message from the daemon (a partial, say) restarts the clock. */
		rc = recv_reply_locked(c, c->timeout_ms, &reply, cause);
		if (rc == -ETIMEDOUT) {
			if (cause != NULL) {
				free(*cause);
				*cause = NULL;
			}
			rc = wire_set_cause(cause, -ETIMEDOUT, "irqchipd did not answer '%s' "
			    "within %d ms (irqchip_client_set_timeout)", command, c->timeout_ms);
		}
		if (rc < 0)
			break;
		if (!json_object_object_get_ex(reply, "id", &idv) ||
		    !json_object_is_type(idv, json_type_int) || json_object_get_int64(idv) != id) {
			json_object_put(reply);
			reply = NULL;
			continue;
		}
		if (!json_object_object_get_ex(reply, "partial", &part))
			break;
		join_partial(part, &partial);
		json_object_put(reply);
		reply = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	if (rc < 0) {
		json_object_put(partial);
		return rc;
	}
	if (partial != NULL && json_object_object_get_ex(reply, "return", &val)) {
		json_object *tail;

		if (json_object_object_get_ex(val, "effects", &tail) &&
		    json_object_is_type(tail, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(tail); i++)
				json_object_array_add(partial,
				    json_object_get(json_object_array_get_idx(tail, i)));
		}
		json_object_object_add(val, "effects", partial);
		partial = NULL;
	}
	json_object_put(partial);

	if (json_object_object_get_ex(reply, "return", &val)) {
		if (ret != NULL)
			*ret = json_object_get(val);
		rc = 0;
	} else if (json_object_object_get_ex(reply, "error", &val)) {
		json_object *cls = NULL, *desc = NULL;

		json_object_object_get_ex(val, "class", &cls);
		json_object_object_get_ex(val, "desc", &desc);
		rc = wire_set_cause(cause, -EREMOTEIO, "%s: %s",
		    cls != NULL ? json_object_get_string(cls) : "?",
		    desc != NULL ? json_object_get_string(desc) : "?");
		if (err != NULL)
			*err = json_object_get(val);
	} else {
		rc = wire_set_cause(cause, -EPROTO, "irqchipd sent a reply with neither return nor error");
	}
	json_object_put(reply);
	return rc;
}

int
irqchip_client_negotiate(struct irqchip_client *c, const char *const *caps,
    const char *resume, json_object **ret, char **cause)
{
	json_object *args = json_object_new_object(), *list;
	int rc;

	if (caps != NULL) {
		list = json_object_new_array();
		for (; *caps != NULL; caps++)
			json_object_array_add(list, json_object_new_string(*caps));
		json_object_object_add(args, "capabilities", list);
	}
	if (resume != NULL)
		json_object_object_add(args, "resume", json_object_new_string(resume));
	rc = irqchip_client_call(c, "negotiate", args, NULL, 0, ret, NULL, cause);
	json_object_put(args);
	return rc;
}

int
irqchip_client_next_event(struct irqchip_client *c, int timeout_ms, json_object **event)
{
	struct queued_event *q;
	json_object *m;
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int rc = 0, left;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		if ((q = c->events) != NULL) {
			c->events = q->next;
			if (c->events == NULL)
				c->events_tail = &c->events;
			c->nevents--;
			*event = q->event;
			free(q);
			break;
		}
		if (c->failed < 0) {
			rc = c->failed;
			break;
		}
		left = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && left < 0)
			left = 0;
		rc = recv_message(c, left, &m, NULL);
		if (rc < 0)
			break;
		/* Outside a call, anything but an event or a spill is unexpected. */
		if (json_object_object_get_ex(m, "event", NULL))
			(void)queue_event(c, m, NULL);
		else if (!stash_spill(c, m))
			json_object_put(m);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int
irqchip_json_u64(json_object *o, uint64_t *out)
{
	return wire_get_u64(o, out);
}

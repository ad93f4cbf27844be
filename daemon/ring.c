/*
 * Shared-memory rings: the fast path for a vCPU thread's forwarded operations
 * (layout and protocol in irqchip-ring.h and irqchipd-protocol(7), "THE
 * RING"). Each record is turned into its JSON twin's arguments and run through
 * dispatch_call, so a ring operation means exactly what the command means;
 * the reply and the effects go back into the slot in binary, or over the
 * socket when they do not fit (a spill).
 *
 * The producer is another process and may scribble on the shared memory at
 * any time: a record is copied out before it is looked at, the daemon keeps its
 * own copy of nslots and of the consumer index, and anything malformed is a
 * client error in that slot's status (counted, logged), never a crash.
 *
 * Waking: doorbell eventfds (eventfd(2)) are libevent read events; the daemon
 * wakes a producer sleeping on a slot with FUTEX_WAKE on the slot's state word
 * (futex(2), shared: no FUTEX_PRIVATE_FLAG, the word lives in a MAP_SHARED
 * memfd mapping).
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/futex.h>

#include "compiler.h"
#include "daemon.h"
#include "irqchip-ring.h"
#include "log.h"
#include "spin.h"
#include "wire.h"
#include "xmalloc.h"

#ifndef F_SEAL_SHRINK
#define F_SEAL_SHRINK	0x0002
#define F_SEAL_GROW	0x0004
#endif

struct ring {
	struct server *srv;
	unsigned id;
	int doorbell_fd;
	struct event *ev;
	void *map;
	size_t size;
	struct irqchip_ring_header *hdr;
	struct irqchip_ring_slot *slots;
	uint32_t nslots;	/* our copy: the header's may change under us */
	uint32_t consumer;	/* ours too; the header's is for the producer to read */
	uint64_t requests, spills, malformed, doorbells;
	TAILQ_ENTRY(ring) entry;
};

unsigned
ring_count(const struct server *srv)
{
	const struct ring *g;
	unsigned n = 0;

	TAILQ_FOREACH(g, &srv->rings, entry)
		n++;
	return n;
}

static void
ring_free(struct ring *g)
{
	struct server *srv = g->srv;

	TAILQ_REMOVE(&srv->rings, g, entry);
	if (g->ev != NULL)
		event_free(g->ev);
	close(g->doorbell_fd);
	munmap(g->map, g->size);
	log_info("ring %u removed (%" PRIu64 " records)", g->id, g->requests);
	free(g);
}

void
ring_free_all(struct server *srv)
{
	while (!TAILQ_EMPTY(&srv->rings))
		ring_free(TAILQ_FIRST(&srv->rings));
}

static unsigned ring_drain(struct ring *);

static void
ring_mark(struct server *srv, uint32_t state)
{
	struct ring *g;

	TAILQ_FOREACH(g, &srv->rings, entry)
		__atomic_store_n(&g->hdr->daemon_state, state, __ATOMIC_RELAXED);
}

/* A doorbell: the producer saw SLEEPING. Drain, and spin again. */
static void
doorbell_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ring *g = arg;
	struct server *srv = g->srv;
	uint64_t v;

	(void)what;
	while (read(fd, &v, sizeof v) == (ssize_t)sizeof v)
		;
	g->doorbells++;
	srv->stats.ring_doorbells++;
	ring_mark(srv, IRQCHIP_RING_AWAKE);
	if (srv->opts.poll_us > 0) {
		srv->ring_spinning = true;
		srv->ring_last_ns = spin_now_ns();
	}
	/* Another ring's doorbell callback may free none of ours: drain this one. */
	(void)ring_drain(g);
}

/* The header's checks: each names the field and what it may be. */
static int
check_header(const struct irqchip_ring_header *h, size_t size, struct reply *r)
{
	uint32_t magic = h->magic, version = h->version, nslots = h->nslots;

	if (magic == __builtin_bswap32(IRQCHIP_RING_MAGIC))
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the ring's "
		    "'magic' is byte-swapped: the ring is in the host's native byte order, "
		    "0x%08x read natively", IRQCHIP_RING_MAGIC);
	if (magic != IRQCHIP_RING_MAGIC)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the ring's "
		    "'magic' is 0x%08x, not 0x%08x", magic, IRQCHIP_RING_MAGIC);
	if (version != IRQCHIP_RING_VERSION)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the ring's "
		    "'version' is %u; this irqchipd knows version %u", version,
		    IRQCHIP_RING_VERSION);
	if (h->header_size != IRQCHIP_RING_HEADER_SIZE)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the ring's "
		    "'header_size' is %u, must be %u", h->header_size,
		    IRQCHIP_RING_HEADER_SIZE);
	if (h->slot_size != IRQCHIP_RING_SLOT_SIZE)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the ring's "
		    "'slot_size' is %u, must be %u", h->slot_size, IRQCHIP_RING_SLOT_SIZE);
	if (nslots < IRQCHIP_RING_MIN_SLOTS || nslots > IRQCHIP_RING_MAX_SLOTS ||
	    (nslots & (nslots - 1)) != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the ring's "
		    "'nslots' is %u, must be a power of two in %u..%u", nslots,
		    IRQCHIP_RING_MIN_SLOTS, IRQCHIP_RING_MAX_SLOTS);
	if (size != IRQCHIP_RING_BYTES(nslots))
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the memfd holds "
		    "%zu bytes; a ring of %u slots is %zu", size, nslots,
		    IRQCHIP_RING_BYTES(nslots));
	if (h->producer != h->consumer)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the ring's "
		    "'producer' (%u) must equal its 'consumer' (%u): a ring is added empty",
		    h->producer, h->consumer);
	return 0;
}

int
ring_add(struct server *srv, struct client *c, int memfd, int doorbell_fd, struct reply *r)
{
	struct irqchip_ring_header hdr;
	struct stat st;
	struct ring *g;
	void *map = MAP_FAILED;
	size_t size = 0;
	int seals;

	(void)c;
	if (ring_count(srv) >= RING_MAX) {
		reply_error(r, ERR_BUSY, "at most %d rings (ring-del one first)", RING_MAX);
		goto fail;
	}
	seals = fcntl(memfd, F_GET_SEALS);
	if (seals < 0 || (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) !=
	    (F_SEAL_SHRINK | F_SEAL_GROW)) {
		reply_error(r, ERR_INVALID_FD, "argument 'fd': the ring's memfd must carry "
		    "F_SEAL_SHRINK and F_SEAL_GROW (memfd_create with MFD_ALLOW_SEALING, "
		    "then F_ADD_SEALS), so that its size cannot change under the mapping");
		goto fail;
	}
	if (fstat(memfd, &st) < 0) {
		reply_error(r, ERR_INVALID_FD, "argument 'fd': fstat: %s", strerror(errno));
		goto fail;
	}
	if (st.st_size < (off_t)IRQCHIP_RING_BYTES(IRQCHIP_RING_MIN_SLOTS) ||
	    st.st_size > (off_t)IRQCHIP_RING_BYTES(IRQCHIP_RING_MAX_SLOTS)) {
		reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the memfd holds %lld "
		    "bytes; a ring holds %zu + nslots * %u (nslots a power of two in %u..%u)",
		    (long long)st.st_size, (size_t)IRQCHIP_RING_HEADER_SIZE,
		    IRQCHIP_RING_SLOT_SIZE, IRQCHIP_RING_MIN_SLOTS, IRQCHIP_RING_MAX_SLOTS);
		goto fail;
	}
	size = (size_t)st.st_size;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (map == MAP_FAILED) {
		reply_error(r, ERR_INVALID_FD, "argument 'fd': mmap of %zu bytes: %s", size,
		    strerror(errno));
		goto fail;
	}
	/*
	 * The client can write the header at any time: validate a copy, and use
	 * only the copy's nslots from here on.
	 */
	memcpy(&hdr, map, sizeof hdr);
	if (check_header(&hdr, size, r) < 0)
		goto fail;
	if (fd_budget_check(srv, 1, r, NULL, 0) < 0)
		goto fail;
	if (fd_set_nonblock(doorbell_fd) < 0) {
		reply_error(r, ERR_INVALID_FD, "argument 'doorbell-fd': O_NONBLOCK: %s",
		    strerror(errno));
		goto fail;
	}
	close(memfd);
	g = xcalloc(1, sizeof *g);
	g->srv = srv;
	g->id = ++srv->ring_next_id;
	g->doorbell_fd = doorbell_fd;
	g->map = map;
	g->size = size;
	g->hdr = map;
	g->slots = (struct irqchip_ring_slot *)((char *)map + IRQCHIP_RING_HEADER_SIZE);
	g->nslots = hdr.nslots;
	g->consumer = hdr.consumer;
	g->ev = event_new(srv->base, doorbell_fd, EV_READ | EV_PERSIST, doorbell_cb, g);
	event_add(g->ev, NULL);
	__atomic_store_n(&g->hdr->daemon_state, srv->ring_spinning ? IRQCHIP_RING_AWAKE :
	    IRQCHIP_RING_SLEEPING, __ATOMIC_SEQ_CST);
	TAILQ_INSERT_TAIL(&srv->rings, g, entry);
	log_info("ring %u added: %u slots", g->id, g->nslots);
	return (int)g->id;

fail:
	if (map != MAP_FAILED)
		munmap(map, size);
	close(memfd);
	close(doorbell_fd);
	return -EINVAL;
}

int
ring_del(struct server *srv, unsigned id, struct reply *r)
{
	struct ring *g;

	TAILQ_FOREACH(g, &srv->rings, entry) {
		if (g->id == id) {
			/* What was published before ring-del is answered first. */
			(void)ring_drain(g);
			ring_free(g);
			return 0;
		}
	}
	return reply_error(r, ERR_DEVICE_NOT_FOUND, "argument 'ring': there is no ring %u "
	    "(query-status lists the rings)", id);
}

json_object *
ring_describe(const struct server *srv)
{
	json_object *a = json_object_new_array();
	const struct ring *g;

	TAILQ_FOREACH(g, &srv->rings, entry) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "ring", json_object_new_int64(g->id));
		json_object_object_add(o, "slots", json_object_new_int64(g->nslots));
		json_object_object_add(o, "requests", wire_u64(g->requests));
		json_object_object_add(o, "spills", wire_u64(g->spills));
		json_object_object_add(o, "malformed", wire_u64(g->malformed));
		json_object_object_add(o, "doorbells", wire_u64(g->doorbells));
		json_object_array_add(a, o);
	}
	return a;
}

/* ------------------------------------------------------------ one record */

static const char *const op_names[] = {
	[IRQCHIP_RING_OP_MMIO_READ] = "mmio-read",
	[IRQCHIP_RING_OP_MMIO_WRITE] = "mmio-write",
	[IRQCHIP_RING_OP_EOI] = "eoi",
	[IRQCHIP_RING_OP_LINE_SET] = "line-set",
	[IRQCHIP_RING_OP_LINE_PULSE] = "line-pulse",
	[IRQCHIP_RING_OP_MSI] = "msi",
	[IRQCHIP_RING_OP_HCALL] = "hcall",
};

/* The record's request part, as copied out of shared memory. */
struct record {
	uint32_t state, op, flags, size, cpu, window, nargs;
	uint64_t seq;
	char chip[IRQCHIP_RING_CHIP_ID_SIZE];
	uint64_t operand[IRQCHIP_RING_OPERANDS];
};

static void
copy_record(const struct irqchip_ring_slot *s, struct record *rec)
{
	rec->state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	rec->op = s->op;
	rec->flags = s->flags;
	rec->seq = s->seq;
	rec->size = s->size;
	rec->cpu = s->cpu;
	rec->window = s->window;
	rec->nargs = s->nargs;
	memcpy(rec->chip, s->chip, sizeof rec->chip);
	memcpy(rec->operand, s->operand, sizeof rec->operand);
}

/* A record the daemon cannot read as any command: the producer's bug. */
static int __attribute__((format(printf, 3, 4)))
malformed(struct ring *g, struct reply *r, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	g->malformed++;
	g->srv->stats.ring_malformed++;
	log_warn_limited(&g->srv->log_ring, "ring %u: malformed record: %s", g->id, buf);
	return reply_error(r, ERR_PROTOCOL, "ring %u: malformed record: %s", g->id, buf);
}

static json_object *
u64_json(uint64_t v)
{
	return wire_u64(v);
}

/* The JSON twin's arguments for rec, or NULL with r set. */
static json_object *
record_args(struct ring *g, const struct record *rec, struct reply *r)
{
	json_object *a;
	struct chip *chip;

	if (rec->op >= ARRAY_SIZE(op_names) || op_names[rec->op] == NULL) {
		malformed(g, r, "'op' %u is not an operation of ring version 1", rec->op);
		return NULL;
	}
	a = json_object_new_object();
	switch (rec->op) {
	case IRQCHIP_RING_OP_MMIO_READ:
	case IRQCHIP_RING_OP_MMIO_WRITE:
	case IRQCHIP_RING_OP_LINE_SET:
	case IRQCHIP_RING_OP_LINE_PULSE:
		if (memchr(rec->chip, '\0', sizeof rec->chip) == NULL) {
			malformed(g, r, "'chip' is not NUL-terminated within %u bytes",
			    IRQCHIP_RING_CHIP_ID_SIZE);
			json_object_put(a);
			return NULL;
		}
		json_object_object_add(a, "id", json_object_new_string(rec->chip));
		break;
	default:
		break;
	}
	switch (rec->op) {
	case IRQCHIP_RING_OP_MMIO_READ:
	case IRQCHIP_RING_OP_MMIO_WRITE:
		json_object_object_add(a, "offset", u64_json(rec->operand[0]));
		json_object_object_add(a, "size", u64_json(rec->size));
		if (rec->op == IRQCHIP_RING_OP_MMIO_WRITE)
			json_object_object_add(a, "value", u64_json(rec->operand[1]));
		if (rec->flags & IRQCHIP_RING_F_CPU)
			json_object_object_add(a, "cpu", u64_json(rec->cpu));
		if (rec->flags & IRQCHIP_RING_F_WINDOW) {
			/* The record names a window by index; the command, by name. */
			chip = chip_find(g->srv, rec->chip);
			if (chip != NULL && (rec->window >= chip->nwindows ||
			    chip->cls->window_names == NULL)) {
				reply_error(r, ERR_INVALID_PARAMETER, "argument 'window': chip "
				    "'%s' has windows 0..%u, not %u", chip->id,
				    chip->nwindows > 0 ? chip->nwindows - 1 : 0, rec->window);
				json_object_put(a);
				return NULL;
			}
			if (chip != NULL)
				json_object_object_add(a, "window", json_object_new_string(
				    chip->cls->window_names[rec->window]));
		}
		break;
	case IRQCHIP_RING_OP_EOI:
		json_object_object_add(a, "vector", u64_json(rec->operand[0]));
		if (rec->flags & IRQCHIP_RING_F_CPU)
			json_object_object_add(a, "cpu", u64_json(rec->cpu));
		break;
	case IRQCHIP_RING_OP_LINE_SET:
		json_object_object_add(a, "line", u64_json(rec->operand[0]));
		json_object_object_add(a, "level", u64_json(rec->operand[1]));
		break;
	case IRQCHIP_RING_OP_LINE_PULSE:
		json_object_object_add(a, "line", u64_json(rec->operand[0]));
		break;
	case IRQCHIP_RING_OP_MSI:
		json_object_object_add(a, "address", u64_json(rec->operand[0]));
		json_object_object_add(a, "data", u64_json(rec->operand[1]));
		if (rec->flags & IRQCHIP_RING_F_SOURCE)
			json_object_object_add(a, "source", u64_json(rec->operand[2]));
		break;
	case IRQCHIP_RING_OP_HCALL: {
		json_object *args;

		if (rec->nargs > IRQCHIP_RING_HCALL_ARGS) {
			malformed(g, r, "'nargs' is %u, at most %u", rec->nargs,
			    IRQCHIP_RING_HCALL_ARGS);
			json_object_put(a);
			return NULL;
		}
		json_object_object_add(a, "cpu", u64_json(rec->cpu));
		json_object_object_add(a, "opcode", u64_json(rec->operand[0]));
		if (rec->flags & IRQCHIP_RING_F_TIMEBASE)
			json_object_object_add(a, "timebase", u64_json(rec->operand[1]));
		args = json_object_new_array();
		for (uint32_t i = 0; i < rec->nargs; i++)
			json_object_array_add(args, u64_json(rec->operand[2 + i]));
		json_object_object_add(a, "args", args);
		break;
	}
	}
	return a;
}

static bool
get_u64(json_object *o, const char *key, uint64_t *v)
{
	json_object *x;

	return json_object_object_get_ex(o, key, &x) && wire_get_u64(x, v) == 0;
}

/* One JSON effect in binary; false if it has no binary form. */
static bool
effect_to_binary(json_object *item, struct irqchip_ring_effect *e)
{
	json_object *body = NULL;
	const char *kind = NULL;
	uint64_t a = 0, b = 0, c = 0, d = 0;

	memset(e, 0, sizeof *e);
	if (!json_object_is_type(item, json_type_object) || json_object_object_length(item) != 1)
		return false;
	json_object_object_foreach(item, k, v) {
		kind = k;
		body = v;
	}
	if (strcmp(kind, "route") == 0 || strcmp(kind, "signal-msi") == 0) {
		e->kind = kind[0] == 'r' ? IRQCHIP_RING_EFFECT_ROUTE :
		    IRQCHIP_RING_EFFECT_SIGNAL_MSI;
		if ((e->kind == IRQCHIP_RING_EFFECT_ROUTE && !get_u64(body, "gsi", &a)) ||
		    !get_u64(body, "address", &e->address) || !get_u64(body, "data", &b))
			return false;
		if (get_u64(body, "devid", &d)) {
			e->flags |= IRQCHIP_RING_EFFECT_F_DEVID;
			e->devid = (uint32_t)d;
		}
		/* Every key must have a place: nothing is lost in translation. */
		if ((size_t)json_object_object_length(body) != (e->kind ==
		    IRQCHIP_RING_EFFECT_ROUTE ? 3u : 2u) + (e->flags ? 1u : 0u))
			return false;
		e->a = (uint32_t)a;
		e->b = (uint32_t)b;
		return a <= UINT32_MAX && b <= UINT32_MAX && d <= UINT32_MAX;
	}
	if (strcmp(kind, "unroute") == 0) {
		e->kind = IRQCHIP_RING_EFFECT_UNROUTE;
		e->a = get_u64(body, "gsi", &a) ? (uint32_t)a : 0;
		return json_object_object_length(body) == 1 && get_u64(body, "gsi", &a) &&
		    a <= UINT32_MAX;
	}
	if (strcmp(kind, "irq-line") == 0 || strcmp(kind, "cpu-irq") == 0) {
		e->kind = kind[0] == 'i' ? IRQCHIP_RING_EFFECT_IRQ_LINE :
		    IRQCHIP_RING_EFFECT_CPU_IRQ;
		if (!get_u64(body, e->kind == IRQCHIP_RING_EFFECT_IRQ_LINE ? "gsi" : "cpu",
		    &a) || !get_u64(body, "level", &b) || json_object_object_length(body) != 2)
			return false;
		e->a = (uint32_t)a;
		e->b = (uint32_t)b;
		return a <= UINT32_MAX && b <= 1;
	}
	if (strcmp(kind, "lpi") == 0) {
		e->kind = IRQCHIP_RING_EFFECT_LPI;
		if (!get_u64(body, "intid", &a) || !get_u64(body, "target", &b) ||
		    !get_u64(body, "device", &c) || !get_u64(body, "event", &d) ||
		    json_object_object_length(body) != 4)
			return false;
		e->a = (uint32_t)a;
		e->b = (uint32_t)b;
		e->devid = (uint32_t)c;
		e->event = (uint32_t)d;
		return a <= UINT32_MAX && b <= UINT32_MAX && c <= UINT32_MAX && d <= UINT32_MAX;
	}
	return false;	/* its-command: JSON only */
}

static void
futex_wake(uint32_t *word)
{
	(void)syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Writes r into the slot; true when it fits, false when it must spill. */
static bool
fill_reply(struct irqchip_ring_slot *s, struct reply *r, uint32_t op)
{
	json_object *effects = NULL, *v;
	bool fits = true;
	size_t n;

	s->neffects = 0;
	s->nvalues = 0;
	s->value = 0;
	s->ret = 0;
	memset(s->reason, 0, sizeof s->reason);
	if (r->err_desc != NULL) {
		s->status = -EINVAL;
		s->error_class = (uint32_t)r->err_class;
		/* Truncated, NUL-terminated: the whole sentence is in the JSON twin. */
		snprintf(s->reason, sizeof s->reason, "%s", r->err_desc);
		return true;
	}
	s->status = 0;
	s->error_class = 0;
	if (op == IRQCHIP_RING_OP_MMIO_READ && json_object_object_get_ex(r->ret, "value", &v))
		(void)wire_get_u64(v, &s->value);
	if (op == IRQCHIP_RING_OP_HCALL) {
		if (json_object_object_get_ex(r->ret, "ret", &v))
			s->ret = json_object_get_int64(v);
		if (json_object_object_get_ex(r->ret, "values", &v)) {
			n = json_object_array_length(v);
			if (n > IRQCHIP_RING_VALUES)
				fits = false;
			for (size_t i = 0; i < n && i < IRQCHIP_RING_VALUES; i++)
				(void)wire_get_u64(json_object_array_get_idx(v, i), &s->values[i]);
			s->nvalues = (uint32_t)(n < IRQCHIP_RING_VALUES ? n : IRQCHIP_RING_VALUES);
		}
	}
	/* A route-commit token goes with the JSON reply the library acknowledges. */
	if (json_object_object_get_ex(r->ret, "commit", NULL))
		fits = false;
	if (json_object_object_get_ex(r->ret, "effects", &effects)) {
		n = json_object_array_length(effects);
		if (n > IRQCHIP_RING_EFFECTS_MAX)
			fits = false;
		for (size_t i = 0; fits && i < n; i++)
			fits = effect_to_binary(json_object_array_get_idx(effects, i),
			    &s->effects[i]);
		s->neffects = fits ? (uint32_t)n : 0;
	}
	return fits;
}

/* Runs one published record and completes its slot. */
static void
ring_handle(struct ring *g, struct irqchip_ring_slot *s)
{
	struct server *srv = g->srv;
	struct record rec;
	struct reply r;
	json_object *args = NULL;
	uint32_t state = IRQCHIP_RING_DONE;

	copy_record(s, &rec);
	reply_init(&r);
	g->requests++;
	srv->stats.ring_requests++;
	if (rec.state != IRQCHIP_RING_SUBMITTED)
		malformed(g, &r, "'state' is %u in a published slot, not 1 (submitted)",
		    rec.state);
	else if ((args = record_args(g, &rec, &r)) != NULL)
		(void)dispatch_call(srv, srv->client, op_names[rec.op], args, &r);
	if (!fill_reply(s, &r, rec.op)) {
		json_object *id = json_object_new_object();

		/* The reply goes whole over the socket, named by ring and seq. */
		json_object_object_add(id, "ring", json_object_new_int64(g->id));
		json_object_object_add(id, "seq", wire_u64(rec.seq));
		send_reply(srv->client, &r, true, id);
		json_object_put(id);
		g->spills++;
		srv->stats.ring_spills++;
		state = IRQCHIP_RING_SPILLED;
	}
	json_object_put(args);
	reply_clear(&r);
	__atomic_store_n(&s->state, state, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&s->waiting, __ATOMIC_RELAXED) != 0)
		futex_wake(&s->state);
}

/* Runs every record published on g; how many. */
static unsigned
ring_drain(struct ring *g)
{
	uint32_t prod = __atomic_load_n(&g->hdr->producer, __ATOMIC_ACQUIRE);
	unsigned n = 0;

	if (prod - g->consumer > g->nslots) {
		/* More published than there are slots: nothing here can be trusted. */
		g->malformed++;
		g->srv->stats.ring_malformed++;
		log_warn_limited(&g->srv->log_ring, "ring %u: 'producer' %u is more than %u "
		    "slots ahead of 'consumer' %u; skipping to it", g->id, prod, g->nslots,
		    g->consumer);
		g->consumer = prod;
		__atomic_store_n(&g->hdr->consumer, g->consumer, __ATOMIC_RELEASE);
		return 0;
	}
	while (g->consumer != prod && g->srv->client != NULL) {
		ring_handle(g, &g->slots[g->consumer & (g->nslots - 1)]);
		g->consumer++;
		__atomic_store_n(&g->hdr->consumer, g->consumer, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}

static unsigned
ring_drain_all(struct server *srv)
{
	struct ring *g, *tmp;
	unsigned n = 0;

	TAILQ_FOREACH_SAFE(g, &srv->rings, entry, tmp)
		n += ring_drain(g);
	return n;
}

/* Whether a ring holds a record the daemon has not taken. */
static bool
ring_pending(struct server *srv)
{
	struct ring *g;

	TAILQ_FOREACH(g, &srv->rings, entry) {
		if (__atomic_load_n(&g->hdr->producer, __ATOMIC_ACQUIRE) != g->consumer)
			return true;
	}
	return false;
}

/* libevent without blocking this often while spinning (a syscall each). */
#define SPIN_EVENT_NS	20000
/* Pause the CPU this long after a record while polling, then yield it. */
#define SPIN_PAUSE_NS	5000

int
server_run(struct server *srv)
{
	struct event_base *base = srv->base;
	int64_t now, last_events = 0, spin_start = 0;
	int rc;

	for (;;) {
		if (srv->ring_spinning) {
			now = spin_now_ns();
			if (now - last_events >= SPIN_EVENT_NS) {
				rc = event_base_loop(base, EVLOOP_NONBLOCK);
				last_events = now;
			} else {
				rc = 0;
				/*
				 * Idle past the first microseconds: a producer that
				 * shares this core gets it (sched_yield(2)).
				 */
				if (now - srv->ring_last_ns < SPIN_PAUSE_NS)
					spin_relax();
				else
					sched_yield();
			}
		} else {
			/*
			 * Going to sleep: say so in every ring, then look once more
			 * (the producer's side of the protocol is in irqchip-ring.h).
			 */
			ring_mark(srv, IRQCHIP_RING_SLEEPING);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (ring_pending(srv)) {
				ring_mark(srv, IRQCHIP_RING_AWAKE);
				rc = 0;
			} else {
				if (!TAILQ_EMPTY(&srv->rings))
					srv->stats.ring_sleeps++;
				rc = event_base_loop(base, EVLOOP_ONCE);
			}
		}
		if (rc < 0 || event_base_got_break(base) || event_base_got_exit(base))
			break;
		if (rc == 1)
			break;	/* no events left at all */
		if (ring_drain_all(srv) > 0 && srv->opts.poll_us > 0) {
			if (!srv->ring_spinning) {
				ring_mark(srv, IRQCHIP_RING_AWAKE);
				srv->ring_spinning = true;
			}
			srv->ring_last_ns = spin_now_ns();
			/* A producer waiting on this core for its reply: let it have it. */
			sched_yield();
		}
		/* A record's command may have asked the loop to stop: the next
		 * event_base_loop would forget it. */
		if (event_base_got_break(base) || event_base_got_exit(base))
			break;
		if (srv->ring_spinning) {
			now = spin_now_ns();
			if (spin_start == 0)
				spin_start = now;
			if (TAILQ_EMPTY(&srv->rings) ||
			    now - srv->ring_last_ns >= (int64_t)srv->opts.poll_us * 1000) {
				srv->ring_spinning = false;
				srv->stats.ring_spin_ns += (uint64_t)(now - spin_start);
				spin_start = 0;
			}
		}
	}
	if (spin_start != 0)
		srv->stats.ring_spin_ns += (uint64_t)(spin_now_ns() - spin_start);
	return rc < 0 ? -1 : 0;
}

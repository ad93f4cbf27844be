/*
 * Client library: the producer side of irqchipd's shared-memory rings
 * (irqchip-ring.h has the layout and the protocol, irqchipd-protocol(7) "THE
 * RING" the reference).
 *
 * A ring belongs to the thread that created it (a vCPU thread): the
 * forwarding helpers of irqchip-kvm.h use the calling thread's ring on that VM
 * when there is one, and JSON otherwise. Either way the VM's lock is held from
 * the request to the last effect applied, and the effects go through the same
 * validation and application as a JSON reply's (binary effects are turned
 * back into the JSON they stand for), so the two paths give the same results.
 *
 * Memory: memfd_create(2) with MFD_ALLOW_SEALING, then F_SEAL_SHRINK |
 * F_SEAL_GROW | F_SEAL_SEAL (fcntl(2)), so neither side can change its size
 * under the other's mapping. Doorbell: an eventfd(2), written (8 bytes) only
 * when the daemon's state word says it sleeps. Completion: the producer spins
 * a little, then sleeps with FUTEX_WAIT on the slot's state word (futex(2);
 * shared, since the daemon wakes it from another process).
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/futex.h>

#include "irqchip.h"
#include "irqchip-kvm.h"
#include "irqchip-ring.h"
#include "libirqchip-private.h"
#include "spin.h"
#include "wire.h"

#ifndef MFD_ALLOW_SEALING
#define MFD_CLOEXEC		0x0001U
#define MFD_ALLOW_SEALING	0x0002U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS	1033
#define F_SEAL_SEAL	0x0001
#define F_SEAL_SHRINK	0x0002
#define F_SEAL_GROW	0x0004
#endif

/* How long a producer spins on its slot before it sleeps on the futex. */
#define RING_SPIN_NS	50000
/* ... of which it only pauses the CPU at first, then yields it. */
#define RING_PAUSE_NS	5000
/* A sleeping producer looks at the connection this often. */
#define RING_NAP_NS	10000000

struct irqchip_kvm_ring {
	struct irqchip_kvm *kvm;	/* NULL once irqchip_kvm_destroy released it */
	pthread_t owner;
	int memfd, doorbell;
	void *map;
	size_t size;
	struct irqchip_ring_header *hdr;
	struct irqchip_ring_slot *slots;
	uint32_t nslots;
	uint32_t producer;		/* records published */
	uint32_t collected;		/* records whose reply was taken */
	uint64_t seq;
	unsigned id;			/* the daemon's id; 0: not added */
	struct irqchip_client *client;	/* the client it was added to */
	unsigned locks;			/* VM lock holds of posts not yet flushed */
	int first_err;			/* a posted record's failure, for flush */
	char *first_cause;
	struct irqchip_kvm_ring_stats stats;
	struct irqchip_kvm_ring *next;	/* the VM's rings */
	struct irqchip_kvm_ring *tnext;	/* this thread's rings (one per VM) */
	bool orphan;			/* destroyed from another thread: ours to free */
};

static __thread struct irqchip_kvm_ring *thread_rings;

/* The operation of a record, before it is written to a slot. */
struct ring_op {
	uint32_t op, flags, size, cpu, window, nargs;
	const char *chip;
	uint64_t operand[IRQCHIP_RING_OPERANDS];
};

/* What a record's reply carried besides status and effects. */
struct ring_result {
	uint64_t value;
	int64_t ret;
	uint64_t values[IRQCHIP_RING_VALUES + 8];
	unsigned nvalues;
};

/* The JSON twin of each op, for messages that name the command. */
static const char *const op_names[] = {
	NULL, "mmio-read", "mmio-write", "eoi", "line-set", "line-pulse", "msi", "hcall",
};

static const char *const class_names[] = {
	"GenericError", "ProtocolError", "CommandNotFound", "InvalidParameter",
	"InvalidFd", "DeviceNotFound", "AlreadyExists", "SessionError", "Busy",
	"PermissionDenied", "Unsupported",
};

static struct irqchip_kvm_ring *
thread_ring(struct irqchip_kvm *kvm)
{
	struct irqchip_kvm_ring **pp = &thread_rings, *g;

	while ((g = *pp) != NULL) {
		if (g->orphan) {
			/* Another thread destroyed it; only this one may unlink it. */
			*pp = g->tnext;
			free(g);
			continue;
		}
		if (g->kvm == kvm)
			return g;
		pp = &g->tnext;
	}
	return NULL;
}

/* An empty ring: the indexes at 0, every slot free (no daemon maps it). */
static void
ring_reset(struct irqchip_kvm_ring *g)
{
	for (uint32_t i = 0; i < g->nslots; i++) {
		__atomic_store_n(&g->slots[i].state, IRQCHIP_RING_FREE, __ATOMIC_RELAXED);
		g->slots[i].waiting = 0;
	}
	g->hdr->producer = 0;
	g->hdr->consumer = 0;
	g->hdr->daemon_state = IRQCHIP_RING_SLEEPING;
	g->producer = 0;
	g->collected = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* ring-add on client; lock held. A daemon without rings leaves the ring unused. */
static int
ring_add_to(struct irqchip_kvm_ring *g, struct irqchip_client *client, char **cause)
{
	json_object *args = json_object_new_object(), *ret = NULL, *err = NULL, *v, *cls;
	int fds[2] = { g->memfd, g->doorbell };
	uint64_t id;
	int rc;

	g->id = 0;
	g->client = NULL;
	if (client == NULL)
		return 0;
	ring_reset(g);
	json_object_object_add(args, "fd", json_object_new_int(0));
	json_object_object_add(args, "doorbell-fd", json_object_new_int(1));
	rc = irqchip_client_call(client, "ring-add", args, fds, 2, &ret, &err, cause);
	json_object_put(args);
	if (rc == -EREMOTEIO && json_object_object_get_ex(err, "class", &cls) &&
	    strcmp(json_object_get_string(cls), "CommandNotFound") == 0) {
		/* An irqchipd from before rings: JSON it is. */
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
		rc = 0;
	} else if (rc == 0) {
		if (!json_object_object_get_ex(ret, "ring", &v) || irqchip_json_u64(v, &id) < 0 ||
		    id == 0 || id > UINT32_MAX)
			rc = wire_set_cause(cause, -EPROTO, "ring-add returned no \"ring\" id");
		else {
			g->id = (unsigned)id;
			g->client = client;
		}
	} else if (cause != NULL && *cause != NULL) {
		char *inner = *cause;

		*cause = NULL;
		wire_set_cause(cause, rc, "ring-add: %s", inner);
		free(inner);
	}
	json_object_put(ret);
	json_object_put(err);
	return rc;
}

int
ring_attach_all(struct irqchip_kvm *kvm, struct irqchip_client *client, char **cause)
{
	struct irqchip_kvm_ring *g;
	int rc = 0;

	for (g = *kvm_rings(kvm); g != NULL; g = g->next) {
		if (rc == 0)
			rc = ring_add_to(g, client, cause);
		else
			(void)ring_add_to(g, NULL, NULL);
	}
	return rc;
}

static void
ring_unmap(struct irqchip_kvm_ring *g)
{
	if (g->map != NULL)
		munmap(g->map, g->size);
	if (g->memfd >= 0)
		close(g->memfd);
	if (g->doorbell >= 0)
		close(g->doorbell);
	g->map = NULL;
	g->memfd = g->doorbell = -1;
}

void
ring_free_all(struct irqchip_kvm *kvm)
{
	struct irqchip_kvm_ring *g, **head = kvm_rings(kvm);

	/* The structs stay for their threads' irqchip_kvm_ring_destroy. */
	while ((g = *head) != NULL) {
		*head = g->next;
		ring_unmap(g);
		g->kvm = NULL;
		g->id = 0;
		g->next = NULL;
	}
}

int
irqchip_kvm_ring_create(struct irqchip_kvm *kvm, unsigned nslots,
    struct irqchip_kvm_ring **out, char **cause)
{
	struct irqchip_kvm_ring *g;
	struct irqchip_client *client;
	int rc;

	*out = NULL;
	if (nslots == 0)
		nslots = IRQCHIP_KVM_RING_DEFAULT_SLOTS;
	if (nslots > IRQCHIP_RING_MAX_SLOTS || (nslots & (nslots - 1)) != 0)
		return wire_set_cause(cause, -EINVAL, "nslots %u: a ring has a power of two "
		    "of slots, 1..%u", nslots, IRQCHIP_RING_MAX_SLOTS);
	if (thread_ring(kvm) != NULL)
		return wire_set_cause(cause, -EEXIST, "this thread has a ring on this VM "
		    "already (one ring per thread)");
	if ((g = calloc(1, sizeof *g)) == NULL)
		return wire_set_cause(cause, -ENOMEM, "out of memory");
	g->kvm = kvm;
	g->owner = pthread_self();
	g->nslots = nslots;
	g->size = IRQCHIP_RING_BYTES(nslots);
	g->doorbell = -1;
	g->memfd = (int)syscall(SYS_memfd_create, "irqchip-ring",
	    MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (g->memfd < 0) {
		rc = wire_set_cause(cause, -errno, "memfd_create: %s", strerror(errno));
		goto fail;
	}
	if (ftruncate(g->memfd, (off_t)g->size) < 0) {
		rc = wire_set_cause(cause, -errno, "ftruncate: %s", strerror(errno));
		goto fail;
	}
	g->map = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_SHARED, g->memfd, 0);
	if (g->map == MAP_FAILED) {
		g->map = NULL;
		rc = wire_set_cause(cause, -errno, "mmap: %s", strerror(errno));
		goto fail;
	}
	if (fcntl(g->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		rc = wire_set_cause(cause, -errno, "F_ADD_SEALS: %s", strerror(errno));
		goto fail;
	}
	g->doorbell = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (g->doorbell < 0) {
		rc = wire_set_cause(cause, -errno, "eventfd: %s", strerror(errno));
		goto fail;
	}
	g->hdr = g->map;
	g->slots = (struct irqchip_ring_slot *)((char *)g->map + IRQCHIP_RING_HEADER_SIZE);
	g->hdr->magic = IRQCHIP_RING_MAGIC;
	g->hdr->version = IRQCHIP_RING_VERSION;
	g->hdr->nslots = nslots;
	g->hdr->slot_size = IRQCHIP_RING_SLOT_SIZE;
	g->hdr->header_size = IRQCHIP_RING_HEADER_SIZE;

	kvm_lock(kvm);
	client = irqchip_kvm_client(kvm);
	rc = ring_add_to(g, client, cause);
	if (rc == 0) {
		g->next = *kvm_rings(kvm);
		*kvm_rings(kvm) = g;
	}
	kvm_unlock(kvm);
	if (rc < 0)
		goto fail;
	g->tnext = thread_rings;
	thread_rings = g;
	*out = g;
	return 0;

fail:
	ring_unmap(g);
	free(g);
	return rc;
}

void
irqchip_kvm_ring_destroy(struct irqchip_kvm_ring *g)
{
	struct irqchip_kvm_ring **pp;
	struct irqchip_kvm *kvm;

	if (g == NULL)
		return;
	if (g->locks > 0)
		(void)irqchip_kvm_ring_flush(g->kvm, NULL);
	if ((kvm = g->kvm) != NULL) {
		kvm_lock(kvm);
		if (g->id != 0 && g->client != NULL && g->client == irqchip_kvm_client(kvm)) {
			json_object *args = json_object_new_object(), *ret = NULL;

			json_object_object_add(args, "ring", json_object_new_int64(g->id));
			(void)irqchip_client_call(g->client, "ring-del", args, NULL, 0, &ret,
			    NULL, NULL);
			json_object_put(args);
			json_object_put(ret);
		}
		for (pp = kvm_rings(kvm); *pp != NULL; pp = &(*pp)->next) {
			if (*pp == g) {
				*pp = g->next;
				break;
			}
		}
		kvm_unlock(kvm);
	}
	ring_unmap(g);
	free(g->first_cause);
	g->first_cause = NULL;
	if (!pthread_equal(g->owner, pthread_self())) {
		/* Its thread's list still holds it: that thread frees it. */
		g->kvm = NULL;
		__atomic_store_n(&g->orphan, true, __ATOMIC_RELEASE);
		return;
	}
	for (pp = &thread_rings; *pp != NULL; pp = &(*pp)->tnext) {
		if (*pp == g) {
			*pp = g->tnext;
			break;
		}
	}
	free(g);
}

unsigned
irqchip_kvm_ring_id(const struct irqchip_kvm_ring *g)
{
	return g->id;
}

void
irqchip_kvm_ring_get_stats(const struct irqchip_kvm_ring *g,
    struct irqchip_kvm_ring_stats *st)
{
	*st = g->stats;
}

/* The slot's state once the daemon answered: spin, then sleep on the futex. */
static int
wait_done(struct irqchip_kvm_ring *g, struct irqchip_ring_slot *s, char **cause)
{
	int64_t start = spin_now_ns(), deadline, t;
	int timeout_ms = client_timeout_ms(g->client);
	struct timespec nap = { 0, RING_NAP_NS };
	struct pollfd pfd;
	uint32_t st;

	/*
	 * A daemon that shares this core cannot answer while this thread spins:
	 * give it the core at once (sched_yield(2); when nothing else is
	 * runnable here it returns straight away).
	 */
	if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == IRQCHIP_RING_SUBMITTED)
		sched_yield();
	while ((st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE)) == IRQCHIP_RING_SUBMITTED) {
		int64_t spun = spin_now_ns() - start;

		if (spun >= RING_SPIN_NS)
			break;
		/*
		 * A daemon on another core answers within the first microseconds;
		 * after that it may be waiting for this very core: let it run.
		 */
		if (spun < RING_PAUSE_NS)
			spin_relax();
		else
			sched_yield();
	}
	if (st != IRQCHIP_RING_SUBMITTED)
		return 0;
	deadline = timeout_ms < 0 ? INT64_MAX : start + (int64_t)timeout_ms * 1000000;
	g->stats.futex_waits++;
	for (;;) {
		__atomic_store_n(&s->waiting, 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != IRQCHIP_RING_SUBMITTED)
			break;
		(void)syscall(SYS_futex, &s->state, FUTEX_WAIT, IRQCHIP_RING_SUBMITTED, &nap,
		    NULL, 0);
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != IRQCHIP_RING_SUBMITTED)
			break;
		/* A daemon that is gone never answers: say so, as a call would. */
		pfd.fd = irqchip_client_fd(g->client);
		pfd.events = POLLRDHUP;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR))) {
			__atomic_store_n(&s->waiting, 0, __ATOMIC_RELAXED);
			return wire_set_cause(cause, -ECONNRESET, "irqchipd closed the connection "
			    "with ring %u's record %llu unanswered", g->id,
			    (unsigned long long)s->seq);
		}
		t = spin_now_ns();
		if (t >= deadline) {
			__atomic_store_n(&s->waiting, 0, __ATOMIC_RELAXED);
			return wire_set_cause(cause, -ETIMEDOUT, "irqchipd did not answer ring "
			    "%u's record %llu within %d ms (irqchip_client_set_timeout)", g->id,
			    (unsigned long long)s->seq, timeout_ms);
		}
	}
	__atomic_store_n(&s->waiting, 0, __ATOMIC_RELAXED);
	return 0;
}

static json_object *
u64(uint64_t v)
{
	return wire_u64(v);
}

/* A binary effect as the JSON effect it stands for; NULL for an unknown kind. */
static json_object *
effect_json(const struct irqchip_ring_effect *e)
{
	json_object *item = json_object_new_object(), *b = json_object_new_object();
	const char *kind;

	switch (e->kind) {
	case IRQCHIP_RING_EFFECT_ROUTE:
		kind = "route";
		json_object_object_add(b, "gsi", u64(e->a));
		/* FALLTHROUGH */
	case IRQCHIP_RING_EFFECT_SIGNAL_MSI:
		if (e->kind == IRQCHIP_RING_EFFECT_SIGNAL_MSI)
			kind = "signal-msi";
		json_object_object_add(b, "address", u64(e->address));
		json_object_object_add(b, "data", u64(e->b));
		if (e->flags & IRQCHIP_RING_EFFECT_F_DEVID)
			json_object_object_add(b, "devid", u64(e->devid));
		break;
	case IRQCHIP_RING_EFFECT_UNROUTE:
		kind = "unroute";
		json_object_object_add(b, "gsi", u64(e->a));
		break;
	case IRQCHIP_RING_EFFECT_IRQ_LINE:
		kind = "irq-line";
		json_object_object_add(b, "gsi", u64(e->a));
		json_object_object_add(b, "level", u64(e->b));
		break;
	case IRQCHIP_RING_EFFECT_CPU_IRQ:
		kind = "cpu-irq";
		json_object_object_add(b, "cpu", u64(e->a));
		json_object_object_add(b, "level", u64(e->b));
		break;
	case IRQCHIP_RING_EFFECT_LPI:
		kind = "lpi";
		json_object_object_add(b, "intid", u64(e->a));
		json_object_object_add(b, "target", u64(e->b));
		json_object_object_add(b, "device", u64(e->devid));
		json_object_object_add(b, "event", u64(e->event));
		break;
	default:
		json_object_put(b);
		json_object_put(item);
		return NULL;
	}
	json_object_object_add(item, kind, b);
	return item;
}

/* Takes the reply of the oldest record: waits, applies its effects, frees the slot. */
static int
collect_one(struct irqchip_kvm_ring *g, struct ring_result *res, char **cause)
{
	struct irqchip_ring_slot *s = &g->slots[g->collected & (g->nslots - 1)];
	json_object *effects = NULL, *ret = NULL, *commit = NULL, *v;
	char reason[IRQCHIP_RING_REASON_SIZE];
	uint32_t state, nvalues, op = s->op;
	int32_t status;
	int rc;

	if ((rc = wait_done(g, s, cause)) < 0)
		return rc;
	state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	status = s->status;
	if (res != NULL) {
		res->value = s->value;
		res->ret = s->ret;
		nvalues = s->nvalues <= IRQCHIP_RING_VALUES ? s->nvalues : IRQCHIP_RING_VALUES;
		memcpy(res->values, s->values, nvalues * sizeof s->values[0]);
		res->nvalues = nvalues;
	}
	if (status < 0) {
		uint32_t cls = s->error_class;

		memcpy(reason, s->reason, sizeof reason);
		reason[sizeof reason - 1] = '\0';
		rc = wire_set_cause(cause, -EREMOTEIO, "%s: %s",
		    cls < sizeof class_names / sizeof class_names[0] ? class_names[cls] :
		    "GenericError", reason);
	} else if (state == IRQCHIP_RING_SPILLED) {
		g->stats.spills++;
		rc = client_wait_spill(g->client, g->id, s->seq, client_timeout_ms(g->client),
		    &ret, cause);
		if (rc == 0 && json_object_object_get_ex(ret, "effects", &v))
			effects = json_object_get(v);
		if (rc == 0 && json_object_object_get_ex(ret, "commit", &v))
			commit = json_object_get(v);
		if (rc == 0 && res != NULL && json_object_object_get_ex(ret, "values", &v) &&
		    json_object_is_type(v, json_type_array)) {
			/* The values that did not fit come from the spilled reply. */
			size_t n = json_object_array_length(v);

			for (size_t i = 0; i < n && i < sizeof res->values / sizeof res->values[0];
			    i++)
				(void)irqchip_json_u64(json_object_array_get_idx(v, i),
				    &res->values[i]);
			res->nvalues = (unsigned)(n < sizeof res->values / sizeof res->values[0] ?
			    n : sizeof res->values / sizeof res->values[0]);
		}
		json_object_put(ret);
	} else if (state != IRQCHIP_RING_DONE) {
		rc = wire_set_cause(cause, -EPROTO, "ring %u's slot holds state %u after "
		    "the daemon's answer", g->id, state);
	} else {
		uint32_t n = s->neffects;

		if (n > IRQCHIP_RING_EFFECTS_MAX)
			rc = wire_set_cause(cause, -EPROTO, "ring %u: a reply with %u effects, "
			    "more than a slot holds", g->id, n);
		else if (n > 0) {
			effects = json_object_new_array();
			for (uint32_t i = 0; i < n && rc == 0; i++) {
				struct irqchip_ring_effect e = s->effects[i];
				json_object *item = effect_json(&e);

				if (item == NULL)
					rc = wire_set_cause(cause, -EPROTO, "ring %u: effect %u "
					    "has the unknown kind %u", g->id, i, e.kind);
				else
					json_object_array_add(effects, item);
			}
		}
	}
	/* The slot is the producer's again before anything else can fail. */
	__atomic_store_n(&s->state, IRQCHIP_RING_FREE, __ATOMIC_RELEASE);
	g->collected++;
	if (rc == 0 && effects != NULL &&
	    (rc = kvm_apply_locked(g->kvm, effects, cause)) < 0 && cause != NULL &&
	    *cause != NULL) {
		/* Worded as irqchip_kvm_call words it: the command, then the effect. */
		char *inner = *cause;

		*cause = NULL;
		wire_set_cause(cause, rc, "%s: %s", op < sizeof op_names / sizeof op_names[0] &&
		    op_names[op] != NULL ? op_names[op] : "ring", inner);
		free(inner);
	}
	/* Routes committed: irqchipd may now write the irqfds it held for them. */
	if (rc == 0 && commit != NULL)
		rc = kvm_route_commit_locked(g->kvm, commit, cause);
	json_object_put(commit);
	json_object_put(effects);
	return rc;
}

/* Keeps a posted record's failure for flush (the first one wins). */
static void
keep_error(struct irqchip_kvm_ring *g, int rc, char *why)
{
	if (g->first_err == 0) {
		g->first_err = rc;
		g->first_cause = why;
	} else {
		free(why);
	}
}

/* Collects every record; the last one's outcome is returned, the others' kept. */
static int
collect_all(struct irqchip_kvm_ring *g, struct ring_result *res, char **cause)
{
	int rc = 0;

	while (g->collected != g->producer) {
		char *why = NULL;
		bool last = g->collected + 1 == g->producer;

		rc = collect_one(g, last ? res : NULL, last ? cause : &why);
		if (!last && rc < 0)
			keep_error(g, rc, why);
		else
			free(why);
		if (rc == -ETIMEDOUT || rc == -ECONNRESET)
			return rc;	/* the daemon is not answering: no point waiting on */
	}
	return rc;
}

/* Publishes one record (lock held); a full ring first gives up its oldest. */
static int
post(struct irqchip_kvm_ring *g, const struct ring_op *o, char **cause)
{
	struct irqchip_ring_slot *s;
	int rc;

	while (g->producer - g->collected >= g->nslots) {
		char *why = NULL;

		if ((rc = collect_one(g, NULL, &why)) < 0) {
			if (rc == -ETIMEDOUT || rc == -ECONNRESET) {
				if (cause != NULL)
					*cause = why;
				else
					free(why);
				return rc;
			}
			keep_error(g, rc, why);
		} else {
			free(why);
		}
	}
	s = &g->slots[g->producer & (g->nslots - 1)];
	s->waiting = 0;
	s->op = o->op;
	s->flags = o->flags;
	s->seq = ++g->seq;
	s->size = o->size;
	s->cpu = o->cpu;
	s->window = o->window;
	s->nargs = o->nargs;
	memset(s->chip, 0, sizeof s->chip);
	if (o->chip != NULL) {
		if (strlen(o->chip) >= sizeof s->chip)
			return wire_set_cause(cause, -EINVAL, "chip id '%.20s...' is longer than "
			    "%u bytes", o->chip, IRQCHIP_RING_CHIP_ID_SIZE - 1);
		memcpy(s->chip, o->chip, strlen(o->chip));
	}
	memcpy(s->operand, o->operand, sizeof s->operand);
	__atomic_store_n(&s->state, IRQCHIP_RING_SUBMITTED, __ATOMIC_RELEASE);
	g->producer++;
	__atomic_store_n(&g->hdr->producer, g->producer, __ATOMIC_RELEASE);
	/* irqchip-ring.h: a full fence between the index and the daemon's state. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	g->stats.records++;
	if (__atomic_load_n(&g->hdr->daemon_state, __ATOMIC_RELAXED) ==
	    IRQCHIP_RING_SLEEPING) {
		uint64_t one = 1;

		g->stats.doorbells++;
		if (write(g->doorbell, &one, sizeof one) != (ssize_t)sizeof one &&
		    errno != EAGAIN)
			return wire_set_cause(cause, -errno, "ring %u doorbell: %s", g->id,
			    strerror(errno));
	}
	return 0;
}

/*
 * The calling thread's ring on kvm, with the VM's lock taken, or NULL (lock
 * not held) when the thread has none or the daemon took none.
 */
static struct irqchip_kvm_ring *
ring_begin(struct irqchip_kvm *kvm)
{
	struct irqchip_kvm_ring *g = thread_ring(kvm);
	struct irqchip_client *client;

	if (g == NULL)
		return NULL;
	kvm_lock(kvm);
	client = kvm_wait_client(kvm);
	if (g->kvm == NULL || g->id == 0 || client == NULL || g->client != client) {
		kvm_unlock(kvm);
		return NULL;
	}
	return g;
}

static int
ring_sync(struct irqchip_kvm *kvm, const struct ring_op *o, struct ring_result *res,
    char **cause)
{
	struct irqchip_kvm_ring *g = ring_begin(kvm);
	int rc;

	if (g == NULL)
		return RING_NONE;
	rc = post(g, o, cause);
	if (rc == 0)
		rc = collect_all(g, res, cause);
	kvm_unlock(kvm);
	return rc;
}

int
ring_mmio(struct irqchip_kvm *kvm, const char *chip_id, uint64_t offset, unsigned size,
    bool is_write, uint64_t *value, char **cause)
{
	struct ring_op o = {
		.op = is_write ? IRQCHIP_RING_OP_MMIO_WRITE : IRQCHIP_RING_OP_MMIO_READ,
		.size = size, .chip = chip_id, .operand = { offset, is_write ? *value : 0 },
	};
	struct ring_result res;
	int rc = ring_sync(kvm, &o, &res, cause);

	if (rc == 0 && !is_write)
		*value = res.value;
	return rc;
}

int
ring_eoi(struct irqchip_kvm *kvm, uint8_t vector, char **cause)
{
	struct ring_op o = { .op = IRQCHIP_RING_OP_EOI, .operand = { vector } };

	return ring_sync(kvm, &o, NULL, cause);
}

int
ring_line(struct irqchip_kvm *kvm, const char *chip_id, unsigned line, int level,
    char **cause)
{
	struct ring_op o = { .op = IRQCHIP_RING_OP_LINE_SET, .chip = chip_id,
		.operand = { line, level != 0 } };

	return ring_sync(kvm, &o, NULL, cause);
}

int
ring_pulse(struct irqchip_kvm *kvm, const char *chip_id, unsigned line, char **cause)
{
	struct ring_op o = { .op = IRQCHIP_RING_OP_LINE_PULSE, .chip = chip_id,
		.operand = { line } };

	return ring_sync(kvm, &o, NULL, cause);
}

int
ring_msi(struct irqchip_kvm *kvm, uint64_t address, uint32_t data, bool has_source,
    uint32_t source, char **cause)
{
	struct ring_op o = { .op = IRQCHIP_RING_OP_MSI,
		.flags = has_source ? IRQCHIP_RING_F_SOURCE : 0,
		.operand = { address, data, source } };

	return ring_sync(kvm, &o, NULL, cause);
}

int
ring_hcall(struct irqchip_kvm *kvm, unsigned cpu, uint64_t opcode, const uint64_t *args,
    unsigned nargs, int64_t *ret, uint64_t *values, unsigned *nvalues, char **cause)
{
	struct ring_op o = { .op = IRQCHIP_RING_OP_HCALL, .cpu = cpu, .nargs = nargs,
		.operand = { opcode } };
	struct ring_result res;
	int rc;

	if (nargs > IRQCHIP_RING_HCALL_ARGS)
		return RING_NONE;	/* the JSON twin says what is wrong with it */
	for (unsigned i = 0; i < nargs; i++)
		o.operand[2 + i] = args[i];
	rc = ring_sync(kvm, &o, &res, cause);
	if (rc == 0) {
		*ret = res.ret;
		for (unsigned i = 0; i < res.nvalues && i < IRQCHIP_KVM_HCALL_VALUES; i++)
			values[i] = res.values[i];
		*nvalues = res.nvalues < IRQCHIP_KVM_HCALL_VALUES ? res.nvalues :
		    IRQCHIP_KVM_HCALL_VALUES;
	}
	return rc;
}

/* ------------------------------------------------------------- posting */

static int
ring_post(struct irqchip_kvm *kvm, const struct ring_op *o, char **cause)
{
	struct irqchip_kvm_ring *g = ring_begin(kvm);
	int rc;

	if (g == NULL)
		return RING_NONE;
	rc = post(g, o, cause);
	if (rc < 0) {
		kvm_unlock(kvm);
		return rc;
	}
	/* The VM's lock stays held until flush: posted records are one unit. */
	g->locks++;
	return 0;
}

int
irqchip_kvm_ring_post_pulse(struct irqchip_kvm *kvm, const char *chip_id, unsigned line,
    char **cause)
{
	struct ring_op o = { .op = IRQCHIP_RING_OP_LINE_PULSE, .chip = chip_id,
		.operand = { line } };
	int rc = ring_post(kvm, &o, cause);

	return rc != RING_NONE ? rc : irqchip_kvm_pulse(kvm, chip_id, line, cause);
}

int
irqchip_kvm_ring_post_line(struct irqchip_kvm *kvm, const char *chip_id, unsigned line,
    int level, char **cause)
{
	struct ring_op o = { .op = IRQCHIP_RING_OP_LINE_SET, .chip = chip_id,
		.operand = { line, level != 0 } };
	int rc = ring_post(kvm, &o, cause);

	return rc != RING_NONE ? rc : irqchip_kvm_line(kvm, chip_id, line, level, cause);
}

int
irqchip_kvm_ring_post_msi(struct irqchip_kvm *kvm, uint64_t address, uint32_t data,
    char **cause)
{
	struct ring_op o = { .op = IRQCHIP_RING_OP_MSI, .operand = { address, data } };
	int rc = ring_post(kvm, &o, cause);

	return rc != RING_NONE ? rc : irqchip_kvm_msi(kvm, address, data, false, 0, cause);
}

int
irqchip_kvm_ring_flush(struct irqchip_kvm *kvm, char **cause)
{
	struct irqchip_kvm_ring *g = thread_ring(kvm);
	char *why = NULL;
	int rc;

	if (g == NULL || g->locks == 0)
		return 0;
	rc = collect_all(g, NULL, &why);
	if (g->first_err < 0) {
		/* The first failure among the posted records is the one reported. */
		free(why);
		rc = g->first_err;
		why = g->first_cause;
		g->first_err = 0;
		g->first_cause = NULL;
	}
	if (rc < 0 && cause != NULL)
		*cause = why;
	else
		free(why);
	while (g->locks > 0) {
		g->locks--;
		kvm_unlock(kvm);
	}
	return rc;
}

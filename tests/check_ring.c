/*
 * Shared-memory rings (irqchipd-protocol(7), "THE RING"; irqchip-ring.h).
 *
 *   - ring-add refuses every malformed ring with an error naming the field,
 *     and keeps nothing (no ring, no fd, no mapping);
 *   - the record of each operation means exactly its JSON twin: the same
 *     script runs on two daemons, one through a ring this suite writes by
 *     hand from the documented layout, one through JSON commands, and every
 *     reply and effect must be equal (IOAPIC registers, lines and EOIs; XICS
 *     hcalls and MSIs; errors);
 *   - a reply with more effects than a slot holds spills to the socket;
 *   - the daemon sleeps after its poll window (its CPU time stops growing)
 *     and a doorbell still gets the next record answered; while busy it takes
 *     records with no doorbell;
 *   - the client library: its helpers use the calling thread's ring with the
 *     same results as JSON, spills included; reconnect re-adds the ring;
 *   - a real KVM guest receives every interrupt raised by ring line pulses,
 *     one at a time, exactly, across mask, unmask and re-targeting written
 *     through the ring, and across a cut connection and the resumed session.
 *
 * The library and guest tests need /dev/kvm (x86-64 hosts, where the test VM
 * builds); they skip only where /dev/kvm is absent.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "irqchip.h"
#include "irqchip-ring.h"
#include "testlib.h"

#ifdef RING_TESTVM
#include <linux/kvm.h>

#include "irqchip-embedded.h"
#include "irqchip-kvm.h"
#include "testvm.h"
#endif

#ifndef F_ADD_SEALS
#define F_ADD_SEALS	1033
#define F_SEAL_SEAL	0x0001
#define F_SEAL_SHRINK	0x0002
#define F_SEAL_GROW	0x0004
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_CLOEXEC		0x0001U
#define MFD_ALLOW_SEALING	0x0002U
#endif

#define IOAPIC_IOREGSEL	0x00
#define IOAPIC_IOWIN	0x10
#define XICS_MSI_ADDR	0x40000000000ULL

/* ------------------------------------------------------------ raw rings */

/* A ring this suite produces on by hand, from the documented layout only. */
struct raw_ring {
	int memfd, doorbell;
	void *map;
	size_t size;
	struct irqchip_ring_header *hdr;
	struct irqchip_ring_slot *slots;
	uint32_t nslots, producer;
	uint64_t seq;
	unsigned id;
	uint64_t doorbells;
};

static int
new_memfd(size_t size, unsigned seals)
{
	int fd = (int)syscall(SYS_memfd_create, "check-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	if (seals != 0)
		ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

/* A well-formed ring of nslots, mapped, not yet added. */
static void
raw_init(struct raw_ring *g, uint32_t nslots)
{
	memset(g, 0, sizeof *g);
	g->nslots = nslots;
	g->size = IRQCHIP_RING_BYTES(nslots);
	g->memfd = new_memfd(g->size, 0);
	g->map = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_SHARED, g->memfd, 0);
	ck_assert(g->map != MAP_FAILED);
	g->hdr = g->map;
	g->slots = (struct irqchip_ring_slot *)((char *)g->map + IRQCHIP_RING_HEADER_SIZE);
	g->hdr->magic = IRQCHIP_RING_MAGIC;
	g->hdr->version = IRQCHIP_RING_VERSION;
	g->hdr->nslots = nslots;
	g->hdr->slot_size = IRQCHIP_RING_SLOT_SIZE;
	g->hdr->header_size = IRQCHIP_RING_HEADER_SIZE;
	g->doorbell = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_ge(g->doorbell, 0);
}

static void
raw_seal(struct raw_ring *g)
{
	ck_assert_int_eq(fcntl(g->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
	    0);
}

static void
raw_free(struct raw_ring *g)
{
	munmap(g->map, g->size);
	close(g->memfd);
	close(g->doorbell);
}

/* ring-add on c; asserts success, keeps the id. */
static void
raw_add(struct raw_ring *g, struct irqchip_client *c)
{
	int fds[2] = { g->memfd, g->doorbell };
	json_object *ret = test_call_ok(c, "ring-add", "{\"fd\": 0, \"doorbell-fd\": 1}", fds, 2);

	g->id = (unsigned)test_get_int(ret, "ring");
	ck_assert_uint_ge(g->id, 1);
	ck_assert_int_eq(test_get_int(ret, "version"), 1);
	json_object_put(ret);
}

/* A record to publish. */
struct rec {
	uint32_t op, flags, size, cpu, window, nargs;
	const char *chip;
	uint64_t operand[IRQCHIP_RING_OPERANDS];
};

static struct irqchip_ring_slot *raw_publish(struct raw_ring *);

/* Publishes one record as irqchip-ring.h says a producer must; returns its slot. */
static struct irqchip_ring_slot *
raw_submit(struct raw_ring *g, const struct rec *r)
{
	struct irqchip_ring_slot *s = &g->slots[g->producer & (g->nslots - 1)];

	ck_assert_uint_eq(__atomic_load_n(&s->state, __ATOMIC_ACQUIRE), IRQCHIP_RING_FREE);
	memset(s, 0, sizeof *s);
	s->op = r->op;
	s->flags = r->flags;
	s->seq = ++g->seq;
	s->size = r->size;
	s->cpu = r->cpu;
	s->window = r->window;
	s->nargs = r->nargs;
	if (r->chip != NULL)
		snprintf(s->chip, sizeof s->chip, "%s", r->chip);
	memcpy(s->operand, r->operand, sizeof s->operand);
	return raw_publish(g);
}

/* Publishes the next slot as the caller filled it (any bytes at all). */
static struct irqchip_ring_slot *
raw_publish(struct raw_ring *g)
{
	struct irqchip_ring_slot *s = &g->slots[g->producer & (g->nslots - 1)];

	__atomic_store_n(&s->state, IRQCHIP_RING_SUBMITTED, __ATOMIC_RELEASE);
	g->producer++;
	__atomic_store_n(&g->hdr->producer, g->producer, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&g->hdr->daemon_state, __ATOMIC_RELAXED) == IRQCHIP_RING_SLEEPING) {
		uint64_t one = 1;

		ck_assert_int_eq(write(g->doorbell, &one, sizeof one), (ssize_t)sizeof one);
		g->doorbells++;
	}
	return s;
}

/* Waits (polling, TEST_WAIT_MS at most) until the daemon answered s; its state. */
static uint32_t
raw_wait(struct raw_ring *g, struct irqchip_ring_slot *s)
{
	int64_t deadline = test_now_ms() + TEST_WAIT_MS;
	uint32_t st;

	while ((st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE)) == IRQCHIP_RING_SUBMITTED) {
		ck_assert_msg(test_now_ms() < deadline, "ring %u: record %" PRIu64 " unanswered",
		    g->id, s->seq);
		usleep(10);
	}
	ck_assert_msg(st == IRQCHIP_RING_DONE || st == IRQCHIP_RING_SPILLED,
	    "slot state %u", st);
	return st;
}

/* Reads the next packet on the client's socket directly: the spill. */
static json_object *
raw_spill(struct irqchip_client *c, unsigned ring, uint64_t seq)
{
	static char buf[65536];
	struct pollfd pfd = { .fd = irqchip_client_fd(c), .events = POLLIN };
	json_object *m, *id;
	ssize_t n;

	for (;;) {
		ck_assert_int_eq(poll(&pfd, 1, TEST_WAIT_MS), 1);
		n = recv(pfd.fd, buf, sizeof buf, 0);
		ck_assert_int_gt(n, 0);
		m = json_tokener_parse(buf);
		ck_assert_ptr_nonnull(m);
		if (json_object_object_get_ex(m, "event", NULL)) {
			json_object_put(m);
			continue;
		}
		ck_assert_msg(json_object_object_get_ex(m, "id", &id), "%s", test_js(m));
		ck_assert_int_eq(test_get_int(id, "ring"), ring);
		ck_assert_int_eq(test_get_int(id, "seq"), (int64_t)seq);
		ck_assert(json_object_object_get_ex(m, "return", NULL));
		return m;
	}
}

static const char *const class_names[] = {
	"GenericError", "ProtocolError", "CommandNotFound", "InvalidParameter",
	"InvalidFd", "DeviceNotFound", "AlreadyExists", "SessionError", "Busy",
	"PermissionDenied", "Unsupported",
};

/* One effect as canonical text: kind and fields in a fixed order. */
static void
effect_text(char *buf, size_t size, const char *kind, uint64_t a, uint64_t address,
    uint64_t b, bool has_devid, uint64_t devid, uint64_t event)
{
	if (strcmp(kind, "route") == 0 || strcmp(kind, "signal-msi") == 0)
		snprintf(buf, size, "%s(gsi=%" PRIu64 " address=0x%" PRIx64 " data=0x%" PRIx64
		    "%s%" PRIu64 ")", kind, kind[0] == 'r' ? a : 0, address, b,
		    has_devid ? " devid=" : "", has_devid ? devid : 0);
	else if (strcmp(kind, "unroute") == 0)
		snprintf(buf, size, "unroute(gsi=%" PRIu64 ")", a);
	else if (strcmp(kind, "irq-line") == 0 || strcmp(kind, "cpu-irq") == 0)
		snprintf(buf, size, "%s(%" PRIu64 " level=%" PRIu64 ")", kind, a, b);
	else if (strcmp(kind, "lpi") == 0)
		snprintf(buf, size, "lpi(intid=%" PRIu64 " target=%" PRIu64 " device=%" PRIu64
		    " event=%" PRIu64 ")", a, b, devid, event);
	else
		snprintf(buf, size, "%s(?)", kind);
}

static uint64_t
opt_u64(json_object *o, const char *key, bool *has)
{
	json_object *v;
	uint64_t u = 0;

	*has = json_object_object_get_ex(o, key, &v);
	if (*has)
		ck_assert_int_eq(irqchip_json_u64(v, &u), 0);
	return u;
}

/* A JSON effects array as canonical text. */
static void
effects_text_json(json_object *effects, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; effects != NULL && i < json_object_array_length(effects); i++) {
		json_object *item = json_object_array_get_idx(effects, i);
		char one[256];
		bool h;

		json_object_object_foreach(item, kind, body) {
			uint64_t a = strcmp(kind, "cpu-irq") == 0 ? opt_u64(body, "cpu", &h) :
			    strcmp(kind, "lpi") == 0 ? opt_u64(body, "intid", &h) :
			    opt_u64(body, "gsi", &h);
			uint64_t b = strcmp(kind, "lpi") == 0 ? opt_u64(body, "target", &h) :
			    json_object_object_get_ex(body, "level", NULL) ?
			    opt_u64(body, "level", &h) : opt_u64(body, "data", &h);
			uint64_t address = opt_u64(body, "address", &h);
			uint64_t event = opt_u64(body, "event", &h);
			bool has_devid;
			uint64_t devid = strcmp(kind, "lpi") == 0 ?
			    opt_u64(body, "device", &has_devid) : opt_u64(body, "devid", &has_devid);

			effect_text(one, sizeof one, kind, a, address, b,
			    strcmp(kind, "lpi") != 0 && has_devid, devid, event);
		}
		o += (size_t)snprintf(out + o, o < size ? size - o : 0, "%s ", one);
	}
}

static const char *
effect_kind_name(uint16_t kind)
{
	static const char *const names[] = { NULL, "route", "unroute", "signal-msi",
		"irq-line", "cpu-irq", "lpi" };

	return kind < 7 && names[kind] != NULL ? names[kind] : "unknown";
}

/* A slot's binary effects as the same canonical text. */
static void
effects_text_slot(const struct irqchip_ring_slot *s, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	ck_assert_uint_le(s->neffects, IRQCHIP_RING_EFFECTS_MAX);
	for (uint32_t i = 0; i < s->neffects; i++) {
		const struct irqchip_ring_effect *e = &s->effects[i];
		char one[256];

		effect_text(one, sizeof one, effect_kind_name(e->kind), e->a, e->address, e->b,
		    e->kind != IRQCHIP_RING_EFFECT_LPI && (e->flags & IRQCHIP_RING_EFFECT_F_DEVID),
		    e->devid, e->event);
		o += (size_t)snprintf(out + o, o < size ? size - o : 0, "%s ", one);
	}
}

/* ------------------------------------------------------------ twins */

/* Two daemons: R takes records on a ring, J the same operations as JSON. */
struct twins {
	struct test_daemon dr, dj;
	struct irqchip_client *r, *j;
	struct raw_ring ring;
	unsigned spills;
};

static void
twins_start(struct twins *t)
{
	memset(t, 0, sizeof *t);
	test_daemon_start(&t->dr, NULL);
	test_daemon_start(&t->dj, NULL);
	t->r = test_connect(&t->dr);
	t->j = test_connect(&t->dj);
	raw_init(&t->ring, 8);
	raw_seal(&t->ring);
	raw_add(&t->ring, t->r);
}

static void
twins_stop(struct twins *t)
{
	raw_free(&t->ring);
	irqchip_client_close(t->r);
	irqchip_client_close(t->j);
	test_daemon_stop(&t->dr);
	test_daemon_stop(&t->dj);
}

/* The same JSON command on both daemons (setup that has no ring op). */
static void
twins_both(struct twins *t, const char *command, const char *args)
{
	json_object_put(test_call_ok(t->r, command, args, NULL, 0));
	json_object_put(test_call_ok(t->j, command, args, NULL, 0));
}

static const char *const op_commands[] = {
	NULL, "mmio-read", "mmio-write", "eoi", "line-set", "line-pulse", "msi", "hcall",
};

/* The JSON twin's arguments of a record (window by name). */
static json_object *
twin_args(const struct rec *r, const char *window_name)
{
	json_object *a = json_object_new_object();

	if (r->chip != NULL && (r->op == IRQCHIP_RING_OP_MMIO_READ ||
	    r->op == IRQCHIP_RING_OP_MMIO_WRITE || r->op == IRQCHIP_RING_OP_LINE_SET ||
	    r->op == IRQCHIP_RING_OP_LINE_PULSE))
		json_object_object_add(a, "id", json_object_new_string(r->chip));
	switch (r->op) {
	case IRQCHIP_RING_OP_MMIO_WRITE:
		json_object_object_add(a, "value", json_object_new_int64((int64_t)r->operand[1]));
		/* FALLTHROUGH */
	case IRQCHIP_RING_OP_MMIO_READ:
		json_object_object_add(a, "offset", json_object_new_int64((int64_t)r->operand[0]));
		json_object_object_add(a, "size", json_object_new_int64(r->size));
		if (r->flags & IRQCHIP_RING_F_CPU)
			json_object_object_add(a, "cpu", json_object_new_int64(r->cpu));
		if (window_name != NULL)
			json_object_object_add(a, "window", json_object_new_string(window_name));
		break;
	case IRQCHIP_RING_OP_EOI:
		json_object_object_add(a, "vector", json_object_new_int64((int64_t)r->operand[0]));
		break;
	case IRQCHIP_RING_OP_LINE_SET:
		json_object_object_add(a, "level", json_object_new_int64((int64_t)r->operand[1]));
		/* FALLTHROUGH */
	case IRQCHIP_RING_OP_LINE_PULSE:
		json_object_object_add(a, "line", json_object_new_int64((int64_t)r->operand[0]));
		break;
	case IRQCHIP_RING_OP_MSI: {
		char addr[32];

		snprintf(addr, sizeof addr, "0x%" PRIx64, r->operand[0]);
		json_object_object_add(a, "address", json_object_new_string(addr));
		json_object_object_add(a, "data", json_object_new_int64((int64_t)r->operand[1]));
		if (r->flags & IRQCHIP_RING_F_SOURCE)
			json_object_object_add(a, "source",
			    json_object_new_int64((int64_t)r->operand[2]));
		break;
	}
	case IRQCHIP_RING_OP_HCALL: {
		json_object *args = json_object_new_array();

		json_object_object_add(a, "cpu", json_object_new_int64(r->cpu));
		json_object_object_add(a, "opcode", json_object_new_int64((int64_t)r->operand[0]));
		for (uint32_t i = 0; i < r->nargs; i++)
			json_object_array_add(args, json_object_new_int64((int64_t)r->operand[2 + i]));
		json_object_object_add(a, "args", args);
		break;
	}
	}
	return a;
}

/*
 * Runs r on both daemons and requires the same outcome: status and error
 * class (and the reason, as far as a slot holds it), value, hcall ret and
 * values, and the effects in order. Returns the JSON reply's effect count.
 */
static size_t
twin(struct twins *t, const struct rec *r, const char *window_name)
{
	struct irqchip_ring_slot *s = raw_submit(&t->ring, r);
	json_object *args = twin_args(r, window_name), *ret = NULL, *err = NULL, *v;
	json_object *spill = NULL, *effects = NULL;
	char *cause = NULL, jtext[4096], rtext[4096];
	uint32_t st = raw_wait(&t->ring, s);
	size_t n = 0;
	int rc;

	rc = irqchip_client_call(t->j, op_commands[r->op], args, NULL, 0, &ret, &err, &cause);
	json_object_put(args);
	if (rc < 0) {
		const char *desc = json_object_get_string(test_get(err, "desc"));
		const char *cls = json_object_get_string(test_get(err, "class"));

		ck_assert_msg(rc == -EREMOTEIO, "%s: %s", op_commands[r->op], cause);
		ck_assert_msg(s->status < 0, "%s: JSON failed (%s) but the ring record did not",
		    op_commands[r->op], cause);
		ck_assert_uint_eq(st, IRQCHIP_RING_DONE);
		ck_assert_uint_lt(s->error_class, 11);
		ck_assert_str_eq(class_names[s->error_class], cls);
		ck_assert_msg(strncmp(s->reason, desc, sizeof s->reason - 1) == 0,
		    "ring reason '%s' is not the start of '%s'", s->reason, desc);
		ck_assert_uint_eq(strlen(s->reason), strlen(desc) < sizeof s->reason - 1 ?
		    strlen(desc) : sizeof s->reason - 1);
		free(cause);
		json_object_put(err);
		__atomic_store_n(&s->state, IRQCHIP_RING_FREE, __ATOMIC_RELEASE);
		return 0;
	}
	ck_assert_msg(s->status == 0, "%s: JSON succeeded but the ring said %d %s",
	    op_commands[r->op], s->status, s->reason);
	if (r->op == IRQCHIP_RING_OP_MMIO_READ) {
		uint64_t value;

		ck_assert_int_eq(irqchip_json_u64(test_get(ret, "value"), &value), 0);
		ck_assert_uint_eq(s->value, value);
	}
	if (r->op == IRQCHIP_RING_OP_HCALL) {
		json_object *vals = test_get(ret, "values");

		ck_assert_int_eq(s->ret, test_get_int(ret, "ret"));
		ck_assert_uint_eq(s->nvalues, json_object_array_length(vals));
		for (uint32_t i = 0; i < s->nvalues; i++) {
			uint64_t u;

			ck_assert_int_eq(irqchip_json_u64(json_object_array_get_idx(vals, i), &u), 0);
			ck_assert_uint_eq(s->values[i], u);
		}
	}
	json_object_object_get_ex(ret, "effects", &effects);
	n = effects != NULL ? json_object_array_length(effects) : 0;
	effects_text_json(effects, jtext, sizeof jtext);
	if (st == IRQCHIP_RING_SPILLED) {
		/* The whole reply came over the socket: its effects are the record's. */
		t->spills++;
		ck_assert_uint_eq(s->neffects, 0);
		spill = raw_spill(t->r, t->ring.id, s->seq);
		ck_assert(json_object_object_get_ex(test_get(spill, "return"), "effects", &v));
		effects_text_json(v, rtext, sizeof rtext);
	} else {
		effects_text_slot(s, rtext, sizeof rtext);
	}
	ck_assert_msg(strcmp(rtext, jtext) == 0, "%s: ring effects [%s], JSON effects [%s]",
	    op_commands[r->op], rtext, jtext);
	json_object_put(spill);
	json_object_put(ret);
	__atomic_store_n(&s->state, IRQCHIP_RING_FREE, __ATOMIC_RELEASE);
	return n;
}

static struct rec
mmio(bool write, const char *chip, uint64_t offset, uint64_t value)
{
	struct rec r = { .op = write ? IRQCHIP_RING_OP_MMIO_WRITE : IRQCHIP_RING_OP_MMIO_READ,
		.size = 4, .chip = chip, .operand = { offset, value } };

	return r;
}

static struct rec
line_set(const char *chip, unsigned line, unsigned level)
{
	struct rec r = { .op = IRQCHIP_RING_OP_LINE_SET, .chip = chip,
		.operand = { line, level } };

	return r;
}

static struct rec
line_pulse(const char *chip, unsigned line)
{
	struct rec r = { .op = IRQCHIP_RING_OP_LINE_PULSE, .chip = chip, .operand = { line } };

	return r;
}

static struct rec
eoi(unsigned vector)
{
	struct rec r = { .op = IRQCHIP_RING_OP_EOI, .operand = { vector } };

	return r;
}

static struct rec
hcall(unsigned cpu, uint64_t opcode, unsigned nargs, uint64_t a0, uint64_t a1)
{
	struct rec r = { .op = IRQCHIP_RING_OP_HCALL, .cpu = cpu, .nargs = nargs,
		.operand = { opcode, 0, a0, a1 } };

	return r;
}

/* Selects IOREGSEL index, then writes IOWIN: two records, both twins. */
static size_t
twin_ioapic_write(struct twins *t, unsigned index, uint32_t value)
{
	struct rec sel = mmio(true, "ioapic0", IOAPIC_IOREGSEL, index);
	struct rec win = mmio(true, "ioapic0", IOAPIC_IOWIN, value);

	twin(t, &sel, NULL);
	return twin(t, &win, NULL);
}

START_TEST(twins_ioapic)
{
	struct twins t;
	struct rec r;

	twins_start(&t);
	twins_both(&t, "chip-add", "{\"type\": \"ioapic\", \"id\": \"ioapic0\"}");
	/* The version register, then entry 1 edge, vector 0x41, unmasked: a route. */
	r = mmio(true, "ioapic0", IOAPIC_IOREGSEL, 0x01);
	twin(&t, &r, NULL);
	r = mmio(false, "ioapic0", IOAPIC_IOWIN, 0);
	twin(&t, &r, NULL);
	ck_assert_uint_ge(twin_ioapic_write(&t, 0x12, 0x41), 1);
	twin_ioapic_write(&t, 0x13, 0x01000000);
	r = mmio(false, "ioapic0", IOAPIC_IOWIN, 0);
	twin(&t, &r, NULL);
	r = mmio(true, "ioapic0", IOAPIC_IOREGSEL, 0x12);
	twin(&t, &r, NULL);
	r = mmio(false, "ioapic0", IOAPIC_IOWIN, 0);
	r.flags = IRQCHIP_RING_F_CPU;
	r.cpu = 1;
	twin(&t, &r, NULL);
	/* Edges on it: no irqfd, so each is a signal-msi effect. */
	r = line_pulse("ioapic0", 1);
	ck_assert_uint_eq(twin(&t, &r, NULL), 1);
	ck_assert_uint_eq(twin(&t, &r, NULL), 1);
	/* Entry 2 level, vector 0x42: delivered on assertion, again at EOI while high. */
	twin_ioapic_write(&t, 0x14, 0x8042);
	r = line_set("ioapic0", 2, 1);
	ck_assert_uint_eq(twin(&t, &r, NULL), 1);
	r = eoi(0x42);
	ck_assert_uint_eq(twin(&t, &r, NULL), 1);
	r = line_set("ioapic0", 2, 0);
	twin(&t, &r, NULL);
	r = eoi(0x42);
	ck_assert_uint_eq(twin(&t, &r, NULL), 0);
	/* Masked: the edge is dropped (82093AA datasheet 3.2.4). */
	twin_ioapic_write(&t, 0x12, 0x10041);
	r = line_pulse("ioapic0", 1);
	ck_assert_uint_eq(twin(&t, &r, NULL), 0);
	/* Errors: the same class and reason as the command's. */
	r = line_pulse("ioapic0", 99);
	twin(&t, &r, NULL);
	r = line_pulse("nosuchchip", 1);
	twin(&t, &r, NULL);
	r = mmio(false, "ioapic0", IOAPIC_IOWIN, 0);
	r.size = 3;
	twin(&t, &r, NULL);
	r = mmio(false, "ioapic0", 0x100000, 0);
	twin(&t, &r, NULL);
	r = (struct rec){ .op = IRQCHIP_RING_OP_MSI, .operand = { 0xfee00000, 0x41 } };
	twin(&t, &r, NULL);
	r = eoi(256);
	twin(&t, &r, NULL);
	/* The chips' state is the same after it all. */
	{
		json_object *a = test_call_ok(t.r, "chip-save", "{\"id\": \"ioapic0\"}", NULL, 0);
		json_object *b = test_call_ok(t.j, "chip-save", "{\"id\": \"ioapic0\"}", NULL, 0);

		ck_assert_str_eq(test_js(a), test_js(b));
		json_object_put(a);
		json_object_put(b);
	}
	ck_assert_int_eq(test_status_int(t.r, "counters.ring-requests"), (int64_t)t.ring.seq);
	twins_stop(&t);
}
END_TEST

START_TEST(twins_xics)
{
	struct twins t;
	struct rec r;

	twins_start(&t);
	twins_both(&t, "chip-add", "{\"type\": \"xics\", \"id\": \"x0\", \"cpus\": 2}");
	twins_both(&t, "irq-claim", "{\"id\": \"x0\", \"count\": 1, \"type\": \"lsi\", "
	    "\"irq\": 4096}");
	twins_both(&t, "irq-claim", "{\"id\": \"x0\", \"count\": 4, \"type\": \"msi\", "
	    "\"irq\": 4100}");
	/* H_CPPR 0xff on both CPUs (LoPAPR; hcall 104). */
	r = hcall(0, 104, 1, 255, 0);
	twin(&t, &r, NULL);
	r = hcall(1, 104, 1, 255, 0);
	twin(&t, &r, NULL);
	twins_both(&t, "rtas", "{\"cpu\": 0, \"name\": \"ibm,set-xive\", "
	    "\"args\": [4100, 1, 5], \"nret\": 1}");
	/* The device's MSI raises server 1's line: a cpu-irq effect. */
	r = (struct rec){ .op = IRQCHIP_RING_OP_MSI, .operand = { XICS_MSI_ADDR, 4100 } };
	ck_assert_uint_eq(twin(&t, &r, NULL), 1);
	/* H_XIRR: a value and the line falling; H_EOI. */
	r = hcall(1, 116, 0, 0, 0);
	ck_assert_uint_eq(twin(&t, &r, NULL), 1);
	r = hcall(1, 100, 1, 0xff001004, 0);
	twin(&t, &r, NULL);
	/* An IPI, H_IPOLL (two values), accepted, disarmed, EOIed. */
	r = hcall(0, 108, 2, 1, 0);
	twin(&t, &r, NULL);
	r = hcall(0, 112, 1, 1, 0);
	twin(&t, &r, NULL);
	r = hcall(1, 116, 0, 0, 0);
	twin(&t, &r, NULL);
	r = hcall(0, 108, 2, 1, 255);
	twin(&t, &r, NULL);
	r = hcall(1, 100, 1, 0xff000002, 0);
	twin(&t, &r, NULL);
	/* An LSI: asserted while masked, then set-xive presents it. */
	r = line_set("x0", 4096, 1);
	twin(&t, &r, NULL);
	twins_both(&t, "rtas", "{\"cpu\": 0, \"name\": \"ibm,set-xive\", "
	    "\"args\": [4096, 0, 3], \"nret\": 1}");
	r = hcall(0, 116, 0, 0, 0);
	twin(&t, &r, NULL);
	r = hcall(0, 100, 1, 0xff001000, 0);
	ck_assert_uint_eq(twin(&t, &r, NULL), 1);
	r = line_set("x0", 4096, 0);
	twin(&t, &r, NULL);
	/* An unknown hcall and an unclaimed line: the same answers. */
	r = hcall(0, 0x9999, 0, 0, 0);
	twin(&t, &r, NULL);
	r = line_pulse("x0", 5000);
	twin(&t, &r, NULL);
	r = hcall(7000, 116, 0, 0, 0);
	twin(&t, &r, NULL);
	twins_stop(&t);
}
END_TEST

/* Windows by index on the ring, by name in JSON: a XIVE's ESB and TIMA pages. */
START_TEST(twins_xive_windows)
{
	static const char *const names[] = { "esb", "tima" };
	struct twins t;
	struct rec r;

	twins_start(&t);
	twins_both(&t, "chip-add", "{\"type\": \"xive\", \"id\": \"v\"}");
	twins_both(&t, "irq-claim", "{\"id\": \"v\", \"count\": 2, \"type\": \"msi\"}");
	for (unsigned w = 0; w < 2; w++) {
		static const uint64_t offsets[] = { 0x0, 0x10, 0x800, 0xc00, 0xd00, 0x10000 };

		for (unsigned k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
			for (unsigned size = 1; size <= 8; size *= 2) {
				r = mmio(false, "v", offsets[k], 0);
				r.size = size;
				r.flags = IRQCHIP_RING_F_WINDOW | IRQCHIP_RING_F_CPU;
				r.window = w;
				r.cpu = k % 2;
				twin(&t, &r, names[w]);
			}
			/* And a store of each size where the page takes one. */
			r = mmio(true, "v", offsets[k], 0xff);
			r.flags = IRQCHIP_RING_F_WINDOW;
			r.window = w;
			twin(&t, &r, names[w]);
		}
	}
	/* Without the flag, the first window, as JSON without "window". */
	r = mmio(false, "v", 0xc00, 0);
	r.size = 8;
	twin(&t, &r, NULL);
	twins_stop(&t);
}
END_TEST

/* More effects than a slot holds: the reply spills, whole and in order. */
START_TEST(spill_many_effects)
{
	struct twins t;
	struct rec r;
	unsigned pin;

	twins_start(&t);
	twins_both(&t, "chip-add", "{\"type\": \"ioapic\", \"id\": \"ioapic0\"}");
	/* Six level entries share vector 0x50; each line is high, Remote IRR set. */
	for (pin = 1; pin <= 6; pin++) {
		twin_ioapic_write(&t, 0x10 + 2 * pin, 0x8050);
		r = line_set("ioapic0", pin, 1);
		ck_assert_uint_eq(twin(&t, &r, NULL), 1);
	}
	/* The EOI re-delivers all six (82093AA 3.2.4): six effects, more than four. */
	r = eoi(0x50);
	ck_assert_uint_eq(twin(&t, &r, NULL), 6);
	ck_assert_uint_eq(t.spills, 1);
	ck_assert_int_eq(test_status_int(t.r, "counters.ring-spills"), 1);
	/* And the ring goes on after it. */
	r = eoi(0x51);
	twin(&t, &r, NULL);
	twins_stop(&t);
}
END_TEST

/* --------------------------------------------------------- ring-add checks */

/* ring-add of memfd (and a fresh eventfd) must fail with class and name needle. */
static void
add_refused(struct irqchip_client *c, int memfd, const char *class, const char *needle)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	int fds[2] = { memfd, efd };
	char *desc = test_call_err(c, "ring-add", "{\"fd\": 0, \"doorbell-fd\": 1}", fds, 2,
	    class);

	ck_assert_msg(test_contains(desc, needle), "'%s' does not name %s", desc, needle);
	free(desc);
	close(efd);
}

/* A memfd laid out as a ring, with one thing changed by edit, sealed. */
static int
ring_memfd(uint32_t nslots, void (*edit)(struct irqchip_ring_header *, size_t *), unsigned seals)
{
	size_t size = IRQCHIP_RING_BYTES(nslots);
	struct irqchip_ring_header h;
	int fd;

	memset(&h, 0, sizeof h);
	h.magic = IRQCHIP_RING_MAGIC;
	h.version = IRQCHIP_RING_VERSION;
	h.nslots = nslots;
	h.slot_size = IRQCHIP_RING_SLOT_SIZE;
	h.header_size = IRQCHIP_RING_HEADER_SIZE;
	if (edit != NULL)
		edit(&h, &size);
	fd = new_memfd(size, 0);
	ck_assert_int_eq(pwrite(fd, &h, sizeof h, 0), (ssize_t)sizeof h);
	if (seals != 0)
		ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

static void edit_magic(struct irqchip_ring_header *h, size_t *s) { (void)s; h->magic = 0x12345678; }
static void edit_swapped(struct irqchip_ring_header *h, size_t *s)
{
	(void)s;
	h->magic = __builtin_bswap32(IRQCHIP_RING_MAGIC);
}
static void edit_version(struct irqchip_ring_header *h, size_t *s) { (void)s; h->version = 2; }
static void edit_nslots(struct irqchip_ring_header *h, size_t *s)
{
	h->nslots = 3;
	*s = IRQCHIP_RING_BYTES(3);
}
static void edit_slot_size(struct irqchip_ring_header *h, size_t *s) { (void)s; h->slot_size = 256; }
static void edit_header_size(struct irqchip_ring_header *h, size_t *s)
{
	(void)s;
	h->header_size = 64;
}
static void edit_size(struct irqchip_ring_header *h, size_t *s) { (void)h; *s += 4096; }
static void edit_busy(struct irqchip_ring_header *h, size_t *s)
{
	(void)s;
	h->producer = 5;
	h->consumer = 2;
}

START_TEST(ring_add_validation)
{
	const unsigned seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	struct test_daemon d;
	struct irqchip_client *c;
	json_object *st;
	int64_t held, open_fds;
	int fd, efd, fds[2];
	char *desc;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	held = test_status_int(c, "fds-held");
	open_fds = test_status_int(c, "open-fds");

	fd = ring_memfd(4, NULL, 0);
	add_refused(c, fd, "InvalidFd", "F_SEAL_SHRINK");
	close(fd);
	fd = ring_memfd(4, NULL, F_SEAL_SHRINK);
	add_refused(c, fd, "InvalidFd", "F_SEAL_GROW");
	close(fd);
	fd = ring_memfd(4, edit_magic, seals);
	add_refused(c, fd, "InvalidParameter", "'magic'");
	close(fd);
	fd = ring_memfd(4, edit_swapped, seals);
	add_refused(c, fd, "InvalidParameter", "byte-swapped");
	close(fd);
	fd = ring_memfd(4, edit_version, seals);
	add_refused(c, fd, "InvalidParameter", "'version'");
	close(fd);
	fd = ring_memfd(4, edit_nslots, seals);
	add_refused(c, fd, "InvalidParameter", "'nslots'");
	close(fd);
	fd = ring_memfd(4, edit_slot_size, seals);
	add_refused(c, fd, "InvalidParameter", "'slot_size'");
	close(fd);
	fd = ring_memfd(4, edit_header_size, seals);
	add_refused(c, fd, "InvalidParameter", "'header_size'");
	close(fd);
	fd = ring_memfd(4, edit_size, seals);
	add_refused(c, fd, "InvalidParameter", "a ring of 4 slots");
	close(fd);
	fd = ring_memfd(4, edit_busy, seals);
	add_refused(c, fd, "InvalidParameter", "'producer'");
	close(fd);
	/* Too small to hold a header at all. */
	fd = new_memfd(64, seals);
	add_refused(c, fd, "InvalidParameter", "nslots");
	close(fd);

	/* The schema's checks: each fd's kind, both required. */
	fd = ring_memfd(4, NULL, seals);
	efd = eventfd(0, EFD_CLOEXEC);
	fds[0] = efd;
	fds[1] = efd;
	desc = test_call_err(c, "ring-add", "{\"fd\": 0, \"doorbell-fd\": 1}", fds, 2,
	    "InvalidFd");
	ck_assert_msg(test_contains(desc, "'fd'"), "%s", desc);
	free(desc);
	fds[0] = fd;
	fds[1] = fd;
	desc = test_call_err(c, "ring-add", "{\"fd\": 0, \"doorbell-fd\": 1}", fds, 2,
	    "InvalidFd");
	ck_assert_msg(test_contains(desc, "'doorbell-fd'"), "%s", desc);
	free(desc);
	fds[0] = fd;
	desc = test_call_err(c, "ring-add", "{\"fd\": 0}", fds, 1, "InvalidParameter");
	ck_assert_msg(test_contains(desc, "doorbell-fd"), "%s", desc);
	free(desc);
	desc = test_call_err(c, "ring-del", "{\"ring\": 7}", NULL, 0, "DeviceNotFound");
	ck_assert_msg(test_contains(desc, "'ring'"), "%s", desc);
	free(desc);

	/* Nothing was kept: no ring, no fd, no mapping. */
	st = test_call_ok(c, "query-status", NULL, NULL, 0);
	ck_assert_uint_eq(json_object_array_length(test_get(st, "rings")), 0);
	ck_assert_int_eq(test_get_int(st, "fds-held"), held);
	ck_assert_int_eq(test_get_int(st, "open-fds"), open_fds);
	json_object_put(st);

	/* The same ring, well formed, is taken; ring-del gives everything back. */
	fds[0] = fd;
	fds[1] = efd;
	st = test_call_ok(c, "ring-add", "{\"fd\": 0, \"doorbell-fd\": 1}", fds, 2);
	ck_assert_int_ge(test_get_int(st, "ring"), 1);
	ck_assert_int_eq(test_status_int(c, "fds-held"), held + 1);
	{
		char args[64];

		snprintf(args, sizeof args, "{\"ring\": %" PRId64 "}", test_get_int(st, "ring"));
		json_object_put(test_call_ok(c, "ring-del", args, NULL, 0));
	}
	json_object_put(st);
	ck_assert_int_eq(test_status_int(c, "fds-held"), held);
	ck_assert_int_eq(test_status_int(c, "open-fds"), open_fds);
	close(fd);
	close(efd);
	irqchip_client_close(c);
	test_daemon_stop(&d);
}
END_TEST

/* Malformed records are the producer's errors, answered in their slot. */
START_TEST(malformed_records)
{
	struct twins t;
	struct irqchip_ring_slot *s;
	struct rec r;

	twins_start(&t);
	twins_both(&t, "chip-add", "{\"type\": \"ioapic\", \"id\": \"ioapic0\"}");
	r = (struct rec){ .op = 99 };
	s = raw_submit(&t.ring, &r);
	raw_wait(&t.ring, s);
	ck_assert_int_lt(s->status, 0);
	ck_assert_str_eq(class_names[s->error_class], "ProtocolError");
	ck_assert_msg(test_contains(s->reason, "'op'"), "%s", s->reason);
	s->state = IRQCHIP_RING_FREE;
	r = (struct rec){ .op = IRQCHIP_RING_OP_HCALL, .nargs = 10 };
	s = raw_submit(&t.ring, &r);
	raw_wait(&t.ring, s);
	ck_assert_msg(test_contains(s->reason, "'nargs'"), "%s", s->reason);
	s->state = IRQCHIP_RING_FREE;
	/* A chip id without its NUL. */
	r = line_pulse("ioapic0", 1);
	s = &t.ring.slots[t.ring.producer & (t.ring.nslots - 1)];
	s = raw_submit(&t.ring, &r);
	raw_wait(&t.ring, s);
	s->state = IRQCHIP_RING_FREE;
	s = &t.ring.slots[t.ring.producer & (t.ring.nslots - 1)];
	memset(s, 0, sizeof *s);
	s->op = IRQCHIP_RING_OP_LINE_PULSE;
	memset(s->chip, 'a', sizeof s->chip);
	raw_publish(&t.ring);
	raw_wait(&t.ring, s);
	ck_assert_msg(test_contains(s->reason, "'chip'"), "%s", s->reason);
	s->state = IRQCHIP_RING_FREE;
	/* A window index the chip does not have. */
	r = mmio(false, "ioapic0", 0, 0);
	r.flags = IRQCHIP_RING_F_WINDOW;
	r.window = 3;
	s = raw_submit(&t.ring, &r);
	raw_wait(&t.ring, s);
	ck_assert_str_eq(class_names[s->error_class], "InvalidParameter");
	ck_assert_msg(test_contains(s->reason, "'window'"), "%s", s->reason);
	s->state = IRQCHIP_RING_FREE;
	ck_assert_int_eq(test_status_int(t.r, "counters.ring-malformed"), 3);
	/* And the daemon serves on. */
	r = mmio(false, "ioapic0", IOAPIC_IOWIN, 0);
	twin(&t, &r, NULL);
	twins_stop(&t);
}
END_TEST

/*
 * Records of random bytes (ops in and out of range, ids without a NUL, any
 * operands): each is answered in its slot, none crashes the daemon; then a
 * producer index far ahead of the consumer is counted and skipped to.
 */
START_TEST(garbage_records)
{
	struct twins t;
	struct irqchip_ring_slot *s;
	unsigned seed = 1234, answered = 0;
	int64_t malformed;
	struct rec r;

	twins_start(&t);
	twins_both(&t, "chip-add", "{\"type\": \"ioapic\", \"id\": \"ioapic0\"}");
	twins_both(&t, "chip-add", "{\"type\": \"xics\", \"id\": \"x0\", \"cpus\": 2}");
	for (int i = 0; i < 3000; i++) {
		unsigned char *raw;

		s = &t.ring.slots[t.ring.producer & (t.ring.nslots - 1)];
		ck_assert_uint_eq(s->state, IRQCHIP_RING_FREE);
		raw = (unsigned char *)s + 8;
		for (size_t k = 0; k < sizeof *s - 8; k++)
			raw[k] = (unsigned char)rand_r(&seed);
		s->waiting = 0;
		s->op = (uint32_t)rand_r(&seed) % 10;
		if (rand_r(&seed) % 2)
			snprintf(s->chip, sizeof s->chip, "%s", rand_r(&seed) % 2 ? "ioapic0" : "x0");
		if (rand_r(&seed) % 2)
			s->nargs %= 12;
		if (rand_r(&seed) % 2)
			s->size = 1u << (rand_r(&seed) % 4);
		if (rand_r(&seed) % 2)
			s->operand[0] %= 64;
		s->seq = ++t.ring.seq;
		raw_publish(&t.ring);
		raw_wait(&t.ring, s);
		answered++;
		ck_assert(s->status == 0 || (s->status < 0 && s->error_class < 11 &&
		    memchr(s->reason, '\0', sizeof s->reason) != NULL));
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == IRQCHIP_RING_SPILLED)
			json_object_put(raw_spill(t.r, t.ring.id, s->seq));
		__atomic_store_n(&s->state, IRQCHIP_RING_FREE, __ATOMIC_RELEASE);
	}
	ck_assert_uint_eq(answered, 3000);
	malformed = test_status_int(t.r, "counters.ring-malformed");
	ck_assert_int_gt(malformed, 0);
	/* A producer index 1000 ahead of 8 slots: skipped to, counted. */
	t.ring.producer += 1000;
	__atomic_store_n(&t.ring.hdr->producer, t.ring.producer, __ATOMIC_RELEASE);
	{
		uint64_t one = 1;

		ck_assert_int_eq(write(t.ring.doorbell, &one, sizeof one), 8);
	}
	{
		int64_t deadline = test_now_ms() + TEST_WAIT_MS;

		while (__atomic_load_n(&t.ring.hdr->consumer, __ATOMIC_ACQUIRE) !=
		    t.ring.producer) {
			ck_assert(test_now_ms() < deadline);
			test_sleep_ms(1);
		}
	}
	ck_assert_int_eq(test_status_int(t.r, "counters.ring-malformed"), malformed + 1);
	/* Still serving, on the ring and on the socket. */
	r = mmio(false, "ioapic0", IOAPIC_IOWIN, 0);
	twin(&t, &r, NULL);
	twins_stop(&t);
}
END_TEST

/* ------------------------------------------------------- sleep and doorbell */

/* The daemon's user + system CPU time, in clock ticks (proc(5), /proc/PID/stat). */
static uint64_t
cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime = 0, stime = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
	fclose(f);
	/* Fields 14 and 15, counted after the command name's closing parenthesis. */
	p = strrchr(buf, ')');
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &utime, &stime), 2);
	return (uint64_t)utime + stime;
}

START_TEST(sleep_and_doorbell)
{
	/* A long window, so that a loaded host's scheduling cannot end it early. */
	const char *const extra[] = { "--poll-us", "100000", NULL };
	struct test_daemon d;
	struct irqchip_client *c;
	struct raw_ring g;
	struct irqchip_ring_slot *s;
	struct rec r = eoi(0x30);
	uint64_t t0, t1, doorbells;
	int64_t sleeps;

	test_daemon_start(&d, extra);
	c = test_connect(&d);
	ck_assert_int_eq(test_status_int(c, "poll-us"), 100000);
	raw_init(&g, 4);
	raw_seal(&g);
	raw_add(&g, c);

	/* Busy: back-to-back records inside the poll window need no doorbell. */
	s = raw_submit(&g, &r);
	raw_wait(&g, s);
	s->state = IRQCHIP_RING_FREE;
	doorbells = g.doorbells;
	for (int i = 0; i < 2000; i++) {
		s = raw_submit(&g, &r);
		raw_wait(&g, s);
		s->state = IRQCHIP_RING_FREE;
	}
	ck_assert_msg(g.doorbells - doorbells <= 1, "%" PRIu64 " doorbells for 2000 records "
	    "inside the poll window", g.doorbells - doorbells);

	/* Idle: after the window the daemon says it sleeps, and uses no CPU. */
	test_sleep_ms(400);
	ck_assert_uint_eq(__atomic_load_n(&g.hdr->daemon_state, __ATOMIC_ACQUIRE),
	    IRQCHIP_RING_SLEEPING);
	sleeps = test_status_int(c, "counters.ring-sleeps");
	ck_assert_int_ge(sleeps, 1);
	test_sleep_ms(100);
	t0 = cpu_ticks(d.pid);
	test_sleep_ms(1500);
	t1 = cpu_ticks(d.pid);
	/* A tick is 10 ms at most; a spinning daemon would use ~150 of them. */
	ck_assert_msg(t1 - t0 <= 2, "the idle daemon used %" PRIu64 " ticks of CPU in 1.5 s",
	    t1 - t0);

	/* A record now rings the doorbell, and is answered. */
	doorbells = g.doorbells;
	s = raw_submit(&g, &r);
	ck_assert_uint_eq(g.doorbells, doorbells + 1);
	raw_wait(&g, s);
	ck_assert_int_eq(s->status, 0);
	s->state = IRQCHIP_RING_FREE;
	ck_assert_int_ge(test_status_int(c, "counters.ring-doorbells"), 1);
	ck_assert_int_ge(test_status_int(c, "counters.ring-spin-us"), 1);
	raw_free(&g);
	irqchip_client_close(c);
	test_daemon_stop(&d);
}
END_TEST

/* --poll-us 0: never spins; every record is woken by its doorbell. */
START_TEST(no_polling)
{
	const char *const extra[] = { "--poll-us", "0", NULL };
	struct test_daemon d;
	struct irqchip_client *c;
	struct raw_ring g;
	struct irqchip_ring_slot *s;
	struct rec r = eoi(0x30);

	test_daemon_start(&d, extra);
	c = test_connect(&d);
	raw_init(&g, 2);
	raw_seal(&g);
	raw_add(&g, c);
	for (int i = 0; i < 200; i++) {
		s = raw_submit(&g, &r);
		raw_wait(&g, s);
		s->state = IRQCHIP_RING_FREE;
	}
	ck_assert_uint_eq(g.doorbells, 200);
	ck_assert_int_eq(test_status_int(c, "counters.ring-requests"), 200);
	ck_assert_int_eq(test_status_int(c, "counters.ring-spin-us"), 0);
	raw_free(&g);
	irqchip_client_close(c);
	test_daemon_stop(&d);
}
END_TEST

/* The client's session ends: its rings go with it (and their doorbells). */
START_TEST(rings_dropped_on_disconnect)
{
	struct test_daemon d;
	struct irqchip_client *c, *c2;
	struct raw_ring g;
	int64_t held;

	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	held = test_status_int(c, "fds-held");
	raw_init(&g, 2);
	raw_seal(&g);
	raw_add(&g, c);
	ck_assert_int_eq(test_status_int(c, "fds-held"), held + 1);
	irqchip_client_close(c);
	c2 = test_connect(&d);
	ck_assert_int_eq(test_status_int(c2, "fds-held"), held);
	{
		json_object *st = test_call_ok(c2, "query-status", NULL, NULL, 0);

		ck_assert_uint_eq(json_object_array_length(test_get(st, "rings")), 0);
		json_object_put(st);
	}
	raw_free(&g);
	irqchip_client_close(c2);
	test_daemon_stop(&d);
}
END_TEST

#ifdef RING_TESTVM
/* ------------------------------------------------------------ the library */

#define ck_assert_ok(rc, cause)                                                          \
	ck_assert_msg((rc) >= 0, "%s:%d: %s", __FILE__, __LINE__,                        \
	    (cause) != NULL ? (cause) : strerror(-(rc)))

/* A VM with a split irqchip and no vCPUs: enough for the library's effects. */
struct libvm {
	struct test_daemon d;
	struct irqchip_client *c;
	int kvm_fd, vm_fd;
	struct irqchip_kvm *kvm;
};

/* Only a machine without KVM skips; one where it fails to open fails. */
static bool
have_kvm(void)
{
	struct stat st;

	return !(stat("/dev/kvm", &st) != 0 && errno == ENOENT);
}

static void
libvm_start(struct libvm *v, const char *chip_add)
{
	struct kvm_enable_cap cap;
	char *cause = NULL;
	int rc;

	memset(v, 0, sizeof *v);
	test_daemon_start(&v->d, NULL);
	v->c = test_connect(&v->d);
	v->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(v->kvm_fd, 0);
	v->vm_fd = ioctl(v->kvm_fd, KVM_CREATE_VM, 0);
	ck_assert_int_ge(v->vm_fd, 0);
	memset(&cap, 0, sizeof cap);
	cap.cap = KVM_CAP_SPLIT_IRQCHIP;
	cap.args[0] = 24;
	ck_assert_int_eq(ioctl(v->vm_fd, KVM_ENABLE_CAP, &cap), 0);
	rc = irqchip_kvm_create(v->c, v->vm_fd, 24, 0, &v->kvm, &cause);
	ck_assert_ok(rc, cause);
	if (chip_add != NULL)
		json_object_put(test_call_ok(v->c, "chip-add", chip_add, NULL, 0));
}

static void
libvm_stop(struct libvm *v)
{
	irqchip_kvm_destroy(v->kvm);
	close(v->vm_fd);
	close(v->kvm_fd);
	irqchip_client_close(v->c);
	test_daemon_stop(&v->d);
}

struct thread_op {
	struct irqchip_kvm *kvm;
	int (*fn)(struct thread_op *);
	uint64_t value;
	int rc;
	char *cause;
};

static void *
thread_run(void *arg)
{
	struct thread_op *t = arg;

	t->rc = t->fn(t);
	return NULL;
}

/* Runs fn on a thread that has no ring: the JSON path. */
static int
on_json_thread(struct thread_op *t)
{
	pthread_t th;

	ck_assert_int_eq(pthread_create(&th, NULL, thread_run, t), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	return t->rc;
}

static int
read_rte1(struct thread_op *t)
{
	uint64_t sel = 0x12;
	int rc = irqchip_kvm_mmio(t->kvm, "ioapic0", IOAPIC_IOREGSEL, 4, true, &sel, &t->cause);

	if (rc == 0)
		rc = irqchip_kvm_mmio(t->kvm, "ioapic0", IOAPIC_IOWIN, 4, false, &t->value,
		    &t->cause);
	return rc;
}

static void
ioapic_write(struct irqchip_kvm *kvm, unsigned index, uint32_t value)
{
	uint64_t v = index;
	char *cause = NULL;
	int rc = irqchip_kvm_mmio(kvm, "ioapic0", IOAPIC_IOREGSEL, 4, true, &v, &cause);

	ck_assert_ok(rc, cause);
	v = value;
	rc = irqchip_kvm_mmio(kvm, "ioapic0", IOAPIC_IOWIN, 4, true, &v, &cause);
	ck_assert_ok(rc, cause);
}

START_TEST(library_twins)
{
	struct irqchip_kvm_ring *ring, *second;
	struct irqchip_kvm_ring_stats rs;
	struct irqchip_kvm_stats ks0, ks1;
	struct thread_op t = { 0 };
	struct libvm v;
	uint64_t address, value;
	uint32_t data;
	char *cause = NULL;
	int rc;

	libvm_start(&v, "{\"type\": \"ioapic\", \"id\": \"ioapic0\"}");
	rc = irqchip_kvm_ring_create(v.kvm, 16, &ring, &cause);
	ck_assert_ok(rc, cause);
	ck_assert_uint_ge(irqchip_kvm_ring_id(ring), 1);
	rc = irqchip_kvm_ring_create(v.kvm, 16, &second, &cause);
	ck_assert_int_eq(rc, -EEXIST);
	ck_assert_ptr_null(second);
	free(cause);
	cause = NULL;

	/* An entry written through the ring: the library applied its route. */
	ioapic_write(v.kvm, 0x12, 0x41);
	ioapic_write(v.kvm, 0x13, 0x01000000);
	ck_assert_int_eq(irqchip_kvm_get_route(v.kvm, 1, &address, &data), 0);
	ck_assert_uint_eq(address, 0xfee00000ULL | (1u << 12));
	ck_assert_uint_eq(data, 0x41);
	/* Read back on the ring, and on a thread with no ring (JSON): equal. */
	t.kvm = v.kvm;
	t.fn = read_rte1;
	ck_assert_ok(read_rte1(&t), t.cause);
	value = t.value;
	ck_assert_ok(on_json_thread(&t), t.cause);
	ck_assert_uint_eq(value, t.value);
	ck_assert_uint_eq(value, 0x41);

	/* A pulse: one signal-msi effect, applied the same on either path. */
	irqchip_kvm_get_stats(v.kvm, &ks0);
	rc = irqchip_kvm_pulse(v.kvm, "ioapic0", 1, &cause);
	ck_assert_ok(rc, cause);
	irqchip_kvm_get_stats(v.kvm, &ks1);
	ck_assert_uint_eq(ks1.signal_msi, ks0.signal_msi + 1);
	/* An error: the same class and sentence as JSON's (-EREMOTEIO). */
	rc = irqchip_kvm_pulse(v.kvm, "ioapic0", 99, &cause);
	ck_assert_int_eq(rc, -EREMOTEIO);
	ck_assert_msg(strncmp(cause, "InvalidParameter: argument 'line'", 33) == 0, "%s", cause);
	free(cause);
	cause = NULL;
	rc = irqchip_kvm_msi(v.kvm, 0xfee00000, 0x41, false, 0, &cause);
	ck_assert_int_eq(rc, -EREMOTEIO);
	ck_assert_msg(strncmp(cause, "DeviceNotFound:", 15) == 0, "%s", cause);
	free(cause);
	cause = NULL;

	/* Level entries sharing a vector: the EOI's six re-deliveries spill. */
	for (unsigned pin = 3; pin <= 8; pin++) {
		ioapic_write(v.kvm, 0x10 + 2 * pin, 0x8050);
		rc = irqchip_kvm_line(v.kvm, "ioapic0", pin, 1, &cause);
		ck_assert_ok(rc, cause);
	}
	irqchip_kvm_get_stats(v.kvm, &ks0);
	rc = irqchip_kvm_eoi(v.kvm, 0x50, &cause);
	ck_assert_ok(rc, cause);
	irqchip_kvm_get_stats(v.kvm, &ks1);
	ck_assert_uint_eq(ks1.signal_msi, ks0.signal_msi + 6);
	irqchip_kvm_ring_get_stats(ring, &rs);
	ck_assert_uint_eq(rs.spills, 1);

	/* Posted pulses: all answered and applied at flush, in order. */
	irqchip_kvm_get_stats(v.kvm, &ks0);
	for (int i = 0; i < 100; i++) {
		rc = irqchip_kvm_ring_post_pulse(v.kvm, "ioapic0", 1, &cause);
		ck_assert_ok(rc, cause);
	}
	rc = irqchip_kvm_ring_flush(v.kvm, &cause);
	ck_assert_ok(rc, cause);
	irqchip_kvm_get_stats(v.kvm, &ks1);
	ck_assert_uint_eq(ks1.signal_msi, ks0.signal_msi + 100);
	/* A posted failure is flush's to report. */
	rc = irqchip_kvm_ring_post_pulse(v.kvm, "ioapic0", 1, &cause);
	ck_assert_ok(rc, cause);
	rc = irqchip_kvm_ring_post_pulse(v.kvm, "ioapic0", 77, &cause);
	ck_assert_ok(rc, cause);
	rc = irqchip_kvm_ring_post_msi(v.kvm, 0xfee00000, 0x41, &cause);
	ck_assert_ok(rc, cause);
	rc = irqchip_kvm_ring_flush(v.kvm, &cause);
	ck_assert_int_eq(rc, -EREMOTEIO);
	ck_assert_msg(test_contains(cause, "'line'"), "%s", cause);
	free(cause);
	cause = NULL;

	irqchip_kvm_ring_get_stats(ring, &rs);
	ck_assert_int_eq(test_status_int(v.c, "counters.ring-requests"), (int64_t)rs.records);
	irqchip_kvm_ring_destroy(ring);
	{
		json_object *st = test_call_ok(v.c, "query-status", NULL, NULL, 0);

		ck_assert_uint_eq(json_object_array_length(test_get(st, "rings")), 0);
		json_object_put(st);
	}
	libvm_stop(&v);
}
END_TEST

/* cpu-irq effects, as a VMM that owns its CPUs receives them. */
static int cpu_irq_calls, cpu_irq_last_cpu, cpu_irq_last_level;

static int
count_cpu_irq(void *opaque, unsigned cpu, int level)
{
	(void)opaque;
	cpu_irq_calls++;
	cpu_irq_last_cpu = (int)cpu;
	cpu_irq_last_level = level;
	return 0;
}

struct hcall_op {
	struct thread_op t;
	unsigned cpu;
	uint64_t opcode, args[2];
	unsigned nargs, nvalues;
	int64_t ret;
	uint64_t values[IRQCHIP_KVM_HCALL_VALUES];
};

static int
do_hcall(struct thread_op *t)
{
	struct hcall_op *h = (struct hcall_op *)t;

	return irqchip_kvm_hcall(t->kvm, h->cpu, h->opcode, h->args, h->nargs, &h->ret,
	    h->values, &h->nvalues, &t->cause);
}

/* One hcall on this thread's ring, or (json) on a thread without one. */
static void
lib_hcall(struct irqchip_kvm *kvm, bool json, struct hcall_op *h, unsigned cpu,
    uint64_t opcode, unsigned nargs, uint64_t a0, uint64_t a1)
{
	int rc;

	memset(h, 0, sizeof *h);
	h->t.kvm = kvm;
	h->t.fn = do_hcall;
	h->cpu = cpu;
	h->opcode = opcode;
	h->nargs = nargs;
	h->args[0] = a0;
	h->args[1] = a1;
	rc = json ? on_json_thread(&h->t) : do_hcall(&h->t);
	ck_assert_ok(rc, h->t.cause);
}

/* hcall (and its cpu-irq effects) through the library's ring and through JSON. */
START_TEST(library_hcall)
{
	const struct irqchip_kvm_callbacks cb = { .cpu_irq = count_cpu_irq };
	struct irqchip_kvm_ring *ring;
	struct hcall_op h;
	struct libvm v;
	char *cause = NULL;
	int rc, pass;

	libvm_start(&v, "{\"type\": \"xics\", \"id\": \"x0\", \"cpus\": 2}");
	irqchip_kvm_set_callbacks(v.kvm, &cb);
	rc = irqchip_kvm_ring_create(v.kvm, 4, &ring, &cause);
	ck_assert_ok(rc, cause);
	/* The same sequence twice: through the ring, then through JSON. */
	for (pass = 0; pass < 2; pass++) {
		bool json = pass == 1;

		cpu_irq_calls = 0;
		/* H_CPPR 0xff; H_IPI to server 1 at priority 0 raises its line. */
		lib_hcall(v.kvm, json, &h, 1, 104, 1, 255, 0);
		ck_assert_int_eq(h.ret, 0);
		ck_assert_uint_eq(h.nvalues, 0);
		lib_hcall(v.kvm, json, &h, 0, 108, 2, 1, 0);
		ck_assert_int_eq(cpu_irq_calls, 1);
		ck_assert_int_eq(cpu_irq_last_cpu, 1);
		ck_assert_int_eq(cpu_irq_last_level, 1);
		/* H_XIRR on CPU 1: CPPR 0xff, XISR 2; the line falls. */
		lib_hcall(v.kvm, json, &h, 1, 116, 0, 0, 0);
		ck_assert_int_eq(h.ret, 0);
		ck_assert_uint_eq(h.nvalues, 1);
		ck_assert_uint_eq(h.values[0], 0xff000002);
		ck_assert_int_eq(cpu_irq_calls, 2);
		ck_assert_int_eq(cpu_irq_last_level, 0);
		/* Disarm (MFRR 0xff) and EOI. */
		lib_hcall(v.kvm, json, &h, 0, 108, 2, 1, 255);
		lib_hcall(v.kvm, json, &h, 1, 100, 1, 0xff000002, 0);
		ck_assert_int_eq(h.ret, 0);
	}
	irqchip_kvm_ring_destroy(ring);
	libvm_stop(&v);
}
END_TEST

/* The connection dies; a new client is attached; the ring is added again. */
START_TEST(library_reconnect)
{
	struct irqchip_kvm_ring *ring;
	struct irqchip_kvm_stats ks0, ks1;
	struct irqchip_client *c2, *obs;
	struct libvm v;
	unsigned id1;
	int64_t start;
	char *cause = NULL;
	int rc;

	libvm_start(&v, "{\"type\": \"ioapic\", \"id\": \"ioapic0\"}");
	rc = irqchip_kvm_ring_create(v.kvm, 8, &ring, &cause);
	ck_assert_ok(rc, cause);
	id1 = irqchip_kvm_ring_id(ring);
	ioapic_write(v.kvm, 0x12, 0x41);
	rc = irqchip_kvm_pulse(v.kvm, "ioapic0", 1, &cause);
	ck_assert_ok(rc, cause);

	/* The connection is cut under the library. */
	shutdown(irqchip_client_fd(v.c), SHUT_RDWR);
	obs = test_connect_raw(&v.d);
	json_object_put(test_call_ok(obs, "negotiate", "{\"capabilities\": [], "
	    "\"observer\": true}", NULL, 0));
	start = test_now_ms();
	while (test_status_int(obs, "connections") > 1) {
		ck_assert(test_now_ms() - start < TEST_WAIT_MS);
		test_sleep_ms(5);
	}
	/* A record on the dead session's ring fails fast, as a call would. */
	start = test_now_ms();
	rc = irqchip_kvm_pulse(v.kvm, "ioapic0", 1, &cause);
	ck_assert_int_lt(rc, 0);
	ck_assert_msg(test_now_ms() - start < 2000, "took %" PRId64 " ms",
	    test_now_ms() - start);
	free(cause);
	cause = NULL;

	/* Re-attach: the kept chip, the ring added again, records served. */
	c2 = test_connect(&v.d);
	rc = irqchip_kvm_set_client(v.kvm, c2, &cause);
	ck_assert_ok(rc, cause);
	ck_assert_uint_ge(irqchip_kvm_ring_id(ring), 1);
	ck_assert_uint_ne(irqchip_kvm_ring_id(ring), id1);
	irqchip_kvm_get_stats(v.kvm, &ks0);
	for (int i = 0; i < 50; i++) {
		rc = irqchip_kvm_pulse(v.kvm, "ioapic0", 1, &cause);
		ck_assert_ok(rc, cause);
	}
	irqchip_kvm_get_stats(v.kvm, &ks1);
	ck_assert_uint_eq(ks1.signal_msi, ks0.signal_msi + 50);
	/* The record published on the dropped ring never reached the daemon. */
	ck_assert_int_eq(test_status_int(c2, "counters.ring-requests"), 2 + 1 + 50);
	irqchip_kvm_ring_destroy(ring);
	irqchip_kvm_destroy(v.kvm);
	v.kvm = NULL;
	irqchip_client_close(obs);
	irqchip_client_close(c2);
	close(v.vm_fd);
	close(v.kvm_fd);
	irqchip_client_close(v.c);
	test_daemon_stop(&v.d);
}
END_TEST

/*
 * Embedded mode (the server on a thread of this process): its loop never
 * polls (poll-us 0), so records are woken by the doorbell (all but those
 * published while it was still awake from the last one, which its re-check
 * before sleeping finds), and every one is run.
 */
START_TEST(embedded_ring)
{
	struct irqchip_kvm_ring *ring;
	struct irqchip_kvm_ring_stats rs;
	struct irqchip_embedded *emb;
	struct irqchip_client *c;
	struct irqchip_kvm *kvm;
	struct kvm_enable_cap cap;
	json_object *st;
	char *cause = NULL;
	int kvm_fd, vm_fd, rc;

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(kvm_fd, 0);
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	ck_assert_int_ge(vm_fd, 0);
	memset(&cap, 0, sizeof cap);
	cap.cap = KVM_CAP_SPLIT_IRQCHIP;
	cap.args[0] = 24;
	ck_assert_int_eq(ioctl(vm_fd, KVM_ENABLE_CAP, &cap), 0);
	rc = irqchip_embedded_start(vm_fd, &emb, &c, &cause);
	ck_assert_ok(rc, cause);
	rc = irqchip_kvm_create(c, vm_fd, 24, 0, &kvm, &cause);
	ck_assert_ok(rc, cause);
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", "
	    "\"id\": \"ioapic0\"}", NULL, 0));
	rc = irqchip_kvm_ring_create(kvm, 4, &ring, &cause);
	ck_assert_ok(rc, cause);
	ck_assert_uint_ge(irqchip_kvm_ring_id(ring), 1);
	ioapic_write(kvm, 0x12, 0x41);
	for (int i = 0; i < 100; i++) {
		rc = irqchip_kvm_pulse(kvm, "ioapic0", 1, &cause);
		ck_assert_ok(rc, cause);
	}
	irqchip_kvm_ring_get_stats(ring, &rs);
	ck_assert_uint_eq(rs.records, 102);
	ck_assert_uint_le(rs.doorbells, 102);
	ck_assert_uint_ge(rs.doorbells, 51);
	st = test_call_ok(c, "query-status", NULL, NULL, 0);
	ck_assert_int_eq(test_get_int(st, "poll-us"), 0);
	ck_assert_int_eq(test_get_int(st, "counters.ring-requests"), 102);
	/*
	 * The kvm backend took each pulse itself (KVM_SIGNAL_MSI, which reaches no
	 * LAPIC in a VM without vCPUs: counted lost), none came back as an effect.
	 */
	ck_assert_int_eq(test_get_int(st, "counters.injections.kvm") +
	    test_get_int(st, "counters.injections.lost"), 100);
	ck_assert_int_eq(test_get_int(st, "counters.injections.effect"), 0);
	json_object_put(st);
	irqchip_kvm_ring_destroy(ring);
	irqchip_kvm_destroy(kvm);
	irqchip_client_close(c);
	irqchip_embedded_stop(emb);
	close(vm_fd);
	close(kvm_fd);
}
END_TEST

/* ----------------------------------------------------------- a real guest */

#define VM_TIMEOUT_S 120
#define READY_MS 15000
#define WAIT_MS 5000
#define SETTLE_MS 100

struct guest {
	struct test_daemon d;
	struct irqchip_client *c;
	struct testvm *vm;
	struct irqchip_kvm_ring *ring;
	uint32_t expect[TESTVM_MAX_CPUS][256];
};

static void
check_exact(struct guest *g)
{
	uint32_t got[TESTVM_MAX_CPUS][256];

	test_sleep_ms(SETTLE_MS);
	testvm_counts(g->vm, got);
	for (unsigned cpu = 0; cpu < TESTVM_MAX_CPUS; cpu++)
		for (unsigned v = 0; v < 256; v++)
			ck_assert_msg(got[cpu][v] == g->expect[cpu][v],
			    "CPU %u vector 0x%02x: received %u, expected %u", cpu, v,
			    got[cpu][v], g->expect[cpu][v]);
}

static void
expect_one(struct guest *g, unsigned cpu, unsigned vector)
{
	int rc;

	g->expect[cpu][vector]++;
	rc = testvm_wait_count(g->vm, cpu, vector, g->expect[cpu][vector], WAIT_MS);
	ck_assert_msg(rc == 0, "CPU %u got vector 0x%02x %u times, expected %u (%s)", cpu,
	    vector, testvm_count(g->vm, cpu, vector), g->expect[cpu][vector], strerror(-rc));
}

/* A redirection entry written through the ring (82093AA: high dword, then low). */
static void
ring_rte(struct guest *g, unsigned pin, uint64_t rte)
{
	ioapic_write(testvm_irqchip(g->vm), 0x11 + 2 * pin, (uint32_t)(rte >> 32));
	ioapic_write(testvm_irqchip(g->vm), 0x10 + 2 * pin, (uint32_t)rte);
}

static void
ring_pulse(struct guest *g, unsigned pin)
{
	char *cause = NULL;
	int rc = irqchip_kvm_pulse(testvm_irqchip(g->vm), TESTVM_CHIP_ID, pin, &cause);

	ck_assert_ok(rc, cause);
}

static uint64_t
rs_records(struct irqchip_kvm_ring *ring)
{
	struct irqchip_kvm_ring_stats rs;

	irqchip_kvm_ring_get_stats(ring, &rs);
	return rs.records;
}

START_TEST(guest_counts_ring_pulses)
{
	const char *const extra[] = { "--log-level", "warn", NULL };
	struct irqchip_kvm_ring_stats rs;
	struct testvm_config cfg;
	struct guest g;
	char *cause = NULL;
	int64_t daemon_records;
	uint64_t before_reconnect;
	int rc, i, round;

	memset(&g, 0, sizeof g);
	memset(&cfg, 0, sizeof cfg);
	cfg.ncpus = 2;
	cfg.timeout_s = VM_TIMEOUT_S;
	rc = testvm_create(&cfg, &g.vm, &cause);
	ck_assert_ok(rc, cause);
	test_daemon_start(&g.d, extra);
	g.c = test_connect(&g.d);
	rc = testvm_attach(g.vm, g.c, TESTVM_ATTACH_IRQFDS, &cause);
	ck_assert_ok(rc, cause);
	rc = testvm_start(g.vm, &cause);
	ck_assert_ok(rc, cause);
	rc = testvm_wait_ready(g.vm, READY_MS, &cause);
	ck_assert_ok(rc, cause);
	/* This thread's ring: its entries and pulses take the fast path. */
	rc = irqchip_kvm_ring_create(testvm_irqchip(g.vm), 32, &g.ring, &cause);
	ck_assert_ok(rc, cause);

	ring_rte(&g, 5, testvm_rte(0x45, false, false, 0, false));
	ring_rte(&g, 6, testvm_rte(0x46, false, false, 1, false));
	/* One at a time, each waited for: thousands, none lost, none extra. */
	for (i = 0; i < 3000; i++) {
		ring_pulse(&g, 5);
		expect_one(&g, 0, 0x45);
	}
	check_exact(&g);
	/* Reconfiguration through the ring: a masked edge is dropped (82093AA 3.2.4). */
	for (round = 0; round < 20; round++) {
		ring_rte(&g, 5, testvm_rte(0x45, false, false, 0, true));
		ring_pulse(&g, 5);
		ring_pulse(&g, 5);
		ring_rte(&g, 5, testvm_rte(0x45, false, false, 0, false));
		for (i = 0; i < 25; i++) {
			ring_pulse(&g, 5);
			expect_one(&g, 0, 0x45);
			ring_pulse(&g, 6);
			expect_one(&g, 1, 0x46);
		}
		/* A new vector and destination for the pin, then back. */
		ring_rte(&g, 5, testvm_rte(0x55, false, false, 1, false));
		ring_pulse(&g, 5);
		expect_one(&g, 1, 0x55);
		ring_rte(&g, 5, testvm_rte(0x45, false, false, 0, false));
	}
	check_exact(&g);
	/*
	 * Reconnect: the connection is cut under the VM; a new client resumes the
	 * session and is attached (irqfds and the ring added again), and the
	 * count goes on exactly.
	 */
	{
		struct irqchip_client *obs = test_connect_raw(&g.d), *c2;
		unsigned id1 = irqchip_kvm_ring_id(g.ring);
		int64_t start = test_now_ms();

		json_object_put(test_call_ok(obs, "negotiate", "{\"observer\": true}", NULL, 0));
		shutdown(irqchip_client_fd(g.c), SHUT_RDWR);
		while (test_status_int(obs, "connections") > 1) {
			ck_assert(test_now_ms() - start < TEST_WAIT_MS);
			test_sleep_ms(5);
		}
		c2 = test_connect(&g.d);
		rc = testvm_set_client(g.vm, c2, &cause);
		ck_assert_ok(rc, cause);
		ck_assert_uint_ne(irqchip_kvm_ring_id(g.ring), id1);
		irqchip_client_close(g.c);
		irqchip_client_close(obs);
		g.c = c2;
		before_reconnect = rs_records(g.ring);
		for (i = 0; i < 500; i++) {
			ring_pulse(&g, i % 2 ? 6 : 5);
			expect_one(&g, i % 2, i % 2 ? 0x46 : 0x45);
		}
		check_exact(&g);
	}
	/* Posted pulses on two pins, flushed: each delivered once per round. */
	for (round = 0; round < 200; round++) {
		rc = irqchip_kvm_ring_post_pulse(testvm_irqchip(g.vm), TESTVM_CHIP_ID, 5, &cause);
		ck_assert_ok(rc, cause);
		rc = irqchip_kvm_ring_post_pulse(testvm_irqchip(g.vm), TESTVM_CHIP_ID, 6, &cause);
		ck_assert_ok(rc, cause);
		rc = irqchip_kvm_ring_flush(testvm_irqchip(g.vm), &cause);
		ck_assert_ok(rc, cause);
		expect_one(&g, 0, 0x45);
		expect_one(&g, 1, 0x46);
	}
	check_exact(&g);
	/* Every one of them went through the ring (the counters outlive a session). */
	irqchip_kvm_ring_get_stats(g.ring, &rs);
	daemon_records = test_status_int(g.c, "counters.ring-requests");
	ck_assert_int_eq(daemon_records, (int64_t)rs.records);
	ck_assert_uint_ge(rs.records, 3000 + 20 * 56 + 500 + 400);
	ck_assert_uint_ge(rs.records - before_reconnect, 500 + 400);

	irqchip_kvm_ring_destroy(g.ring);
	ck_assert_int_eq(testvm_state(g.vm, NULL, &cause), TESTVM_RUNNING);
	testvm_destroy(g.vm);
	irqchip_client_close(g.c);
	test_daemon_stop(&g.d);
}
END_TEST
#endif

static Suite *
ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("daemon");
#ifdef RING_TESTVM
	TCase *lib = tcase_create("library");
#endif

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ring_add_validation);
	tcase_add_test(tc, twins_ioapic);
	tcase_add_test(tc, twins_xics);
	tcase_add_test(tc, twins_xive_windows);
	tcase_add_test(tc, spill_many_effects);
	tcase_add_test(tc, malformed_records);
	tcase_add_test(tc, garbage_records);
	tcase_add_test(tc, sleep_and_doorbell);
	tcase_add_test(tc, no_polling);
	tcase_add_test(tc, rings_dropped_on_disconnect);
	suite_add_tcase(s, tc);
#ifdef RING_TESTVM
	tcase_set_timeout(lib, 240);
	if (have_kvm()) {
		tcase_add_test(lib, library_twins);
		tcase_add_test(lib, library_hcall);
		tcase_add_test(lib, library_reconnect);
		tcase_add_test(lib, embedded_ring);
		tcase_add_test(lib, guest_counts_ring_pulses);
		suite_add_tcase(s, lib);
	} else
		printf("SKIP: /dev/kvm does not exist: the ring's library and guest tests "
		    "need KVM\n");
#else
	printf("SKIP: the ring's library and guest tests run on x86-64 hosts, where the "
	    "test VM builds\n");
#endif
	return s;
}

int
main(void)
{
	return test_main(ring_suite());
}

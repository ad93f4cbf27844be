/*
 * The chip seam: a test-only chip class ("seam-test") that has every hook the
 * fabric offers, registered before an in-process server starts, and driven
 * through the client library over a socketpair. Each generic command is
 * checked once here, against what irqchipd-protocol(7) promises for it:
 * several windows and the `window` argument, the calling `cpu`, lines
 * numbered from a base, MSI windows, translate, hcall and rtas with the
 * active presenter, the four delivery kinds as effects, guest memory through
 * the bounds-checked accessor, and Unsupported for a hook a class lacks.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "byteorder.h"
#include "compiler.h"
#include "daemon.h"
#include "log.h"
#include "testlib.h"

/* ---------------------------------------------------------- the test class */

#define SEAM_ALPHA_SIZE	0x1000
#define SEAM_BETA_SIZE	0x20000
#define SEAM_MANY	3000	/* effects: about 200 KiB of JSON, several packets */

struct seam {
	uint64_t last_gpa;
	int last_read;		/* 0, or the guest_read error */
	uint64_t mem;		/* what it read */
	unsigned last_cpu;
};

static const struct arg_spec seam_config[] = {
	{ "base", ARG_U64, ARG_REQUIRED, 0, UINT64_MAX, .help = "window alpha's base" },
	{ "line-base", ARG_U64, 0, 0, LINE_MAX_GLOBAL, .help = "first line" },
	{ "lines", ARG_U64, 0, 0, 1024, .help = "number of lines" },
	{ "msi-base", ARG_U64, 0, 0, UINT64_MAX, .help = "MSI window" },
	{ "gsi-base", ARG_U64, 0, 0, 4095, .help = "first GSI" },
};

static int
seam_create(struct chip *chip, const struct args *a, struct reply *r)
{
	chip->priv = calloc(1, sizeof(struct seam));
	chip->window[0].base = args_u64(a, "base", 0);
	chip->window[0].size = SEAM_ALPHA_SIZE;
	chip->window[1].base = args_u64(a, "base", 0) + 0x100000;
	chip->window[1].size = SEAM_BETA_SIZE;
	chip->nwindows = 2;
	chip->line_base = (unsigned)args_u64(a, "line-base", 4096);
	chip->nlines = (unsigned)args_u64(a, "lines", 16);
	if (args_has(a, "msi-base")) {
		chip->msi.base = args_u64(a, "msi-base", 0);
		chip->msi.size = 0x1000;
	}
	chip->gsi_base = (unsigned)args_u64(a, "gsi-base", 100);
	chip->ngsi = 4;
	return 0;
}

static void
seam_destroy(struct chip *chip)
{
	free(chip->priv);
}

static void
seam_describe(struct chip *chip, json_object *o)
{
	json_object_object_add(o, "lines", json_object_new_int64(chip->nlines));
}

static int
seam_query(struct chip *chip, const struct args *a, struct reply *r)
{
	struct seam *s = chip->priv;

	json_object_object_add(r->ret, "last-gpa", json_object_new_int64((int64_t)s->last_gpa));
	json_object_object_add(r->ret, "last-read", json_object_new_int(s->last_read));
	json_object_object_add(r->ret, "mem", json_object_new_int64((int64_t)s->mem));
	json_object_object_add(r->ret, "last-cpu", json_object_new_int64(s->last_cpu));
	return 0;
}

static void
seam_deliver(struct chip *chip, enum delivery_kind kind, unsigned n)
{
	struct delivery d = {
		.kind = kind, .chip = chip, .line = n, .gsi = chip->gsi_base,
		.address = 0xfee00000, .data = 0x30 + n, .level = 1,
		.intid = 8192 + n, .target = 1, .device = 7, .event = n, .cpu = n,
	};

	inject(chip->srv, chip->req, &d);
}

/* alpha reads back (window, offset, cpu); beta reads guest memory. */
static int
seam_mmio_read(struct chip *chip, struct request *req, struct mmio_access *acc,
    struct reply *r)
{
	struct seam *s = chip->priv;

	s->last_cpu = acc->cpu;
	acc->value = (uint64_t)acc->window << 40 | (uint64_t)acc->cpu << 32 | acc->offset;
	return 0;
}

/*
 * alpha: value 1..4 is a delivery of that kind (x86 MSI, GSI line, LPI, CPU
 * irq), 5 a route; beta: value is a guest address to read 8 bytes from.
 */
static int
seam_mmio_write(struct chip *chip, struct request *req, const struct mmio_access *acc,
    struct reply *r)
{
	struct seam *s = chip->priv;

	s->last_cpu = acc->cpu;
	if (acc->window == 1) {
		unsigned char buf[8];

		/* Guest memory is bytes: this chip's structures are little-endian. */
		s->last_gpa = acc->value;
		s->last_read = guest_read(chip->srv, acc->value, buf, sizeof buf);
		s->mem = s->last_read == 0 ? ld_le64(buf) : 0;
		if (s->last_read < 0)
			chip_guest_error(chip, "bad-gpa", "read outside guest RAM");
		return 0;
	}
	switch (acc->value) {
	case 1:
		seam_deliver(chip, DELIVER_X86_MSI, acc->cpu);
		break;
	case 2:
		seam_deliver(chip, DELIVER_GSI_LINE, acc->cpu);
		break;
	case 3:
		seam_deliver(chip, DELIVER_LPI, acc->cpu);
		break;
	case 4:
		seam_deliver(chip, DELIVER_CPU_IRQ, acc->cpu);
		break;
	case 5:
		inject_route(chip->srv, req, chip->gsi_base, true, 0xfee00000, 0x41);
		break;
	case 6:
		/* As one ITS CWRITER write can: thousands of effects in one reply. */
		for (unsigned i = 0; i < SEAM_MANY; i++)
			seam_deliver(chip, DELIVER_LPI, i);
		break;
	}
	return 0;
}

/* A line goes out as the CPU interrupt of cpu (line - line_base). */
static int
seam_line_set(struct chip *chip, struct request *req, unsigned line, unsigned source,
    bool level)
{
	struct delivery d = { .kind = DELIVER_CPU_IRQ, .chip = chip, .line = line,
	    .cpu = line - chip->line_base, .level = level };

	inject(chip->srv, chip->req, &d);
	return 0;
}

static int
seam_line_pulse(struct chip *chip, struct request *req, unsigned line, unsigned source)
{
	seam_line_set(chip, req, line, source, true);
	return seam_line_set(chip, req, line, source, false);
}

static int
seam_msi(struct chip *chip, struct request *req, const struct msi_write *m, struct reply *r)
{
	struct delivery d = { .kind = DELIVER_LPI, .chip = chip,
	    .intid = 8192 + m->data, .target = 0, .device = m->source, .event = m->data };

	if (!m->has_source)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'source' is required");
	inject(chip->srv, req, &d);
	return 0;
}

static int
seam_translate(struct chip *chip, const struct args *a, struct reply *r)
{
	json_object_object_add(r->ret, "translated", json_object_new_boolean(true));
	json_object_object_add(r->ret, "intid",
	    json_object_new_int64(8192 + (int64_t)args_u64(a, "event", args_u64(a, "data", 0))));
	return 0;
}

/* H_FUNCTION for 0xff; otherwise the arguments come back reversed, then the timebase. */
static int
seam_hcall(struct chip *chip, struct request *req, struct hcall *h, struct reply *r)
{
	if (h->cpu >= 4)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'cpu' must be in 0..3");
	if (h->opcode == 0xff) {
		h->ret = -2;
		return 0;
	}
	for (unsigned i = 0; i < h->nargs; i++)
		h->values[i] = h->args[h->nargs - 1 - i];
	h->values[h->nargs] = h->timebase;
	h->nvalues = h->nargs + 1;
	h->ret = 0;
	seam_deliver(chip, DELIVER_CPU_IRQ, h->cpu);
	return 0;
}

/* Status 0 and the sum of the arguments; -3 (parameter error) for nret 0. */
static int
seam_rtas(struct chip *chip, struct request *req, struct rtas_call *c, struct reply *r)
{
	uint64_t sum = 0;

	if (strcmp(c->name, "test,sum") != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'name': unknown call");
	if (c->nret < 2) {
		c->status = -3;
		return 0;
	}
	for (unsigned i = 0; i < c->nargs; i++)
		sum += c->args[i];
	c->status = 0;
	c->values[0] = sum;
	c->nvalues = 1;
	return 0;
}

static void
seam_limits(json_object *l)
{
	json_object_object_add(l, "max-seam-lines", json_object_new_int(1024));
}

static const char *const seam_windows[] = { "alpha", "beta", NULL };
static const char *const seam_caps[] = { "everything", NULL };

static const struct chip_class seam_class = {
	.type = "seam-test",
	.help = "a test-only chip with every hook",
	.config_args = seam_config,
	.nconfig_args = ARRAY_SIZE(seam_config),
	.window_names = seam_windows,
	.limits = seam_limits,
	.capabilities = seam_caps,
	.create = seam_create,
	.destroy = seam_destroy,
	.describe = seam_describe,
	.query = seam_query,
	.mmio_read = seam_mmio_read,
	.mmio_write = seam_mmio_write,
	.line_set = seam_line_set,
	.line_pulse = seam_line_pulse,
	.msi = seam_msi,
	.translate = seam_translate,
	.hcall = seam_hcall,
	.rtas = seam_rtas,
};

/* ------------------------------------------------- an in-process server */

struct harness {
	struct event_base *base;
	struct server *srv;
	pthread_t thread;
	int stop_fd;
	struct event *stop_ev;
	struct irqchip_client *c;
};

static struct harness h;

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(h.base);
}

static void *
loop(void *arg)
{
	event_base_dispatch(h.base);
	return NULL;
}

static void
setup(void)
{
	struct server_options opts = { .exit_on_disconnect = false };
	char *cause = NULL;
	int sv[2];

	log_set_level(LOG_LEVEL_ERROR);
	chip_class_register(&seam_class);	/* -EEXIST after the first test: fine */
	h.base = server_event_base_new();
	h.srv = server_create(h.base, &opts, &cause);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(server_attach(h.srv, sv[1], getuid(), &cause), 0);
	h.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	h.stop_ev = event_new(h.base, h.stop_fd, EV_READ, stop_cb, NULL);
	event_add(h.stop_ev, NULL);
	ck_assert_int_eq(pthread_create(&h.thread, NULL, loop, NULL), 0);
	ck_assert_int_eq(irqchip_client_open_fd(sv[0], &h.c, &cause), 0);
	ck_assert_int_eq(irqchip_client_negotiate(h.c, NULL, NULL, NULL, &cause), 0);
}

static void
teardown(void)
{
	uint64_t one = 1;

	irqchip_client_close(h.c);
	ck_assert_int_eq(write(h.stop_fd, &one, sizeof one), (ssize_t)sizeof one);
	pthread_join(h.thread, NULL);
	server_free(h.srv);
	event_free(h.stop_ev);
	close(h.stop_fd);
	event_base_free(h.base);
}

static void
add_seam(const char *id, const char *extra)
{
	char args[512];
	json_object *ret;

	snprintf(args, sizeof args, "{\"type\": \"seam-test\", \"id\": \"%s\"%s%s}", id,
	    extra[0] != '\0' ? ", " : "", extra);
	ret = test_call_ok(h.c, "chip-add", args, NULL, 0);
	json_object_put(ret);
}

/* The one effect of a reply, asserting its kind; returns its body. */
static json_object *
only_effect(json_object *ret, const char *kind)
{
	json_object *effects = test_get(ret, "effects");

	ck_assert_int_eq(json_object_array_length(effects), 1);
	return test_get(json_object_array_get_idx(effects, 0), kind);
}

/* ----------------------------------------------------------------- tests */

START_TEST(test_class_listed)
{
	json_object *ret = test_call_ok(h.c, "query-capabilities", NULL, NULL, 0);
	const char *text = json_object_to_json_string(ret);

	ck_assert(test_contains(text, "\"chip:seam-test\""));
	ck_assert(test_contains(text, "\"seam-test:everything\""));
	ck_assert(test_contains(text, "\"chip:ioapic\""));
	ck_assert_int_eq(test_get_int(ret, "limits.max-seam-lines"), 1024);
	ck_assert_int_eq(test_get_int(ret, "limits.max-ioapic-pins"), 120);
	json_object_put(ret);
	/* The class's own arguments reach chip-add's schema. */
	free(test_call_err(h.c, "chip-add", "{\"type\": \"seam-test\", \"id\": \"s\"}", NULL,
	    0, "InvalidParameter"));
}
END_TEST

START_TEST(test_overlaps_refused)
{
	char *desc;
	json_object *ret;

	add_seam("s0", "\"base\": \"0x10000000\", \"msi-base\": \"0x20000000\"");
	/* Window beta of s0 is at base + 1 MiB: a second chip's alpha may not meet it. */
	desc = test_call_err(h.c, "chip-add", "{\"type\": \"seam-test\", \"id\": \"s1\", "
	    "\"base\": \"0x10100000\", \"gsi-base\": 200}", NULL, 0, "AlreadyExists");
	ck_assert_msg(test_contains(desc, "alpha window") && test_contains(desc, "'s0'"),
	    "%s", desc);
	free(desc);
	desc = test_call_err(h.c, "chip-add", "{\"type\": \"seam-test\", \"id\": \"s1\", "
	    "\"base\": \"0x30000000\", \"msi-base\": \"0x20000800\", \"gsi-base\": 200}", NULL,
	    0, "AlreadyExists");
	ck_assert_msg(test_contains(desc, "MSI window"), "%s", desc);
	free(desc);
	desc = test_call_err(h.c, "chip-add", "{\"type\": \"seam-test\", \"id\": \"s1\", "
	    "\"base\": \"0x30000000\", \"gsi-base\": 102}", NULL, 0, "AlreadyExists");
	ck_assert_msg(test_contains(desc, "GSIs 102..105"), "%s", desc);
	free(desc);
	/* Nothing of the refused chips stayed. */
	ret = test_call_ok(h.c, "query-chips", NULL, NULL, 0);
	ck_assert_int_eq(json_object_array_length(test_get(ret, "chips")), 1);
	json_object_put(ret);
}
END_TEST

START_TEST(test_windows_and_cpu)
{
	json_object *ret;
	char *desc;

	add_seam("s0", "\"base\": 65536");
	/* The first window is the default. */
	ret = test_call_ok(h.c, "mmio-read", "{\"id\": \"s0\", \"offset\": 16, \"size\": 4, "
	    "\"cpu\": 3}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "value"), (int64_t)3 << 32 | 16);
	json_object_put(ret);
	ret = test_call_ok(h.c, "mmio-read", "{\"id\": \"s0\", \"offset\": \"0x1fff8\", "
	    "\"size\": 8, \"window\": \"beta\"}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "value"), (int64_t)1 << 40 | 0x1fff8);
	json_object_put(ret);
	desc = test_call_err(h.c, "mmio-read", "{\"id\": \"s0\", \"offset\": 0, \"size\": 4, "
	    "\"window\": \"gamma\"}", NULL, 0, "InvalidParameter");
	ck_assert_msg(test_contains(desc, "alpha, beta"), "%s", desc);
	free(desc);
	/* Each window has its own size: 0x1000 fits beta, not alpha. */
	free(test_call_err(h.c, "mmio-read", "{\"id\": \"s0\", \"offset\": 4096, \"size\": 4}",
	    NULL, 0, "InvalidParameter"));
	ret = test_call_ok(h.c, "mmio-read", "{\"id\": \"s0\", \"offset\": 4096, \"size\": 4, "
	    "\"window\": \"beta\"}", NULL, 0);
	json_object_put(ret);
	/* An offset near 2^64 is refused by the window, not wrapped. */
	free(test_call_err(h.c, "mmio-read", "{\"id\": \"s0\", \"offset\": "
	    "\"0xfffffffffffffffc\", \"size\": 8}", NULL, 0, "InvalidParameter"));
	/* ioapic: one window, named registers. */
	ret = test_call_ok(h.c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io\"}", NULL, 0);
	json_object_put(ret);
	ret = test_call_ok(h.c, "mmio-read", "{\"id\": \"io\", \"offset\": 0, \"size\": 4, "
	    "\"window\": \"registers\"}", NULL, 0);
	json_object_put(ret);
}
END_TEST

START_TEST(test_delivery_kinds)
{
	json_object *ret, *e;

	add_seam("s0", "\"base\": 65536, \"gsi-base\": 100");
	/* No irqfd, in a request: an x86 MSI becomes signal-msi. */
	ret = test_call_ok(h.c, "mmio-write", "{\"id\": \"s0\", \"offset\": 0, \"size\": 4, "
	    "\"value\": 1, \"cpu\": 2}", NULL, 0);
	e = only_effect(ret, "signal-msi");
	ck_assert_int_eq(test_get_int(e, "address"), 0xfee00000);
	ck_assert_int_eq(test_get_int(e, "data"), 0x32);
	json_object_put(ret);
	ret = test_call_ok(h.c, "mmio-write", "{\"id\": \"s0\", \"offset\": 0, \"size\": 4, "
	    "\"value\": 2}", NULL, 0);
	e = only_effect(ret, "irq-line");
	ck_assert_int_eq(test_get_int(e, "gsi"), 100);
	ck_assert_int_eq(test_get_int(e, "level"), 1);
	json_object_put(ret);
	ret = test_call_ok(h.c, "mmio-write", "{\"id\": \"s0\", \"offset\": 0, \"size\": 4, "
	    "\"value\": 3, \"cpu\": 5}", NULL, 0);
	e = only_effect(ret, "lpi");
	ck_assert_int_eq(test_get_int(e, "intid"), 8197);
	ck_assert_int_eq(test_get_int(e, "target"), 1);
	ck_assert_int_eq(test_get_int(e, "device"), 7);
	ck_assert_int_eq(test_get_int(e, "event"), 5);
	json_object_put(ret);
	ret = test_call_ok(h.c, "mmio-write", "{\"id\": \"s0\", \"offset\": 0, \"size\": 4, "
	    "\"value\": 4, \"cpu\": 1}", NULL, 0);
	e = only_effect(ret, "cpu-irq");
	ck_assert_int_eq(test_get_int(e, "cpu"), 1);
	ck_assert_int_eq(test_get_int(e, "level"), 1);
	json_object_put(ret);
}
END_TEST

START_TEST(test_irqfd_backends)
{
	json_object *ret;
	uint64_t n = 0;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), dup1 = dup(fd);

	add_seam("s0", "\"base\": 65536, \"gsi-base\": 100");
	ret = test_call_ok(h.c, "irqfd-add", "{\"gsi\": 100, \"fd\": 0}", &dup1, 1);
	json_object_put(ret);
	close(dup1);
	/* With an irqfd an x86 MSI and a rising GSI line write it, and no effect is left. */
	ret = test_call_ok(h.c, "mmio-write", "{\"id\": \"s0\", \"offset\": 0, \"size\": 4, "
	    "\"value\": 1}", NULL, 0);
	ck_assert_int_eq(json_object_array_length(test_get(ret, "effects")), 0);
	json_object_put(ret);
	ret = test_call_ok(h.c, "mmio-write", "{\"id\": \"s0\", \"offset\": 0, \"size\": 4, "
	    "\"value\": 2}", NULL, 0);
	ck_assert_int_eq(json_object_array_length(test_get(ret, "effects")), 0);
	json_object_put(ret);
	ck_assert_int_eq(read(fd, &n, sizeof n), (ssize_t)sizeof n);
	ck_assert_uint_eq(test_efd_value(n), 2);
	/* A route changed in the same request: signal-msi after the route, not the irqfd. */
	ret = test_call_ok(h.c, "mmio-write", "{\"id\": \"s0\", \"offset\": 0, \"size\": 4, "
	    "\"value\": 5}", NULL, 0);
	json_object_put(ret);
	close(fd);
}
END_TEST

START_TEST(test_lines_from_a_base)
{
	json_object *ret, *e;
	char *desc;
	int fd, dup1;
	uint64_t one = 1;

	add_seam("s0", "\"base\": 65536, \"line-base\": 4096, \"lines\": 8");
	ret = test_call_ok(h.c, "line-set", "{\"id\": \"s0\", \"line\": 4099, \"level\": 1}",
	    NULL, 0);
	e = only_effect(ret, "cpu-irq");
	ck_assert_int_eq(test_get_int(e, "cpu"), 3);
	json_object_put(ret);
	desc = test_call_err(h.c, "line-set", "{\"id\": \"s0\", \"line\": 4095, \"level\": 1}",
	    NULL, 0, "InvalidParameter");
	ck_assert_msg(test_contains(desc, "4096..4103"), "%s", desc);
	free(desc);
	free(test_call_err(h.c, "line-pulse", "{\"id\": \"s0\", \"line\": 4104}", NULL, 0,
	    "InvalidParameter"));
	/* Global numbers are 24-bit: 2^24 is outside every chip. */
	free(test_call_err(h.c, "line-pulse", "{\"id\": \"s0\", \"line\": 16777216}", NULL, 0,
	    "InvalidParameter"));
	/* A notifier on a numbered line: outside a request, effects come as an event. */
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dup1 = dup(fd);
	ret = test_call_ok(h.c, "notifier-add", "{\"id\": \"s0\", \"line\": 4101, \"fd\": 0, "
	    "\"mode\": \"edge\"}", &dup1, 1);
	json_object_put(ret);
	close(dup1);
	ck_assert_int_eq(write(fd, &one, sizeof one), (ssize_t)sizeof one);
	/* Skip the state-changed event of chip-add. */
	for (;;) {
		ck_assert_int_eq(irqchip_client_next_event(h.c, 5000, &ret), 0);
		if (strcmp(json_object_get_string(test_get(ret, "event")), "effects") == 0)
			break;
		json_object_put(ret);
	}
	ck_assert_int_eq(test_get_int(ret, "data.effects.0.cpu-irq.cpu"), 5);
	ck_assert_int_eq(test_get_int(ret, "data.effects.0.cpu-irq.level"), 1);
	json_object_put(ret);
	/* The falling edge follows in the next event. */
	ck_assert_int_eq(irqchip_client_next_event(h.c, 5000, &ret), 0);
	ck_assert_int_eq(test_get_int(ret, "data.effects.0.cpu-irq.cpu"), 5);
	ck_assert_int_eq(test_get_int(ret, "data.effects.0.cpu-irq.level"), 0);
	json_object_put(ret);
	close(fd);
}
END_TEST

START_TEST(test_msi_and_translate)
{
	json_object *ret, *e;
	char *desc;

	add_seam("s0", "\"base\": 65536, \"msi-base\": \"0x8000000\"");
	ret = test_call_ok(h.c, "msi", "{\"address\": \"0x8000040\", \"data\": 9, "
	    "\"source\": 77}", NULL, 0);
	e = only_effect(ret, "lpi");
	ck_assert_int_eq(test_get_int(e, "intid"), 8201);
	ck_assert_int_eq(test_get_int(e, "device"), 77);
	json_object_put(ret);
	/* The hook sees whether a source was given. */
	free(test_call_err(h.c, "msi", "{\"address\": \"0x8000040\", \"data\": 9}", NULL, 0,
	    "InvalidParameter"));
	desc = test_call_err(h.c, "msi", "{\"address\": \"0x8001000\", \"data\": 9}", NULL, 0,
	    "DeviceNotFound");
	ck_assert_msg(test_contains(desc, "0x8001000"), "%s", desc);
	free(desc);
	ret = test_call_ok(h.c, "translate", "{\"id\": \"s0\", \"device\": 1, \"event\": 4}",
	    NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "intid"), 8196);
	json_object_put(ret);
	ret = test_call_ok(h.c, "translate", "{\"address\": \"0x8000000\", \"data\": 6}", NULL,
	    0);
	ck_assert_int_eq(test_get_int(ret, "intid"), 8198);
	json_object_put(ret);
	free(test_call_err(h.c, "translate", "{\"data\": 6}", NULL, 0, "InvalidParameter"));
	/* An ioapic neither decodes MSIs nor translates. */
	ret = test_call_ok(h.c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io\"}", NULL, 0);
	json_object_put(ret);
	free(test_call_err(h.c, "translate", "{\"id\": \"io\"}", NULL, 0, "Unsupported"));
	free(test_call_err(h.c, "msi", "{\"address\": \"0xfec00000\", \"data\": 1}", NULL, 0,
	    "DeviceNotFound"));
}
END_TEST

START_TEST(test_hcall_rtas_presenter)
{
	json_object *ret;
	char *desc;

	free(test_call_err(h.c, "hcall", "{\"cpu\": 0, \"opcode\": 100}", NULL, 0,
	    "DeviceNotFound"));
	add_seam("s0", "\"base\": 65536");
	ret = test_call_ok(h.c, "hcall", "{\"cpu\": 2, \"opcode\": 100, \"args\": [1, 2, "
	    "\"0xffffffffffffffff\"], \"timebase\": 12345}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "ret"), 0);
	ck_assert_str_eq(json_object_get_string(test_get(ret, "values.0")),
	    "0xffffffffffffffff");
	ck_assert_int_eq(test_get_int(ret, "values.1"), 2);
	ck_assert_int_eq(test_get_int(ret, "values.2"), 1);
	ck_assert_int_eq(test_get_int(ret, "values.3"), 12345);
	ck_assert_int_eq(test_get_int(ret, "effects.0.cpu-irq.cpu"), 2);
	json_object_put(ret);
	ret = test_call_ok(h.c, "hcall", "{\"cpu\": 0, \"opcode\": 255}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "ret"), -2);
	json_object_put(ret);
	/* The chip's own client errors reach the client. */
	free(test_call_err(h.c, "hcall", "{\"cpu\": 4, \"opcode\": 100}", NULL, 0,
	    "InvalidParameter"));
	/* At most 9 arguments, as r4..r12. */
	free(test_call_err(h.c, "hcall", "{\"cpu\": 0, \"opcode\": 100, \"args\": "
	    "[0,1,2,3,4,5,6,7,8,9]}", NULL, 0, "InvalidParameter"));
	ret = test_call_ok(h.c, "rtas", "{\"cpu\": 0, \"name\": \"test,sum\", \"args\": [3, 4], "
	    "\"nret\": 2}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "status"), 0);
	ck_assert_int_eq(test_get_int(ret, "values.0"), 7);
	json_object_put(ret);
	ret = test_call_ok(h.c, "rtas", "{\"cpu\": 0, \"name\": \"test,sum\"}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "status"), -3);
	json_object_put(ret);
	free(test_call_err(h.c, "rtas", "{\"cpu\": 0, \"name\": \"x\", \"args\": "
	    "[4294967296]}", NULL, 0, "InvalidParameter"));
	/* Two presenters: the caller must select one. */
	add_seam("s1", "\"base\": \"0x1000000\", \"gsi-base\": 200");
	desc = test_call_err(h.c, "hcall", "{\"cpu\": 0, \"opcode\": 100}", NULL, 0,
	    "SessionError");
	ck_assert_msg(test_contains(desc, "chip-select"), "%s", desc);
	free(desc);
	ret = test_call_ok(h.c, "chip-select", "{\"id\": \"s1\"}", NULL, 0);
	json_object_put(ret);
	ret = test_call_ok(h.c, "hcall", "{\"cpu\": 1, \"opcode\": 100}", NULL, 0);
	json_object_put(ret);
	ret = test_call_ok(h.c, "chip-query", "{\"id\": \"s1\"}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "last-cpu"), 0);
	json_object_put(ret);
	/* An ioapic cannot be the presenter. */
	ret = test_call_ok(h.c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io\"}", NULL, 0);
	json_object_put(ret);
	free(test_call_err(h.c, "chip-select", "{\"id\": \"io\"}", NULL, 0, "Unsupported"));
	/* Deleting the selected chip leaves one presenter, which answers alone. */
	ret = test_call_ok(h.c, "chip-del", "{\"id\": \"s1\"}", NULL, 0);
	json_object_put(ret);
	ret = test_call_ok(h.c, "hcall", "{\"cpu\": 1, \"opcode\": 100}", NULL, 0);
	json_object_put(ret);
}
END_TEST

START_TEST(test_missing_hooks)
{
	json_object *ret;

	add_seam("s0", "\"base\": 65536");
	free(test_call_err(h.c, "chip-save", "{\"id\": \"s0\"}", NULL, 0, "Unsupported"));
	free(test_call_err(h.c, "chip-load", "{\"id\": \"s0\", \"state\": {}}", NULL, 0,
	    "Unsupported"));
	/* chip-reset and eoi are no-ops for a class without the hook. */
	ret = test_call_ok(h.c, "chip-reset", "{\"id\": \"s0\"}", NULL, 0);
	json_object_put(ret);
	ret = test_call_ok(h.c, "eoi", "{\"vector\": 48}", NULL, 0);
	ck_assert_int_eq(json_object_array_length(test_get(ret, "effects")), 0);
	json_object_put(ret);
	/* query-chips shows the class's summary. */
	ret = test_call_ok(h.c, "query-chips", NULL, NULL, 0);
	ck_assert_str_eq(json_object_get_string(test_get(ret, "chips.0.type")), "seam-test");
	ck_assert_int_eq(test_get_int(ret, "chips.0.lines"), 16);
	json_object_put(ret);
}
END_TEST

/* A sealed memfd of size bytes, filled with the byte pattern i & 0xff. */
static int
make_ram(size_t size, bool seal)
{
	int fd = memfd_create("seam-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	unsigned char *p;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(p != MAP_FAILED);
	for (size_t i = 0; i < size; i++)
		p[i] = (unsigned char)i;
	munmap(p, size);
	if (seal)
		ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	return fd;
}

static void
read_gpa(uint64_t gpa, int *rc, uint64_t *mem)
{
	char args[160];
	json_object *ret;

	snprintf(args, sizeof args, "{\"id\": \"s0\", \"window\": \"beta\", \"offset\": 0, "
	    "\"size\": 8, \"value\": %" PRIu64 "}", gpa);
	json_object_put(test_call_ok(h.c, "mmio-write", args, NULL, 0));
	ret = test_call_ok(h.c, "chip-query", "{\"id\": \"s0\"}", NULL, 0);
	*rc = (int)test_get_int(ret, "last-read");
	*mem = (uint64_t)test_get_int(ret, "mem");
	json_object_put(ret);
}

START_TEST(test_memory_regions)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned before = test_count_fds();
	json_object *ret;
	char args[256];
	int fd, rc;
	uint64_t mem;
	char *desc;

	add_seam("s0", "\"base\": 65536");
	/* Refused: no seal; misaligned; a memfd too small; overflow; overlap. */
	fd = make_ram(4 * (size_t)page, false);
	desc = test_call_err(h.c, "memory-add", "{\"gpa\": 0, \"size\": 16384, \"fd\": 0}",
	    &fd, 1, "InvalidFd");
	ck_assert_msg(test_contains(desc, "F_SEAL_SHRINK"), "%s", desc);
	free(desc);
	close(fd);
	fd = make_ram(4 * (size_t)page, true);
	free(test_call_err(h.c, "memory-add", "{\"gpa\": 100, \"size\": 16384, \"fd\": 0}",
	    &fd, 1, "InvalidParameter"));
	free(test_call_err(h.c, "memory-add", "{\"gpa\": 0, \"size\": 100, \"fd\": 0}",
	    &fd, 1, "InvalidParameter"));
	desc = test_call_err(h.c, "memory-add", "{\"gpa\": 0, \"size\": 16384, \"fd\": 0, "
	    "\"offset\": 4096}", &fd, 1, "InvalidParameter");
	ck_assert_msg(test_contains(desc, "fewer than"), "%s", desc);
	free(desc);
	free(test_call_err(h.c, "memory-add", "{\"gpa\": \"0xfffffffffffff000\", "
	    "\"size\": 8192, \"fd\": 0}", &fd, 1, "InvalidParameter"));
	/* Two regions, adjacent: 0x100000..+2 pages and right after it, 2 more. */
	snprintf(args, sizeof args, "{\"gpa\": 1048576, \"size\": %ld, \"fd\": 0}", 2 * page);
	json_object_put(test_call_ok(h.c, "memory-add", args, &fd, 1));
	snprintf(args, sizeof args, "{\"gpa\": %ld, \"size\": %ld, \"fd\": 0, \"offset\": %ld}",
	    1048576 + 2 * page, 2 * page, 2 * page);
	json_object_put(test_call_ok(h.c, "memory-add", args, &fd, 1));
	free(test_call_err(h.c, "memory-add", "{\"gpa\": 1048576, \"size\": 4096, \"fd\": 0}",
	    &fd, 1, "AlreadyExists"));
	close(fd);
	ret = test_call_ok(h.c, "query-memory", NULL, NULL, 0);
	ck_assert_int_eq(json_object_array_length(test_get(ret, "regions")), 2);
	ck_assert_int_eq(test_get_int(ret, "regions.1.offset"), 2 * page);
	json_object_put(ret);
	ck_assert_int_eq(test_status_int(h.c, "memory-regions"), 2);
	ck_assert_int_eq(test_status_int(h.c, "memory-bytes"), 4 * page);

	/* The accessor: bytes i & 0xff, little-endian as stored. */
	read_gpa(1048576 + 8, &rc, &mem);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(mem, 0x0f0e0d0c0b0a0908ULL);
	/* The last 8 bytes of the first region are its own... */
	read_gpa(1048576 + 2 * (uint64_t)page - 8, &rc, &mem);
	ck_assert_int_eq(rc, 0);
	/* ...but a read across the edge between two regions is a fault, and a guest error. */
	read_gpa(1048576 + 2 * (uint64_t)page - 4, &rc, &mem);
	ck_assert_int_eq(rc, -EFAULT);
	read_gpa(0x500000, &rc, &mem);
	ck_assert_int_eq(rc, -EFAULT);
	ret = test_call_ok(h.c, "chip-query", "{\"id\": \"s0\"}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "guest-errors"), 2);
	json_object_put(ret);

	free(test_call_err(h.c, "memory-del", "{\"gpa\": 4096}", NULL, 0, "DeviceNotFound"));
	json_object_put(test_call_ok(h.c, "memory-del", "{\"gpa\": 1048576}", NULL, 0));
	read_gpa(1048576 + 8, &rc, &mem);
	ck_assert_int_eq(rc, -EFAULT);
	/* Every fd the requests carried was closed or kept, none leaked. */
	ck_assert_uint_eq(test_count_fds(), before);
}
END_TEST

/*
 * A state saved by the release before the field tables (format version 1,
 * written by hand from that release's chip-save) still loads, means the same,
 * and saves back the same fields.
 */
START_TEST(test_ioapic_state_v1_loads)
{
	char path[512], *text, *args, *desc;
	json_object *st, *ret, *e;
	size_t len;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/data/ioapic-state-v1.json",
	    getenv("IRQCHIPD_SRCDIR") != NULL ? getenv("IRQCHIPD_SRCDIR") : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	text = calloc(1, 4096);
	len = fread(text, 1, 4095, f);
	fclose(f);
	ck_assert_uint_gt(len, 0);
	st = json_tokener_parse(text);
	ck_assert_ptr_nonnull(st);
	json_object_put(test_call_ok(h.c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io\", "
	    "\"pins\": 4}", NULL, 0));
	ck_assert_int_ge(asprintf(&args, "{\"id\": \"io\", \"state\": %s}", text), 0);
	ret = test_call_ok(h.c, "chip-load", args, NULL, 0);
	free(args);
	/* Pin 1 is level with Remote IRR: its route (bit 15 of the data: level). */
	e = test_get(ret, "effects");
	ck_assert_int_eq(test_get_int(e, "1.route.gsi"), 1);
	ck_assert_int_eq(test_get_int(e, "1.route.data"), 0x8041);
	ck_assert_int_eq(test_get_int(e, "1.route.address"), 0xfee01000);
	json_object_put(ret);
	ret = test_call_ok(h.c, "chip-query", "{\"id\": \"io\"}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "id-register"), 5);
	ck_assert_int_eq(test_get_int(ret, "ioregsel"), 18);
	ck_assert(json_object_get_boolean(test_get(ret, "entries.1.remote-irr")));
	ck_assert(json_object_get_boolean(test_get(ret, "entries.1.line")));
	ck_assert_int_eq(test_get_int(ret, "entries.1.storm-count"), 3);
	ck_assert_str_eq(json_object_get_string(test_get(ret, "entries.3.delivery-mode")),
	    "lowest-priority");
	ck_assert_str_eq(json_object_get_string(test_get(ret, "entries.3.destination-mode")),
	    "logical");
	json_object_put(ret);
	/*
	 * It saves back as version 2: the same fields, and each entry's route,
	 * none for a version-1 state except those its load announced.
	 */
	ret = test_call_ok(h.c, "chip-save", "{\"id\": \"io\"}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "state.version"), 2);
	for (int i = 0; i < 4; i++) {
		json_object *got = json_object_array_get_idx(test_get(ret, "state.entries"), i);
		json_object *want = json_object_array_get_idx(test_get(st, "entries"), i);

		json_object_object_foreach(want, key, val)
			ck_assert_msg(json_object_equal(test_get(got, key), val),
			    "entries[%d].%s", i, key);
	}
	json_object_put(ret);
	/* A line-source bit that no input drives could never be cleared: refused. */
	json_object_object_add(json_object_array_get_idx(test_get(st, "entries"), 2), "sources",
	    json_object_new_int(4));
	ck_assert_int_ge(asprintf(&args, "{\"id\": \"io\", \"state\": %s}",
	    json_object_to_json_string(st)), 0);
	desc = test_call_err(h.c, "chip-load", args, NULL, 0, "InvalidParameter");
	ck_assert_msg(test_contains(desc, "state.entries[2].sources"), "%s", desc);
	free(desc);
	free(args);
	json_object_put(st);
	free(text);
}
END_TEST

START_TEST(test_effects_continue)
{
	static const char req[] = "{\"execute\": \"mmio-write\", \"arguments\": "
	    "{\"id\": \"s0\", \"offset\": 0, \"size\": 4, \"value\": 6}, \"id\": 99}";
	json_object *ret, *effects, *msg;
	unsigned partials = 0, total = 0;

	add_seam("s0", "\"base\": 65536");
	/* Through the library: one list, every effect, in order. */
	ret = test_call_ok(h.c, "mmio-write", "{\"id\": \"s0\", \"offset\": 0, "
	    "\"size\": 4, \"value\": 6}", NULL, 0);
	effects = test_get(ret, "effects");
	ck_assert_uint_eq(json_object_array_length(effects), SEAM_MANY);
	for (unsigned i = 0; i < SEAM_MANY; i++)
		ck_assert_int_eq(test_get_int(json_object_array_get_idx(effects, i),
		    "lpi.event"), i);
	json_object_put(ret);
	/* On the wire: partial messages with the request's id, then the reply. */
	ck_assert_int_eq(irqchip_client_send_raw(h.c, req, sizeof req - 1, NULL, 0), 0);
	for (;;) {
		ck_assert_int_eq(irqchip_client_recv_reply(h.c, 5000, &msg), 0);
		ck_assert_int_eq(test_get_int(msg, "id"), 99);
		if (json_object_object_get_ex(msg, "partial", NULL)) {
			partials++;
			total += (unsigned)json_object_array_length(test_get(msg,
			    "partial.effects"));
			ck_assert_uint_le(strlen(json_object_to_json_string_ext(msg,
			    JSON_C_TO_STRING_PLAIN)), 65536);
			json_object_put(msg);
			continue;
		}
		total += (unsigned)json_object_array_length(test_get(msg, "return.effects"));
		json_object_put(msg);
		break;
	}
	ck_assert_uint_ge(partials, 2);
	ck_assert_uint_eq(total, SEAM_MANY);
}
END_TEST

START_TEST(test_state_through_memfd)
{
	int fd = memfd_create("state", MFD_CLOEXEC), dup1;
	json_object *ret, *inline_state;
	char buf[65536];
	ssize_t n;
	char *desc;

	json_object_put(test_call_ok(h.c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io\"}",
	    NULL, 0));
	json_object_put(test_call_ok(h.c, "mmio-write", "{\"id\": \"io\", \"offset\": 0, "
	    "\"size\": 4, \"value\": 0}", NULL, 0));
	json_object_put(test_call_ok(h.c, "mmio-write", "{\"id\": \"io\", \"offset\": 16, "
	    "\"size\": 4, \"value\": 117440512}", NULL, 0));
	ret = test_call_ok(h.c, "chip-save", "{\"id\": \"io\"}", NULL, 0);
	inline_state = json_object_get(test_get(ret, "state"));
	json_object_put(ret);
	/* The memfd gets the same state; the reply only says how big it is. */
	dup1 = dup(fd);
	ret = test_call_ok(h.c, "chip-save", "{\"id\": \"io\", \"fd\": 0}", &dup1, 1);
	close(dup1);
	ck_assert(!json_object_object_get_ex(ret, "state", NULL));
	n = pread(fd, buf, sizeof buf - 1, 0);
	ck_assert_int_eq(n, test_get_int(ret, "size"));
	buf[n] = '\0';
	json_object_put(ret);
	ret = json_tokener_parse(buf);
	ck_assert(json_object_equal(ret, inline_state));
	json_object_put(ret);
	/* Reset, then load it back from the memfd. */
	json_object_put(test_call_ok(h.c, "chip-reset", "{\"id\": \"io\"}", NULL, 0));
	dup1 = dup(fd);
	json_object_put(test_call_ok(h.c, "chip-load", "{\"id\": \"io\", \"fd\": 0}", &dup1,
	    1));
	close(dup1);
	ret = test_call_ok(h.c, "chip-save", "{\"id\": \"io\"}", NULL, 0);
	ck_assert(json_object_equal(test_get(ret, "state"), inline_state));
	json_object_put(ret);
	/* Exactly one of state and fd. */
	desc = test_call_err(h.c, "chip-load", "{\"id\": \"io\"}", NULL, 0,
	    "InvalidParameter");
	ck_assert_msg(test_contains(desc, "exactly one"), "%s", desc);
	free(desc);
	dup1 = dup(fd);
	free(test_call_err(h.c, "chip-load", "{\"id\": \"io\", \"fd\": 0, \"state\": {}}",
	    &dup1, 1, "InvalidParameter"));
	close(dup1);
	/* A memfd that holds no JSON. */
	ck_assert_int_eq(pwrite(fd, "{nope", 5, 0), 5);
	ck_assert_int_eq(ftruncate(fd, 5), 0);
	dup1 = dup(fd);
	desc = test_call_err(h.c, "chip-load", "{\"id\": \"io\", \"fd\": 0}", &dup1, 1,
	    "InvalidParameter");
	close(dup1);
	ck_assert_msg(test_contains(desc, "not JSON"), "%s", desc);
	free(desc);
	json_object_put(inline_state);
	close(fd);
}
END_TEST

/*
 * A XICS saved with an MSI presented (not yet accepted) and an LSI held high
 * by its notifier loads into a fresh chip of the same shape and goes on the
 * same: the accept returns the same XIRR, the LSI's EOI resamples.
 */
START_TEST(test_xics_state_mid_flight)
{
	json_object *ret, *st, *q1;
	int dev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), rs = eventfd(0, EFD_CLOEXEC |
	    EFD_NONBLOCK), fds[2];
	uint64_t one = 1, n = 0;
	char *text, *args;

	json_object_put(test_call_ok(h.c, "chip-add", "{\"type\": \"xics\", \"id\": \"x\", "
	    "\"cpus\": 2}", NULL, 0));
	json_object_put(test_call_ok(h.c, "irq-claim", "{\"id\": \"x\", \"count\": 2, "
	    "\"type\": \"msi\", \"irq\": 4200}", NULL, 0));
	json_object_put(test_call_ok(h.c, "irq-claim", "{\"id\": \"x\", \"count\": 1, "
	    "\"type\": \"lsi\", \"irq\": 4300}", NULL, 0));
	/* Both CPUs open their CPPR (0 after reset: nothing is more favoured). */
	json_object_put(test_call_ok(h.c, "hcall", "{\"cpu\": 0, \"opcode\": 104, "
	    "\"args\": [255]}", NULL, 0));
	json_object_put(test_call_ok(h.c, "hcall", "{\"cpu\": 1, \"opcode\": 104, "
	    "\"args\": [255]}", NULL, 0));
	json_object_put(test_call_ok(h.c, "rtas", "{\"cpu\": 0, \"name\": \"ibm,set-xive\", "
	    "\"args\": [4201, 1, 4]}", NULL, 0));
	json_object_put(test_call_ok(h.c, "rtas", "{\"cpu\": 0, \"name\": \"ibm,set-xive\", "
	    "\"args\": [4300, 0, 6]}", NULL, 0));
	fds[0] = dup(dev);
	fds[1] = dup(rs);
	json_object_put(test_call_ok(h.c, "notifier-add", "{\"id\": \"x\", \"line\": 4300, "
	    "\"fd\": 0, \"mode\": \"level\", \"resample-fd\": 1}", fds, 2));
	close(fds[0]);
	close(fds[1]);
	ck_assert_int_eq(write(dev, &one, sizeof one), (ssize_t)sizeof one);
	ret = test_call_ok(h.c, "msi", "{\"address\": \"0x40000000000\", \"data\": 4201}",
	    NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "effects.0.cpu-irq.cpu"), 1);
	json_object_put(ret);
	/* The notifier's write is in: server 0's line is up for the LSI. */
	for (int tries = 0; tries < 100; tries++) {
		q1 = test_call_ok(h.c, "chip-query", "{\"id\": \"x\"}", NULL, 0);
		if (json_object_get_boolean(test_get(q1, "presenters.0.line")))
			break;
		json_object_put(q1);
		q1 = NULL;
		test_sleep_ms(10);
	}
	ck_assert_ptr_nonnull(q1);
	ck_assert_int_eq(test_get_int(q1, "claimed.2.inputs"), 2);
	ret = test_call_ok(h.c, "chip-save", "{\"id\": \"x\"}", NULL, 0);
	st = json_object_get(test_get(ret, "state"));
	json_object_put(ret);
	ck_assert_int_eq(json_object_array_length(test_get(st, "claimed")), 3);
	text = strdup(json_object_to_json_string(st));

	/* A fresh chip of the same shape, loaded. */
	json_object_put(test_call_ok(h.c, "notifier-del", "{\"id\": \"x\", \"line\": 4300}",
	    NULL, 0));
	json_object_put(test_call_ok(h.c, "chip-del", "{\"id\": \"x\"}", NULL, 0));
	json_object_put(test_call_ok(h.c, "chip-add", "{\"type\": \"xics\", \"id\": \"x\", "
	    "\"cpus\": 2}", NULL, 0));
	ck_assert_int_ge(asprintf(&args, "{\"id\": \"x\", \"state\": %s}", text), 0);
	json_object_put(test_call_ok(h.c, "chip-load", args, NULL, 0));
	free(args);
	ret = test_call_ok(h.c, "chip-query", "{\"id\": \"x\"}", NULL, 0);
	/* Counters are not state: compare what the chip is, not what it did. */
	for (int i = 0; i < 3; i++) {
		static const char *const counters[] = { "triggers", "delivered", "rejected",
		    "resent", "eois" };

		for (int k = 0; k < 5; k++) {
			json_object_object_del(json_object_array_get_idx(test_get(ret, "claimed"),
			    i), counters[k]);
			json_object_object_del(json_object_array_get_idx(test_get(q1, "claimed"),
			    i), counters[k]);
		}
	}
	ck_assert(json_object_equal(test_get(ret, "claimed"), test_get(q1, "claimed")));
	ck_assert(json_object_equal(test_get(ret, "presenters"), test_get(q1, "presenters")));
	json_object_put(ret);
	/* The device is wired again; accept the MSI on server 1: XIRR 0xff | 4201. */
	fds[0] = dup(dev);
	fds[1] = dup(rs);
	json_object_put(test_call_ok(h.c, "notifier-add", "{\"id\": \"x\", \"line\": 4300, "
	    "\"fd\": 0, \"mode\": \"level\", \"resample-fd\": 1}", fds, 2));
	close(fds[0]);
	close(fds[1]);
	ret = test_call_ok(h.c, "hcall", "{\"cpu\": 1, \"opcode\": 116}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "values.0"), 0xff000000 | 4201);
	json_object_put(ret);
	/* Server 0 accepts the LSI; its EOI lowers the notifier and resamples. */
	ret = test_call_ok(h.c, "hcall", "{\"cpu\": 0, \"opcode\": 116}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "values.0") & 0xffffff, 4300);
	json_object_put(ret);
	(void)read(rs, &n, sizeof n);
	n = 0;
	ret = test_call_ok(h.c, "hcall", "{\"cpu\": 0, \"opcode\": 100, \"args\": [4278194380]}",
	    NULL, 0);
	ck_assert_int_eq(json_object_array_length(test_get(ret, "effects")), 0);
	json_object_put(ret);
	ck_assert_int_eq(read(rs, &n, sizeof n), (ssize_t)sizeof n);
	ck_assert_uint_eq(test_efd_value(n), 1);
	/* A state whose claimed list names a number twice, or outside the chip: refused. */
	json_object_array_add(test_get(st, "claimed"),
	    json_object_get(json_object_array_get_idx(test_get(st, "claimed"), 0)));
	ck_assert_int_ge(asprintf(&args, "{\"id\": \"x\", \"state\": %s}",
	    json_object_to_json_string(st)), 0);
	free(test_call_err(h.c, "chip-load", args, NULL, 0, "InvalidParameter"));
	free(args);
	json_object_put(st);
	json_object_put(q1);
	free(text);
	close(dev);
	close(rs);
}
END_TEST

/* ------------------------------------------------ gicv3-its through the daemon */

#define ITS_BASE	0x8080000ULL
#define RAM_GPA		0x40000000ULL
#define RAM_SIZE	(1U << 20)
#define CMDQ_GPA	RAM_GPA
#define DEVT_GPA	(RAM_GPA + 0x10000)
#define COLT_GPA	(RAM_GPA + 0x20000)
#define ITT_GPA		(RAM_GPA + 0x30000)

/* IHI 0069 register offsets and fields, written here from the spec. */
#define GITS_CTLR	0x0000
#define GITS_CBASER	0x0080
#define GITS_CWRITER	0x0088
#define GITS_CREADR	0x0090
#define GITS_BASER(n)	(0x0100 + 8 * (n))
#define BASER_VALID	(1ULL << 63)
#define BASER_TYPE(v)	(((v) >> 56) & 7)
#define BASER_ESIZE(v)	(((v) >> 48) & 0x1f)

static unsigned char *its_ram;
static unsigned its_ncmd;

static void
its_mmio_w(const char *id, uint64_t off, unsigned size, uint64_t v, json_object **ret)
{
	char args[200];

	snprintf(args, sizeof args, "{\"id\": \"%s\", \"offset\": %" PRIu64 ", \"size\": %u, "
	    "\"value\": \"0x%" PRIx64 "\"}", id, off, size, v);
	*ret = test_call_ok(h.c, "mmio-write", args, NULL, 0);
}

static uint64_t
its_mmio_r(const char *id, uint64_t off)
{
	char args[160];
	json_object *ret;
	uint64_t v;

	snprintf(args, sizeof args, "{\"id\": \"%s\", \"offset\": %" PRIu64 ", \"size\": 8}",
	    id, off);
	ret = test_call_ok(h.c, "mmio-read", args, NULL, 0);
	ck_assert_int_eq(irqchip_json_u64(test_get(ret, "value"), &v), 0);
	json_object_put(ret);
	return v;
}

/* Appends a command (four little-endian doublewords) to the queue in guest RAM. */
static void
its_cmd(uint64_t dw0, uint64_t dw1, uint64_t dw2, uint64_t dw3)
{
	uint64_t dw[4] = { dw0, dw1, dw2, dw3 };
	unsigned char *p = its_ram + (CMDQ_GPA - RAM_GPA) + 32 * its_ncmd++;

	for (int i = 0; i < 4; i++)
		for (int b = 0; b < 8; b++)
			p[8 * i + b] = (unsigned char)(dw[i] >> (8 * b));
}

#define CMD_MAPC(icid, target)	its_cmd(0x09, 0, 1ULL << 63 | (uint64_t)(target) << 16 | (icid), 0)
#define CMD_MAPD(dev, bits, itt) its_cmd(0x08 | (uint64_t)(dev) << 32, (bits) - 1, \
	1ULL << 63 | (itt), 0)
#define CMD_MAPTI(dev, ev, intid, icid) its_cmd(0x0a | (uint64_t)(dev) << 32, \
	(uint64_t)(intid) << 32 | (ev), (icid), 0)
#define CMD_INV(dev, ev)	its_cmd(0x0c | (uint64_t)(dev) << 32, (ev), 0, 0)
#define CMD_SYNC(target)	its_cmd(0x05, 0, (uint64_t)(target) << 16, 0)

static void
check_its_cmd(json_object *e, const char *cmd, int64_t dev, int64_t ev, int64_t intid,
    int64_t target)
{
	ck_assert_str_eq(json_object_get_string(test_get(e, "its-command.command")), cmd);
	if (dev >= 0) {
		ck_assert_int_eq(test_get_int(e, "its-command.device"), dev);
		ck_assert_int_eq(test_get_int(e, "its-command.event"), ev);
		ck_assert_int_eq(test_get_int(e, "its-command.intid"), intid);
	}
	ck_assert_int_eq(test_get_int(e, "its-command.target"), target);
}

START_TEST(test_its_linux_bringup)
{
	int fd = make_ram(RAM_SIZE, true);
	json_object *ret, *e;
	uint64_t v;
	char args[256];

	its_ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(its_ram != MAP_FAILED);
	memset(its_ram, 0, RAM_SIZE);
	its_ncmd = 0;
	snprintf(args, sizeof args, "{\"gpa\": %llu, \"size\": %u, \"fd\": 0}",
	    (unsigned long long)RAM_GPA, RAM_SIZE);
	json_object_put(test_call_ok(h.c, "memory-add", args, &fd, 1));
	close(fd);
	json_object_put(test_call_ok(h.c, "chip-add", "{\"type\": \"gicv3-its\", \"id\": "
	    "\"its0\", \"cpus\": 2}", NULL, 0));

	/* Linux probes each BASER by writing all ones: Type and Entry_Size are read-only. */
	its_mmio_w("its0", GITS_BASER(0), 8, UINT64_MAX, &ret);
	json_object_put(ret);
	v = its_mmio_r("its0", GITS_BASER(0));
	ck_assert_uint_eq(BASER_TYPE(v), 1);		/* devices */
	ck_assert_uint_eq(BASER_ESIZE(v), 8 - 1);	/* 8-byte entries */
	its_mmio_w("its0", GITS_BASER(1), 8, UINT64_MAX, &ret);
	json_object_put(ret);
	ck_assert_uint_eq(BASER_TYPE(its_mmio_r("its0", GITS_BASER(1))), 4);	/* collections */
	/* Flat tables of 4 KiB pages: two for devices, one for collections. */
	its_mmio_w("its0", GITS_BASER(0), 8, BASER_VALID | 1ULL << 56 | 7ULL << 48 | DEVT_GPA | 1,
	    &ret);
	json_object_put(ret);
	its_mmio_w("its0", GITS_BASER(1), 8, BASER_VALID | 4ULL << 56 | 7ULL << 48 | COLT_GPA,
	    &ret);
	json_object_put(ret);
	/* A one-page command queue, then enable. */
	its_mmio_w("its0", GITS_CBASER, 8, BASER_VALID | CMDQ_GPA, &ret);
	json_object_put(ret);
	its_mmio_w("its0", GITS_CWRITER, 8, 0, &ret);
	json_object_put(ret);
	its_mmio_w("its0", GITS_CTLR, 4, 1, &ret);
	json_object_put(ret);

	/* MAPC per CPU, MAPD, MAPTI per vector, INV per vector, SYNC per CPU. */
	CMD_MAPC(0, 0);
	CMD_MAPC(1, 1);
	CMD_MAPD(0x10, 5, ITT_GPA);
	CMD_MAPTI(0x10, 0, 8192, 0);
	CMD_MAPTI(0x10, 1, 8193, 1);
	CMD_INV(0x10, 0);
	CMD_INV(0x10, 1);
	CMD_SYNC(0);
	CMD_SYNC(1);
	its_mmio_w("its0", GITS_CWRITER, 8, 32 * its_ncmd, &ret);
	e = test_get(ret, "effects");
	ck_assert_int_eq(json_object_array_length(e), 4);
	check_its_cmd(json_object_array_get_idx(e, 0), "INV", 0x10, 0, 8192, 0);
	check_its_cmd(json_object_array_get_idx(e, 1), "INV", 0x10, 1, 8193, 1);
	check_its_cmd(json_object_array_get_idx(e, 2), "SYNC", -1, 0, 0, 0);
	check_its_cmd(json_object_array_get_idx(e, 3), "SYNC", -1, 0, 0, 1);
	json_object_put(ret);
	ck_assert_uint_eq(its_mmio_r("its0", GITS_CREADR), 32 * its_ncmd);

	/* Every vector: the device writes GITS_TRANSLATER with its EventID. */
	for (int ev = 0; ev < 2; ev++) {
		snprintf(args, sizeof args, "{\"address\": %llu, \"data\": %d, \"source\": 16}",
		    (unsigned long long)(ITS_BASE + 0x10040), ev);
		ret = test_call_ok(h.c, "msi", args, NULL, 0);
		e = only_effect(ret, "lpi");
		ck_assert_int_eq(test_get_int(e, "intid"), 8192 + ev);
		ck_assert_int_eq(test_get_int(e, "target"), ev);
		ck_assert_int_eq(test_get_int(e, "device"), 16);
		ck_assert_int_eq(test_get_int(e, "event"), ev);
		json_object_put(ret);
	}
	/* An event nobody mapped: no LPI, a counted guest error. */
	snprintf(args, sizeof args, "{\"address\": %llu, \"data\": 7, \"source\": 16}",
	    (unsigned long long)(ITS_BASE + 0x10040));
	ret = test_call_ok(h.c, "msi", args, NULL, 0);
	ck_assert_int_eq(json_object_array_length(test_get(ret, "effects")), 0);
	json_object_put(ret);
	free(test_call_err(h.c, "msi", "{\"address\": 134807616, \"data\": 0}", NULL, 0,
	    "InvalidParameter"));

	ret = test_call_ok(h.c, "translate", "{\"id\": \"its0\", \"device\": 16, "
	    "\"event\": 1}", NULL, 0);
	ck_assert(json_object_get_boolean(test_get(ret, "translated")));
	ck_assert_int_eq(test_get_int(ret, "intid"), 8193);
	ck_assert_int_eq(test_get_int(ret, "collection"), 1);
	ck_assert_int_eq(test_get_int(ret, "target"), 1);
	json_object_put(ret);
	ret = test_call_ok(h.c, "translate", "{\"id\": \"its0\", \"device\": 17, "
	    "\"event\": 0}", NULL, 0);
	ck_assert(!json_object_get_boolean(test_get(ret, "translated")));
	ck_assert_str_ne(json_object_get_string(test_get(ret, "reason")), "");
	json_object_put(ret);

	/* The tables, decoded from guest memory. */
	ret = test_call_ok(h.c, "chip-query", "{\"id\": \"its0\"}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "total-devices"), 1);
	ck_assert_int_eq(test_get_int(ret, "devices.0.device"), 16);
	ck_assert_int_eq(test_get_int(ret, "devices.0.eventid-bits"), 5);
	ck_assert_int_eq(test_get_int(ret, "devices.0.events.1.intid"), 8193);
	ck_assert_int_eq(json_object_array_length(test_get(ret, "collections")), 2);
	ck_assert_int_eq(test_get_int(ret, "collections.1.target"), 1);
	ck_assert_int_eq(test_get_int(ret, "guest-errors"), 1);
	json_object_put(ret);

	/* A MAPTI for an unmapped device stalls the queue at that command. */
	CMD_MAPTI(0x11, 0, 9000, 0);
	its_mmio_w("its0", GITS_CWRITER, 8, 32 * its_ncmd, &ret);
	json_object_put(ret);
	ck_assert_uint_eq(its_mmio_r("its0", GITS_CREADR), 32 * (its_ncmd - 1) | 1);
	ret = test_call_ok(h.c, "chip-query", "{\"id\": \"its0\"}", NULL, 0);
	ck_assert(json_object_get_boolean(test_get(ret, "stalled")));
	ck_assert_int_eq(test_get_int(ret, "last-error.code"), 0x010a04);
	ck_assert_str_eq(json_object_get_string(test_get(ret, "last-error.command")), "MAPTI");
	json_object_put(ret);

	/* Saved, deleted, added again and loaded: the tables in RAM translate as before. */
	ret = test_call_ok(h.c, "chip-save", "{\"id\": \"its0\"}", NULL, 0);
	ck_assert_int_ge(asprintf((char **)&e, "{\"id\": \"its0\", \"state\": %s}",
	    json_object_to_json_string(test_get(ret, "state"))), 0);
	json_object_put(ret);
	json_object_put(test_call_ok(h.c, "chip-del", "{\"id\": \"its0\"}", NULL, 0));
	json_object_put(test_call_ok(h.c, "chip-add", "{\"type\": \"gicv3-its\", \"id\": "
	    "\"its0\", \"cpus\": 2}", NULL, 0));
	free(test_call_err(h.c, "chip-load", "{\"id\": \"its0\", \"state\": {\"format\": "
	    "\"irqchipd-gicv3-its\", \"version\": 1}}", NULL, 0, "InvalidParameter"));
	json_object_put(test_call_ok(h.c, "chip-load", (char *)e, NULL, 0));
	free(e);
	ret = test_call_ok(h.c, "translate", "{\"id\": \"its0\", \"source\": 16, "
	    "\"data\": 0}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "intid"), 8192);
	json_object_put(ret);
	ck_assert_uint_eq(its_mmio_r("its0", GITS_CREADR), 32 * (its_ncmd - 1) | 1);
	munmap(its_ram, RAM_SIZE);
}
END_TEST

/* ------------------------------------------------ xics + xive through the daemon */

#include "xive-bits.h"

#define XPRIO		6		/* the priority Linux uses */
#define XQ_GPA		0x50000000ULL	/* one 64 KiB queue per CPU */
#define XESB		0x0006010000000000ULL

static int64_t
xhcall(unsigned cpu, uint64_t op, const char *args, json_object **out)
{
	char buf[400];
	json_object *ret;
	int64_t rc;

	snprintf(buf, sizeof buf, "{\"cpu\": %u, \"opcode\": %" PRIu64 ", \"args\": [%s]}",
	    cpu, op, args);
	ret = test_call_ok(h.c, "hcall", buf, NULL, 0);
	rc = test_get_int(ret, "ret");
	if (out != NULL)
		*out = ret;
	else
		json_object_put(ret);
	return rc;
}

static json_object *
xmmio(bool write, const char *window, unsigned cpu, uint64_t off, unsigned size, uint64_t v)
{
	char buf[300];

	snprintf(buf, sizeof buf, "{\"id\": \"v\", \"window\": \"%s\", \"cpu\": %u, "
	    "\"offset\": %" PRIu64 ", \"size\": %u%s%" PRIu64 "}", window, cpu, off, size,
	    write ? ", \"value\": " : ", \"cpu\": ", write ? v : (uint64_t)cpu);
	return test_call_ok(h.c, write ? "mmio-write" : "mmio-read", buf, NULL, 0);
}

/*
 * A pseries VM with both models. It starts on XICS; H_INT_* answer
 * H_FUNCTION until the guest chooses XIVE at CAS. Then the Linux pseries
 * XIVE driver's sequence: queue per CPU, source config, an MSI whose event
 * lands big-endian in the guest's queue, TIMA acknowledge, ESB EOI. The XICS
 * calls fail while XIVE is active, and the choice can go back.
 */
START_TEST(test_xive_pair_linux)
{
	int fd = make_ram(RAM_SIZE, true);
	unsigned char *ram;
	json_object *ret, *e;
	char args[300];
	uint64_t v;
	const uint32_t dev = 4100;
	uint64_t mgmt;

	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(ram != MAP_FAILED);
	memset(ram, 0, RAM_SIZE);
	snprintf(args, sizeof args, "{\"gpa\": %llu, \"size\": %u, \"fd\": 0}",
	    (unsigned long long)XQ_GPA, RAM_SIZE);
	json_object_put(test_call_ok(h.c, "memory-add", args, &fd, 1));
	close(fd);
	json_object_put(test_call_ok(h.c, "chip-add", "{\"type\": \"xics\", \"id\": \"x\", "
	    "\"cpus\": 2}", NULL, 0));
	json_object_put(test_call_ok(h.c, "chip-add", "{\"type\": \"xive\", \"id\": \"v\", "
	    "\"cpus\": 2, \"pair-with\": \"x\"}", NULL, 0));
	free(test_call_err(h.c, "chip-add", "{\"type\": \"xive\", \"id\": \"w\", "
	    "\"pair-with\": \"x\", \"esb-base\": 0, \"tima-base\": 1048576}", NULL, 0,
	    "AlreadyExists"));
	/* One claim, in both models; the device's number is an MSI. */
	json_object_put(test_call_ok(h.c, "irq-claim", "{\"id\": \"v\", \"count\": 1, "
	    "\"type\": \"msi\", \"irq\": 4100}", NULL, 0));
	free(test_call_err(h.c, "irq-claim", "{\"id\": \"x\", \"count\": 1, \"type\": "
	    "\"msi\", \"irq\": 4100}", NULL, 0, "AlreadyExists"));
	/* The IPIs at 0 and 1 are XIVE's alone. */
	json_object_put(test_call_ok(h.c, "irq-claim", "{\"id\": \"v\", \"count\": 2, "
	    "\"type\": \"msi\", \"irq\": 0}", NULL, 0));

	/* On XICS: H_INT_GET_QUEUE_INFO is not a XICS call. */
	ck_assert_int_eq(xhcall(0, HC_GET_QUEUE_INFO, "0, 0, 6", NULL), H_FUNCTION);
	ck_assert_int_eq(xhcall(0, 0x68, "255", NULL), H_SUCCESS);
	/* CAS: the guest chose XIVE. */
	json_object_put(test_call_ok(h.c, "chip-select", "{\"id\": \"v\"}", NULL, 0));
	ck_assert_int_eq(xhcall(0, 0x74, "", NULL), H_HARDWARE);
	ret = test_call_ok(h.c, "rtas", "{\"cpu\": 0, \"name\": \"ibm,int-on\", "
	    "\"args\": [4100]}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "status"), -1);
	json_object_put(ret);

	/* Boot: a 64 KiB queue per CPU at priority 6, CPPR 0xff on the OS ring. */
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		ck_assert_int_eq(xhcall(cpu, HC_GET_QUEUE_INFO, cpu == 0 ? "0, 0, 6" :
		    "0, 1, 6", NULL), H_SUCCESS);
		snprintf(args, sizeof args, "%llu, %u, %d, %llu, 16", EQ_ALWAYS_NOTIFY, cpu, XPRIO,
		    (unsigned long long)(XQ_GPA + 0x10000ULL * cpu));
		ck_assert_int_eq(xhcall(cpu, HC_SET_QUEUE_CONFIG, args, NULL), H_SUCCESS);
		json_object_put(xmmio(true, "tima", cpu, TM_PAGE(PAGE_OS) + QW1_CPPR, 1, 0xff));
	}
	/* The device: its ESB pages, then EISN = LISN, target CPU 1, unmasked. */
	ck_assert_int_eq(xhcall(0, HC_GET_SOURCE_INFO, "0, 4100", &ret), H_SUCCESS);
	ck_assert_int_eq(irqchip_json_u64(test_get(ret, "values.1"), &mgmt), 0);
	json_object_put(ret);
	ck_assert_uint_eq(mgmt, XESB + ((uint64_t)dev << 17) + (1ULL << 16));
	snprintf(args, sizeof args, "%llu, %u, 1, %d, %u", SRC_CFG_SET_EISN, dev, XPRIO, dev);
	ck_assert_int_eq(xhcall(0, HC_SET_SOURCE_CONFIG, args, NULL), H_SUCCESS);
	ret = xmmio(false, "esb", 0, mgmt - XESB + ESB_SET_PQ(PQ_00), 8, 0);
	json_object_put(ret);

	/* The MSI: CPU 1's line rises, and the event is in its queue, big-endian. */
	ret = test_call_ok(h.c, "msi", "{\"address\": \"0x40000000000\", \"data\": 4100}",
	    NULL, 0);
	e = only_effect(ret, "cpu-irq");
	ck_assert_int_eq(test_get_int(e, "cpu"), 1);
	ck_assert_int_eq(test_get_int(e, "level"), 1);
	json_object_put(ret);
	v = 0x80000000U | dev;		/* generation 1 | EISN */
	ck_assert_uint_eq(ram[0x10000], v >> 24);
	ck_assert_uint_eq(ram[0x10001], (v >> 16) & 0xff);
	ck_assert_uint_eq(ram[0x10002], (v >> 8) & 0xff);
	ck_assert_uint_eq(ram[0x10003], v & 0xff);
	/* The handler: ACK_OS_REG returns NSR.EO | priority; the line falls. */
	ret = xmmio(false, "tima", 1, TM_PAGE(PAGE_OS) + ACK_OS_REG, 2, 0);
	ck_assert_int_eq(test_get_int(ret, "value"), NSR_EO << 8 | XPRIO);
	e = only_effect(ret, "cpu-irq");
	ck_assert_int_eq(test_get_int(e, "level"), 0);
	json_object_put(ret);
	/* EOI with SET_PQ_00: the old PQ was 10. */
	ret = xmmio(false, "esb", 0, mgmt - XESB + ESB_SET_PQ(PQ_00), 8, 0);
	ck_assert_int_eq(test_get_int(ret, "value"), PQ_10);
	json_object_put(ret);
	json_object_put(xmmio(true, "tima", 1, TM_PAGE(PAGE_OS) + QW1_CPPR, 1, 0xff));
	/*
	 * An IPI from CPU 1 to CPU 0: CPU 0's IPI source (LISN 0) targets it with
	 * EISN 0; CPU 1 stores to its trigger page.
	 */
	{
		uint64_t trig;

		ck_assert_int_eq(xhcall(0, HC_GET_SOURCE_INFO, "0, 0", &ret), H_SUCCESS);
		ck_assert_int_eq(irqchip_json_u64(test_get(ret, "values.2"), &trig), 0);
		json_object_put(ret);
		ck_assert_uint_eq(trig, XESB);	/* two pages: the even one triggers */
		ck_assert_int_eq(xhcall(0, HC_SET_SOURCE_CONFIG, "2, 0, 0, 6, 0", NULL),
		    H_SUCCESS);
		json_object_put(xmmio(false, "esb", 0, (1ULL << 16) + ESB_SET_PQ(PQ_00), 8, 0));
		ret = xmmio(true, "esb", 1, trig - XESB, 8, 0);
		e = only_effect(ret, "cpu-irq");
		ck_assert_int_eq(test_get_int(e, "cpu"), 0);
		ck_assert_int_eq(test_get_int(e, "level"), 1);
		json_object_put(ret);
		/* CPU 0's queue: generation 1, EISN 0. */
		ck_assert_uint_eq(ram[0], 0x80);
		ck_assert_uint_eq(ram[1] | ram[2] | ram[3], 0);
		ret = xmmio(false, "tima", 0, TM_PAGE(PAGE_OS) + ACK_OS_REG, 2, 0);
		ck_assert_int_eq(test_get_int(ret, "value"), NSR_EO << 8 | XPRIO);
		json_object_put(ret);
		ret = xmmio(false, "esb", 0, (1ULL << 16) + ESB_SET_PQ(PQ_00), 8, 0);
		ck_assert_int_eq(test_get_int(ret, "value"), PQ_10);
		json_object_put(ret);
		json_object_put(xmmio(true, "tima", 0, TM_PAGE(PAGE_OS) + QW1_CPPR, 1, 0xff));
	}
	/* A TIMA access names a CPU that exists. */
	free(test_call_err(h.c, "mmio-read", "{\"id\": \"v\", \"window\": \"tima\", "
	    "\"cpu\": 2, \"offset\": 131088, \"size\": 1}", NULL, 0, "InvalidParameter"));

	/* Saved and loaded into the same chip: the queue position goes on. */
	ret = test_call_ok(h.c, "chip-save", "{\"id\": \"v\"}", NULL, 0);
	ck_assert(json_object_get_boolean(test_get(ret, "state.active")));
	ck_assert_int_ge(asprintf((char **)&e, "{\"id\": \"v\", \"state\": %s}",
	    json_object_to_json_string(test_get(ret, "state"))), 0);
	json_object_put(ret);
	json_object_put(test_call_ok(h.c, "chip-load", (char *)e, NULL, 0));
	free(e);
	ret = test_call_ok(h.c, "msi", "{\"address\": \"0x40000000000\", \"data\": 4100}",
	    NULL, 0);
	json_object_put(ret);
	v = 0x80000000U | dev;
	ck_assert_uint_eq(ram[0x10004], v >> 24);
	ck_assert_uint_eq(ram[0x10007], v & 0xff);

	/*
	 * Back to XICS (a guest reset). First leave CPU 1's line up with an
	 * undelivered event: the reset of XIVE lowers it, in the reply.
	 */
	ret = test_call_ok(h.c, "msi", "{\"address\": \"0x40000000000\", \"data\": 4100}",
	    NULL, 0);
	json_object_put(ret);
	ret = test_call_ok(h.c, "chip-select", "{\"id\": \"x\"}", NULL, 0);
	e = only_effect(ret, "cpu-irq");
	ck_assert_int_eq(test_get_int(e, "cpu"), 1);
	ck_assert_int_eq(test_get_int(e, "level"), 0);
	json_object_put(ret);
	/* The switch reset XICS: CPPR is 0 until the guest's boot opens it. */
	ck_assert_int_eq(xhcall(0, 0x68, "255", NULL), H_SUCCESS);
	ck_assert_int_eq(xhcall(0, HC_GET_QUEUE_INFO, "0, 0, 6", NULL), H_FUNCTION);
	ret = test_call_ok(h.c, "rtas", "{\"cpu\": 0, \"name\": \"ibm,set-xive\", "
	    "\"args\": [4100, 0, 5]}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "status"), 0);
	json_object_put(ret);
	/* And the MSI window is XICS's again: server 0 presents the claimed MSI. */
	ret = test_call_ok(h.c, "msi", "{\"address\": \"0x40000000000\", \"data\": 4100}",
	    NULL, 0);
	e = only_effect(ret, "cpu-irq");
	ck_assert_int_eq(test_get_int(e, "cpu"), 0);
	json_object_put(ret);
	munmap(ram, RAM_SIZE);
}
END_TEST

static Suite *
seam_suite(void)
{
	Suite *s = suite_create("seam");
	TCase *tc = tcase_create("hooks");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_class_listed);
	tcase_add_test(tc, test_overlaps_refused);
	tcase_add_test(tc, test_windows_and_cpu);
	tcase_add_test(tc, test_delivery_kinds);
	tcase_add_test(tc, test_irqfd_backends);
	tcase_add_test(tc, test_lines_from_a_base);
	tcase_add_test(tc, test_msi_and_translate);
	tcase_add_test(tc, test_hcall_rtas_presenter);
	tcase_add_test(tc, test_missing_hooks);
	tcase_add_test(tc, test_memory_regions);
	tcase_add_test(tc, test_ioapic_state_v1_loads);
	tcase_add_test(tc, test_effects_continue);
	tcase_add_test(tc, test_state_through_memfd);
	tcase_add_test(tc, test_xics_state_mid_flight);
	tcase_add_test(tc, test_its_linux_bringup);
	tcase_add_test(tc, test_xive_pair_linux);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_main(seam_suite());
}

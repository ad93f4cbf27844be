/*
 * The "xive" chip type: emul/xive behind the protocol, the sPAPR XIVE of a
 * POWER9-or-later pseries guest in exploitation mode (POWER9 XIVE
 * architecture; PAPR's H_INT_* hypervisor calls). Two MMIO windows: "esb",
 * every source's Event State Buffer pages then the ENDs', served from one
 * window (never a mapping per source), and "tima", the four pages of the
 * thread interrupt management area, whose accesses carry the calling cpu.
 * Lines are global interrupt numbers (LISNs) from irq-base; a source fires
 * once irq-claim gave it a type.
 *
 * A pseries VM has both models: a xics chip and a xive chip paired with it
 * (pair-with). It starts on XICS; the guest chooses at CAS and the VMM says
 * so with chip-select, which resets the model left behind (claims kept) and
 * activates the other. While XIVE is active the XICS hcalls answer
 * H_HARDWARE and the XICS RTAS calls a hardware error, as PAPR has it; until
 * it is, every H_INT_* call answers H_FUNCTION.
 *
 * mode kvm, for a VMM that uses KVM's in-kernel XIVE device: irqchipd only
 * routes, as for xics: a claimed source's line change, pulse or MSI goes to
 * the GSI of the same number (irqfd or irq-line); the ESB and TIMA pages and
 * the hcalls are the kernel's (mmio answers Unsupported, hcalls H_FUNCTION).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "compiler.h"
#include "daemon.h"
#include "log.h"
#include "wire.h"
#include "xive/xive.h"
#include "xmalloc.h"

#define XIVE_STATE_FORMAT	"irqchipd-xive"
#define XIVE_SAVED_VERSION	1
#define XIVE_QUERY_PAGE		256
/* The windows, in the order of window_names. */
#define WINDOW_ESB		0
#define WINDOW_TIMA		1

/* PAPR hcall numbers and codes the pairing answers for XICS. */
#define H_HARDWARE		(-1)
#define H_EOI			0x64
#define H_CPPR			0x68
#define H_IPI			0x6c
#define H_IPOLL			0x70
#define H_XIRR			0x74
#define H_XIRR_X		0x2fc
#define RTAS_HW_ERROR		(-1)

struct xive_chip {
	struct chip *chip;
	struct xive *x;
	struct xive_config cfg;
	/* Per source: the inputs holding it high (bit n = protocol source n), wired-OR. */
	uint8_t *inputs;
	/* Per source: whether it is a claimed LSI (its input is a level). */
	bool *lsi;
	bool kvm_mode;
	bool *claimed;		/* kvm mode keeps the claims itself */
};

static void
op_cpu_irq(void *opaque, unsigned cpu, bool level)
{
	struct xive_chip *xc = opaque;
	struct delivery d = {
		.kind = DELIVER_CPU_IRQ, .chip = xc->chip, .cpu = cpu, .level = level,
	};

	log_debug("chip %s: cpu %u external interrupt %s", xc->chip->id, cpu,
	    level ? "raised" : "lowered");
	inject(xc->chip->srv, xc->chip->req, &d);
}

static int
op_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct xive_chip *xc = opaque;

	return guest_read(xc->chip->srv, gpa, buf, len);
}

static int
op_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct xive_chip *xc = opaque;

	return guest_write(xc->chip->srv, gpa, buf, len);
}

static int
op_ram_check(void *opaque, uint64_t gpa, uint64_t len)
{
	struct xive_chip *xc = opaque;

	return guest_check(xc->chip->srv, gpa, len);
}

static void
op_resample(void *opaque, uint32_t irq)
{
	struct xive_chip *xc = opaque;

	notifier_resample(xc->chip->srv, xc->chip, irq);
}

static void
op_guest_error(void *opaque, const char *kind, const char *msg)
{
	struct xive_chip *xc = opaque;

	chip_guest_error(xc->chip, kind, msg);
}

static const struct xive_ops chip_xive_ops = {
	.cpu_irq = op_cpu_irq,
	.read = op_read,
	.write = op_write,
	.ram_check = op_ram_check,
	.resample = op_resample,
	.guest_error = op_guest_error,
};

static const char *const xive_modes[] = { "full", "kvm", NULL };

static const struct arg_spec xive_config_args[] = {
	{ "esb-base", ARG_U64, 0, 0, UINT64_MAX, .help =
	    "guest address of the ESB window (default 0x6010000000000)" },
	{ "tima-base", ARG_U64, 0, 0, UINT64_MAX - XIVE_TIMA_SIZE + 1, .help =
	    "guest address of the TIMA's four 64 KiB pages (default 0x6030203180000)" },
	{ "esb-shift", ARG_U64, 0, 12, 17, .help =
	    "log2 of each source's ESB slot: 12, 13 (two 4 KiB pages), 16 or 17 (two "
	    "64 KiB pages, default)" },
	{ "irq-base", ARG_U64, 0, 0, XIVE_MAX_LISN - 1, .help =
	    "global number (LISN) of the first source (default 0: per-CPU IPIs at 0..cpus-1)" },
	{ "sources", ARG_U64, 0, 1, XIVE_MAX_SOURCES, .help =
	    "sources, numbered from irq-base (default 8192)" },
	{ "cpus", ARG_U64, 0, 1, XIVE_MAX_CPUS, .help = "CPUs: servers 0..cpus-1 (default 1)" },
	{ "store-eoi", ARG_BOOL, 0, .help = "offer StoreEOI (default false, as sPAPR)" },
	{ "msi-window", ARG_OBJECT, 0, .help =
	    "{\"address\", \"size\"}: the PHB MSI window (default 0x40000000000, 64 KiB)" },
	{ "mode", ARG_ENUM, 0, .values = xive_modes, .help =
	    "full (irqchipd is the XIVE; default) or kvm (KVM's in-kernel XIVE is)" },
	{ "pair-with", ARG_ID, 0, .help =
	    "the xics chip this XIVE pairs with: the guest chooses one at CAS (chip-select)" },
};

static int
xive_chip_create(struct chip *chip, const struct args *a, struct reply *r)
{
	struct xive_config cfg = {
		.irq_base = (uint32_t)args_u64(a, "irq-base", 0),
		.nsources = (unsigned)args_u64(a, "sources", 8192),
		.ncpus = (unsigned)args_u64(a, "cpus", 1),
		.esb_shift = (unsigned)args_u64(a, "esb-shift", XIVE_DEFAULT_ESB_SHIFT),
		.store_eoi = args_u64(a, "store-eoi", 0) != 0,
		.esb_base = args_u64(a, "esb-base", XIVE_DEFAULT_ESB_BASE),
		.msi_base = 0x40000000000ULL,
		.msi_size = 0x10000,
	};
	uint64_t tima = args_u64(a, "tima-base", XIVE_DEFAULT_TIMA_BASE), esb_size;
	const char *pair_id = args_str(a, "pair-with", NULL);
	struct chip *pair = NULL;
	struct xive_chip *xc;

	if (cfg.esb_shift != 12 && cfg.esb_shift != 13 && cfg.esb_shift != 16 &&
	    cfg.esb_shift != 17)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'esb-shift' must be 12, "
		    "13, 16 or 17, not %u", cfg.esb_shift);
	if ((uint64_t)cfg.irq_base + cfg.nsources > XIVE_MAX_LISN)
		return reply_error(r, ERR_INVALID_PARAMETER, "arguments 'irq-base' and "
		    "'sources' go past the last LISN of block 0 (2^28 - 1)");
	if (args_obj(a, "msi-window") != NULL &&
	    chip_parse_window(args_obj(a, "msi-window"), "msi-window", &cfg.msi_base,
	    &cfg.msi_size, r) < 0)
		return -EINVAL;
	if (pair_id != NULL) {
		pair = chip_find(chip->srv, pair_id);
		if (pair == NULL || strcmp(pair->cls->type, "xics") != 0)
			return reply_error(r, ERR_INVALID_PARAMETER, "argument 'pair-with' must "
			    "name a xics chip ('%s' is %s)", pair_id,
			    pair == NULL ? "no chip" : "not one");
		if (pair->pair != NULL)
			return reply_error(r, ERR_ALREADY_EXISTS, "argument 'pair-with': chip "
			    "'%s' is already paired with '%s'", pair_id, pair->pair->id);
	}
	xc = xcalloc(1, sizeof *xc);
	xc->chip = chip;
	xc->cfg = cfg;
	xc->x = xive_create(&cfg, &chip_xive_ops, xc);
	if (xc->x == NULL) {
		free(xc);
		return reply_error(r, ERR_INVALID_PARAMETER, "cannot create the XIVE with this "
		    "configuration: %s", strerror(errno));
	}
	esb_size = xive_esb_window_size(xc->x);
	if (cfg.esb_base + esb_size - 1 < cfg.esb_base) {
		xive_destroy(xc->x);
		free(xc);
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'esb-base': the ESB "
		    "window of 0x%" PRIx64 " bytes goes past 2^64", esb_size);
	}
	xc->inputs = xcalloc(cfg.nsources, 1);
	xc->lsi = xcalloc(cfg.nsources, sizeof *xc->lsi);
	xc->claimed = xcalloc(cfg.nsources, sizeof *xc->claimed);
	xc->kvm_mode = strcmp(args_str(a, "mode", "full"), "kvm") == 0;
	chip->priv = xc;
	chip->window[WINDOW_ESB].base = cfg.esb_base;
	chip->window[WINDOW_ESB].size = esb_size;
	chip->window[WINDOW_TIMA].base = tima;
	chip->window[WINDOW_TIMA].size = XIVE_TIMA_SIZE;
	chip->nwindows = 2;
	chip->line_base = cfg.irq_base;
	chip->nlines = cfg.nsources;
	chip->msi.base = cfg.msi_base;
	chip->msi.size = cfg.msi_size;
	if (pair != NULL) {
		chip->pair = pair;
		pair->pair = chip;
	}
	/* In kvm mode a source's GSI is its number (KVM's XIVE device numbering). */
	if (xc->kvm_mode) {
		chip->gsi_base = cfg.irq_base;
		chip->ngsi = cfg.nsources;
	}
	return 0;
}

static void
xive_chip_destroy(struct chip *chip)
{
	struct xive_chip *xc = chip->priv;

	xive_destroy(xc->x);
	free(xc->inputs);
	free(xc->lsi);
	free(xc->claimed);
	free(xc);
}

static void
xive_chip_unroute_all(struct chip *chip, struct request *req)
{
	struct xive_chip *xc = chip->priv;

	for (unsigned cpu = 0; cpu < xc->cfg.ncpus; cpu++) {
		if (xive_cpu_line(xc->x, cpu))
			op_cpu_irq(xc, cpu, false);
	}
}

static void
xive_chip_describe(struct chip *chip, json_object *o)
{
	struct xive_chip *xc = chip->priv;

	json_object_object_add(o, "mode", json_object_new_string(xc->kvm_mode ? "kvm" : "full"));
	json_object_object_add(o, "active", json_object_new_boolean(xive_active(xc->x)));
	json_object_object_add(o, "irq-base", json_object_new_int64(chip->line_base));
	json_object_object_add(o, "sources", json_object_new_int64(chip->nlines));
	json_object_object_add(o, "cpus", json_object_new_int64(xc->cfg.ncpus));
	json_object_object_add(o, "esb-base", wire_u64(chip->window[WINDOW_ESB].base));
	json_object_object_add(o, "esb-size", wire_u64(chip->window[WINDOW_ESB].size));
	json_object_object_add(o, "esb-shift", json_object_new_int((int)xc->cfg.esb_shift));
	json_object_object_add(o, "tima-base", wire_u64(chip->window[WINDOW_TIMA].base));
	json_object_object_add(o, "store-eoi", json_object_new_boolean(xc->cfg.store_eoi));
	if (chip->pair != NULL)
		json_object_object_add(o, "pair-with", json_object_new_string(chip->pair->id));
}

/* One claimed source, flat for irqchipctl's tables. */
static json_object *
source_json(struct xive_chip *xc, uint32_t irq, const struct xive_source_state *s)
{
	json_object *o = json_object_new_object();
	struct xive_eas_fields e;
	struct xive_source_counters k;

	xive_eas_decode(s->eas, &e);
	json_object_object_add(o, "irq", json_object_new_int64(irq));
	json_object_object_add(o, "type", json_object_new_string(
	    (s->flags & XIVE_SRC_LSI) ? "lsi" : "msi"));
	json_object_object_add(o, "pq", json_object_new_string(xive_pq_name(s->pq)));
	json_object_object_add(o, "asserted", json_object_new_boolean(
	    (s->flags & XIVE_SRC_ASSERTED) != 0));
	json_object_object_add(o, "eas-valid", json_object_new_boolean(e.valid));
	json_object_object_add(o, "eas-masked", json_object_new_boolean(e.masked));
	json_object_object_add(o, "end", json_object_new_int64(e.end_index));
	json_object_object_add(o, "eisn", json_object_new_int64(e.end_data));
	json_object_object_add(o, "inputs", json_object_new_int(xc->inputs[irq -
	    xc->cfg.irq_base]));
	if (xive_source_counters(xc->x, irq, &k) == 0) {
		json_object_object_add(o, "triggers", wire_u64(k.triggers));
		json_object_object_add(o, "notifies", wire_u64(k.notifies));
		json_object_object_add(o, "dropped", wire_u64(k.dropped));
		json_object_object_add(o, "eois", wire_u64(k.eois));
	}
	return o;
}

static json_object *
end_json(unsigned index, const struct xive_end_state *es)
{
	json_object *o = json_object_new_object();
	struct xive_end_fields f;

	xive_end_decode(es, &f);
	json_object_object_add(o, "end", json_object_new_int64(index));
	json_object_object_add(o, "cpu", json_object_new_int64(index / XIVE_PRIORITIES));
	json_object_object_add(o, "priority", json_object_new_int64(index % XIVE_PRIORITIES));
	json_object_object_add(o, "enqueue", json_object_new_boolean(f.enqueue));
	json_object_object_add(o, "qaddr", json_hex64(f.qaddr));
	json_object_object_add(o, "qsize", json_object_new_int64(f.qshift != 0 ?
	    (int64_t)1 << f.qshift : 0));
	json_object_object_add(o, "qindex", json_object_new_int64(f.qindex));
	json_object_object_add(o, "generation", json_object_new_int((int)f.generation));
	json_object_object_add(o, "esn", json_object_new_string(xive_pq_name(f.esn)));
	json_object_object_add(o, "ucond-notify", json_object_new_boolean(f.ucond_notify));
	json_object_object_add(o, "backlog", json_object_new_boolean(f.backlog));
	json_object_object_add(o, "escalate", json_object_new_boolean(f.escalate));
	return o;
}

static json_object *
tctx_json(struct xive_chip *xc, unsigned cpu, const struct xive_tctx_state *t)
{
	json_object *o = json_object_new_object();
	struct xive_tctx_os_fields f;
	struct xive_cpu_counters k;

	xive_tctx_os_decode(t, &f);
	json_object_object_add(o, "cpu", json_object_new_int64(cpu));
	json_object_object_add(o, "pushed", json_object_new_boolean(f.vo));
	json_object_object_add(o, "cam", json_object_new_int64(f.cam));
	json_object_object_add(o, "nsr", json_object_new_int(f.nsr));
	json_object_object_add(o, "cppr", json_object_new_int(f.cppr));
	json_object_object_add(o, "ipb", json_object_new_int(f.ipb));
	json_object_object_add(o, "pipr", json_object_new_int(f.pipr));
	json_object_object_add(o, "line", json_object_new_boolean(xive_cpu_line(xc->x, cpu)));
	if (xive_cpu_counters(xc->x, cpu, &k) == 0) {
		json_object_object_add(o, "events", wire_u64(k.events));
		json_object_object_add(o, "backlogged", wire_u64(k.backlogged));
		json_object_object_add(o, "acks", wire_u64(k.acks));
	}
	return o;
}

/*
 * The claimed sources paged by start and count; every END that enqueues and
 * every CPU's thread context (OS ring).
 */
static int
xive_chip_query(struct chip *chip, const struct args *a, struct reply *r)
{
	struct xive_chip *xc = chip->priv;
	struct xive_state *st = xive_state_alloc(xc->x);
	uint64_t start = args_u64(a, "start", 0), count = args_u64(a, "count", XIVE_QUERY_PAGE);
	json_object *srcs = json_object_new_array(), *ends = json_object_new_array();
	json_object *cpus = json_object_new_array();
	uint64_t nclaimed = 0;

	if (st == NULL || xive_get_state(xc->x, st) < 0)
		abort();	/* allocated for this very chip: cannot fail but for memory */
	xive_chip_describe(chip, r->ret);
	for (unsigned i = 0; i < st->nsources; i++) {
		if (!(st->src[i].flags & XIVE_SRC_CLAIMED))
			continue;
		if (nclaimed >= start && nclaimed - start < count)
			json_object_array_add(srcs, source_json(xc, st->irq_base + i,
			    &st->src[i]));
		nclaimed++;
	}
	for (unsigned e = 0; e < st->ncpus * XIVE_PRIORITIES; e++) {
		struct xive_end_fields f;

		xive_end_decode(&st->end[e], &f);
		if (f.valid)
			json_object_array_add(ends, end_json(e, &st->end[e]));
	}
	for (unsigned c = 0; c < st->ncpus; c++)
		json_object_array_add(cpus, tctx_json(xc, c, &st->tctx[c]));
	json_object_object_add(r->ret, "claimed", srcs);
	json_object_object_add(r->ret, "total-claimed", json_object_new_int64((int64_t)nclaimed));
	if (start + count < nclaimed)
		json_object_object_add(r->ret, "next", json_object_new_int64((int64_t)(start +
		    count)));
	json_object_object_add(r->ret, "ends", ends);
	json_object_object_add(r->ret, "thread-contexts", cpus);
	xive_state_free(st);
	return 0;
}

/*
 * The saved format, version 1: the shape (which must match), whether the
 * guest chose XIVE, the claimed sources as a list (PQ, EAS, the inputs),
 * every END's eight words, every NVT's sixteen, and every thread context's
 * 64 bytes as eight big-endian doublewords (the TIMA's bus order, so a
 * state reads the same on any host).
 */
struct xive_saved_source {
	uint32_t irq;
	uint8_t lsi, asserted, pq, inputs;
	uint64_t eas;
};

struct xive_saved_end {
	uint32_t w[8];
};

struct xive_saved_nvt {
	uint32_t w[16];
};

struct xive_saved_tctx {
	uint64_t q[XIVE_TCTX_SIZE / 8];
};

struct xive_saved {
	uint32_t irq_base, nsources, ncpus, esb_shift, nends;
	bool store_eoi, active;
	uint32_t nclaimed;
	struct xive_saved_source *src;	/* room for XIVE_MAX_SOURCES */
	struct xive_saved_end *end;	/* ncpus * 8 */
	struct xive_saved_nvt *nvt;	/* ncpus */
	struct xive_saved_tctx *tctx;	/* ncpus */
};

static const struct state_field xive_source_fields[] = {
	STATE_FIELD("irq", STATE_U32, struct xive_saved_source, irq, 0, XIVE_MAX_LISN - 1),
	STATE_FIELD("lsi", STATE_U8, struct xive_saved_source, lsi, 0, 1),
	STATE_FIELD("asserted", STATE_U8, struct xive_saved_source, asserted, 0, 1),
	STATE_FIELD("pq", STATE_U8, struct xive_saved_source, pq, 0, 3),
	STATE_FIELD("eas", STATE_HEX64, struct xive_saved_source, eas, 0, UINT64_MAX),
	STATE_FIELD("inputs", STATE_U8, struct xive_saved_source, inputs, 0,
	    (1U << SOURCE_PROTOCOL) | (1U << SOURCE_NOTIFIER)),
};

#define W(n, st) STATE_FIELD("w" #n, STATE_U32, st, w[n], 0, UINT32_MAX)
static const struct state_field xive_end_fields[] = {
	W(0, struct xive_saved_end), W(1, struct xive_saved_end), W(2, struct xive_saved_end),
	W(3, struct xive_saved_end), W(4, struct xive_saved_end), W(5, struct xive_saved_end),
	W(6, struct xive_saved_end), W(7, struct xive_saved_end),
};
static const struct state_field xive_nvt_fields[] = {
	W(0, struct xive_saved_nvt), W(1, struct xive_saved_nvt), W(2, struct xive_saved_nvt),
	W(3, struct xive_saved_nvt), W(4, struct xive_saved_nvt), W(5, struct xive_saved_nvt),
	W(6, struct xive_saved_nvt), W(7, struct xive_saved_nvt), W(8, struct xive_saved_nvt),
	W(9, struct xive_saved_nvt), W(10, struct xive_saved_nvt), W(11, struct xive_saved_nvt),
	W(12, struct xive_saved_nvt), W(13, struct xive_saved_nvt), W(14, struct xive_saved_nvt),
	W(15, struct xive_saved_nvt),
};
#undef W
#define Q(n) STATE_FIELD("q" #n, STATE_HEX64, struct xive_saved_tctx, q[n], 0, UINT64_MAX)
static const struct state_field xive_tctx_fields[] = {
	Q(0), Q(1), Q(2), Q(3), Q(4), Q(5), Q(6), Q(7),
};
#undef Q

static const struct state_field xive_fields[] = {
	STATE_IDENTITY("irq-base", STATE_U32, struct xive_saved, irq_base),
	STATE_IDENTITY("sources", STATE_U32, struct xive_saved, nsources),
	STATE_IDENTITY("cpus", STATE_U32, struct xive_saved, ncpus),
	STATE_IDENTITY("esb-shift", STATE_U32, struct xive_saved, esb_shift),
	STATE_IDENTITY("store-eoi", STATE_BOOL, struct xive_saved, store_eoi),
	STATE_FIELD("active", STATE_BOOL, struct xive_saved, active, 0, 1),
	STATE_LIST("claimed", struct xive_saved, src, XIVE_MAX_SOURCES, nclaimed,
	    xive_source_fields),
	STATE_POINTED_OBJECTS("ends", struct xive_saved, end, XIVE_MAX_CPUS * XIVE_PRIORITIES,
	    nends, xive_end_fields),
	STATE_POINTED_OBJECTS("nvts", struct xive_saved, nvt, XIVE_MAX_CPUS, ncpus,
	    xive_nvt_fields),
	STATE_POINTED_OBJECTS("thread-contexts", struct xive_saved, tctx, XIVE_MAX_CPUS, ncpus,
	    xive_tctx_fields),
};

static const struct state_desc xive_state_desc = {
	.format = XIVE_STATE_FORMAT,
	.version = XIVE_SAVED_VERSION,
	.min_version = 1,
	.fields = xive_fields,
	.nfields = ARRAY_SIZE(xive_fields),
};

static void
saved_free(struct xive_saved *sv)
{
	free(sv->src);
	free(sv->end);
	free(sv->nvt);
	free(sv->tctx);
	free(sv);
}

static struct xive_saved *
saved_now(struct xive_chip *xc)
{
	struct xive_state *st = xive_state_alloc(xc->x);
	struct xive_saved *sv = xcalloc(1, sizeof *sv);

	if (st == NULL || xive_get_state(xc->x, st) < 0)
		abort();	/* allocated for this very chip: cannot fail but for memory */
	sv->irq_base = st->irq_base;
	sv->nsources = st->nsources;
	sv->ncpus = st->ncpus;
	sv->esb_shift = st->esb_shift;
	sv->store_eoi = st->store_eoi;
	sv->active = st->active;
	sv->nends = st->ncpus * XIVE_PRIORITIES;
	sv->src = xcalloc(XIVE_MAX_SOURCES, sizeof *sv->src);
	sv->end = xcalloc(sv->nends, sizeof *sv->end);
	sv->nvt = xcalloc(st->ncpus, sizeof *sv->nvt);
	sv->tctx = xcalloc(st->ncpus, sizeof *sv->tctx);
	for (unsigned i = 0; i < st->nsources; i++) {
		const struct xive_source_state *s = &st->src[i];
		struct xive_saved_source *d;

		if (!(s->flags & XIVE_SRC_CLAIMED))
			continue;
		d = &sv->src[sv->nclaimed++];
		d->irq = st->irq_base + i;
		d->lsi = (s->flags & XIVE_SRC_LSI) != 0;
		d->asserted = (s->flags & XIVE_SRC_ASSERTED) != 0;
		d->pq = s->pq;
		d->eas = s->eas;
		d->inputs = xc->inputs[i];
	}
	for (unsigned e = 0; e < sv->nends; e++)
		memcpy(sv->end[e].w, st->end[e].w, sizeof sv->end[e].w);
	for (unsigned c = 0; c < st->ncpus; c++) {
		memcpy(sv->nvt[c].w, st->nvt[c].w, sizeof sv->nvt[c].w);
		for (unsigned q = 0; q < XIVE_TCTX_SIZE / 8; q++)
			sv->tctx[c].q[q] = ld_be64(st->tctx[c].regs + 8 * q);
	}
	xive_state_free(st);
	return sv;
}

static int
xive_chip_save(struct chip *chip, struct reply *r)
{
	struct xive_saved *sv = saved_now(chip->priv);

	json_object_object_add(r->ret, "state", state_save(&xive_state_desc, sv));
	saved_free(sv);
	return 0;
}

static int
xive_chip_load(struct chip *chip, struct request *req, json_object *js, struct reply *r)
{
	struct xive_chip *xc = chip->priv;
	struct xive_saved *sv = saved_now(xc);
	struct xive_state *st = xive_state_alloc(xc->x);
	uint8_t *inputs = xcalloc(chip->nlines, 1);
	int rc = -EINVAL;

	if (st == NULL || xive_get_state(xc->x, st) < 0)
		abort();
	sv->nclaimed = 0;
	if (state_load(&xive_state_desc, js, sv, r) < 0)
		goto out;
	/* Start from every source free, then the listed ones. */
	for (unsigned i = 0; i < st->nsources; i++)
		memset(&st->src[i], 0, sizeof st->src[i]);
	for (unsigned k = 0; k < sv->nclaimed; k++) {
		const struct xive_saved_source *s = &sv->src[k];
		uint32_t i = s->irq - chip->line_base;

		if (s->irq < chip->line_base || i >= chip->nlines) {
			reply_error(r, ERR_INVALID_PARAMETER, "state.claimed[%u].irq %u is outside "
			    "this chip's numbers %u..%u", k, s->irq, chip->line_base,
			    chip->line_base + chip->nlines - 1);
			goto out;
		}
		if (st->src[i].flags & XIVE_SRC_CLAIMED) {
			reply_error(r, ERR_INVALID_PARAMETER, "state.claimed[%u].irq %u appears "
			    "twice", k, s->irq);
			goto out;
		}
		if (s->lsi && (s->inputs != 0) != (s->asserted != 0)) {
			reply_error(r, ERR_INVALID_PARAMETER, "state.claimed[%u]: an LSI's inputs "
			    "and its asserted input disagree", k);
			goto out;
		}
		st->src[i].flags = XIVE_SRC_CLAIMED | (s->lsi ? XIVE_SRC_LSI : 0) |
		    (s->asserted ? XIVE_SRC_ASSERTED : 0);
		st->src[i].pq = s->pq;
		st->src[i].eas = s->eas;
		inputs[i] = s->lsi ? s->inputs : 0;
	}
	st->active = sv->active;
	for (unsigned e = 0; e < sv->nends; e++)
		memcpy(st->end[e].w, sv->end[e].w, sizeof st->end[e].w);
	for (unsigned c = 0; c < st->ncpus; c++) {
		memcpy(st->nvt[c].w, sv->nvt[c].w, sizeof st->nvt[c].w);
		for (unsigned q = 0; q < XIVE_TCTX_SIZE / 8; q++)
			st_be64(st->tctx[c].regs + 8 * q, sv->tctx[c].q[q]);
	}
	if (xive_set_state(xc->x, st) < 0) {
		reply_error(r, ERR_INVALID_PARAMETER, "state does not fit this XIVE (a value "
		    "no guest could set, or a queue outside guest RAM)");
		goto out;
	}
	memcpy(xc->inputs, inputs, chip->nlines);
	for (unsigned i = 0; i < chip->nlines; i++) {
		xc->lsi[i] = (st->src[i].flags & (XIVE_SRC_CLAIMED | XIVE_SRC_LSI)) ==
		    (XIVE_SRC_CLAIMED | XIVE_SRC_LSI);
		xc->claimed[i] = (st->src[i].flags & XIVE_SRC_CLAIMED) != 0;
	}
	rc = 0;
out:
	free(inputs);
	xive_state_free(st);
	saved_free(sv);
	return rc;
}

static void
xive_chip_reset(struct chip *chip, struct request *req)
{
	struct xive_chip *xc = chip->priv;

	xive_reset(xc->x);
}

static void
xive_chip_announce(struct chip *chip, struct request *req)
{
	struct xive_chip *xc = chip->priv;

	xive_announce_lines(xc->x);
}

/* One guest access in either window: the ESB's, or the calling CPU's TIMA. */
static int
xive_access(struct chip *chip, struct mmio_access *acc, bool write, struct reply *r)
{
	struct xive_chip *xc = chip->priv;
	int rc;

	if (xc->kvm_mode)
		return reply_error(r, ERR_UNSUPPORTED, "chip '%s' is in kvm mode: its ESB and "
		    "TIMA pages are KVM's", chip->id);
	if (acc->window == WINDOW_TIMA && acc->cpu >= xc->cfg.ncpus)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'cpu' must be in 0..%u "
		    "for a TIMA access", xc->cfg.ncpus - 1);
	if (acc->window == WINDOW_ESB)
		rc = write ? xive_esb_write(xc->x, acc->offset, acc->size, acc->value) :
		    xive_esb_read(xc->x, acc->offset, acc->size, &acc->value);
	else
		rc = write ? xive_tima_write(xc->x, acc->cpu, acc->offset, acc->size,
		    acc->value) : xive_tima_read(xc->x, acc->cpu, acc->offset, acc->size,
		    &acc->value);
	if (rc < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "offset 0x%" PRIx64 " size %u: "
		    "not an access the XIVE takes", acc->offset, acc->size);
	return 0;
}

static int
xive_chip_mmio_read(struct chip *chip, struct request *req, struct mmio_access *acc,
    struct reply *r)
{
	return xive_access(chip, acc, false, r);
}

static int
xive_chip_mmio_write(struct chip *chip, struct request *req, const struct mmio_access *acc,
    struct reply *r)
{
	struct mmio_access a = *acc;

	return xive_access(chip, &a, true, r);
}

static int
xive_chip_line_set(struct chip *chip, struct request *req, unsigned line, unsigned source,
    bool level)
{
	struct xive_chip *xc = chip->priv;
	unsigned i = line - chip->line_base;
	int rc;

	if (xc->kvm_mode && !xc->claimed[i])
		return -ENOENT;
	/* An MSI fires on each rising input; it has no level to remember. */
	if (!xc->lsi[i]) {
		if (!level)
			return 0;
		if (!xc->kvm_mode)
			return xive_set_irq(xc->x, line, true);
		chip_route_line(chip, req, line, 1);
		return 0;
	}
	/* An LSI follows the OR of its inputs. */
	if (!chip_input_update(&xc->inputs[i], source, level))
		return 0;
	if (xc->kvm_mode) {
		chip_route_line(chip, req, line, xc->inputs[i] != 0);
		return 0;
	}
	if ((rc = xive_set_irq(xc->x, line, xc->inputs[i] != 0)) < 0)
		xc->inputs[i] = 0;
	return rc;
}

static int
xive_chip_line_pulse(struct chip *chip, struct request *req, unsigned line,
    unsigned source)
{
	int rc = xive_chip_line_set(chip, req, line, source, true);

	return rc < 0 ? rc : xive_chip_line_set(chip, req, line, source, false);
}

static int
xive_chip_msi(struct chip *chip, struct request *req, const struct msi_write *m,
    struct reply *r)
{
	struct xive_chip *xc = chip->priv;
	uint32_t i = m->data - chip->line_base;
	char why[128];

	if (xc->kvm_mode) {
		/* The data is the LISN; it must name a claimed MSI source. */
		if (m->data < chip->line_base || i >= chip->nlines || !xc->claimed[i] ||
		    xc->lsi[i]) {
			reason(why, sizeof why, "MSI data %u names no claimed MSI source",
			    m->data);
			chip_guest_error(chip, "msi-bad-data", why);
			return 0;
		}
		chip_route_line(chip, req, m->data, 1);
		return 0;
	}
	(void)xive_msi_write(xc->x, m->address, m->data);
	return 0;
}

static bool
xics_opcode(uint64_t op)
{
	return op == H_EOI || op == H_CPPR || op == H_IPI || op == H_IPOLL || op == H_XIRR ||
	    op == H_XIRR_X;
}

static int
xive_chip_hcall(struct chip *chip, struct request *req, struct hcall *h, struct reply *r)
{
	struct xive_chip *xc = chip->priv;
	uint64_t rets[XIVE_HCALL_MAX_RETS];
	unsigned nrets = 0;

	if (h->cpu >= xc->cfg.ncpus)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'cpu' must be a server "
		    "number in 0..%u", xc->cfg.ncpus - 1);
	if (xc->kvm_mode) {
		h->ret = -2;	/* H_FUNCTION: the in-kernel XIVE takes the hcalls */
		return 0;
	}
	/* PAPR: the XICS calls fail while the guest runs on XIVE. */
	if (xics_opcode(h->opcode) && xive_active(xc->x)) {
		h->ret = H_HARDWARE;
		return 0;
	}
	h->ret = xive_hcall(xc->x, h->cpu, h->opcode, h->args, h->nargs, rets, &nrets);
	for (unsigned i = 0; i < nrets && i < XIVE_HCALL_MAX_RETS; i++)
		h->values[i] = rets[i];
	h->nvalues = nrets;
	return 0;
}

/* The XICS RTAS calls are the only interrupt RTAS calls; under XIVE they fail. */
static int
xive_chip_rtas(struct chip *chip, struct request *req, struct rtas_call *c, struct reply *r)
{
	static const char *const xics_calls[] = { "ibm,set-xive", "ibm,get-xive",
	    "ibm,int-off", "ibm,int-on" };
	char esc[96];

	for (size_t i = 0; i < ARRAY_SIZE(xics_calls); i++) {
		if (strcmp(c->name, xics_calls[i]) == 0) {
			c->status = RTAS_HW_ERROR;
			return 0;
		}
	}
	return reply_error(r, ERR_INVALID_PARAMETER, "argument 'name': a xive chip has no "
	    "RTAS call '%s'", log_escape(c->name, esc, sizeof esc));
}

static int
xive_chip_irq_claim(struct chip *chip, struct request *req, bool has_irq, uint32_t *irq,
    unsigned count, const char *type, unsigned align, struct reply *r)
{
	struct xive_chip *xc = chip->priv;
	uint32_t first;
	int rc;

	rc = xive_irq_claim(xc->x, has_irq ? *irq : XIVE_IRQ_ANY, count, align,
	    strcmp(type, "lsi") == 0, &first);
	if (rc == -EBUSY)
		return reply_error(r, ERR_ALREADY_EXISTS, "a number in %u..%u is already "
		    "claimed", *irq, *irq + count - 1);
	if (rc == -ENOSPC)
		return reply_error(r, ERR_INVALID_PARAMETER, "no free block of %u numbers "
		    "aligned to %u", count, align);
	if (rc < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "arguments 'irq' and 'count' must "
		    "name numbers in %u..%u", chip->line_base, chip->line_base + chip->nlines - 1);
	*irq = first;
	for (unsigned i = 0; i < count; i++) {
		xc->lsi[first - chip->line_base + i] = strcmp(type, "lsi") == 0;
		xc->claimed[first - chip->line_base + i] = true;
	}
	return 0;
}

static int
xive_chip_irq_free(struct chip *chip, struct request *req, uint32_t irq, unsigned count,
    struct reply *r)
{
	struct xive_chip *xc = chip->priv;
	int rc = xive_irq_free(xc->x, irq, count);

	if (rc == -ENOENT)
		return reply_error(r, ERR_DEVICE_NOT_FOUND, "a number in %u..%u is not claimed",
		    irq, irq + count - 1);
	if (rc < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "arguments 'irq' and 'count' must "
		    "name numbers in %u..%u", chip->line_base, chip->line_base + chip->nlines - 1);
	for (unsigned i = 0; i < count; i++) {
		xc->inputs[irq - chip->line_base + i] = 0;
		xc->lsi[irq - chip->line_base + i] = false;
		xc->claimed[irq - chip->line_base + i] = false;
	}
	return 0;
}

/* CAS: the guest chose XIVE (active) or XICS (reset, claims and levels kept). */
static void
xive_chip_select(struct chip *chip, struct request *req, bool active)
{
	struct xive_chip *xc = chip->priv;

	xive_reset(xc->x);
	xive_set_active(xc->x, active);
	log_info("chip %s: the guest %s XIVE", chip->id, active ? "chose" : "left");
}

static void
xive_chip_limits(json_object *l)
{
	json_object_object_add(l, "max-xive-sources", json_object_new_int64(XIVE_MAX_SOURCES));
	json_object_object_add(l, "max-xive-cpus", json_object_new_int(XIVE_MAX_CPUS));
}

static const char *const xive_windows[] = { "esb", "tima", NULL };

const struct chip_class chip_class_xive = {
	.type = "xive",
	.help = "POWER sPAPR XIVE: ESB pages, router, event queues, thread contexts (H_INT_*)",
	.config_args = xive_config_args,
	.nconfig_args = ARRAY_SIZE(xive_config_args),
	.window_names = xive_windows,
	.limits = xive_chip_limits,
	.create = xive_chip_create,
	.destroy = xive_chip_destroy,
	.unroute_all = xive_chip_unroute_all,
	.describe = xive_chip_describe,
	.query = xive_chip_query,
	.save = xive_chip_save,
	.load = xive_chip_load,
	.reset = xive_chip_reset,
	.announce = xive_chip_announce,
	.mmio_read = xive_chip_mmio_read,
	.mmio_write = xive_chip_mmio_write,
	.line_set = xive_chip_line_set,
	.line_pulse = xive_chip_line_pulse,
	.msi = xive_chip_msi,
	.hcall = xive_chip_hcall,
	.rtas = xive_chip_rtas,
	.irq_claim = xive_chip_irq_claim,
	.irq_free = xive_chip_irq_free,
	.select = xive_chip_select,
};

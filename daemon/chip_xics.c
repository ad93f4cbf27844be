/*
 * The "xics" chip type: emul/xics behind the protocol, the sPAPR interrupt
 * controller of a pseries guest (LoPAPR "Interrupt Controller" chapters; the
 * hcalls of PAPR 14.5.4.8). Lines are global interrupt numbers: the chip owns
 * [irq-base, irq-base + sources), and a source fires only once irq-claim
 * gave it a type.
 *
 * Two modes:
 *   full  irqchipd is the ICS and every ICP: hcalls and RTAS come here, and
 *         a presenter's output is a cpu-irq effect (KVM_INTERRUPT, VMM side);
 *   kvm   KVM's in-kernel XICS presents: irqchipd only routes a source to
 *         the GSI of the same number, through its irqfd or an irq-line
 *         effect (KVM_IRQ_LINE: 1 fires an MSI or asserts an LSI, 0
 *         deasserts), and answers hcalls with H_FUNCTION and RTAS calls with
 *         a hardware error, since the kernel owns them.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "daemon.h"
#include "log.h"
#include "wire.h"
#include "xics/xics.h"
#include "xmalloc.h"

#define XICS_STATE_FORMAT	"irqchipd-xics"
#define XICS_STATE_VERSION	1
/* chip-query's default page: sources and presenters shown per request. */
#define XICS_QUERY_PAGE		256

struct xics_chip {
	struct chip *chip;
	struct xics *x;
	bool kvm_mode;
	uint64_t msi_base, msi_size;
	/* Per source: the inputs holding it high (bit n = protocol source n), wired-OR. */
	uint8_t *inputs;
};

static const char *const xics_modes[] = { "full", "kvm", NULL };

static void
op_cpu_irq(void *opaque, unsigned server, bool level)
{
	struct xics_chip *xc = opaque;
	struct delivery d = {
		.kind = DELIVER_CPU_IRQ, .chip = xc->chip, .cpu = server, .level = level,
	};

	log_debug("chip %s: server %u external interrupt %s", xc->chip->id, server,
	    level ? "raised" : "lowered");
	inject(xc->chip->srv, xc->chip->req, &d);
}

static void
op_resample(void *opaque, uint32_t irq)
{
	struct xics_chip *xc = opaque;

	notifier_resample(xc->chip->srv, xc->chip, irq);
}

static void
op_guest_error(void *opaque, const char *kind, const char *msg)
{
	struct xics_chip *xc = opaque;

	chip_guest_error(xc->chip, kind, msg);
}

static const struct xics_ops chip_xics_ops = {
	.cpu_irq = op_cpu_irq,
	.resample = op_resample,
	.guest_error = op_guest_error,
};

static const struct arg_spec xics_config_args[] = {
	{ "irq-base", ARG_U64, 0, XICS_IRQ_BASE_MIN, XICS_IRQ_LIMIT - 1, .help =
	    "global interrupt number of the first source (default 4096)" },
	{ "sources", ARG_U64, 0, 1, XICS_MAX_SOURCES, .help =
	    "interrupt sources, numbered from irq-base (default 4096)" },
	{ "cpus", ARG_U64, 0, 1, XICS_MAX_SERVERS, .help =
	    "presenters: servers 0..cpus-1 (default 1)" },
	{ "mode", ARG_ENUM, 0, .values = xics_modes, .help =
	    "full (irqchipd presents; default) or kvm (KVM's in-kernel XICS presents)" },
	{ "msi-window", ARG_OBJECT, 0, .help =
	    "{\"address\", \"size\"}: the PHB MSI window (default 0x40000000000, 64 KiB)" },
};

/* Reads the msi-window object: exactly address and size. */
static int
xics_chip_create(struct chip *chip, const struct args *a, struct reply *r)
{
	struct xics_config cfg;
	struct xics_chip *xc;

	xics_config_default(&cfg);
	cfg.irq_base = (uint32_t)args_u64(a, "irq-base", XICS_DEFAULT_IRQ_BASE);
	cfg.nsources = (unsigned)args_u64(a, "sources", XICS_DEFAULT_SOURCES);
	cfg.nservers = (unsigned)args_u64(a, "cpus", 1);
	if ((uint64_t)cfg.irq_base + cfg.nsources > XICS_IRQ_LIMIT)
		return reply_error(r, ERR_INVALID_PARAMETER, "arguments 'irq-base' and "
		    "'sources': numbers %u..%" PRIu64 " go past 2^24 - 1, the widest XISR",
		    cfg.irq_base, (uint64_t)cfg.irq_base + cfg.nsources - 1);
	if (args_obj(a, "msi-window") != NULL &&
	    chip_parse_window(args_obj(a, "msi-window"), "msi-window", &cfg.msi_base,
	    &cfg.msi_size, r) < 0)
		return -EINVAL;

	xc = xcalloc(1, sizeof *xc);
	xc->chip = chip;
	xc->kvm_mode = strcmp(args_str(a, "mode", "full"), "kvm") == 0;
	xc->msi_base = cfg.msi_base;
	xc->msi_size = cfg.msi_size;
	xc->x = xics_create(&cfg, &chip_xics_ops, xc);
	if (xc->x == NULL) {
		free(xc);
		return reply_error(r, ERR_GENERIC, "cannot create the XICS: %s", strerror(errno));
	}
	xc->inputs = xcalloc(cfg.nsources, 1);
	chip->priv = xc;
	chip->line_base = cfg.irq_base;
	chip->nlines = cfg.nsources;
	chip->msi.base = cfg.msi_base;
	chip->msi.size = cfg.msi_size;
	/* In kvm mode a source's GSI is its number (KVM's XICS device numbering). */
	if (xc->kvm_mode) {
		chip->gsi_base = cfg.irq_base;
		chip->ngsi = cfg.nsources;
	}
	return 0;
}

static void
xics_chip_destroy(struct chip *chip)
{
	struct xics_chip *xc = chip->priv;

	xics_destroy(xc->x);
	free(xc->inputs);
	free(xc);
}

/* chip-del: every presenter's line goes down with the chip. */
static void
xics_chip_unroute_all(struct chip *chip, struct request *req)
{
	struct xics_chip *xc = chip->priv;
	struct xics_icp_info icp;

	for (unsigned s = 0; !xc->kvm_mode && s < xics_nservers(xc->x); s++) {
		if (xics_query_icp(xc->x, s, &icp) == 0 && icp.line)
			op_cpu_irq(xc, s, false);
	}
}

static void
xics_chip_describe(struct chip *chip, json_object *o)
{
	struct xics_chip *xc = chip->priv;
	json_object *w = json_object_new_object();

	json_object_object_add(o, "mode", json_object_new_string(xc->kvm_mode ? "kvm" : "full"));
	json_object_object_add(o, "irq-base", json_object_new_int64(chip->line_base));
	json_object_object_add(o, "sources", json_object_new_int64(chip->nlines));
	json_object_object_add(o, "cpus", json_object_new_int64(xics_nservers(xc->x)));
	json_object_object_add(w, "address", wire_u64(xc->msi_base));
	json_object_object_add(w, "size", wire_u64(xc->msi_size));
	json_object_object_add(o, "msi-window", w);
}

static json_object *
source_json(const struct xics_source_info *s, uint8_t inputs)
{
	json_object *o = json_object_new_object();
	char status[64];

	xics_status_format(s->st.status, status, sizeof status);
	json_object_object_add(o, "irq", json_object_new_int64(s->irq));
	json_object_object_add(o, "type", json_object_new_string(xics_type_name(s->st.type)));
	json_object_object_add(o, "server", json_object_new_int64(s->st.server));
	json_object_object_add(o, "priority", json_object_new_int(s->st.priority));
	json_object_object_add(o, "saved-priority", json_object_new_int(s->st.saved_priority));
	json_object_object_add(o, "masked", json_object_new_boolean(s->masked));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "inputs", json_object_new_int(inputs));
	/* Flat, so that irqchipctl shows the sources as one table. */
	json_object_object_add(o, "triggers", wire_u64(s->counters.triggers));
	json_object_object_add(o, "delivered", wire_u64(s->counters.delivered));
	json_object_object_add(o, "rejected", wire_u64(s->counters.rejected));
	json_object_object_add(o, "resent", wire_u64(s->counters.resent));
	json_object_object_add(o, "eois", wire_u64(s->counters.eois));
	return o;
}

static json_object *
icp_json(const struct xics_icp_info *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "server", json_object_new_int64(p->server));
	json_object_object_add(o, "xirr", json_object_new_int64(p->st.xirr));
	json_object_object_add(o, "cppr", json_object_new_int(p->cppr));
	json_object_object_add(o, "xisr", json_object_new_int64(p->xisr));
	json_object_object_add(o, "mfrr", json_object_new_int(p->st.mfrr));
	json_object_object_add(o, "pending-priority", json_object_new_int(p->st.pending_priority));
	json_object_object_add(o, "ipi-pending", json_object_new_boolean(p->ipi_pending));
	json_object_object_add(o, "line", json_object_new_boolean(p->line));
	return o;
}

/*
 * The claimed sources and the presenters, each paged by start and count
 * (indexes into the list of claimed sources, and server numbers).
 */
static int
xics_chip_query(struct chip *chip, const struct args *a, struct reply *r)
{
	struct xics_chip *xc = chip->priv;
	uint64_t start = args_u64(a, "start", 0), count = args_u64(a, "count", XICS_QUERY_PAGE);
	json_object *sources = json_object_new_array(), *icps = json_object_new_array();
	json_object *c = json_object_new_object();
	struct xics_counters k;
	struct xics_source_info si;
	struct xics_icp_info pi;
	uint64_t nclaimed = 0, next = 0;
	unsigned nservers = xics_nservers(xc->x);

	xics_chip_describe(chip, r->ret);
	for (unsigned i = 0; i < chip->nlines; i++) {
		if (xics_query_source(xc->x, chip->line_base + i, &si) < 0)
			continue;
		if (nclaimed >= start && nclaimed - start < count)
			json_object_array_add(sources, source_json(&si, xc->inputs[i]));
		nclaimed++;
	}
	for (uint64_t s = start; s < nservers && s - start < count; s++) {
		xics_query_icp(xc->x, (unsigned)s, &pi);
		json_object_array_add(icps, icp_json(&pi));
	}
	if (start + count < nclaimed || start + count < nservers)
		next = start + count;
	json_object_object_add(r->ret, "total-claimed", json_object_new_int64((int64_t)nclaimed));
	json_object_object_add(r->ret, "total-presenters", json_object_new_int64(nservers));
	if (next != 0)
		json_object_object_add(r->ret, "next", json_object_new_int64((int64_t)next));
	json_object_object_add(r->ret, "claimed", sources);
	json_object_object_add(r->ret, "presenters", icps);
	xics_query_counters(xc->x, &k);
	json_object_object_add(c, "triggers", wire_u64(k.sources.triggers));
	json_object_object_add(c, "delivered", wire_u64(k.sources.delivered));
	json_object_object_add(c, "rejected", wire_u64(k.sources.rejected));
	json_object_object_add(c, "resent", wire_u64(k.sources.resent));
	json_object_object_add(c, "eois", wire_u64(k.sources.eois));
	json_object_object_add(c, "ipis", wire_u64(k.ipis));
	json_object_object_add(c, "hcalls", wire_u64(k.hcalls));
	json_object_object_add(c, "rtas-calls", wire_u64(k.rtas_calls));
	json_object_object_add(c, "msis", wire_u64(k.msis));
	json_object_object_add(r->ret, "counters", c);
	return 0;
}

/*
 * The saved format, version 1: the shape (which must match), then the
 * claimed sources only, as a list (a fresh chip has thousands of free ones),
 * then every presenter.
 */
struct xics_saved_source {
	uint32_t irq;
	uint8_t type, status, priority, saved_priority;
	uint32_t server;
	uint8_t inputs;
};

struct xics_saved {
	uint32_t irq_base, nsources, nservers;
	uint32_t nclaimed;
	struct xics_saved_source *src;	/* room for XICS_MAX_SOURCES */
	struct xics_icp_state *icp;	/* nservers */
};

static const struct state_field xics_source_fields[] = {
	STATE_FIELD("irq", STATE_U32, struct xics_saved_source, irq, 0, XICS_IRQ_LIMIT - 1),
	STATE_FIELD("type", STATE_U8, struct xics_saved_source, type, XICS_TYPE_LSI,
	    XICS_TYPE_MSI),
	STATE_FIELD("status", STATE_U8, struct xics_saved_source, status, 0, 0xf),
	STATE_FIELD("priority", STATE_U8, struct xics_saved_source, priority, 0, 255),
	STATE_FIELD("saved-priority", STATE_U8, struct xics_saved_source, saved_priority, 0,
	    255),
	STATE_FIELD("server", STATE_U32, struct xics_saved_source, server, 0,
	    XICS_MAX_SERVERS - 1),
	/* The protocol's input (bit 0) and the notifier's (bit 1), as for the ioapic. */
	STATE_FIELD("inputs", STATE_U8, struct xics_saved_source, inputs, 0,
	    (1U << SOURCE_PROTOCOL) | (1U << SOURCE_NOTIFIER)),
};

static const struct state_field xics_icp_fields[] = {
	STATE_FIELD("xirr", STATE_U32, struct xics_icp_state, xirr, 0, UINT32_MAX),
	STATE_FIELD("mfrr", STATE_U8, struct xics_icp_state, mfrr, 0, 255),
	STATE_FIELD("pending-priority", STATE_U8, struct xics_icp_state, pending_priority, 0,
	    255),
};

static const struct state_field xics_fields[] = {
	STATE_IDENTITY("irq-base", STATE_U32, struct xics_saved, irq_base),
	STATE_IDENTITY("sources", STATE_U32, struct xics_saved, nsources),
	STATE_IDENTITY("cpus", STATE_U32, struct xics_saved, nservers),
	STATE_LIST("claimed", struct xics_saved, src, XICS_MAX_SOURCES, nclaimed,
	    xics_source_fields),
	STATE_POINTED_OBJECTS("presenters", struct xics_saved, icp, XICS_MAX_SERVERS, nservers,
	    xics_icp_fields),
};

static const struct state_desc xics_state_desc = {
	.format = XICS_STATE_FORMAT,
	.version = XICS_STATE_VERSION,
	.min_version = 1,
	.fields = xics_fields,
	.nfields = ARRAY_SIZE(xics_fields),
};

static void
saved_free(struct xics_saved *sv)
{
	if (sv != NULL) {
		free(sv->src);
		free(sv->icp);
		free(sv);
	}
}

/* The chip now, in the saved shape. */
static struct xics_saved *
saved_now(struct xics_chip *xc)
{
	struct xics_state *st = xics_state_alloc(xc->x);
	struct xics_saved *sv = xcalloc(1, sizeof *sv);

	if (st == NULL)
		abort();	/* xics_state_alloc fails only for lack of memory */
	xics_get_state(xc->x, st);
	sv->irq_base = st->irq_base;
	sv->nsources = st->nsources;
	sv->nservers = st->nservers;
	/* Room for the most a saved list may hold, which a load checks against. */
	sv->src = xcalloc(XICS_MAX_SOURCES, sizeof *sv->src);
	sv->icp = xcalloc(st->nservers, sizeof *sv->icp);
	for (unsigned i = 0; i < st->nsources; i++) {
		const struct xics_source_state *s = &st->source[i];
		struct xics_saved_source *d;

		if (s->type == XICS_TYPE_FREE)
			continue;
		d = &sv->src[sv->nclaimed++];
		d->irq = st->irq_base + i;
		d->type = s->type;
		d->status = s->status;
		d->priority = s->priority;
		d->saved_priority = s->saved_priority;
		d->server = s->server;
		d->inputs = xc->inputs[i];
	}
	memcpy(sv->icp, st->icp, st->nservers * sizeof *sv->icp);
	xics_state_free(st);
	return sv;
}

static int
xics_chip_save(struct chip *chip, struct reply *r)
{
	struct xics_saved *sv = saved_now(chip->priv);

	json_object_object_add(r->ret, "state", state_save(&xics_state_desc, sv));
	saved_free(sv);
	return 0;
}

static int
xics_chip_load(struct chip *chip, struct request *req, json_object *js, struct reply *r)
{
	struct xics_chip *xc = chip->priv;
	struct xics_saved *sv = saved_now(xc);
	struct xics_state *st = NULL;
	uint8_t *inputs = NULL;
	char why[256];
	int rc = -EINVAL;

	sv->nclaimed = 0;
	if (state_load(&xics_state_desc, js, sv, r) < 0)
		goto out;
	st = xics_state_alloc(xc->x);
	inputs = xcalloc(chip->nlines, 1);
	if (st == NULL)
		abort();
	st->irq_base = sv->irq_base;
	st->nsources = sv->nsources;
	st->nservers = sv->nservers;
	for (unsigned i = 0; i < st->nsources; i++) {
		st->source[i].priority = XICS_PRIORITY_MASKED;
		st->source[i].saved_priority = XICS_PRIORITY_MASKED;
	}
	for (unsigned k = 0; k < sv->nclaimed; k++) {
		const struct xics_saved_source *s = &sv->src[k];
		struct xics_source_state *d;
		uint32_t i = s->irq - chip->line_base;

		if (s->irq < chip->line_base || i >= chip->nlines) {
			reply_error(r, ERR_INVALID_PARAMETER, "state.claimed[%u].irq %u is outside "
			    "this chip's numbers %u..%u", k, s->irq, chip->line_base,
			    chip->line_base + chip->nlines - 1);
			goto out;
		}
		d = &st->source[i];
		if (d->type != XICS_TYPE_FREE) {
			reply_error(r, ERR_INVALID_PARAMETER, "state.claimed[%u].irq %u appears "
			    "twice", k, s->irq);
			goto out;
		}
		if (((s->inputs != 0) != ((s->status & XICS_STATUS_ASSERTED) != 0)) &&
		    s->type == XICS_TYPE_LSI) {
			reply_error(r, ERR_INVALID_PARAMETER, "state.claimed[%u]: an LSI's inputs "
			    "and its asserted status disagree", k);
			goto out;
		}
		d->type = s->type;
		d->status = s->status;
		d->priority = s->priority;
		d->saved_priority = s->saved_priority;
		d->server = s->server;
		inputs[i] = s->type == XICS_TYPE_LSI ? s->inputs : 0;
	}
	memcpy(st->icp, sv->icp, st->nservers * sizeof *st->icp);
	if (xics_set_state(xc->x, st, why, sizeof why) < 0) {
		reply_error(r, ERR_INVALID_PARAMETER, "state does not fit this XICS: %s", why);
		goto out;
	}
	memcpy(xc->inputs, inputs, chip->nlines);
	rc = 0;
out:
	free(inputs);
	if (st != NULL)
		xics_state_free(st);
	saved_free(sv);
	return rc;
}

static void
xics_chip_reset(struct chip *chip, struct request *req)
{
	struct xics_chip *xc = chip->priv;

	xics_reset(xc->x);
}

/* A reconnecting VMM learns every presenter's line again. */
static void
xics_chip_announce(struct chip *chip, struct request *req)
{
	struct xics_chip *xc = chip->priv;

	if (!xc->kvm_mode)
		xics_announce_lines(xc->x);
}

static int
xics_chip_line_set(struct chip *chip, struct request *req, unsigned line, unsigned source,
    bool level)
{
	struct xics_chip *xc = chip->priv;
	unsigned i = line - chip->line_base;
	bool changed, now;
	enum xics_type type;
	int rc;

	if ((rc = xics_irq_check(xc->x, line, &type, NULL, 0)) < 0)
		return rc;
	changed = chip_input_update(&xc->inputs[i], source, level);
	now = xc->inputs[i] != 0;
	/* An MSI fires on a rising input; an LSI follows the OR of its inputs. */
	if (type == XICS_TYPE_MSI) {
		xc->inputs[i] = 0;
		if (!level)
			return 0;
		if (!xc->kvm_mode)
			return xics_set_irq(xc->x, line, true);
		chip_route_line(xc->chip, req, line, 1);
		return 0;
	}
	if (!changed)
		return 0;
	if (!xc->kvm_mode)
		return xics_set_irq(xc->x, line, now);
	chip_route_line(xc->chip, req, line, now);
	return 0;
}

static int
xics_chip_line_pulse(struct chip *chip, struct request *req, unsigned line,
    unsigned source)
{
	int rc = xics_chip_line_set(chip, req, line, source, true);

	return rc < 0 ? rc : xics_chip_line_set(chip, req, line, source, false);
}

static int
xics_chip_msi(struct chip *chip, struct request *req, const struct msi_write *m,
    struct reply *r)
{
	struct xics_chip *xc = chip->priv;
	char why[256];
	uint32_t irq;

	if (xc->kvm_mode) {
		if (xics_msi_decode(xc->x, m->address, m->data, &irq, why, sizeof why) < 0) {
			chip_guest_error(chip, "msi-bad-data", why);
			return 0;
		}
		chip_route_line(chip, req, irq, 1);
		return 0;
	}
	(void)xics_msi_write(xc->x, m->address, m->data);
	return 0;
}

static int
xics_chip_translate(struct chip *chip, const struct args *a, struct reply *r)
{
	struct xics_chip *xc = chip->priv;
	uint64_t address = args_u64(a, "address", xc->msi_base);
	char why[256];
	uint32_t irq;

	if (!args_has(a, "data"))
		return reply_error(r, ERR_INVALID_PARAMETER, "a xics chip translates an MSI: "
		    "give 'data' (and 'address', default the start of its MSI window)");
	if (xics_msi_decode(xc->x, address, (uint32_t)args_u64(a, "data", 0), &irq, why,
	    sizeof why) < 0) {
		json_object_object_add(r->ret, "translated", json_object_new_boolean(false));
		json_object_object_add(r->ret, "reason", json_object_new_string(why));
		return 0;
	}
	json_object_object_add(r->ret, "translated", json_object_new_boolean(true));
	json_object_object_add(r->ret, "irq", json_object_new_int64(irq));
	return 0;
}

static int
xics_chip_hcall(struct chip *chip, struct request *req, struct hcall *h, struct reply *r)
{
	struct xics_chip *xc = chip->priv;
	uint64_t rets[XICS_HCALL_MAX_RETS];
	unsigned nrets = 0;
	long ret = 0;

	if (xc->kvm_mode) {
		h->ret = XICS_H_FUNCTION;
		return 0;
	}
	if (h->cpu >= xics_nservers(xc->x))
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'cpu' must be a server "
		    "number in 0..%u", xics_nservers(xc->x) - 1);
	if (xics_hcall(xc->x, h->cpu, h->opcode, h->args, h->nargs, rets, &nrets,
	    h->timebase, &ret) < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'args': %s takes more "
		    "arguments than the %u given", xics_hcall_name(h->opcode) != NULL ?
		    xics_hcall_name(h->opcode) : "this hcall", h->nargs);
	h->ret = ret;
	for (unsigned i = 0; i < nrets && i < XICS_HCALL_MAX_RETS; i++)
		h->values[i] = rets[i];
	h->nvalues = nrets;
	return 0;
}

static int
xics_chip_rtas(struct chip *chip, struct request *req, struct rtas_call *c, struct reply *r)
{
	struct xics_chip *xc = chip->priv;
	uint32_t args[ARG_U64S_MAX], rets[ARG_U64S_MAX] = { 0 };
	int call = xics_rtas_lookup(c->name);
	char esc[96];

	if (call < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'name': a xics chip "
		    "takes ibm,set-xive, ibm,get-xive, ibm,int-off and ibm,int-on, not '%s'",
		    log_escape(c->name, esc, sizeof esc));
	if (xc->kvm_mode) {
		c->status = XICS_RTAS_HW_ERROR;
		return 0;
	}
	if (c->cpu >= xics_nservers(xc->x))
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'cpu' must be a server "
		    "number in 0..%u", xics_nservers(xc->x) - 1);
	for (unsigned i = 0; i < c->nargs; i++)
		args[i] = (uint32_t)c->args[i];
	if (xics_rtas(xc->x, c->cpu, (enum xics_rtas_call)call, args, c->nargs, rets,
	    c->nret) < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "the RTAS call was refused");
	if (c->nret == 0) {
		c->status = XICS_RTAS_PARAM_ERROR;
		return 0;
	}
	c->status = (int32_t)rets[0];
	for (unsigned i = 1; i < c->nret; i++)
		c->values[c->nvalues++] = rets[i];
	return 0;
}

static int
claim_error(int rc, const char *why, struct reply *r)
{
	enum error_class cls = rc == -EBUSY ? ERR_ALREADY_EXISTS :
	    rc == -ENOENT ? ERR_DEVICE_NOT_FOUND : ERR_INVALID_PARAMETER;

	return reply_error(r, cls, "%s", why[0] != '\0' ? why : strerror(-rc));
}

static int
xics_chip_irq_claim(struct chip *chip, struct request *req, bool has_irq, uint32_t *irq,
    unsigned count, const char *type, unsigned align, struct reply *r)
{
	struct xics_chip *xc = chip->priv;
	enum xics_type t = (enum xics_type)xics_type_lookup(type);
	char why[256] = "";
	int rc;

	if (has_irq)
		rc = xics_claim(xc->x, *irq, count, t, why, sizeof why);
	else
		rc = xics_alloc(xc->x, count, align, t, irq, why, sizeof why);
	if (rc < 0)
		return claim_error(rc, why, r);
	log_debug("chip %s: claimed %u %s sources from %u", chip->id, count, type, *irq);
	return 0;
}

static int
xics_chip_irq_free(struct chip *chip, struct request *req, uint32_t irq, unsigned count,
    struct reply *r)
{
	struct xics_chip *xc = chip->priv;
	char why[256] = "";
	int rc;

	if ((rc = xics_free(xc->x, irq, count, why, sizeof why)) < 0)
		return claim_error(rc, why, r);
	/* A freed source keeps no input: a later claim starts with its line low. */
	for (unsigned i = 0; i < count; i++)
		xc->inputs[irq - chip->line_base + i] = 0;
	return 0;
}

/* CAS: the guest left XICS for XIVE (reset, claims and levels kept), or came back. */
static void
xics_chip_select(struct chip *chip, struct request *req, bool active)
{
	struct xics_chip *xc = chip->priv;

	xics_reset(xc->x);
	if (!active)
		log_info("chip %s: the guest left XICS", chip->id);
}

static void
xics_chip_limits(json_object *l)
{
	json_object_object_add(l, "max-xics-sources", json_object_new_int(XICS_MAX_SOURCES));
	json_object_object_add(l, "max-xics-cpus", json_object_new_int(XICS_MAX_SERVERS));
}

const struct chip_class chip_class_xics = {
	.type = "xics",
	.help = "POWER sPAPR XICS: interrupt sources and presenters (hcalls, RTAS)",
	.config_args = xics_config_args,
	.nconfig_args = ARRAY_SIZE(xics_config_args),
	.limits = xics_chip_limits,
	.create = xics_chip_create,
	.destroy = xics_chip_destroy,
	.unroute_all = xics_chip_unroute_all,
	.describe = xics_chip_describe,
	.query = xics_chip_query,
	.save = xics_chip_save,
	.load = xics_chip_load,
	.reset = xics_chip_reset,
	.announce = xics_chip_announce,
	.line_set = xics_chip_line_set,
	.line_pulse = xics_chip_line_pulse,
	.msi = xics_chip_msi,
	.translate = xics_chip_translate,
	.hcall = xics_chip_hcall,
	.rtas = xics_chip_rtas,
	.irq_claim = xics_chip_irq_claim,
	.irq_free = xics_chip_irq_free,
	.select = xics_chip_select,
};

/*
 * The "gicv3-its" chip type: emul/gicv3-its behind the protocol, an Arm GICv3
 * Interrupt Translation Service (Arm IHI 0069, chapter 5 and 6). The guest
 * programs it through its 128 KiB register frame and a command queue in its
 * RAM (memory-add); devices write GITS_TRANSLATER (the msi command: address
 * base + 0x10040, data the EventID, source the DeviceID).
 *
 * KVM on arm64 injects LPIs only through its own in-kernel ITS
 * (Documentation/virt/kvm/devices/arm-vgic-its.rst), so this ITS serves two
 * kinds of VMM: one that owns the redistributors (a userspace GIC), which
 * receives each translated LPI as an lpi effect and the redistributor-side
 * work of the commands as its-command effects, in queue order; and one that
 * uses KVM's ITS, for which `translate` answers what a device's MSI would
 * become, and why not when it would not.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "daemon.h"
#include "gicv3-its/gicv3_its.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"

#define ITS_STATE_FORMAT	"irqchipd-gicv3-its"
#define ITS_STATE_VERSION	1
/* QEMU's virt machine puts its ITS here; any 64 KiB aligned base will do. */
#define ITS_DEFAULT_BASE	0x08080000ULL
/* chip-query's default page of devices (each shows its ITT). */
#define ITS_QUERY_PAGE		64

struct its_chip {
	struct chip *chip;
	struct its *its;
	struct its_config cfg;
	bool cil;		/* cidbits was given: GITS_TYPER.CIL */
};

static int
op_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct its_chip *ic = opaque;

	return guest_read(ic->chip->srv, gpa, buf, len);
}

static int
op_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct its_chip *ic = opaque;

	return guest_write(ic->chip->srv, gpa, buf, len);
}

static bool
op_deliver_lpi(void *opaque, uint32_t intid, uint32_t target, uint32_t devid,
    uint32_t eventid)
{
	struct its_chip *ic = opaque;
	struct delivery d = {
		.kind = DELIVER_LPI, .chip = ic->chip, .intid = intid, .target = target,
		.device = devid, .event = eventid,
	};

	log_debug("chip %s: device %u event %u -> LPI %u on processor %u", ic->chip->id,
	    devid, eventid, intid, target);
	return inject(ic->chip->srv, ic->chip->req, &d);
}

/* The redistributor-side work of a command, as the VMM that owns them needs it. */
static void
op_redist_cmd(void *opaque, const struct its_redist_cmd *c)
{
	struct its_chip *ic = opaque;
	json_object *o = json_object_new_object();
	const char *name = its_cmd_name(c->cmd);

	json_object_object_add(o, "command", json_object_new_string(name != NULL ? name : "?"));
	switch (c->cmd) {
	case ITS_CMD_MOVALL:
		/* Every pending LPI of one redistributor moves to another. */
		json_object_object_add(o, "from", json_object_new_int64(c->target));
		json_object_object_add(o, "to", json_object_new_int64(c->target2));
		break;
	case ITS_CMD_INVALL:
		json_object_object_add(o, "collection", json_object_new_int(c->icid));
		json_object_object_add(o, "target", json_object_new_int64(c->target));
		break;
	case ITS_CMD_SYNC:
		json_object_object_add(o, "target", json_object_new_int64(c->target));
		break;
	case ITS_CMD_MOVI:
		/* The LPI's pending state moves from target to target2. */
		json_object_object_add(o, "device", json_object_new_int64(c->devid));
		json_object_object_add(o, "event", json_object_new_int64(c->eventid));
		json_object_object_add(o, "intid", json_object_new_int64(c->intid));
		json_object_object_add(o, "collection", json_object_new_int(c->icid));
		json_object_object_add(o, "from", json_object_new_int64(c->target));
		json_object_object_add(o, "to", json_object_new_int64(c->target2));
		break;
	default:	/* CLEAR, INV, DISCARD: one LPI on one redistributor */
		json_object_object_add(o, "device", json_object_new_int64(c->devid));
		json_object_object_add(o, "event", json_object_new_int64(c->eventid));
		json_object_object_add(o, "intid", json_object_new_int64(c->intid));
		json_object_object_add(o, "collection", json_object_new_int(c->icid));
		json_object_object_add(o, "target", json_object_new_int64(c->target));
		break;
	}
	inject_effect(ic->chip->srv, ic->chip->req, "its-command", o);
}

static void
op_guest_error(void *opaque, const char *kind, const char *msg)
{
	struct its_chip *ic = opaque;

	chip_guest_error(ic->chip, kind, msg);
}

static const struct its_ops chip_its_ops = {
	.read = op_read,
	.write = op_write,
	.deliver_lpi = op_deliver_lpi,
	.redist_cmd = op_redist_cmd,
	.guest_error = op_guest_error,
};

static const char *const its_error_policies[] = { "stall", "skip", NULL };

static const struct arg_spec its_config_args[] = {
	{ "base", ARG_U64, 0, 0, UINT64_MAX - ITS_WINDOW_SIZE + 1, .help =
	    "guest-physical base of the 128 KiB register frame, 64 KiB aligned "
	    "(default 0x8080000)" },
	{ "devbits", ARG_U64, 0, 1, 32, .help = "DeviceID bits (default 16)" },
	{ "eventid-bits", ARG_U64, 0, 1, 32, .help = "EventID bits (default 16)" },
	{ "cidbits", ARG_U64, 0, 1, 16, .help =
	    "collection ID bits; given, GITS_TYPER.CIL is set (default 16, CIL clear)" },
	{ "intid-bits", ARG_U64, 0, 14, 32, .help =
	    "LPI INTID bits, standing in for the redistributors' PROPBASER.IDbits (default 16)" },
	{ "cpus", ARG_U64, 0, 1, 65536, .help =
	    "processors a collection may target, by number (default 1)" },
	{ "page-sizes", ARG_U64S, 0, 4096, 65536, .maxlen = 3, .help =
	    "table page sizes the BASERs offer: any of 4096, 16384, 65536 (default all)" },
	{ "indirect", ARG_BOOL, 0, .help = "two-level device and collection tables (default true)" },
	{ "errors", ARG_ENUM, 0, .values = its_error_policies, .help =
	    "a failing command stalls the queue until CWRITER.Retry (stall, default) or is "
	    "skipped (skip)" },
};

static int
its_chip_create(struct chip *chip, const struct args *a, struct reply *r)
{
	uint64_t base = args_u64(a, "base", ITS_DEFAULT_BASE);
	const uint64_t *sizes;
	unsigned nsizes = args_u64s(a, "page-sizes", &sizes);
	struct its_chip *ic;
	struct its_config cfg;

	if (base % ITS_WINDOW_ALIGN != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'base' must be 64 KiB "
		    "aligned (0x%" PRIx64 " is not)", base);
	its_config_default(&cfg);
	cfg.devbits = (unsigned)args_u64(a, "devbits", cfg.devbits);
	cfg.eventid_bits = (unsigned)args_u64(a, "eventid-bits", cfg.eventid_bits);
	cfg.cidbits = (unsigned)args_u64(a, "cidbits", 0);
	cfg.intid_bits = (unsigned)args_u64(a, "intid-bits", cfg.intid_bits);
	cfg.cpus = (unsigned)args_u64(a, "cpus", cfg.cpus);
	cfg.indirect = args_u64(a, "indirect", cfg.indirect) != 0;
	cfg.errors = strcmp(args_str(a, "errors", "stall"), "skip") == 0 ? ITS_ERRORS_SKIP :
	    ITS_ERRORS_STALL;
	if (nsizes > 0) {
		cfg.page_sizes = 0;
		for (unsigned i = 0; i < nsizes; i++) {
			if (sizes[i] == 4096)
				cfg.page_sizes |= ITS_PAGE_4K;
			else if (sizes[i] == 16384)
				cfg.page_sizes |= ITS_PAGE_16K;
			else if (sizes[i] == 65536)
				cfg.page_sizes |= ITS_PAGE_64K;
			else
				return reply_error(r, ERR_INVALID_PARAMETER, "argument 'page-sizes' "
				    "may hold 4096, 16384 and 65536 only, not %" PRIu64, sizes[i]);
		}
	}
	ic = xcalloc(1, sizeof *ic);
	ic->chip = chip;
	ic->cfg = cfg;
	ic->cil = args_has(a, "cidbits");
	ic->its = its_create(&cfg, &chip_its_ops, ic);
	if (ic->its == NULL) {
		free(ic);
		return reply_error(r, ERR_INVALID_PARAMETER, "cannot create the ITS with this "
		    "configuration: %s", strerror(errno));
	}
	chip->priv = ic;
	chip->window[0].base = base;
	chip->window[0].size = ITS_WINDOW_SIZE;
	chip->nwindows = 1;
	/* Devices write GITS_TRANSLATER: 32 bits at base + 0x10040. */
	chip->msi.base = base + ITS_TRANSLATER_OFFSET;
	chip->msi.size = 4;
	return 0;
}

static void
its_chip_destroy(struct chip *chip)
{
	struct its_chip *ic = chip->priv;

	its_destroy(ic->its);
	free(ic);
}

static void
its_chip_describe(struct chip *chip, json_object *o)
{
	struct its_chip *ic = chip->priv;
	struct its_status st;

	its_get_status(ic->its, &st);
	json_object_object_add(o, "base", wire_u64(chip->window[0].base));
	json_object_object_add(o, "size", wire_u64(ITS_WINDOW_SIZE));
	json_object_object_add(o, "translater", wire_u64(chip->msi.base));
	json_object_object_add(o, "devbits", json_object_new_int((int)ic->cfg.devbits));
	json_object_object_add(o, "eventid-bits", json_object_new_int((int)ic->cfg.eventid_bits));
	json_object_object_add(o, "cidbits", json_object_new_int(ic->cil ?
	    (int)ic->cfg.cidbits : 16));
	json_object_object_add(o, "intid-bits", json_object_new_int((int)ic->cfg.intid_bits));
	json_object_object_add(o, "cpus", json_object_new_int64(ic->cfg.cpus));
	json_object_object_add(o, "errors", json_object_new_string(
	    ic->cfg.errors == ITS_ERRORS_SKIP ? "skip" : "stall"));
	json_object_object_add(o, "enabled", json_object_new_boolean(st.enabled));
}

static json_object *
error_json(const struct its_cmd_error *e)
{
	json_object *o = json_object_new_object();
	const char *cmd = its_cmd_name(e->cmd), *name = its_error_name(e->code);

	json_object_object_add(o, "code", json_object_new_int64(e->code));
	json_object_object_add(o, "name", json_object_new_string(e->memory ? "memory-error" :
	    name != NULL ? name : "?"));
	json_object_object_add(o, "command", json_object_new_string(cmd != NULL ? cmd : "?"));
	json_object_object_add(o, "offset", json_object_new_int64(e->offset));
	return o;
}

struct walk {
	struct its_chip *ic;
	json_object *list;
	uint64_t start, count, seen;
};

static int
itt_entry(void *arg, uint32_t eventid, uint32_t intid, uint16_t icid)
{
	json_object *list = arg, *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_int64(eventid));
	json_object_object_add(o, "intid", json_object_new_int64(intid));
	json_object_object_add(o, "collection", json_object_new_int(icid));
	json_object_array_add(list, o);
	return 0;
}

static int
device_entry(void *arg, uint32_t devid, const struct its_dte *dte)
{
	struct walk *w = arg;
	json_object *o, *itt;

	if (w->seen++ < w->start || w->seen - w->start > w->count)
		return 0;
	o = json_object_new_object();
	itt = json_object_new_array();
	json_object_object_add(o, "device", json_object_new_int64(devid));
	json_object_object_add(o, "itt", wire_u64(dte->itt_addr));
	json_object_object_add(o, "eventid-bits", json_object_new_int((int)dte->eventid_bits));
	(void)its_walk_itt(w->ic->its, devid, itt_entry, itt);
	json_object_object_add(o, "events", itt);
	json_object_array_add(w->list, o);
	return 0;
}

static int
collection_entry(void *arg, uint16_t icid, uint32_t target)
{
	json_object *list = arg, *o = json_object_new_object();

	json_object_object_add(o, "collection", json_object_new_int(icid));
	json_object_object_add(o, "target", json_object_new_int64(target));
	json_object_array_add(list, o);
	return 0;
}

/*
 * Registers decoded, the queue, the last error, and the tables as they are
 * in guest memory: every mapped collection, and the mapped devices paged by
 * start and count, each with its interrupt translation table.
 */
static int
its_chip_query(struct chip *chip, const struct args *a, struct reply *r)
{
	struct its_chip *ic = chip->priv;
	struct its_status st;
	struct its_state rs;
	struct walk w = { .ic = ic, .start = args_u64(a, "start", 0),
	    .count = args_u64(a, "count", ITS_QUERY_PAGE) };
	json_object *regs = json_object_new_object(), *baser = json_object_new_array();
	json_object *colls = json_object_new_array(), *c = json_object_new_object();
	int rc;

	its_get_status(ic->its, &st);
	its_get_state(ic->its, &rs);
	its_chip_describe(chip, r->ret);
	json_object_object_add(regs, "ctlr", json_object_new_int64(rs.ctlr));
	json_object_object_add(regs, "iidr", json_object_new_int64(rs.iidr));
	json_object_object_add(regs, "cbaser", json_hex64(rs.cbaser));
	json_object_object_add(regs, "cwriter", json_hex64(rs.cwriter));
	json_object_object_add(regs, "creadr", json_hex64(rs.creadr));
	for (int i = 0; i < ITS_BASER_COUNT; i++)
		json_object_array_add(baser, json_hex64(rs.baser[i]));
	json_object_object_add(regs, "baser", baser);
	json_object_object_add(r->ret, "registers", regs);
	json_object_object_add(r->ret, "quiescent", json_object_new_boolean(st.quiescent));
	json_object_object_add(r->ret, "stalled", json_object_new_boolean(st.stalled));
	json_object_object_add(r->ret, "queue-read", json_object_new_int64(st.creadr));
	json_object_object_add(r->ret, "queue-write", json_object_new_int64(st.cwriter));
	if (st.last_error.valid)
		json_object_object_add(r->ret, "last-error", error_json(&st.last_error));
	json_object_object_add(c, "commands", wire_u64(st.commands));
	json_object_object_add(c, "cache-hits", wire_u64(st.cache_hits));
	json_object_object_add(c, "cache-misses", wire_u64(st.cache_misses));
	json_object_object_add(r->ret, "counters", c);
	w.list = json_object_new_array();
	rc = its_walk_devices(ic->its, device_entry, &w);
	json_object_object_add(r->ret, "devices", w.list);
	json_object_object_add(r->ret, "total-devices", json_object_new_int64((int64_t)w.seen));
	if (w.start + w.count < w.seen)
		json_object_object_add(r->ret, "next",
		    json_object_new_int64((int64_t)(w.start + w.count)));
	(void)its_walk_collections(ic->its, collection_entry, colls);
	json_object_object_add(r->ret, "collections", colls);
	/* A table the guest pointed outside RAM reads as far as it could. */
	if (rc < 0)
		json_object_object_add(r->ret, "tables-readable", json_object_new_boolean(false));
	return 0;
}

/*
 * The saved format, version 1: the configuration (which must match), then
 * the registers; the tables are in guest memory, which the VMM migrates, and
 * a load reads them back from it (add the memory before chip-load).
 */
struct its_saved {
	uint64_t base;
	uint32_t devbits, eventid_bits, cidbits, intid_bits, cpus;
	struct its_state s;
};

static const struct state_field its_fields[] = {
	STATE_IDENTITY("base", STATE_U64, struct its_saved, base),
	STATE_IDENTITY("devbits", STATE_U32, struct its_saved, devbits),
	STATE_IDENTITY("eventid-bits", STATE_U32, struct its_saved, eventid_bits),
	STATE_IDENTITY("cidbits", STATE_U32, struct its_saved, cidbits),
	STATE_IDENTITY("intid-bits", STATE_U32, struct its_saved, intid_bits),
	STATE_IDENTITY("cpus", STATE_U32, struct its_saved, cpus),
	STATE_FIELD("iidr", STATE_U32, struct its_saved, s.iidr, 0, UINT32_MAX),
	STATE_FIELD("cbaser", STATE_HEX64, struct its_saved, s.cbaser, 0, UINT64_MAX),
	STATE_FIELD("creadr", STATE_HEX64, struct its_saved, s.creadr, 0, UINT64_MAX),
	STATE_FIELD("cwriter", STATE_HEX64, struct its_saved, s.cwriter, 0, UINT64_MAX),
	STATE_FIELD("baser0", STATE_HEX64, struct its_saved, s.baser[0], 0, UINT64_MAX),
	STATE_FIELD("baser1", STATE_HEX64, struct its_saved, s.baser[1], 0, UINT64_MAX),
	STATE_FIELD("baser2", STATE_HEX64, struct its_saved, s.baser[2], 0, UINT64_MAX),
	STATE_FIELD("baser3", STATE_HEX64, struct its_saved, s.baser[3], 0, UINT64_MAX),
	STATE_FIELD("baser4", STATE_HEX64, struct its_saved, s.baser[4], 0, UINT64_MAX),
	STATE_FIELD("baser5", STATE_HEX64, struct its_saved, s.baser[5], 0, UINT64_MAX),
	STATE_FIELD("baser6", STATE_HEX64, struct its_saved, s.baser[6], 0, UINT64_MAX),
	STATE_FIELD("baser7", STATE_HEX64, struct its_saved, s.baser[7], 0, UINT64_MAX),
	STATE_FIELD("ctlr", STATE_U32, struct its_saved, s.ctlr, 0, UINT32_MAX),
	STATE_FIELD("error-valid", STATE_BOOL, struct its_saved, s.last_error.valid, 0, 1),
	STATE_FIELD("error-memory", STATE_BOOL, struct its_saved, s.last_error.memory, 0, 1),
	STATE_FIELD("error-code", STATE_U32, struct its_saved, s.last_error.code, 0, 0xffffff),
	STATE_FIELD("error-command", STATE_U8, struct its_saved, s.last_error.cmd, 0, 255),
	STATE_FIELD("error-offset", STATE_U32, struct its_saved, s.last_error.offset, 0,
	    UINT32_MAX),
};

static const struct state_desc its_state_desc = {
	.format = ITS_STATE_FORMAT,
	.version = ITS_STATE_VERSION,
	.min_version = 1,
	.fields = its_fields,
	.nfields = ARRAY_SIZE(its_fields),
};

static void
saved_now(struct chip *chip, struct its_saved *sv)
{
	struct its_chip *ic = chip->priv;

	memset(sv, 0, sizeof *sv);
	sv->base = chip->window[0].base;
	sv->devbits = ic->cfg.devbits;
	sv->eventid_bits = ic->cfg.eventid_bits;
	sv->cidbits = ic->cil ? ic->cfg.cidbits : 16;
	sv->intid_bits = ic->cfg.intid_bits;
	sv->cpus = ic->cfg.cpus;
	its_get_state(ic->its, &sv->s);
}

static int
its_chip_save(struct chip *chip, struct reply *r)
{
	struct its_saved sv;

	saved_now(chip, &sv);
	json_object_object_add(r->ret, "state", state_save(&its_state_desc, &sv));
	return 0;
}

static int
its_chip_load(struct chip *chip, struct request *req, json_object *st, struct reply *r)
{
	struct its_chip *ic = chip->priv;
	struct its_saved sv;
	char why[256];

	saved_now(chip, &sv);
	if (state_load(&its_state_desc, st, &sv, r) < 0)
		return -EINVAL;
	if (its_set_state(ic->its, &sv.s, why, sizeof why) < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "state does not fit this ITS or "
		    "its guest memory: %s", why);
	return 0;
}

static void
its_chip_reset(struct chip *chip, struct request *req)
{
	struct its_chip *ic = chip->priv;

	its_reset(ic->its);
}

static int
its_chip_mmio_read(struct chip *chip, struct request *req, struct mmio_access *acc,
    struct reply *r)
{
	struct its_chip *ic = chip->priv;

	if (its_mmio_read(ic->its, acc->offset, acc->size, &acc->value) < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "offset 0x%" PRIx64 " size %u is "
		    "outside the ITS frame", acc->offset, acc->size);
	return 0;
}

/* A CWRITER write runs the queue here: its deliveries and redistributor work are effects. */
static int
its_chip_mmio_write(struct chip *chip, struct request *req, const struct mmio_access *acc,
    struct reply *r)
{
	struct its_chip *ic = chip->priv;

	if (its_mmio_write(ic->its, acc->offset, acc->size, acc->value) < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "offset 0x%" PRIx64 " size %u is "
		    "outside the ITS frame", acc->offset, acc->size);
	return 0;
}

static int
its_chip_msi(struct chip *chip, struct request *req, const struct msi_write *m,
    struct reply *r)
{
	struct its_chip *ic = chip->priv;

	if (!m->has_source)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'source' is required: a "
		    "GICv3 ITS translates the writer's DeviceID with the EventID in 'data'");
	if (m->address != chip->msi.base)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'address': devices write "
		    "GITS_TRANSLATER at 0x%" PRIx64 " with 32 bits", chip->msi.base);
	/* An MSI nothing translates is the guest's (counted) error: no effect. */
	(void)its_msi(ic->its, m->source, m->data);
	return 0;
}

static int
its_chip_translate(struct chip *chip, const struct args *a, struct reply *r)
{
	struct its_chip *ic = chip->priv;
	struct its_translation t;
	uint64_t dev, ev;

	if (args_has(a, "device") || args_has(a, "event")) {
		if (!args_has(a, "device") || !args_has(a, "event"))
			return reply_error(r, ERR_INVALID_PARAMETER, "a gicv3-its chip translates "
			    "a 'device' and an 'event' together");
		dev = args_u64(a, "device", 0);
		ev = args_u64(a, "event", 0);
	} else if (args_has(a, "source") && args_has(a, "data")) {
		dev = args_u64(a, "source", 0);
		ev = args_u64(a, "data", 0);
	} else {
		return reply_error(r, ERR_INVALID_PARAMETER, "a gicv3-its chip translates "
		    "'device' and 'event' (or an MSI's 'source' and 'data')");
	}
	(void)its_translate(ic->its, (uint32_t)dev, (uint32_t)ev, &t);
	json_object_object_add(r->ret, "translated", json_object_new_boolean(
	    t.status == ITS_XLATE_OK));
	json_object_object_add(r->ret, "device", json_object_new_int64((int64_t)dev));
	json_object_object_add(r->ret, "event", json_object_new_int64((int64_t)ev));
	if (t.status != ITS_XLATE_OK) {
		json_object_object_add(r->ret, "reason", json_object_new_string(t.reason));
		return 0;
	}
	json_object_object_add(r->ret, "intid", json_object_new_int64(t.intid));
	json_object_object_add(r->ret, "collection", json_object_new_int(t.icid));
	json_object_object_add(r->ret, "target", json_object_new_int64(t.target));
	return 0;
}

static const char *const its_windows[] = { "registers", NULL };

const struct chip_class chip_class_gicv3_its = {
	.type = "gicv3-its",
	.help = "Arm GICv3 Interrupt Translation Service (command queue, tables in guest RAM)",
	.config_args = its_config_args,
	.nconfig_args = ARRAY_SIZE(its_config_args),
	.window_names = its_windows,
	.create = its_chip_create,
	.destroy = its_chip_destroy,
	.describe = its_chip_describe,
	.query = its_chip_query,
	.save = its_chip_save,
	.load = its_chip_load,
	.reset = its_chip_reset,
	.mmio_read = its_chip_mmio_read,
	.mmio_write = its_chip_mmio_write,
	.msi = its_chip_msi,
	.translate = its_chip_translate,
};

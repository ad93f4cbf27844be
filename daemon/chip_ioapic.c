/*
 * The "ioapic" chip type: emul/ioapic behind the protocol. Pin n is GSI
 * gsi-base + n; its route is mirrored into the VMM's routing table on every
 * redirection-entry write so KVM's split irqchip exits on level EOIs
 * (SPECS.md 1.6), and storm-throttled re-deliveries run on a libevent timer.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip.h"
#include "ioapic/ioapic.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"

#define IOAPIC_STATE_FORMAT	"irqchipd-ioapic"
/* 2 adds each entry's kept route; 1 is still loaded. */
#define IOAPIC_STATE_VERSION	2

/* Debug lines cost a level check when the level is higher. */
#define debug_on()	(log_get_level() >= LOG_LEVEL_DEBUG)

struct ioapic_chip {
	struct chip *chip;
	struct ioapic *io;
	uint8_t version;
	struct event *timer[IOAPIC_MAX_PINS];
};

static const char *const delivery_mode_names[8] = {
	"fixed", "lowest-priority", "smi", "reserved-3", "nmi", "init", "reserved-6", "extint",
};

static bool
op_deliver(void *opaque, unsigned pin, const struct ioapic_msi *msg)
{
	struct ioapic_chip *ic = opaque;
	bool accepted;

	accepted = inject_msi(ic->chip->srv, ic->chip, pin, ic->chip->gsi_base + pin,
	    msg->address, msg->data);
	if (debug_on())
		log_debug("chip %s pin %u: deliver vector 0x%02x address 0x%08" PRIx64
		    " data 0x%04x: %s", ic->chip->id, pin, msg->data & 0xff, msg->address,
		    msg->data, accepted ? "accepted" : "refused");
	return accepted;
}

static void
op_route(void *opaque, unsigned pin, const struct ioapic_msi *msg)
{
	struct ioapic_chip *ic = opaque;

	if (debug_on()) {
		if (msg != NULL)
			log_debug("chip %s pin %u: route GSI %u address 0x%08" PRIx64
			    " data 0x%04x", ic->chip->id, pin, ic->chip->gsi_base + pin,
			    msg->address, msg->data);
		else
			log_debug("chip %s pin %u: unroute GSI %u", ic->chip->id, pin,
			    ic->chip->gsi_base + pin);
	}
	inject_route(ic->chip->srv, ic->chip->gsi_base + pin, msg != NULL,
	    msg != NULL ? msg->address : 0, msg != NULL ? msg->data : 0);
}

/* Called for each level entry an EOI releases, before Remote IRR is cleared. */
static void
op_resample(void *opaque, unsigned pin)
{
	struct ioapic_chip *ic = opaque;

	if (debug_on())
		log_debug("chip %s pin %u: EOI clears Remote IRR", ic->chip->id, pin);
	notifier_resample(ic->chip->srv, ic->chip, pin);
}

struct pin_timer {
	struct ioapic_chip *ic;
	unsigned pin;
};

static void
pin_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pin_timer *pt = arg;

	ioapic_timer(pt->ic->io, pt->pin);
}

static void
op_schedule(void *opaque, unsigned pin, uint64_t delay_ns)
{
	struct ioapic_chip *ic = opaque;
	struct timeval tv = {
		.tv_sec = (time_t)(delay_ns / 1000000000ULL),
		.tv_usec = (suseconds_t)(delay_ns % 1000000000ULL / 1000),
	};

	if (ic->timer[pin] == NULL) {
		struct pin_timer *pt = xmalloc(sizeof *pt);

		pt->ic = ic;
		pt->pin = pin;
		ic->timer[pin] = evtimer_new(ic->chip->srv->base, pin_timer_cb, pt);
		if (ic->timer[pin] == NULL) {
			free(pt);
			log_error("chip %s pin %u: cannot create the throttle timer", ic->chip->id,
			    pin);
			return;
		}
	}
	evtimer_add(ic->timer[pin], &tv);
}

static void
op_guest_error(void *opaque, const char *kind, const char *msg)
{
	struct ioapic_chip *ic = opaque;

	server_guest_error(ic->chip->srv, ic->chip, kind, msg);
}

static const struct ioapic_ops chip_ioapic_ops = {
	.deliver = op_deliver,
	.route = op_route,
	.resample = op_resample,
	.schedule = op_schedule,
	.guest_error = op_guest_error,
};

static const struct arg_spec ioapic_config_args[] = {
	{ "base", ARG_U64, 0, 0, UINT64_MAX - IOAPIC_WINDOW_SIZE + 1, .help =
	    "guest-physical base of the register window, 4 KiB aligned (default 0xfec00000)" },
	{ "pins", ARG_U64, 0, 1, IOAPIC_MAX_PINS, .help = "redirection entries (default 24)" },
	{ "gsi-base", ARG_U64, 0, 0, 4095, .help = "GSI of pin 0 (default 0)" },
	{ "version", ARG_U64, 0, 0, 255, .help =
	    "17 (0x11, the 82093AA) or 32 (0x20, with the EOI register; default)" },
};

static int
ioapic_chip_create(struct chip *chip, const struct args *a, struct reply *r)
{
	struct ioapic_config cfg;
	struct ioapic_chip *ic;
	uint64_t base = args_u64(a, "base", IOAPIC_DEFAULT_BASE);
	uint64_t gsi_base = args_u64(a, "gsi-base", 0);
	uint64_t version = args_u64(a, "version", IOAPIC_VERSION_EOI);

	cfg.pins = (unsigned)args_u64(a, "pins", IOAPIC_DEFAULT_PINS);
	if (base % 0x1000 != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'base' must be 4 KiB "
		    "aligned (0x%" PRIx64 " is not)", base);
	if (version != IOAPIC_VERSION_82093AA && version != IOAPIC_VERSION_EOI)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'version' must be 17 "
		    "(0x11) or 32 (0x20), not %" PRIu64, version);
	if (gsi_base + cfg.pins > 4096)
		return reply_error(r, ERR_INVALID_PARAMETER, "arguments 'gsi-base' and 'pins': "
		    "GSIs %" PRIu64 "..%" PRIu64 " go past 4095, KVM's last routable GSI",
		    gsi_base, gsi_base + cfg.pins - 1);
	if (chip_check_overlap(chip->srv, base, IOAPIC_WINDOW_SIZE, (unsigned)gsi_base,
	    cfg.pins, r) < 0)
		return -EINVAL;
	cfg.version = (uint8_t)version;

	ic = xcalloc(1, sizeof *ic);
	ic->chip = chip;
	ic->version = cfg.version;
	ic->io = ioapic_create(&cfg, &chip_ioapic_ops, ic);
	if (ic->io == NULL) {
		free(ic);
		return reply_error(r, ERR_GENERIC, "cannot create the IOAPIC: %s",
		    strerror(errno));
	}
	chip->priv = ic;
	chip->base = base;
	chip->gsi_base = (unsigned)gsi_base;
	chip->ngsi = cfg.pins;
	return 0;
}

static void
ioapic_chip_destroy(struct chip *chip)
{
	struct ioapic_chip *ic = chip->priv;

	for (unsigned pin = 0; pin < IOAPIC_MAX_PINS; pin++) {
		if (ic->timer[pin] != NULL) {
			free(event_get_callback_arg(ic->timer[pin]));
			event_free(ic->timer[pin]);
		}
	}
	ioapic_destroy(ic->io);
	free(ic);
}

/*
 * chip-del: the chip's GSIs are free again. A level interrupt still in flight
 * has nothing left to release: its EOI is completed by KVM or reaches no chip.
 */
static void
ioapic_chip_unroute_all(struct chip *chip)
{
	for (unsigned pin = 0; pin < chip->ngsi; pin++)
		inject_route(chip->srv, chip->gsi_base + pin, false, 0, 0);
}

static void
ioapic_chip_describe(struct chip *chip, json_object *o)
{
	struct ioapic_chip *ic = chip->priv;

	json_object_object_add(o, "base", wire_u64(chip->base));
	json_object_object_add(o, "size", wire_u64(IOAPIC_WINDOW_SIZE));
	json_object_object_add(o, "pins", json_object_new_int64(chip->ngsi));
	json_object_object_add(o, "gsi-base", json_object_new_int64(chip->gsi_base));
	json_object_object_add(o, "version", json_object_new_int(ic->version));
}

static json_object *
hex_u64(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
	return json_object_new_string(buf);
}

static void
counters_add(json_object *o, const struct ioapic_pin_counters *c)
{
	json_object_object_add(o, "delivered", wire_u64(c->delivered));
	json_object_object_add(o, "coalesced", wire_u64(c->coalesced));
	json_object_object_add(o, "dropped", wire_u64(c->dropped));
	json_object_object_add(o, "eois", wire_u64(c->eois));
	json_object_object_add(o, "throttles", wire_u64(c->throttles));
}

/*
 * query-status: the chip's totals, and each pin whose counters are not all 0
 * (every pin is in chip-query).
 */
static void
ioapic_chip_counters(struct chip *chip, json_object *o)
{
	struct ioapic_chip *ic = chip->priv;
	struct ioapic_pin_counters c, sum;
	json_object *pins = json_object_new_array(), *p, *total = json_object_new_object();

	memset(&sum, 0, sizeof sum);
	for (unsigned pin = 0; pin < chip->ngsi; pin++) {
		if (ioapic_get_counters(ic->io, pin, &c) < 0)
			continue;
		sum.delivered += c.delivered;
		sum.coalesced += c.coalesced;
		sum.dropped += c.dropped;
		sum.eois += c.eois;
		sum.throttles += c.throttles;
		if ((c.delivered | c.coalesced | c.dropped | c.eois | c.throttles) == 0)
			continue;
		p = json_object_new_object();
		json_object_object_add(p, "pin", json_object_new_int64(pin));
		json_object_object_add(p, "gsi", json_object_new_int64(chip->gsi_base + pin));
		counters_add(p, &c);
		json_object_array_add(pins, p);
	}
	counters_add(total, &sum);
	json_object_object_add(o, "total", total);
	json_object_object_add(o, "pins", pins);
}

static int
ioapic_chip_query(struct chip *chip, struct reply *r)
{
	struct ioapic_chip *ic = chip->priv;
	struct ioapic_state *s = xmalloc(sizeof *s);
	json_object *pins = json_object_new_array();

	ioapic_get_state(ic->io, s);
	ioapic_chip_describe(chip, r->ret);
	json_object_object_add(r->ret, "id-register", json_object_new_int(s->id));
	json_object_object_add(r->ret, "ioregsel", json_object_new_int(s->ioregsel));
	for (unsigned pin = 0; pin < s->pins; pin++) {
		const struct ioapic_pin_state *p = &s->pin[pin];
		struct ioapic_rte_fields f;
		struct ioapic_msi msg;
		json_object *o = json_object_new_object();

		ioapic_rte_decode(p->rte, &f);
		ioapic_rte_to_msi(p->rte, &msg);
		json_object_object_add(o, "pin", json_object_new_int64(pin));
		json_object_object_add(o, "gsi", json_object_new_int64(chip->gsi_base + pin));
		json_object_object_add(o, "rte", hex_u64(p->rte));
		json_object_object_add(o, "vector", json_object_new_int(f.vector));
		json_object_object_add(o, "delivery-mode",
		    json_object_new_string(delivery_mode_names[f.delivery_mode & 7]));
		json_object_object_add(o, "destination-mode",
		    json_object_new_string(f.logical ? "logical" : "physical"));
		json_object_object_add(o, "destination", json_object_new_int64(f.destination));
		json_object_object_add(o, "trigger",
		    json_object_new_string(f.level ? "level" : "edge"));
		json_object_object_add(o, "polarity",
		    json_object_new_string(f.active_low ? "active-low" : "active-high"));
		json_object_object_add(o, "masked", json_object_new_boolean(f.masked));
		json_object_object_add(o, "remote-irr", json_object_new_boolean(f.remote_irr));
		json_object_object_add(o, "line", json_object_new_boolean(p->sources != 0));
		json_object_object_add(o, "sources", json_object_new_int64(p->sources));
		if (f.remappable) {
			json_object_object_add(o, "remappable", json_object_new_boolean(true));
			json_object_object_add(o, "ir-index", json_object_new_int(f.ir_index));
		}
		json_object_object_add(o, "msi-address", wire_u64(msg.address));
		json_object_object_add(o, "msi-data", json_object_new_int64(msg.data));
		if (f.remote_irr)
			json_object_object_add(o, "irr-vector", json_object_new_int(p->irr_vector));
		json_object_object_add(o, "storm-count", json_object_new_int64(p->storm_count));
		json_object_object_add(o, "throttled", json_object_new_boolean(p->throttled));
		json_object_object_add(o, "routed", json_object_new_boolean(p->routed));
		if (p->routed) {
			json_object_object_add(o, "route-address", wire_u64(p->route.address));
			json_object_object_add(o, "route-data",
			    json_object_new_int64(p->route.data));
		}
		{
			struct ioapic_pin_counters c;
			json_object *co = json_object_new_object();

			if (ioapic_get_counters(ic->io, pin, &c) == 0)
				counters_add(co, &c);
			json_object_object_add(o, "counters", co);
		}
		json_object_array_add(pins, o);
	}
	json_object_object_add(r->ret, "entries", pins);
	free(s);
	return 0;
}

static int
ioapic_chip_save(struct chip *chip, struct reply *r)
{
	struct ioapic_chip *ic = chip->priv;
	struct ioapic_state *s = xmalloc(sizeof *s);
	json_object *st = json_object_new_object(), *entries = json_object_new_array();

	ioapic_get_state(ic->io, s);
	json_object_object_add(st, "format", json_object_new_string(IOAPIC_STATE_FORMAT));
	json_object_object_add(st, "version", json_object_new_int(IOAPIC_STATE_VERSION));
	json_object_object_add(st, "base", wire_u64(chip->base));
	json_object_object_add(st, "gsi-base", json_object_new_int64(chip->gsi_base));
	json_object_object_add(st, "pins", json_object_new_int64(s->pins));
	json_object_object_add(st, "ioapic-version", json_object_new_int(s->version));
	json_object_object_add(st, "id", json_object_new_int(s->id));
	json_object_object_add(st, "ioregsel", json_object_new_int(s->ioregsel));
	for (unsigned pin = 0; pin < s->pins; pin++) {
		const struct ioapic_pin_state *p = &s->pin[pin];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "rte", hex_u64(p->rte));
		json_object_object_add(e, "sources", json_object_new_int64(p->sources));
		json_object_object_add(e, "irr-vector", json_object_new_int(p->irr_vector));
		json_object_object_add(e, "storm-count", json_object_new_int64(p->storm_count));
		json_object_object_add(e, "throttled", json_object_new_boolean(p->throttled));
		if (p->routed) {
			json_object *rt = json_object_new_object();

			json_object_object_add(rt, "address", wire_u64(p->route.address));
			json_object_object_add(rt, "data", json_object_new_int64(p->route.data));
			json_object_object_add(e, "route", rt);
		} else
			json_object_object_add(e, "route", NULL);
		json_object_array_add(entries, e);
	}
	json_object_object_add(st, "entries", entries);
	json_object_object_add(r->ret, "state", st);
	free(s);
	return 0;
}

/* Reads state key as an integer in [min, max], naming it in any error. */
static int
state_u64(json_object *obj, const char *path, const char *key, uint64_t min, uint64_t max,
    uint64_t *out, struct reply *r)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return reply_error(r, ERR_INVALID_PARAMETER, "state%s.%s is missing", path, key);
	if (wire_get_u64(v, out) < 0 || *out < min || *out > max)
		return reply_error(r, ERR_INVALID_PARAMETER, "state%s.%s must be an integer in "
		    "%" PRIu64 "..%" PRIu64, path, key, min, max);
	return 0;
}

static int
state_keys(json_object *obj, const char *path, const char *const *allowed, struct reply *r)
{
	char esc[96];

	json_object_object_foreach(obj, key, val) {
		const char *const *k;

		(void)val;
		for (k = allowed; *k != NULL; k++) {
			if (strcmp(*k, key) == 0)
				break;
		}
		if (*k == NULL)
			return reply_error(r, ERR_INVALID_PARAMETER, "state%s has an unknown "
			    "field '%s'", path, log_escape(key, esc, sizeof esc));
	}
	return 0;
}

/* Every route, then every pending level line (a load, a returning client). */
static void
ioapic_chip_announce(struct chip *chip)
{
	struct ioapic_chip *ic = chip->priv;

	ioapic_announce_routes(ic->io);
	ioapic_resync(ic->io);
}

static int
ioapic_chip_load(struct chip *chip, json_object *st, struct reply *r)
{
	static const char *const top_keys[] = { "format", "version", "base", "gsi-base",
	    "pins", "ioapic-version", "id", "ioregsel", "entries", NULL };
	static const char *const entry_keys_v1[] = { "rte", "sources", "irr-vector",
	    "storm-count", "throttled", NULL };
	static const char *const entry_keys[] = { "rte", "sources", "irr-vector",
	    "storm-count", "throttled", "route", NULL };
	static const char *const route_keys[] = { "address", "data", NULL };
	struct ioapic_chip *ic = chip->priv;
	struct ioapic_state *s;
	json_object *v, *entries;
	uint64_t u, state_version;
	char path[48];
	int rc = -EINVAL;

	if (state_keys(st, "", top_keys, r) < 0)
		return -EINVAL;
	if (!json_object_object_get_ex(st, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), IOAPIC_STATE_FORMAT) != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "state.format must be \"%s\"",
		    IOAPIC_STATE_FORMAT);
	if (state_u64(st, "", "version", 1, IOAPIC_STATE_VERSION, &state_version, r) < 0)
		return -EINVAL;
	if (state_u64(st, "", "base", chip->base, chip->base, &u, r) < 0 ||
	    state_u64(st, "", "gsi-base", chip->gsi_base, chip->gsi_base, &u, r) < 0 ||
	    state_u64(st, "", "pins", chip->ngsi, chip->ngsi, &u, r) < 0 ||
	    state_u64(st, "", "ioapic-version", ic->version, ic->version, &u, r) < 0)
		return -EINVAL;

	s = xcalloc(1, sizeof *s);
	s->pins = chip->ngsi;
	s->version = ic->version;
	if (state_u64(st, "", "id", 0, 15, &u, r) < 0)
		goto out;
	s->id = (uint8_t)u;
	if (state_u64(st, "", "ioregsel", 0, 255, &u, r) < 0)
		goto out;
	s->ioregsel = (uint8_t)u;
	if (!json_object_object_get_ex(st, "entries", &entries) ||
	    !json_object_is_type(entries, json_type_array) ||
	    json_object_array_length(entries) != chip->ngsi) {
		reply_error(r, ERR_INVALID_PARAMETER, "state.entries must be an array of %u "
		    "objects", chip->ngsi);
		goto out;
	}
	for (unsigned pin = 0; pin < chip->ngsi; pin++) {
		json_object *e = json_object_array_get_idx(entries, pin), *t;
		struct ioapic_pin_state *p = &s->pin[pin];

		snprintf(path, sizeof path, ".entries[%u]", pin);
		if (!json_object_is_type(e, json_type_object)) {
			reply_error(r, ERR_INVALID_PARAMETER, "state%s must be an object", path);
			goto out;
		}
		if (state_keys(e, path, state_version == 1 ? entry_keys_v1 : entry_keys, r) < 0 ||
		    state_u64(e, path, "rte", 0, UINT64_MAX, &p->rte, r) < 0 ||
		    state_u64(e, path, "sources", 0, UINT32_MAX, &u, r) < 0)
			goto out;
		p->sources = (uint32_t)u;
		if (state_u64(e, path, "irr-vector", 0, 255, &u, r) < 0)
			goto out;
		p->irr_vector = (uint8_t)u;
		if (state_u64(e, path, "storm-count", 0, IOAPIC_STORM_LIMIT, &u, r) < 0)
			goto out;
		p->storm_count = (uint32_t)u;
		if (!json_object_object_get_ex(e, "throttled", &t) ||
		    !json_object_is_type(t, json_type_boolean)) {
			reply_error(r, ERR_INVALID_PARAMETER, "state%s.throttled must be true "
			    "or false", path);
			goto out;
		}
		p->throttled = json_object_get_boolean(t);
		/* Version 1 kept no routes: ioapic_announce_routes() copes. */
		if (state_version == 1)
			continue;
		if (!json_object_object_get_ex(e, "route", &t)) {
			reply_error(r, ERR_INVALID_PARAMETER, "state%s.route is missing", path);
			goto out;
		}
		if (t == NULL)
			continue;
		snprintf(path, sizeof path, ".entries[%u].route", pin);
		if (!json_object_is_type(t, json_type_object)) {
			reply_error(r, ERR_INVALID_PARAMETER, "state%s must be an object or "
			    "null", path);
			goto out;
		}
		if (state_keys(t, path, route_keys, r) < 0 ||
		    state_u64(t, path, "address", 0, UINT32_MAX, &p->route.address, r) < 0 ||
		    state_u64(t, path, "data", 0, UINT16_MAX, &u, r) < 0)
			goto out;
		p->route.data = (uint32_t)u;
		p->routed = true;
	}
	if (ioapic_set_state(ic->io, s) < 0) {
		reply_error(r, ERR_INVALID_PARAMETER, "state does not fit this IOAPIC");
		goto out;
	}
	/*
	 * QEMU 0f254b1ae0: a restore must recreate every route before the vCPUs
	 * run; and, as KVM_SET_IRQCHIP re-injects IRR, a pending level line is
	 * delivered (after its route, as a signal-msi effect).
	 */
	ioapic_chip_announce(chip);
	rc = 0;
out:
	free(s);
	return rc;
}

static void
ioapic_chip_reset(struct chip *chip)
{
	struct ioapic_chip *ic = chip->priv;

	ioapic_reset(ic->io);
}


static int
ioapic_chip_mmio_read(struct chip *chip, uint64_t offset, unsigned size, unsigned cpu,
    uint64_t *value, struct reply *r)
{
	struct ioapic_chip *ic = chip->priv;
	uint64_t sel;

	if (ioapic_mmio_read(ic->io, offset, size, value) < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "offset 0x%" PRIx64 " size %u is "
		    "outside the IOAPIC window", offset, size);
	if (debug_on()) {
		if (ioapic_mmio_read(ic->io, 0, 4, &sel) < 0)
			sel = 0;
		log_debug("chip %s: guest read cpu %u offset 0x%03" PRIx64 " size %u value "
		    "0x%" PRIx64 " (IOREGSEL 0x%02" PRIx64 ")", chip->id, cpu, offset, size,
		    *value, sel);
	}
	return 0;
}

static int
ioapic_chip_mmio_write(struct chip *chip, uint64_t offset, unsigned size, unsigned cpu,
    uint64_t value, struct reply *r)
{
	struct ioapic_chip *ic = chip->priv;
	uint64_t sel;

	if (debug_on()) {
		/* A read of IOREGSEL has no side effect: it names what IOWIN hits. */
		if (ioapic_mmio_read(ic->io, 0, 4, &sel) < 0)
			sel = 0;
		log_debug("chip %s: guest write cpu %u offset 0x%03" PRIx64 " size %u value "
		    "0x%" PRIx64 " (IOREGSEL 0x%02" PRIx64 ")", chip->id, cpu, offset, size,
		    value, sel);
	}
	if (ioapic_mmio_write(ic->io, offset, size, value) < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "offset 0x%" PRIx64 " size %u is "
		    "outside the IOAPIC window", offset, size);
	return 0;
}

static unsigned
ioapic_chip_nlines(struct chip *chip)
{
	return chip->ngsi;
}

static int
ioapic_chip_line_set(struct chip *chip, unsigned line, unsigned source, bool level)
{
	struct ioapic_chip *ic = chip->priv;

	return ioapic_set_irq(ic->io, line, source, level);
}

static int
ioapic_chip_line_pulse(struct chip *chip, unsigned line, unsigned source)
{
	struct ioapic_chip *ic = chip->priv;

	return ioapic_pulse_irq(ic->io, line, source);
}

static void
ioapic_chip_eoi(struct chip *chip, uint8_t vector)
{
	struct ioapic_chip *ic = chip->priv;

	if (debug_on())
		log_debug("chip %s: EOI broadcast vector 0x%02x", chip->id, vector);
	ioapic_eoi(ic->io, vector);
}

const struct chip_class chip_class_ioapic = {
	.type = "ioapic",
	.help = "Intel 82093AA I/O APIC (x86, KVM split irqchip)",
	.config_args = ioapic_config_args,
	.nconfig_args = ARRAY_SIZE(ioapic_config_args),
	.create = ioapic_chip_create,
	.destroy = ioapic_chip_destroy,
	.unroute_all = ioapic_chip_unroute_all,
	.describe = ioapic_chip_describe,
	.query = ioapic_chip_query,
	.counters = ioapic_chip_counters,
	.save = ioapic_chip_save,
	.load = ioapic_chip_load,
	.reset = ioapic_chip_reset,
	.announce = ioapic_chip_announce,
	.window_size = IOAPIC_WINDOW_SIZE,
	.mmio_read = ioapic_chip_mmio_read,
	.mmio_write = ioapic_chip_mmio_write,
	.nlines = ioapic_chip_nlines,
	.line_set = ioapic_chip_line_set,
	.line_pulse = ioapic_chip_line_pulse,
	.eoi = ioapic_chip_eoi,
};

/*
 * The "ioapic" chip type: emul/ioapic behind the protocol. Pin n is GSI
 * gsi-base + n; its route is mirrored into the VMM's routing table on every
 * redirection-entry write so KVM's split irqchip exits on level EOIs
 * (Documentation/virt/kvm/api.rst, KVM_CAP_SPLIT_IRQCHIP: "the IOAPIC pins
 * ... are routed as MSIs"), and storm-throttled re-deliveries run on the
 * chip's timerfd.
 *
 * Why a timerfd and not a libevent timer: the storm delay must not end
 * early, which libevent's timers only promise with EVENT_BASE_FLAG_PRECISE_TIMER
 * (its default clock is CLOCK_MONOTONIC_COARSE, one jiffy behind: a 10 ms
 * delay ended after 8.2 ms). But with that flag libevent's epoll backend
 * calls timerfd_settime before every epoll_wait, a fourth syscall on every
 * request the daemon serves; a timerfd of our own is armed only while a pin
 * is throttled.
 */
#include "config.h"

#include <sys/timerfd.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compiler.h"
#include "daemon.h"
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
	/* Storm delays: when each pin's ends (CLOCK_MONOTONIC ns, 0 = none). */
	uint64_t deadline[IOAPIC_MAX_PINS];
	int timer_fd;		/* -1 until a pin is first throttled */
	struct event *timer_ev;
};

static const char *const delivery_mode_names[8] = {
	"fixed", "lowest-priority", "smi", "reserved-3", "nmi", "init", "reserved-6", "extint",
};

static bool
op_deliver(void *opaque, unsigned pin, const struct ioapic_msi *msg)
{
	struct ioapic_chip *ic = opaque;
	struct chip *chip = ic->chip;
	struct delivery d = {
		.kind = DELIVER_X86_MSI,
		.chip = chip,
		.line = pin,
		.gsi = chip->gsi_base + pin,
		.address = msg->address,
		.data = msg->data,
	};
	bool accepted = inject(chip->srv, chip->req, &d);

	if (debug_on())
		log_debug("chip %s pin %u: deliver vector 0x%02x address 0x%08" PRIx64
		    " data 0x%04x: %s", chip->id, pin, msg->data & 0xff, msg->address,
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
	/* A notifier bound to the old route goes back to irqchipd first. */
	notifier_route_changing(ic->chip, ic->chip->req, pin);
	inject_route(ic->chip->srv, ic->chip->req, ic->chip->gsi_base + pin, msg != NULL,
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

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Arms the timerfd for the earliest deadline, or disarms it. */
static void
timer_arm(struct ioapic_chip *ic)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	uint64_t next = 0;

	for (unsigned pin = 0; pin < IOAPIC_MAX_PINS; pin++)
		if (ic->deadline[pin] != 0 && (next == 0 || ic->deadline[pin] < next))
			next = ic->deadline[pin];
	its.it_value.tv_sec = (time_t)(next / 1000000000ULL);
	its.it_value.tv_nsec = (long)(next % 1000000000ULL);
	if (timerfd_settime(ic->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_error("chip %s: cannot arm the throttle timer: %s", ic->chip->id,
		    strerror(errno));
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ioapic_chip *ic = arg;
	uint64_t expirations, now = now_ns();

	(void)what;
	if (read(fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
		log_error("chip %s: throttle timer: %s", ic->chip->id, strerror(errno));
	for (unsigned pin = 0; pin < IOAPIC_MAX_PINS; pin++) {
		if (ic->deadline[pin] != 0 && ic->deadline[pin] <= now) {
			ic->deadline[pin] = 0;
			ioapic_timer(ic->io, pin);
		}
	}
	timer_arm(ic);
}

static void
op_schedule(void *opaque, unsigned pin, uint64_t delay_ns)
{
	struct ioapic_chip *ic = opaque;

	if (ic->timer_fd < 0) {
		ic->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (ic->timer_fd >= 0) {
			ic->timer_ev = event_new(ic->chip->srv->base, ic->timer_fd,
			    EV_READ | EV_PERSIST, timer_cb, ic);
			if (ic->timer_ev == NULL || event_add(ic->timer_ev, NULL) < 0) {
				if (ic->timer_ev != NULL)
					event_free(ic->timer_ev);
				ic->timer_ev = NULL;
				close(ic->timer_fd);
				ic->timer_fd = -1;
				errno = ENOMEM;
			}
		}
		if (ic->timer_fd < 0) {
			log_error("chip %s pin %u: cannot create the throttle timer: %s",
			    ic->chip->id, pin, strerror(errno));
			return;
		}
	}
	/* A deadline of 0 means none: a delay that ends there would be lost. */
	ic->deadline[pin] = now_ns() + delay_ns;
	if (ic->deadline[pin] == 0)
		ic->deadline[pin] = 1;
	timer_arm(ic);
}

static void
op_guest_error(void *opaque, const char *kind, const char *msg)
{
	struct ioapic_chip *ic = opaque;

	chip_guest_error(ic->chip, kind, msg);
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
	cfg.version = (uint8_t)version;

	ic = xcalloc(1, sizeof *ic);
	ic->chip = chip;
	ic->timer_fd = -1;
	ic->version = cfg.version;
	ic->io = ioapic_create(&cfg, &chip_ioapic_ops, ic);
	if (ic->io == NULL) {
		free(ic);
		return reply_error(r, ERR_GENERIC, "cannot create the IOAPIC: %s",
		    strerror(errno));
	}
	chip->priv = ic;
	chip->window[0].base = base;
	chip->window[0].size = IOAPIC_WINDOW_SIZE;
	chip->nwindows = 1;
	chip->line_base = 0;
	chip->nlines = cfg.pins;
	chip->gsi_base = (unsigned)gsi_base;
	chip->ngsi = cfg.pins;
	return 0;
}

static void
ioapic_chip_destroy(struct chip *chip)
{
	struct ioapic_chip *ic = chip->priv;

	if (ic->timer_ev != NULL)
		event_free(ic->timer_ev);
	if (ic->timer_fd >= 0)
		close(ic->timer_fd);
	ioapic_destroy(ic->io);
	free(ic);
}

/*
 * chip-del: the chip's GSIs are free again. A level interrupt still in flight
 * has nothing left to release: its EOI is completed by KVM or reaches no chip.
 */
static void
ioapic_chip_unroute_all(struct chip *chip, struct request *req)
{
	for (unsigned pin = 0; pin < chip->ngsi; pin++)
		inject_route(chip->srv, req, chip->gsi_base + pin, false, 0, 0);
}

static void
ioapic_chip_describe(struct chip *chip, json_object *o)
{
	struct ioapic_chip *ic = chip->priv;

	json_object_object_add(o, "base", wire_u64(chip->window[0].base));
	json_object_object_add(o, "size", wire_u64(IOAPIC_WINDOW_SIZE));
	json_object_object_add(o, "pins", json_object_new_int64(chip->ngsi));
	json_object_object_add(o, "gsi-base", json_object_new_int64(chip->gsi_base));
	json_object_object_add(o, "version", json_object_new_int(ic->version));
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

static void pin_raw(json_object *, const struct ioapic_pin_state *);

static int
ioapic_chip_query(struct chip *chip, const struct args *a, struct reply *r)
{
	struct ioapic_chip *ic = chip->priv;
	struct ioapic_state *s = xmalloc(sizeof *s);
	json_object *pins = json_object_new_array();

	uint64_t start = args_u64(a, "start", 0), count = args_u64(a, "count", IOAPIC_MAX_PINS);
	uint64_t end;

	ioapic_get_state(ic->io, s);
	/* The entries page like any chip table; every pin fits in the default page. */
	end = start >= s->pins ? s->pins : start + (count < s->pins - start ? count :
	    s->pins - start);
	ioapic_chip_describe(chip, r->ret);
	json_object_object_add(r->ret, "id-register", json_object_new_int(s->id));
	json_object_object_add(r->ret, "ioregsel", json_object_new_int(s->ioregsel));
	json_object_object_add(r->ret, "total", json_object_new_int64(s->pins));
	if (end < s->pins)
		json_object_object_add(r->ret, "next", json_object_new_int64((int64_t)end));
	for (unsigned pin = (unsigned)(start < s->pins ? start : s->pins); pin < end; pin++) {
		const struct ioapic_pin_state *p = &s->pin[pin];
		struct ioapic_rte_fields f;
		struct ioapic_msi msg;
		json_object *o = json_object_new_object();

		ioapic_rte_decode(p->rte, &f);
		ioapic_rte_to_msi(p->rte, &msg);
		json_object_object_add(o, "pin", json_object_new_int64(pin));
		json_object_object_add(o, "gsi", json_object_new_int64(chip->gsi_base + pin));
		/* The raw part: the saved fields, from the same table as chip-save. */
		pin_raw(o, p);
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
		if (f.remappable) {
			json_object_object_add(o, "remappable", json_object_new_boolean(true));
			json_object_object_add(o, "ir-index", json_object_new_int(f.ir_index));
		}
		json_object_object_add(o, "msi-address", wire_u64(msg.address));
		json_object_object_add(o, "msi-data", json_object_new_int64(msg.data));
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

/*
 * The saved format: the chip's identity, which a load must match, then the
 * 82093AA's registers and, per pin, everything beyond the entry that decides
 * what it does next. Version 2 adds the route each pin last announced, which
 * a masked pin keeps (null: none yet); a version-1 state loads with none.
 */
struct ioapic_saved {
	uint64_t base;
	uint32_t gsi_base;
	struct ioapic_state s;
};

/*
 * Line sources a load may set: the protocol's (bit 0) and the notifier's
 * (bit 1). A bit no input drives could never be cleared and would hold the
 * line high for good.
 */
#define IOAPIC_LOADABLE_SOURCES	((1U << SOURCE_PROTOCOL) | (1U << SOURCE_NOTIFIER))

/* A route is an MSI: the x86 address window's low 32 bits, 16 bits of data. */
static const struct state_field ioapic_route_fields[] = {
	STATE_FIELD("address", STATE_U64, struct ioapic_msi, address, 0, UINT32_MAX),
	STATE_FIELD("data", STATE_U32, struct ioapic_msi, data, 0, UINT16_MAX),
};

static const struct state_field ioapic_pin_fields[] = {
	STATE_FIELD("rte", STATE_HEX64, struct ioapic_pin_state, rte, 0, UINT64_MAX),
	STATE_FIELD("sources", STATE_U32, struct ioapic_pin_state, sources, 0,
	    IOAPIC_LOADABLE_SOURCES),
	STATE_FIELD("irr-vector", STATE_U8, struct ioapic_pin_state, irr_vector, 0, 255),
	STATE_FIELD("storm-count", STATE_U32, struct ioapic_pin_state, storm_count, 0,
	    IOAPIC_STORM_LIMIT),
	STATE_FIELD("throttled", STATE_BOOL, struct ioapic_pin_state, throttled, 0, 1),
	STATE_OPTIONAL_OBJECT("route", struct ioapic_pin_state, route, routed,
	    ioapic_route_fields, 2),
};

static const struct state_field ioapic_fields[] = {
	STATE_IDENTITY("base", STATE_U64, struct ioapic_saved, base),
	STATE_IDENTITY("gsi-base", STATE_U32, struct ioapic_saved, gsi_base),
	STATE_IDENTITY("pins", STATE_U32, struct ioapic_saved, s.pins),
	STATE_IDENTITY("ioapic-version", STATE_U8, struct ioapic_saved, s.version),
	STATE_FIELD("id", STATE_U8, struct ioapic_saved, s.id, 0, 15),
	STATE_FIELD("ioregsel", STATE_U8, struct ioapic_saved, s.ioregsel, 0, 255),
	STATE_OBJECTS("entries", struct ioapic_saved, s.pin, IOAPIC_MAX_PINS, s.pins,
	    ioapic_pin_fields),
};

/* A pin's saved fields, merged into its chip-query entry. */
static void
pin_raw(json_object *o, const struct ioapic_pin_state *p)
{
	json_object *raw = state_to_json(ioapic_pin_fields, ARRAY_SIZE(ioapic_pin_fields), p);

	json_object_object_foreach(raw, key, val)
		json_object_object_add(o, key, json_object_get(val));
	json_object_put(raw);
}

static const struct state_desc ioapic_state_desc = {
	.format = IOAPIC_STATE_FORMAT,
	.version = IOAPIC_STATE_VERSION,
	.min_version = 1,
	.fields = ioapic_fields,
	.nfields = ARRAY_SIZE(ioapic_fields),
};

static struct ioapic_saved *
saved_now(struct chip *chip)
{
	struct ioapic_chip *ic = chip->priv;
	struct ioapic_saved *sv = xcalloc(1, sizeof *sv);

	sv->base = chip->window[0].base;
	sv->gsi_base = chip->gsi_base;
	ioapic_get_state(ic->io, &sv->s);
	return sv;
}

static int
ioapic_chip_save(struct chip *chip, struct reply *r)
{
	struct ioapic_saved *sv = saved_now(chip);

	json_object_object_add(r->ret, "state", state_save(&ioapic_state_desc, sv));
	free(sv);
	return 0;
}

/* Every route, then every pending level line (a load, a returning client). */
static void
ioapic_chip_announce(struct chip *chip, struct request *req)
{
	struct ioapic_chip *ic = chip->priv;

	ioapic_announce_routes(ic->io);
	ioapic_resync(ic->io);
}

static int
ioapic_chip_load(struct chip *chip, struct request *req, json_object *st, struct reply *r)
{
	struct ioapic_chip *ic = chip->priv;
	struct ioapic_saved *sv = saved_now(chip);
	json_object *v;
	int rc = -EINVAL;

	if (state_load(&ioapic_state_desc, st, sv, r) < 0)
		goto out;
	/* Version 1 kept no routes: ioapic_announce_routes() copes. */
	if (json_object_object_get_ex(st, "version", &v) && json_object_get_int(v) == 1) {
		for (unsigned pin = 0; pin < sv->s.pins; pin++)
			sv->s.pin[pin].routed = false;
	}
	if (ioapic_set_state(ic->io, &sv->s) < 0) {
		reply_error(r, ERR_INVALID_PARAMETER, "state does not fit this IOAPIC (Remote "
		    "IRR on an edge entry, or a throttled pin that is not level)");
		goto out;
	}
	/*
	 * QEMU 0f254b1ae0: a restore must recreate every route before the vCPUs
	 * run; and, as KVM_SET_IRQCHIP re-injects IRR, a pending level line is
	 * delivered (after its route, as a signal-msi effect).
	 */
	ioapic_chip_announce(chip, req);
	rc = 0;
out:
	free(sv);
	return rc;
}

static void
ioapic_chip_reset(struct chip *chip, struct request *req)
{
	struct ioapic_chip *ic = chip->priv;

	ioapic_reset(ic->io);
}


static int
ioapic_chip_mmio_read(struct chip *chip, struct request *req, struct mmio_access *acc,
    struct reply *r)
{
	struct ioapic_chip *ic = chip->priv;

	uint64_t sel;

	if (ioapic_mmio_read(ic->io, acc->offset, acc->size, &acc->value) < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "offset 0x%" PRIx64 " size %u is "
		    "outside the IOAPIC window", acc->offset, acc->size);
	if (debug_on()) {
		if (ioapic_mmio_read(ic->io, 0, 4, &sel) < 0)
			sel = 0;
		log_debug("chip %s: guest read cpu %u offset 0x%03" PRIx64 " size %u value "
		    "0x%" PRIx64 " (IOREGSEL 0x%02" PRIx64 ")", chip->id, acc->cpu, acc->offset,
		    acc->size, acc->value, sel);
	}
	return 0;
}

static int
ioapic_chip_mmio_write(struct chip *chip, struct request *req, const struct mmio_access *acc,
    struct reply *r)
{
	struct ioapic_chip *ic = chip->priv;
	uint64_t sel;

	if (debug_on()) {
		/* A read of IOREGSEL has no side effect: it names what IOWIN hits. */
		if (ioapic_mmio_read(ic->io, 0, 4, &sel) < 0)
			sel = 0;
		log_debug("chip %s: guest write cpu %u offset 0x%03" PRIx64 " size %u value "
		    "0x%" PRIx64 " (IOREGSEL 0x%02" PRIx64 ")", chip->id, acc->cpu, acc->offset,
		    acc->size, acc->value, sel);
	}
	if (ioapic_mmio_write(ic->io, acc->offset, acc->size, acc->value) < 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "offset 0x%" PRIx64 " size %u is "
		    "outside the IOAPIC window", acc->offset, acc->size);
	return 0;
}

static int
ioapic_chip_line_set(struct chip *chip, struct request *req, unsigned line, unsigned source,
    bool level)
{
	struct ioapic_chip *ic = chip->priv;

	return ioapic_set_irq(ic->io, line, source, level);
}

static int
ioapic_chip_line_pulse(struct chip *chip, struct request *req, unsigned line,
    unsigned source)
{
	struct ioapic_chip *ic = chip->priv;

	return ioapic_pulse_irq(ic->io, line, source);
}

/*
 * An unmasked edge entry turns an edge into one MSI through its GSI's route
 * and keeps no state (82093AA datasheet 3.3.2): KVM can take it directly.
 */
static int
ioapic_chip_edge_gsi(struct chip *chip, unsigned line, unsigned source)
{
	struct ioapic_chip *ic = chip->priv;
	struct ioapic_msi route;

	if (!ioapic_pin_edge_static(ic->io, line, source, &route))
		return -1;
	return (int)(chip->gsi_base + line);
}

static void
ioapic_chip_eoi(struct chip *chip, struct request *req, uint8_t vector)
{
	struct ioapic_chip *ic = chip->priv;

	if (debug_on())
		log_debug("chip %s: EOI broadcast vector 0x%02x", chip->id, vector);
	ioapic_eoi(ic->io, vector);
}

static void
ioapic_chip_limits(json_object *l)
{
	json_object_object_add(l, "max-ioapic-pins", json_object_new_int(IOAPIC_MAX_PINS));
}

static const char *const ioapic_windows[] = { "registers", NULL };

const struct chip_class chip_class_ioapic = {
	.type = "ioapic",
	.help = "Intel 82093AA I/O APIC (x86, KVM split irqchip)",
	.config_args = ioapic_config_args,
	.nconfig_args = ARRAY_SIZE(ioapic_config_args),
	.window_names = ioapic_windows,
	.limits = ioapic_chip_limits,
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
	.mmio_read = ioapic_chip_mmio_read,
	.mmio_write = ioapic_chip_mmio_write,
	.line_set = ioapic_chip_line_set,
	.line_pulse = ioapic_chip_line_pulse,
	.edge_gsi = ioapic_chip_edge_gsi,
	.eoi = ioapic_chip_eoi,
};

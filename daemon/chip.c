/*
 * The fabric: the chip classes, the chips of a server, and the generic entry
 * of every chip hook. A generic command checks what the protocol promises
 * (the chip exists, has the hook, the window, the line) once, here, so a
 * class only adapts its emulator. Adding a chip type is one line in
 * chip_classes[] below.
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
#include "probes.h"
#include "wire.h"
#include "xmalloc.h"

/*
 * The built-in classes, in the order listings show them: each chip_<type>.c
 * defines its chip_class_<type>, and this list is the only place that names it.
 */
extern const struct chip_class chip_class_ioapic, chip_class_gicv3_its, chip_class_xics,
    chip_class_xive;

static const struct chip_class *classes[CHIP_MAX_CLASSES] = {
	&chip_class_ioapic,
	&chip_class_gicv3_its,
	&chip_class_xics,
	&chip_class_xive,
};
/* The chip-add "type" values, derived from classes[] on first use. */
static const char *type_names[CHIP_MAX_CLASSES + 1];

static size_t
nclasses(void)
{
	size_t n = 0;

	while (n < CHIP_MAX_CLASSES && classes[n] != NULL)
		n++;
	return n;
}

const struct chip_class *
chip_class_at(size_t i)
{
	return i < nclasses() ? classes[i] : NULL;
}

const char *const *
chip_type_names(void)
{
	size_t i;

	for (i = 0; i < nclasses(); i++)
		type_names[i] = classes[i]->type;
	type_names[i] = NULL;
	return type_names;
}

int
chip_class_register(const struct chip_class *cls)
{
	size_t n = nclasses();

	if (n >= CHIP_MAX_CLASSES || chip_class_find(cls->type) != NULL)
		return -EEXIST;
	classes[n] = cls;
	chip_type_names();
	return 0;
}

const struct chip_class *
chip_class_find(const char *type)
{
	for (size_t i = 0; i < nclasses(); i++) {
		if (strcmp(classes[i]->type, type) == 0)
			return classes[i];
	}
	return NULL;
}

json_object *
chip_types_json(void)
{
	json_object *types = json_object_new_array();

	for (size_t i = 0; i < nclasses(); i++)
		json_object_array_add(types, json_object_new_string(classes[i]->type));
	return types;
}

json_object *
server_capabilities(const struct server *srv)
{
	static const char *const generic[] = { "effects", "events", "resume", "irqfd",
	    "notifiers", "state", "memory", "bypass", "route-commit", "ring" };
	json_object *a = json_object_new_array();
	char name[64];

	for (size_t i = 0; i < ARRAY_SIZE(generic); i++)
		json_object_array_add(a, json_object_new_string(generic[i]));
	for (size_t i = 0; i < nclasses(); i++) {
		snprintf(name, sizeof name, "chip:%s", classes[i]->type);
		json_object_array_add(a, json_object_new_string(name));
		for (const char *const *c = classes[i]->capabilities; c != NULL && *c != NULL;
		    c++) {
			snprintf(name, sizeof name, "%s:%s", classes[i]->type, *c);
			json_object_array_add(a, json_object_new_string(name));
		}
	}
	if (srv != NULL && srv->opts.embedded)
		json_object_array_add(a, json_object_new_string("kvm-backend"));
	return a;
}

json_object *
server_limits(void)
{
	json_object *l = json_object_new_object();

	json_object_object_add(l, "max-message", json_object_new_int(WIRE_MAX_MESSAGE));
	json_object_object_add(l, "max-fds", json_object_new_int(WIRE_MAX_FDS));
	json_object_object_add(l, "max-depth", json_object_new_int(WIRE_MAX_DEPTH));
	json_object_object_add(l, "max-chips", json_object_new_int(MAX_CHIPS));
	json_object_object_add(l, "max-gsi", json_object_new_int(GSI_MAX));
	json_object_object_add(l, "max-line", json_object_new_int64(LINE_MAX_GLOBAL));
	json_object_object_add(l, "max-memory-regions",
	    json_object_new_int(MEMORY_MAX_REGIONS));
	for (size_t i = 0; i < nclasses(); i++) {
		if (classes[i]->limits != NULL)
			classes[i]->limits(l);
	}
	return l;
}

struct chip *
chip_find(struct server *srv, const char *id)
{
	struct chip *chip;

	TAILQ_FOREACH(chip, &srv->chips, entry) {
		if (strcmp(chip->id, id) == 0)
			return chip;
	}
	return NULL;
}

struct chip *
chip_need(struct server *srv, const struct args *a, struct reply *r)
{
	const char *id = args_str(a, "id", "");
	struct chip *chip = chip_find(srv, id);

	if (chip == NULL)
		reply_error(r, ERR_DEVICE_NOT_FOUND, "argument 'id': no chip named '%s' "
		    "(query-chips lists them)", id);
	return chip;
}

unsigned
chip_count(const struct server *srv)
{
	const struct chip *chip;
	unsigned n = 0;

	TAILQ_FOREACH(chip, &srv->chips, entry)
		n++;
	return n;
}

void
chip_announce_state(struct chip *chip, const char *what)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "id", json_object_new_string(chip->id));
	json_object_object_add(d, "change", json_object_new_string(what));
	server_event(chip->srv, "state-changed", d);
}

static bool
ranges_meet(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
	/* Compare last bytes: a window at the top of the address space ends at 2^64. */
	return asize > 0 && bsize > 0 && a <= b + (bsize - 1) && b <= a + (asize - 1);
}

/* A chip-add error if the new chip's windows, MSI range or GSIs meet another chip's. */
static int
check_overlap(struct server *srv, const struct chip *n, struct reply *r)
{
	const char *const *names = n->cls->window_names;
	struct chip *c;

	TAILQ_FOREACH(c, &srv->chips, entry) {
		for (unsigned i = 0; i < n->nwindows; i++) {
			for (unsigned j = 0; j < c->nwindows; j++) {
				if (!ranges_meet(n->window[i].base, n->window[i].size,
				    c->window[j].base, c->window[j].size))
					continue;
				return reply_error(r, ERR_ALREADY_EXISTS, "the %s window "
				    "0x%" PRIx64 "..0x%" PRIx64 " overlaps chip '%s' at 0x%"
				    PRIx64, names != NULL ? names[i] : "MMIO", n->window[i].base,
				    n->window[i].base + n->window[i].size - 1, c->id,
				    c->window[j].base);
			}
		}
		/* The two models of a POWER pair share the PHB's MSI window. */
		if (c != n->pair && ranges_meet(n->msi.base, n->msi.size, c->msi.base,
		    c->msi.size))
			return reply_error(r, ERR_ALREADY_EXISTS, "the MSI window 0x%" PRIx64
			    "..0x%" PRIx64 " overlaps chip '%s''s", n->msi.base,
			    n->msi.base + n->msi.size - 1, c->id);
		if (ranges_meet(n->gsi_base, n->ngsi, c->gsi_base, c->ngsi))
			return reply_error(r, ERR_ALREADY_EXISTS, "argument 'gsi-base': GSIs "
			    "%u..%u overlap chip '%s' (GSIs %u..%u)", n->gsi_base,
			    n->gsi_base + n->ngsi - 1, c->id, c->gsi_base, c->gsi_base + c->ngsi - 1);
	}
	return 0;
}

int
chip_add(struct server *srv, struct request *req, const char *type, const char *id,
    json_object *raw, struct reply *r)
{
	const struct chip_class *cls = chip_class_find(type);
	json_object *config;
	struct args ca;
	struct chip *chip;
	int rc;

	if (cls == NULL)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'type': no chip type "
		    "'%s'", type);
	if (chip_find(srv, id) != NULL)
		return reply_error(r, ERR_ALREADY_EXISTS, "argument 'id': a chip named '%s' "
		    "exists", id);
	if (chip_count(srv) >= MAX_CHIPS)
		return reply_error(r, ERR_INVALID_PARAMETER, "at most %d chips per daemon",
		    MAX_CHIPS);
	/* The type-specific part: everything but type and id, against the class schema. */
	config = json_object_new_object();
	json_object_object_foreach(raw, key, val) {
		if (strcmp(key, "type") != 0 && strcmp(key, "id") != 0)
			json_object_object_add(config, key, json_object_get(val));
	}
	rc = args_parse(&ca, cls->config_args, cls->nconfig_args, config, false, NULL, 0,
	    NULL, r);
	if (rc < 0)
		goto out;
	chip = xcalloc(1, sizeof *chip);
	snprintf(chip->id, sizeof chip->id, "%s", id);
	chip->cls = cls;
	chip->srv = srv;
	rc = cls->create(chip, &ca, r);
	if (rc < 0) {
		free(chip);
		goto out;
	}
	if ((rc = check_overlap(srv, chip, r)) < 0) {
		if (chip->pair != NULL)
			chip->pair->pair = NULL;
		cls->destroy(chip);
		free(chip);
		goto out;
	}
	TAILQ_INSERT_TAIL(&srv->chips, chip, entry);
	/* A pseries guest starts on XICS (the pair's first model) until it chooses. */
	if (chip->pair != NULL && srv->presenter == NULL)
		srv->presenter = chip->pair;
	json_object_object_add(r->ret, "id", json_object_new_string(chip->id));
	log_info("chip %s (%s) added", chip->id, cls->type);
	chip_announce_state(chip, "added");
out:
	json_object_put(config);
	return rc;
}

void
chip_free(struct chip *chip)
{
	struct server *srv = chip->srv;

	if (srv->presenter == chip)
		srv->presenter = NULL;
	if (chip->pair != NULL)
		chip->pair->pair = NULL;
	TAILQ_REMOVE(&srv->chips, chip, entry);
	chip->cls->destroy(chip);
	free(chip);
}

void
chip_del(struct chip *chip, struct request *req)
{
	struct request *saved;
	if (chip->cls->unroute_all != NULL) {
		saved = chip->req;
	chip->req = req;
		chip->cls->unroute_all(chip, req);
		chip->req = saved;
	}
	chip_announce_state(chip, "deleted");
	log_info("chip %s deleted", chip->id);
	chip_free(chip);
}

#define GUEST_ERROR_LOG_PER_SEC	10

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
chip_guest_error(struct chip *chip, const char *kind, const char *msg)
{
	struct server *srv = chip->srv;
	int64_t now = mono_ms();
	json_object *data;

	srv->stats.guest_errors++;
	chip->guest_errors++;
	/* A guest can produce errors as fast as it can exit: log and announce a few a second. */
	if (now - chip->log_window_ms >= 1000) {
		if (chip->log_suppressed > 0)
			log_warn("chip %s: %" PRIu64 " further guest errors not shown", chip->id,
			    chip->log_suppressed);
		chip->log_window_ms = now;
		chip->log_in_window = 0;
		chip->log_suppressed = 0;
	}
	if (chip->log_in_window >= GUEST_ERROR_LOG_PER_SEC) {
		chip->log_suppressed++;
		return;
	}
	chip->log_in_window++;
	log_warn("chip %s: guest error %s: %s", chip->id, kind, msg);
	data = json_object_new_object();
	json_object_object_add(data, "id", json_object_new_string(chip->id));
	json_object_object_add(data, "kind", json_object_new_string(kind));
	json_object_object_add(data, "message", json_object_new_string(msg));
	json_object_object_add(data, "count", json_object_new_int64((int64_t)chip->guest_errors));
	server_event(srv, "guest-error", data);
}

static int
unsupported(struct chip *chip, const char *what, struct reply *r)
{
	return reply_error(r, ERR_UNSUPPORTED, "chip '%s' (%s) does not take %s", chip->id,
	    chip->cls->type, what);
}

int
chip_mmio(struct chip *chip, struct request *req, const struct args *a, bool write,
    uint64_t *value, struct reply *r)
{
	struct request *saved;
	const char *const *names = chip->cls->window_names;
	const char *wname = args_str(a, "window", NULL);
	struct mmio_access acc = {
		.offset = args_u64(a, "offset", 0),
		.size = (unsigned)args_u64(a, "size", 0),
		.cpu = (unsigned)args_u64(a, "cpu", 0),
		.value = args_u64(a, "value", 0),
	};
	const struct chip_window *w;
	int rc;

	if (chip->nwindows == 0 || (write ? chip->cls->mmio_write == NULL :
	    chip->cls->mmio_read == NULL))
		return unsupported(chip, "MMIO accesses", r);
	if (wname != NULL) {
		for (acc.window = 0; acc.window < chip->nwindows; acc.window++) {
			if (names != NULL && strcmp(names[acc.window], wname) == 0)
				break;
		}
		if (acc.window == chip->nwindows) {
			char list[128] = "";
			size_t o = 0;

			for (unsigned i = 0; i < chip->nwindows && names != NULL; i++)
				o += (size_t)snprintf(list + o, o < sizeof list ?
				    sizeof list - o : 0, "%s%s", i ? ", " : "", names[i]);
			return reply_error(r, ERR_INVALID_PARAMETER, "argument 'window': chip "
			    "'%s' has no window '%s'; it has: %s", chip->id, wname, list);
		}
	}
	w = &chip->window[acc.window];
	if (acc.size != 1 && acc.size != 2 && acc.size != 4 && acc.size != 8)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'size' must be 1, 2, 4 "
		    "or 8");
	if (acc.offset > w->size || acc.size > w->size - acc.offset)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'offset': 0x%" PRIx64
		    " + %u bytes is outside chip '%s''s %s window of 0x%" PRIx64 " bytes",
		    acc.offset, acc.size, chip->id, names != NULL ? names[acc.window] : "MMIO",
		    w->size);
	if (write && acc.size < 8 && acc.value >> (8 * acc.size) != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'value' 0x%" PRIx64
		    " does not fit in %u bytes", acc.value, acc.size);
	saved = chip->req;
	chip->req = req;
	if (write)
		rc = chip->cls->mmio_write(chip, req, &acc, r);
	else
		rc = chip->cls->mmio_read(chip, req, &acc, r);
	chip->req = saved;
	if (!write)
		*value = acc.value;
	if (rc == 0)
		PROBE6(mmio, chip->id, names != NULL ? names[acc.window] : "", acc.offset,
		    acc.size, acc.value, write);
	return rc;
}

int
chip_check_line(struct chip *chip, uint64_t line, struct reply *r)
{
	if (chip->nlines == 0 || chip->cls->line_set == NULL)
		return reply_error(r, ERR_UNSUPPORTED, "chip '%s' has no input lines", chip->id);
	if (line < chip->line_base || line - chip->line_base >= chip->nlines)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'line' must be in %u..%u "
		    "for chip '%s', not %" PRIu64, chip->line_base,
		    chip->line_base + chip->nlines - 1, chip->id, line);
	return 0;
}

/*
 * Where a line of chip goes: chip itself, or, in a POWER pair whose other
 * model the guest chose, that model (when the number is one of its lines).
 */
static struct chip *
input_chip(struct chip *chip, unsigned line)
{
	struct chip *p = chip->pair;

	if (p != NULL && chip->srv->presenter == p && line >= p->line_base &&
	    line - p->line_base < p->nlines)
		return p;
	return chip;
}

struct chip *
chip_need_line(struct server *srv, const struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(srv, a, r);

	if (chip == NULL || chip_check_line(chip, args_u64(a, "line", 0), r) < 0)
		return NULL;
	return chip;
}

int
chip_parse_window(json_object *o, const char *arg, uint64_t *base, uint64_t *size,
    struct reply *r)
{
	json_object *v;
	char esc[96];

	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strcmp(key, "address") != 0 && strcmp(key, "size") != 0)
			return reply_error(r, ERR_INVALID_PARAMETER, "argument '%s' has an "
			    "unknown member '%s'; allowed: address, size", arg,
			    log_escape(key, esc, sizeof esc));
	}
	if (!json_object_object_get_ex(o, "address", &v) || wire_get_u64(v, base) < 0 ||
	    !json_object_object_get_ex(o, "size", &v) || wire_get_u64(v, size) < 0 ||
	    *size == 0 || *base + *size - 1 < *base)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument '%s' must be "
		    "{\"address\": A, \"size\": S} with S > 0 and A + S within 2^64", arg);
	return 0;
}

void
chip_route_line(struct chip *chip, struct request *req, unsigned line, int level)
{
	struct delivery d = {
		.kind = DELIVER_GSI_LINE, .chip = chip, .line = line, .gsi = line,
		.level = level,
	};

	inject(chip->srv, req, &d);
}

bool
chip_input_update(uint8_t *inputs, unsigned source, bool level)
{
	bool was = *inputs != 0;

	if (level)
		*inputs |= (uint8_t)(1U << source);
	else
		*inputs &= (uint8_t)~(1U << source);
	return was != (*inputs != 0);
}

int
chip_line_set(struct chip *chip, struct request *req, unsigned line, unsigned source,
    bool level)
{
	struct request *saved;
	int rc;

	chip = input_chip(chip, line);
	saved = chip->req;
	chip->req = req;
	rc = chip->cls->line_set(chip, req, line, source, level);
	chip->req = saved;
	return rc;
}

int
chip_line_pulse(struct chip *chip, struct request *req, unsigned line, unsigned source)
{
	struct request *saved;
	int rc;

	chip = input_chip(chip, line);
	saved = chip->req;
	chip->req = req;
	rc = chip->cls->line_pulse != NULL ? chip->cls->line_pulse(chip, req, line, source) :
	    -EOPNOTSUPP;
	chip->req = saved;
	return rc;
}

void
chip_eoi_all(struct server *srv, struct request *req, uint8_t vector)
{
	struct request *saved;
	struct chip *chip;

	PROBE1(eoi, vector);
	/* An EOI broadcast reaches every IOAPIC (82093AA datasheet 3.4). */
	TAILQ_FOREACH(chip, &srv->chips, entry) {
		if (chip->cls->eoi == NULL)
			continue;
		saved = chip->req;
	chip->req = req;
		chip->cls->eoi(chip, req, vector);
		chip->req = saved;
	}
}

struct chip *
chip_by_msi(struct server *srv, uint64_t address)
{
	struct chip *chip, *found = NULL;

	TAILQ_FOREACH(chip, &srv->chips, entry) {
		if (chip->cls->msi == NULL || chip->msi.size == 0 || address < chip->msi.base ||
		    address - chip->msi.base >= chip->msi.size)
			continue;
		/* A POWER pair shares its window: the model the guest chose decodes. */
		if (found == NULL || chip == srv->presenter)
			found = chip;
	}
	return found;
}

int
chip_msi(struct chip *chip, struct request *req, const struct msi_write *m,
    struct reply *r)
{
	struct request *saved;
	int rc;

	saved = chip->req;
	chip->req = req;
	rc = chip->cls->msi(chip, req, m, r);
	chip->req = saved;
	return rc;
}

struct chip *
chip_presenter(struct server *srv, struct reply *r)
{
	struct chip *chip, *only = NULL;
	unsigned n = 0;

	if (srv->presenter != NULL)
		return srv->presenter;
	TAILQ_FOREACH(chip, &srv->chips, entry) {
		if (chip->cls->hcall != NULL || chip->cls->rtas != NULL) {
			only = chip;
			n++;
		}
	}
	if (n == 1)
		return only;
	if (n == 0)
		reply_error(r, ERR_DEVICE_NOT_FOUND, "no chip takes hypervisor or RTAS calls "
		    "(add a xics or xive chip)");
	else
		reply_error(r, ERR_SESSION, "%u chips take hypervisor calls; chip-select "
		    "names the active one", n);
	return NULL;
}

void
chip_announce(struct chip *chip, struct request *req)
{
	struct request *saved;
	if (chip->cls->announce == NULL)
		return;
	saved = chip->req;
	chip->req = req;
	chip->cls->announce(chip, req);
	chip->req = saved;
}

void
chip_reset(struct chip *chip, struct request *req)
{
	struct request *saved;
	if (chip->cls->reset == NULL)
		return;
	saved = chip->req;
	chip->req = req;
	chip->cls->reset(chip, req);
	chip->req = saved;
}

int
chip_load(struct chip *chip, struct request *req, json_object *state, struct reply *r)
{
	struct request *saved;
	int rc;

	if (chip->cls->load == NULL)
		return unsupported(chip, "chip-load", r);
	saved = chip->req;
	chip->req = req;
	rc = chip->cls->load(chip, req, state, r);
	chip->req = saved;
	return rc;
}

/*
 * Protocol v1 commands: one const table (name, handler, argument schema,
 * flags, help) that dispatch, `irqchipd --list-commands`, query-commands and
 * the man page check all read. Handlers run after validation and must check
 * everything else before they change anything.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "chip.h"
#include "commands.h"
#include "compiler.h"
#include "log.h"
#include "server.h"
#include "wire.h"
#include "xmalloc.h"

#define MAX_CHIPS	64
#define MAX_GSI		4095

const struct chip_class *const chip_classes[] = { &chip_class_ioapic, NULL };
/* chip-add's "type" values: ARG_ENUM needs the names as a list of their own. */
static const char *const chip_type_names[] = { "ioapic", NULL };
_Static_assert(ARRAY_SIZE(chip_type_names) == ARRAY_SIZE(chip_classes),
    "every chip class needs its name in chip_type_names, in the same order");

json_object *
chip_types_json(void)
{
	json_object *types = json_object_new_array();

	for (const struct chip_class *const *c = chip_classes; *c != NULL; c++)
		json_object_array_add(types, json_object_new_string((*c)->type));
	return types;
}

const struct chip_class *
chip_class_find(const char *type)
{
	for (const struct chip_class *const *c = chip_classes; *c != NULL; c++) {
		if (strcmp((*c)->type, type) == 0)
			return *c;
	}
	return NULL;
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

void
chip_free(struct chip *chip)
{
	struct server *srv = chip->srv;
	struct notifier *n, *next;

	TAILQ_FOREACH_SAFE(n, &srv->notifiers, entry, next) {
		if (n->chip == chip)
			notifier_free(srv, n);
	}
	TAILQ_REMOVE(&srv->chips, chip, entry);
	chip->cls->destroy(chip);
	free(chip);
}

int
chip_check_overlap(struct server *srv, uint64_t base, uint64_t size, unsigned gsi_base,
    unsigned ngsi, struct reply *r)
{
	struct chip *c;

	/* Compare last bytes: a window at the top of the address space ends at 2^64. */
	TAILQ_FOREACH(c, &srv->chips, entry) {
		if (size > 0 && c->cls->window_size > 0 &&
		    base <= c->base + (c->cls->window_size - 1) && c->base <= base + (size - 1))
			return reply_error(r, ERR_ALREADY_EXISTS, "argument 'base': the window "
			    "0x%" PRIx64 "..0x%" PRIx64 " overlaps chip '%s' at 0x%" PRIx64, base,
			    base + size - 1, c->id, c->base);
		if (ngsi > 0 && c->ngsi > 0 && gsi_base < c->gsi_base + c->ngsi &&
		    c->gsi_base < gsi_base + ngsi)
			return reply_error(r, ERR_ALREADY_EXISTS, "argument 'gsi-base': GSIs "
			    "%u..%u overlap chip '%s' (GSIs %u..%u)", gsi_base,
			    gsi_base + ngsi - 1, c->id, c->gsi_base, c->gsi_base + c->ngsi - 1);
	}
	return 0;
}

json_object *
server_capabilities(const struct server *srv)
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string("effects"));
	json_object_array_add(a, json_object_new_string("events"));
	json_object_array_add(a, json_object_new_string("resume"));
	json_object_array_add(a, json_object_new_string("irqfd"));
	json_object_array_add(a, json_object_new_string("notifiers"));
	json_object_array_add(a, json_object_new_string("state"));
	for (const struct chip_class *const *c = chip_classes; *c != NULL; c++) {
		char name[64];

		snprintf(name, sizeof name, "chip:%s", (*c)->type);
		json_object_array_add(a, json_object_new_string(name));
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
	json_object_object_add(l, "max-gsi", json_object_new_int(MAX_GSI));
	json_object_object_add(l, "max-ioapic-pins", json_object_new_int(120));
	return l;
}

/* Looks up the chip named by the "id" argument or sets DeviceNotFound. */
static struct chip *
need_chip(struct server *srv, const struct args *a, struct reply *r)
{
	const char *id = args_str(a, "id", "");
	struct chip *chip = chip_find(srv, id);

	if (chip == NULL)
		reply_error(r, ERR_DEVICE_NOT_FOUND, "argument 'id': no chip named '%s' "
		    "(query-chips lists them)", id);
	return chip;
}

static void
announce_state(struct server *srv, struct chip *chip, const char *what)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "id", json_object_new_string(chip->id));
	json_object_object_add(d, "change", json_object_new_string(what));
	server_event(srv, "state-changed", d);
}

static int
cmd_negotiate(struct server *srv, struct args *a, struct reply *r)
{
	const char *resume = args_str(a, "resume", NULL);
	struct chip *chip;
	unsigned nchips = 0;

	if (server_client_negotiated(srv))
		return reply_error(r, ERR_SESSION, "this connection has already negotiated");
	TAILQ_FOREACH(chip, &srv->chips, entry)
		nchips++;
	if (resume != NULL) {
		if (strcmp(resume, srv->token) != 0)
			return reply_error(r, ERR_SESSION, "argument 'resume' does not match "
			    "this daemon's session token (the greeting's \"session\")");
	} else if (nchips > 0) {
		return reply_error(r, ERR_SESSION, "this daemon keeps the state of an earlier "
		    "session (%u chips); negotiate with 'resume' set to the greeting's session "
		    "token to take it over", nchips);
	}
	server_set_negotiated(srv);
	/* Capabilities the client asks for are informative: unknown ones are ignored. */
	json_object_object_add(r->ret, "capabilities", server_capabilities(srv));
	json_object_object_add(r->ret, "session", json_object_new_string(srv->token));
	json_object_object_add(r->ret, "resumed", json_object_new_boolean(resume != NULL));
	/* A resumed client's routing table is rebuilt from the chips' current routes. */
	if (resume != NULL) {
		TAILQ_FOREACH(chip, &srv->chips, entry)
			chip->cls->announce(chip);
	}
	log_info("session %s %s", srv->token, resume != NULL ? "resumed" : "started");
	return 0;
}

static int
cmd_query_version(struct server *srv, struct args *a, struct reply *r)
{
	json_object_object_add(r->ret, "irqchipd", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(r->ret, "protocol", json_object_new_int(1));
	json_object_object_add(r->ret, "package", json_object_new_string(PACKAGE_STRING));
	return 0;
}

static int
cmd_query_capabilities(struct server *srv, struct args *a, struct reply *r)
{
	json_object_object_add(r->ret, "capabilities", server_capabilities(srv));
	json_object_object_add(r->ret, "chip-types", chip_types_json());
	json_object_object_add(r->ret, "limits", server_limits());
	return 0;
}

static json_object *
u64obj(uint64_t v)
{
	return wire_u64(v);
}

static int
cmd_query_status(struct server *srv, struct args *a, struct reply *r)
{
	const struct counters *s = &srv->stats;
	json_object *c = json_object_new_object(), *byc = json_object_new_object();
	json_object *inj = json_object_new_object();
	struct timespec now;
	struct chip *chip;
	struct irqfd *f;
	struct notifier *n;
	unsigned nchips = 0, nirqfds = 0, nnotifiers = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	TAILQ_FOREACH(chip, &srv->chips, entry)
		nchips++;
	TAILQ_FOREACH(f, &srv->irqfds, entry)
		nirqfds++;
	TAILQ_FOREACH(n, &srv->notifiers, entry)
		nnotifiers++;

	json_object_object_add(r->ret, "uptime-ms", u64obj((uint64_t)
	    ((now.tv_sec - srv->started.tv_sec) * 1000 +
	    (now.tv_nsec - srv->started.tv_nsec) / 1000000)));
	json_object_object_add(r->ret, "session", json_object_new_string(srv->token));
	json_object_object_add(r->ret, "embedded", json_object_new_boolean(srv->opts.embedded));
	json_object_object_add(r->ret, "kvm-backend", json_object_new_boolean(srv->kvm_vm_fd >= 0));
	json_object_object_add(c, "connections", u64obj(s->connections));
	json_object_object_add(c, "rejected-connections", u64obj(s->rejected_connections));
	json_object_object_add(c, "messages", u64obj(s->messages));
	json_object_object_add(c, "replies", u64obj(s->replies));
	json_object_object_add(c, "errors", u64obj(s->errors));
	json_object_object_add(c, "events", u64obj(s->events));
	json_object_object_add(c, "guest-errors", u64obj(s->guest_errors));
	json_object_object_add(c, "notifier-triggers", u64obj(s->notifier_triggers));
	json_object_object_add(c, "resamples", u64obj(s->resamples));
	for (int i = 0; i < ERR_CLASS_COUNT; i++)
		json_object_object_add(byc, error_class_name((enum error_class)i),
		    u64obj(s->errors_by_class[i]));
	json_object_object_add(c, "errors-by-class", byc);
	json_object_object_add(inj, "irqfd", u64obj(s->inject_irqfd));
	json_object_object_add(inj, "kvm", u64obj(s->inject_kvm));
	json_object_object_add(inj, "effect", u64obj(s->inject_effect));
	json_object_object_add(inj, "event", u64obj(s->inject_event));
	json_object_object_add(inj, "lost", u64obj(s->inject_lost));
	json_object_object_add(c, "injections", inj);
	json_object_object_add(r->ret, "counters", c);
	json_object_object_add(r->ret, "open-fds", json_object_new_int64(count_open_fds()));
	json_object_object_add(r->ret, "chips", json_object_new_int64(nchips));
	json_object_object_add(r->ret, "irqfds", json_object_new_int64(nirqfds));
	json_object_object_add(r->ret, "notifiers", json_object_new_int64(nnotifiers));
	{
		/* Counters of the chips that keep them, by chip id. */
		json_object *cc = json_object_new_object();

		TAILQ_FOREACH(chip, &srv->chips, entry) {
			if (chip->cls->counters != NULL) {
				json_object *o = json_object_new_object();

				chip->cls->counters(chip, o);
				json_object_object_add(cc, chip->id, o);
			}
		}
		json_object_object_add(r->ret, "chip-counters", cc);
	}
	return 0;
}

static int
cmd_query_chips(struct server *srv, struct args *a, struct reply *r)
{
	json_object *list = json_object_new_array();
	struct chip *chip;

	TAILQ_FOREACH(chip, &srv->chips, entry) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(chip->id));
		json_object_object_add(o, "type", json_object_new_string(chip->cls->type));
		chip->cls->describe(chip, o);
		json_object_object_add(o, "guest-errors", u64obj(chip->guest_errors));
		json_object_array_add(list, o);
	}
	json_object_object_add(r->ret, "chips", list);
	return 0;
}

static json_object *
describe_args(const struct arg_spec *specs, size_t n)
{
	json_object *list = json_object_new_array();
	char what[256];

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		arg_describe(&specs[i], what, sizeof what);
		json_object_object_add(o, "name", json_object_new_string(specs[i].name));
		json_object_object_add(o, "type", json_object_new_string(what));
		json_object_object_add(o, "required",
		    json_object_new_boolean(specs[i].flags & ARG_REQUIRED));
		if (specs[i].help != NULL)
			json_object_object_add(o, "help", json_object_new_string(specs[i].help));
		json_object_array_add(list, o);
	}
	return list;
}

static int
cmd_query_commands(struct server *srv, struct args *a, struct reply *r)
{
	json_object *list = json_object_new_array(), *types = json_object_new_array();

	for (size_t i = 0; i < ncommands; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(commands[i].name));
		json_object_object_add(o, "help", json_object_new_string(commands[i].help));
		json_object_object_add(o, "arguments",
		    describe_args(commands[i].args, commands[i].nargs));
		json_object_array_add(list, o);
	}
	for (const struct chip_class *const *c = chip_classes; *c != NULL; c++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "type", json_object_new_string((*c)->type));
		json_object_object_add(o, "help", json_object_new_string((*c)->help));
		json_object_object_add(o, "arguments",
		    describe_args((*c)->config_args, (*c)->nconfig_args));
		json_object_array_add(types, o);
	}
	json_object_object_add(r->ret, "commands", list);
	json_object_object_add(r->ret, "chip-types", types);
	return 0;
}

static int
cmd_chip_add(struct server *srv, struct args *a, struct reply *r)
{
	const struct chip_class *cls = chip_class_find(args_str(a, "type", ""));
	const char *id = args_str(a, "id", "");
	json_object *raw = a->raw, *config;
	struct args ca;
	struct chip *chip;
	unsigned n = 0;
	int rc;

	if (chip_find(srv, id) != NULL)
		return reply_error(r, ERR_ALREADY_EXISTS, "argument 'id': a chip named '%s' "
		    "exists", id);
	TAILQ_FOREACH(chip, &srv->chips, entry)
		n++;
	if (n >= MAX_CHIPS)
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
	if (rc == 0) {
		chip = xcalloc(1, sizeof *chip);
		snprintf(chip->id, sizeof chip->id, "%s", id);
		chip->cls = cls;
		chip->srv = srv;
		rc = cls->create(chip, &ca, r);
		if (rc < 0) {
			free(chip);
		} else {
			TAILQ_INSERT_TAIL(&srv->chips, chip, entry);
			json_object_object_add(r->ret, "id", json_object_new_string(chip->id));
			log_info("chip %s (%s) added", chip->id, cls->type);
			announce_state(srv, chip, "added");
		}
	}
	json_object_put(config);
	return rc;
}

static int
cmd_chip_del(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_chip(srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	chip->cls->unroute_all(chip);
	announce_state(srv, chip, "deleted");
	log_info("chip %s deleted", chip->id);
	chip_free(chip);
	return 0;
}

static int
cmd_chip_query(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_chip(srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	json_object_object_add(r->ret, "id", json_object_new_string(chip->id));
	json_object_object_add(r->ret, "type", json_object_new_string(chip->cls->type));
	json_object_object_add(r->ret, "guest-errors", u64obj(chip->guest_errors));
	return chip->cls->query(chip, r);
}

static int
cmd_chip_save(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_chip(srv, a, r);

	return chip == NULL ? -EINVAL : chip->cls->save(chip, r);
}

static int
cmd_chip_load(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_chip(srv, a, r);

	if (chip == NULL || chip->cls->load(chip, args_obj(a, "state"), r) < 0)
		return -EINVAL;
	announce_state(srv, chip, "loaded");
	return 0;
}

static int
cmd_chip_reset(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_chip(srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	chip->cls->reset(chip);
	announce_state(srv, chip, "reset");
	return 0;
}

/* Checks offset/size/value against the chip's window; shared by mmio-read/-write. */
static struct chip *
need_mmio(struct server *srv, const struct args *a, struct reply *r)
{
	struct chip *chip = need_chip(srv, a, r);
	uint64_t offset = args_u64(a, "offset", 0), size = args_u64(a, "size", 0);

	if (chip == NULL)
		return NULL;
	if (chip->cls->window_size == 0) {
		reply_error(r, ERR_INVALID_PARAMETER, "chip '%s' has no MMIO window", chip->id);
		return NULL;
	}
	if (size != 1 && size != 2 && size != 4 && size != 8) {
		reply_error(r, ERR_INVALID_PARAMETER, "argument 'size' must be 1, 2, 4 or 8");
		return NULL;
	}
	if (offset + size > chip->cls->window_size) {
		reply_error(r, ERR_INVALID_PARAMETER, "argument 'offset': 0x%" PRIx64 " + %"
		    PRIu64 " bytes is outside chip '%s''s window of 0x%" PRIx64 " bytes", offset,
		    size, chip->id, chip->cls->window_size);
		return NULL;
	}
	return chip;
}

static int
cmd_mmio_read(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_mmio(srv, a, r);
	uint64_t value = 0;

	if (chip == NULL)
		return -EINVAL;
	if (chip->cls->mmio_read(chip, args_u64(a, "offset", 0),
	    (unsigned)args_u64(a, "size", 0), (unsigned)args_u64(a, "cpu", 0), &value, r) < 0)
		return -EINVAL;
	json_object_object_add(r->ret, "value", wire_u64(value));
	return 0;
}

static int
cmd_mmio_write(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_mmio(srv, a, r);
	uint64_t size = args_u64(a, "size", 0), value = args_u64(a, "value", 0);

	if (chip == NULL)
		return -EINVAL;
	if (size < 8 && value >> (8 * size) != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'value' 0x%" PRIx64
		    " does not fit in %" PRIu64 " bytes", value, size);
	return chip->cls->mmio_write(chip, args_u64(a, "offset", 0), (unsigned)size,
	    (unsigned)args_u64(a, "cpu", 0), value, r);
}

/* The chip and line named by "id" and "line", or an error naming the range. */
static struct chip *
need_line(struct server *srv, const struct args *a, struct reply *r)
{
	struct chip *chip = need_chip(srv, a, r);
	uint64_t line = args_u64(a, "line", 0);

	if (chip == NULL)
		return NULL;
	if (chip->cls->nlines == NULL || chip->cls->nlines(chip) == 0) {
		reply_error(r, ERR_INVALID_PARAMETER, "chip '%s' has no input lines", chip->id);
		return NULL;
	}
	if (line >= chip->cls->nlines(chip)) {
		reply_error(r, ERR_INVALID_PARAMETER, "argument 'line' must be in 0..%u for "
		    "chip '%s', not %" PRIu64, chip->cls->nlines(chip) - 1, chip->id, line);
		return NULL;
	}
	return chip;
}

/* Source 0 of every line is the protocol's own line-set/line-pulse input. */
#define SOURCE_PROTOCOL	0
#define SOURCE_NOTIFIER	1

static int
cmd_line_set(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_line(srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	return chip->cls->line_set(chip, (unsigned)args_u64(a, "line", 0), SOURCE_PROTOCOL,
	    args_u64(a, "level", 0) != 0);
}

static int
cmd_line_pulse(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_line(srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	return chip->cls->line_pulse(chip, (unsigned)args_u64(a, "line", 0), SOURCE_PROTOCOL);
}

static int
cmd_eoi(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip;
	uint8_t vector = (uint8_t)args_u64(a, "vector", 0);

	/* An EOI broadcast reaches every IOAPIC (SPECS.md 3.3.3). */
	TAILQ_FOREACH(chip, &srv->chips, entry) {
		if (chip->cls->eoi != NULL)
			chip->cls->eoi(chip, vector);
	}
	return 0;
}

static int
cmd_irqfd_add(struct server *srv, struct args *a, struct reply *r)
{
	unsigned gsi = (unsigned)args_u64(a, "gsi", 0);
	struct irqfd *f;

	if (irqfd_find(srv, gsi) != NULL)
		return reply_error(r, ERR_ALREADY_EXISTS, "argument 'gsi': GSI %u already has "
		    "an irqfd (irqfd-del it first)", gsi);
	f = xcalloc(1, sizeof *f);
	f->gsi = gsi;
	f->fd = args_take_fd(a, "fd");
	TAILQ_INSERT_TAIL(&srv->irqfds, f, entry);
	return 0;
}

static int
cmd_irqfd_del(struct server *srv, struct args *a, struct reply *r)
{
	unsigned gsi = (unsigned)args_u64(a, "gsi", 0);
	struct irqfd *f = irqfd_find(srv, gsi);

	if (f == NULL)
		return reply_error(r, ERR_DEVICE_NOT_FOUND, "argument 'gsi': GSI %u has no "
		    "irqfd", gsi);
	irqfd_free(srv, f);
	return 0;
}

static int
cmd_notifier_add(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_line(srv, a, r);
	unsigned line = (unsigned)args_u64(a, "line", 0);
	bool level = strcmp(args_str(a, "mode", "edge"), "level") == 0;
	struct notifier *n;
	char *cause = NULL;

	if (chip == NULL)
		return -EINVAL;
	if (notifier_find(srv, chip, line) != NULL)
		return reply_error(r, ERR_ALREADY_EXISTS, "chip '%s' line %u already has a "
		    "notifier (notifier-del it first)", chip->id, line);
	if (level && !args_has(a, "resample-fd"))
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'resample-fd' is "
		    "required when 'mode' is level: it is how the device learns of the EOI");
	if (!level && args_has(a, "resample-fd"))
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'resample-fd' goes only "
		    "with 'mode' level");
	n = xcalloc(1, sizeof *n);
	n->chip = chip;
	n->line = line;
	n->source = SOURCE_NOTIFIER;
	n->mode = level ? NOTIFIER_LEVEL : NOTIFIER_EDGE;
	n->fd = args_take_fd(a, "fd");
	n->resample_fd = args_take_fd(a, "resample-fd");
	if (notifier_start(srv, n, &cause) < 0) {
		/* Hand the fds back so the dispatcher closes them with the packet's. */
		reply_error(r, ERR_GENERIC, "%s", cause != NULL ? cause : "notifier failed");
		free(cause);
		close(n->fd);
		if (n->resample_fd >= 0)
			close(n->resample_fd);
		free(n);
		return -EINVAL;
	}
	return 0;
}

static int
cmd_notifier_del(struct server *srv, struct args *a, struct reply *r)
{
	struct chip *chip = need_line(srv, a, r);
	unsigned line = (unsigned)args_u64(a, "line", 0);
	struct notifier *n;

	if (chip == NULL)
		return -EINVAL;
	if ((n = notifier_find(srv, chip, line)) == NULL)
		return reply_error(r, ERR_DEVICE_NOT_FOUND, "chip '%s' line %u has no notifier",
		    chip->id, line);
	/* The device is unplugged from the line: its level goes with it. */
	if (n->asserted)
		chip->cls->line_set(chip, line, n->source, false);
	notifier_free(srv, n);
	return 0;
}

static int
cmd_kvm_attach(struct server *srv, struct args *a, struct reply *r)
{
	if (!srv->opts.embedded)
		return reply_error(r, ERR_UNSUPPORTED, "kvm-attach works only in embedded mode: "
		    "KVM refuses VM ioctls from any process but the VM's creator (EIO)");
	if (srv->kvm_vm_fd >= 0)
		return reply_error(r, ERR_ALREADY_EXISTS, "a KVM VM fd is already attached");
	srv->kvm_vm_fd = args_take_fd(a, "fd");
	return 0;
}

#define R ARG_REQUIRED
#define ARGS(x) x, ARRAY_SIZE(x)

static const struct arg_spec negotiate_args[] = {
	{ "capabilities", ARG_STRINGS, 0, .help = "capabilities the client knows" },
	{ "resume", ARG_STRING, 0, .help = "the session token, to take over kept state" },
};
static const struct arg_spec id_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
};
static const struct arg_spec chip_add_args[] = {
	{ "type", ARG_ENUM, R, .values = chip_type_names, .help = "controller type" },
	{ "id", ARG_ID, R, .help = "name for the new chip" },
};
static const struct arg_spec chip_load_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "state", ARG_OBJECT, R, .help = "a state object from chip-save" },
};
static const struct arg_spec mmio_read_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "offset", ARG_U64, R, 0, 0xffffffff, .help = "offset in the chip's window" },
	{ "size", ARG_U64, R, 1, 8, .help = "access size: 1, 2, 4 or 8 bytes" },
	{ "cpu", ARG_U64, 0, 0, 4095, .help = "the accessing vCPU (default 0)" },
};
static const struct arg_spec mmio_write_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "offset", ARG_U64, R, 0, 0xffffffff, .help = "offset in the chip's window" },
	{ "size", ARG_U64, R, 1, 8, .help = "access size: 1, 2, 4 or 8 bytes" },
	{ "value", ARG_U64, R, 0, UINT64_MAX, .help = "the value written" },
	{ "cpu", ARG_U64, 0, 0, 4095, .help = "the accessing vCPU (default 0)" },
};
static const struct arg_spec line_set_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "line", ARG_U64, R, 0, 4095, .help = "input line (IOAPIC pin)" },
	{ "level", ARG_LEVEL, R, .help = "1 asserted, 0 deasserted (polarity aside)" },
};
static const struct arg_spec line_pulse_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "line", ARG_U64, R, 0, 4095, .help = "input line (IOAPIC pin)" },
};
static const struct arg_spec eoi_args[] = {
	{ "vector", ARG_U64, R, 0, 255, .help = "the vector the LAPIC EOIed" },
	{ "cpu", ARG_U64, 0, 0, 4095, .help = "the vCPU that EOIed (informative)" },
};
static const struct arg_spec irqfd_add_args[] = {
	{ "gsi", ARG_U64, R, 0, MAX_GSI, .help = "the GSI the eventfd is bound to" },
	{ "fd", ARG_FD, R, .fd_kind = FD_EVENTFD, .help = "eventfd bound with KVM_IRQFD" },
};
static const struct arg_spec irqfd_del_args[] = {
	{ "gsi", ARG_U64, R, 0, MAX_GSI, .help = "the GSI" },
};
static const char *const notifier_modes[] = { "edge", "level", NULL };
static const struct arg_spec notifier_add_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "line", ARG_U64, R, 0, 4095, .help = "input line (IOAPIC pin)" },
	{ "fd", ARG_FD, R, .fd_kind = FD_EVENTFD, .help = "the device's eventfd" },
	{ "mode", ARG_ENUM, R, .values = notifier_modes,
	    .help = "edge: each write is a pulse; level: a write asserts until EOI" },
	{ "resample-fd", ARG_FD, 0, .fd_kind = FD_EVENTFD,
	    .help = "level mode: written at each EOI of the line" },
};
static const struct arg_spec notifier_del_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "line", ARG_U64, R, 0, 4095, .help = "input line" },
};
static const struct arg_spec kvm_attach_args[] = {
	{ "fd", ARG_FD, R, .fd_kind = FD_KVM_VM, .help = "the VM fd (embedded mode only)" },
};

const struct command commands[] = {
	{ "negotiate", cmd_negotiate, ARGS(negotiate_args), CMD_BEFORE_NEGOTIATE | CMD_EFFECTS,
	    "start (or resume) the session; must come first" },
	{ "query-version", cmd_query_version, NULL, 0, 0, "daemon and protocol versions" },
	{ "query-capabilities", cmd_query_capabilities, NULL, 0, 0,
	    "capabilities, chip types and limits" },
	{ "query-status", cmd_query_status, NULL, 0, 0,
	    "uptime, counters, open fds, chips" },
	{ "query-chips", cmd_query_chips, NULL, 0, 0, "the chips, one line each" },
	{ "query-commands", cmd_query_commands, NULL, 0, 0,
	    "this table: commands, arguments, chip types" },
	{ "chip-add", cmd_chip_add, ARGS(chip_add_args), CMD_EXTRA_ARGS,
	    "create a controller; type-specific arguments as in query-commands" },
	{ "chip-del", cmd_chip_del, ARGS(id_args), CMD_EFFECTS,
	    "remove a controller, withdrawing its routes" },
	{ "chip-query", cmd_chip_query, ARGS(id_args), 0, "a controller's state, decoded" },
	{ "chip-save", cmd_chip_save, ARGS(id_args), 0, "a controller's state, versioned" },
	{ "chip-load", cmd_chip_load, ARGS(chip_load_args), CMD_EFFECTS,
	    "replace a controller's state; every route is re-announced" },
	{ "chip-reset", cmd_chip_reset, ARGS(id_args), CMD_EFFECTS, "architectural reset" },
	{ "mmio-read", cmd_mmio_read, ARGS(mmio_read_args), CMD_EFFECTS,
	    "a guest register read" },
	{ "mmio-write", cmd_mmio_write, ARGS(mmio_write_args), CMD_EFFECTS,
	    "a guest register write" },
	{ "line-set", cmd_line_set, ARGS(line_set_args), CMD_EFFECTS,
	    "set an input line's level" },
	{ "line-pulse", cmd_line_pulse, ARGS(line_pulse_args), CMD_EFFECTS,
	    "an edge on an input line (assert, deassert)" },
	{ "eoi", cmd_eoi, ARGS(eoi_args), CMD_EFFECTS,
	    "EOI broadcast for a vector (KVM_EXIT_IOAPIC_EOI)" },
	{ "irqfd-add", cmd_irqfd_add, ARGS(irqfd_add_args), 0,
	    "an eventfd the VMM bound to a GSI with KVM_IRQFD" },
	{ "irqfd-del", cmd_irqfd_del, ARGS(irqfd_del_args), 0, "forget a GSI's irqfd" },
	{ "notifier-add", cmd_notifier_add, ARGS(notifier_add_args), 0,
	    "wire a device eventfd to a chip input" },
	{ "notifier-del", cmd_notifier_del, ARGS(notifier_del_args), CMD_EFFECTS,
	    "unwire it (its level is deasserted)" },
	{ "kvm-attach", cmd_kvm_attach, ARGS(kvm_attach_args), 0,
	    "embedded mode: inject with KVM_SIGNAL_MSI on this VM fd" },
};
const size_t ncommands = ARRAY_SIZE(commands);

const struct command *
command_find(const char *name)
{
	for (size_t i = 0; i < ncommands; i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

/*
 * Chip commands: the chips' life (add, delete, query, save, load, reset,
 * select) and the guest's and devices' inputs to them (register accesses,
 * lines, EOIs, MSIs, hypervisor and RTAS calls). Each finds its chip and
 * goes through the fabric's generic entry (chip.c), which answers
 * Unsupported for a hook the chip's class does not have.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler.h"
#include "daemon.h"
#include "wire.h"

static int
cmd_query_chips(struct request *req, struct args *a, struct reply *r)
{
	json_object *list = json_object_new_array();
	struct chip *chip;

	TAILQ_FOREACH(chip, &req->srv->chips, entry) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(chip->id));
		json_object_object_add(o, "type", json_object_new_string(chip->cls->type));
		chip->cls->describe(chip, o);
		/* The GSIs its routes use: the client library accepts routes only there. */
		if (chip->ngsi > 0) {
			json_object *g = json_object_new_object();

			json_object_object_add(g, "base", json_object_new_int64(chip->gsi_base));
			json_object_object_add(g, "count", json_object_new_int64(chip->ngsi));
			json_object_object_add(o, "gsis", g);
		}
		json_object_object_add(o, "guest-errors", wire_u64(chip->guest_errors));
		json_object_array_add(list, o);
	}
	json_object_object_add(r->ret, "chips", list);
	return 0;
}

static int
cmd_chip_add(struct request *req, struct args *a, struct reply *r)
{
	return chip_add(req->srv, req, args_str(a, "type", ""), args_str(a, "id", ""), a->raw,
	    r);
}

static int
cmd_chip_del(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(req->srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	notifier_free_chip(req->srv, req, chip);
	chip_del(chip, req);
	return 0;
}

static int
cmd_chip_query(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(req->srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	json_object_object_add(r->ret, "id", json_object_new_string(chip->id));
	json_object_object_add(r->ret, "type", json_object_new_string(chip->cls->type));
	json_object_object_add(r->ret, "guest-errors", wire_u64(chip->guest_errors));
	return chip->cls->query(chip, a, r);
}

/* The largest state a memfd may carry to chip-load. */
#define STATE_FD_MAX	(256U << 20)

/* Replaces the memfd's contents with the state's JSON text; returns its size. */
static int
state_to_fd(int fd, json_object *state, size_t *size, struct reply *r)
{
	const char *text = json_object_to_json_string_length(state, JSON_C_TO_STRING_PLAIN,
	    size);
	size_t done = 0;
	ssize_t n;

	if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)*size) < 0)
		return reply_error(r, ERR_INVALID_FD, "argument 'fd': cannot resize the memfd "
		    "to %zu bytes: %s (is it sealed against growing?)", *size, strerror(errno));
	while (done < *size) {
		n = pwrite(fd, text + done, *size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return reply_error(r, ERR_INVALID_FD, "argument 'fd': write: %s",
			    n < 0 ? strerror(errno) : "no progress");
		done += (size_t)n;
	}
	return 0;
}

/* The state a memfd carries, parsed as strictly as a message. */
static json_object *
state_from_fd(int fd, struct reply *r)
{
	struct stat st;
	json_object *state;
	char *text, *why = NULL;
	size_t done = 0;
	ssize_t n;

	if (fstat(fd, &st) < 0 || st.st_size <= 0 || (uint64_t)st.st_size > STATE_FD_MAX) {
		reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the memfd must hold a "
		    "state of 1..%u bytes", STATE_FD_MAX);
		return NULL;
	}
	text = malloc((size_t)st.st_size);
	if (text == NULL) {
		reply_error(r, ERR_GENERIC, "out of memory for a %lld-byte state",
		    (long long)st.st_size);
		return NULL;
	}
	while (done < (size_t)st.st_size) {
		n = pread(fd, text + done, (size_t)st.st_size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			reply_error(r, ERR_INVALID_FD, "argument 'fd': read: %s",
			    n < 0 ? strerror(errno) : "the memfd shrank");
			free(text);
			return NULL;
		}
		done += (size_t)n;
	}
	state = wire_parse(text, done, &why);
	free(text);
	if (state == NULL) {
		reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the memfd's state is not "
		    "JSON: %s", why != NULL ? why : "?");
		free(why);
	}
	return state;
}

static int
cmd_chip_save(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(req->srv, a, r);
	json_object *state;
	size_t size;
	int fd;

	if (chip == NULL)
		return -EINVAL;
	if (chip->cls->save == NULL)
		return reply_error(r, ERR_UNSUPPORTED, "chip '%s' (%s) does not take chip-save",
		    chip->id, chip->cls->type);
	if (chip->cls->save(chip, r) < 0)
		return -EINVAL;
	if (!args_has(a, "fd"))
		return 0;
	/* Big data goes through the memfd, not the packet: the reply says how much. */
	json_object_object_get_ex(r->ret, "state", &state);
	json_object_get(state);
	json_object_object_del(r->ret, "state");
	fd = args_take_fd(a, "fd");
	if (state_to_fd(fd, state, &size, r) == 0)
		json_object_object_add(r->ret, "size", wire_u64(size));
	close(fd);
	json_object_put(state);
	return r->err_desc != NULL ? -EINVAL : 0;
}

static int
cmd_chip_load(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(req->srv, a, r);
	json_object *state;
	int fd, rc;

	if (chip == NULL)
		return -EINVAL;
	if (args_has(a, "state") == args_has(a, "fd"))
		return reply_error(r, ERR_INVALID_PARAMETER, "chip-load takes exactly one of "
		    "'state' (an object) and 'fd' (a memfd holding it)");
	if (args_has(a, "state")) {
		state = json_object_get(args_obj(a, "state"));
	} else {
		fd = args_take_fd(a, "fd");
		state = state_from_fd(fd, r);
		close(fd);
		if (state == NULL)
			return -EINVAL;
	}
	rc = chip_load(chip, req, state, r);
	json_object_put(state);
	if (rc < 0)
		return -EINVAL;
	chip_announce_state(chip, "loaded");
	return 0;
}

static int
cmd_chip_reset(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(req->srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	chip_reset(chip, req);
	chip_announce_state(chip, "reset");
	return 0;
}

static int
cmd_chip_select(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(req->srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	if (chip->cls->hcall == NULL && chip->cls->rtas == NULL)
		return reply_error(r, ERR_UNSUPPORTED, "chip '%s' (%s) takes no hypervisor "
		    "calls, so it cannot be the active presenter", chip->id, chip->cls->type);
	/*
	 * The guest chose at CAS: the model it leaves is reset (claims kept), the
	 * one it takes is activated; then both announce their lines again.
	 */
	if (chip->pair != NULL && chip->pair->cls->select != NULL) {
		chip->pair->req = req;
		chip->pair->cls->select(chip->pair, req, false);
		chip->pair->req = NULL;
	}
	req->srv->presenter = chip;
	if (chip->cls->select != NULL) {
		chip->req = req;
		chip->cls->select(chip, req, true);
		chip->req = NULL;
	}
	chip_announce_state(chip, "selected");
	return 0;
}

static int
cmd_mmio_read(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(req->srv, a, r);
	uint64_t value = 0;

	if (chip == NULL || chip_mmio(chip, req, a, false, &value, r) < 0)
		return -EINVAL;
	json_object_object_add(r->ret, "value", wire_u64(value));
	return 0;
}

static int
cmd_mmio_write(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(req->srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	return chip_mmio(chip, req, a, true, NULL, r);
}

/* A line hook's refusal, as the client reads it. */
static int
line_outcome(struct chip *chip, uint64_t line, int rc, struct reply *r)
{
	if (rc == 0)
		return 0;
	if (rc == -ENOENT)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'line': %" PRIu64 " of "
		    "chip '%s' is not claimed (irq-claim gives a source its type first)", line,
		    chip->id);
	return reply_error(r, ERR_INVALID_PARAMETER, "argument 'line': chip '%s' refused "
	    "line %" PRIu64 " (%s)", chip->id, line, strerror(-rc));
}

static int
cmd_line_set(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need_line(req->srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	return line_outcome(chip, args_u64(a, "line", 0), chip_line_set(chip, req,
	    (unsigned)args_u64(a, "line", 0), SOURCE_PROTOCOL, args_u64(a, "level", 0) != 0), r);
}

static int
cmd_line_pulse(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need_line(req->srv, a, r);

	if (chip == NULL)
		return -EINVAL;
	return line_outcome(chip, args_u64(a, "line", 0), chip_line_pulse(chip, req,
	    (unsigned)args_u64(a, "line", 0), SOURCE_PROTOCOL), r);
}

static int
cmd_eoi(struct request *req, struct args *a, struct reply *r)
{
	chip_eoi_all(req->srv, req, (uint8_t)args_u64(a, "vector", 0));
	return 0;
}

static int
cmd_msi(struct request *req, struct args *a, struct reply *r)
{
	struct msi_write m = {
		.address = args_u64(a, "address", 0),
		.data = (uint32_t)args_u64(a, "data", 0),
		.has_source = args_has(a, "source"),
		.source = (uint32_t)args_u64(a, "source", 0),
	};
	struct chip *chip = chip_by_msi(req->srv, m.address);

	if (chip == NULL)
		return reply_error(r, ERR_DEVICE_NOT_FOUND, "argument 'address': no chip "
		    "decodes MSIs at 0x%" PRIx64 " (query-chips shows each chip's MSI window)",
		    m.address);
	return chip_msi(chip, req, &m, r);
}

static int
cmd_translate(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip;

	if (args_has(a, "id")) {
		if ((chip = chip_need(req->srv, a, r)) == NULL)
			return -EINVAL;
	} else if (args_has(a, "address")) {
		chip = chip_by_msi(req->srv, args_u64(a, "address", 0));
		if (chip == NULL)
			return reply_error(r, ERR_DEVICE_NOT_FOUND, "argument 'address': no chip "
			    "decodes MSIs at 0x%" PRIx64, args_u64(a, "address", 0));
	} else {
		return reply_error(r, ERR_INVALID_PARAMETER, "translate needs 'id' or "
		    "'address' to name the chip");
	}
	if (chip->cls->translate == NULL)
		return reply_error(r, ERR_UNSUPPORTED, "chip '%s' (%s) does not translate",
		    chip->id, chip->cls->type);
	return chip->cls->translate(chip, a, r);
}

static int
cmd_hcall(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_presenter(req->srv, r);
	struct hcall h = {
		.cpu = (unsigned)args_u64(a, "cpu", 0),
		.opcode = args_u64(a, "opcode", 0),
		.timebase = args_u64(a, "timebase", 0),
	};
	json_object *values;
	int rc;

	if (chip == NULL)
		return -EINVAL;
	if (chip->cls->hcall == NULL)
		return reply_error(r, ERR_UNSUPPORTED, "chip '%s' (%s) takes no hypervisor "
		    "calls", chip->id, chip->cls->type);
	h.nargs = args_u64s(a, "args", &h.args);
	chip->req = req;
	rc = chip->cls->hcall(chip, req, &h, r);
	chip->req = NULL;
	if (rc < 0)
		return rc;
	values = json_object_new_array();
	for (unsigned i = 0; i < h.nvalues && i < ARG_U64S_MAX; i++)
		json_object_array_add(values, wire_u64(h.values[i]));
	json_object_object_add(r->ret, "ret", json_object_new_int64(h.ret));
	json_object_object_add(r->ret, "values", values);
	return 0;
}

static int
cmd_rtas(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_presenter(req->srv, r);
	struct rtas_call c = {
		.cpu = (unsigned)args_u64(a, "cpu", 0),
		.name = args_str(a, "name", ""),
		.nret = (unsigned)args_u64(a, "nret", 1),
	};
	json_object *values;
	int rc;

	if (chip == NULL)
		return -EINVAL;
	if (chip->cls->rtas == NULL)
		return reply_error(r, ERR_UNSUPPORTED, "chip '%s' (%s) takes no RTAS calls",
		    chip->id, chip->cls->type);
	c.nargs = args_u64s(a, "args", &c.args);
	chip->req = req;
	rc = chip->cls->rtas(chip, req, &c, r);
	chip->req = NULL;
	if (rc < 0)
		return rc;
	values = json_object_new_array();
	for (unsigned i = 0; i < c.nvalues && i < ARG_U64S_MAX; i++)
		json_object_array_add(values, wire_u64(c.values[i]));
	json_object_object_add(r->ret, "status", json_object_new_int64(c.status));
	json_object_object_add(r->ret, "values", values);
	return 0;
}

static int
cmd_irq_claim(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(req->srv, a, r), *p;
	uint32_t irq = (uint32_t)args_u64(a, "irq", 0);
	uint64_t align = args_u64(a, "align", 1);
	int rc;

	if (chip == NULL)
		return -EINVAL;
	if (chip->cls->irq_claim == NULL)
		return reply_error(r, ERR_UNSUPPORTED, "chip '%s' (%s) has no interrupt "
		    "numbers to claim", chip->id, chip->cls->type);
	if (align == 0 || (align & (align - 1)) != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'align' must be a power "
		    "of two, not %" PRIu64, align);
	chip->req = req;
	rc = chip->cls->irq_claim(chip, req, args_has(a, "irq"), &irq,
	    (unsigned)args_u64(a, "count", 1), args_str(a, "type", "msi"), (unsigned)align, r);
	chip->req = NULL;
	if (rc < 0)
		return rc;
	/* A pair shares its claims, where the other model has those numbers. */
	if ((p = chip->pair) != NULL && p->cls->irq_claim != NULL && irq >= p->line_base &&
	    irq - p->line_base + args_u64(a, "count", 1) <= p->nlines) {
		p->req = req;
		rc = p->cls->irq_claim(p, req, true, &irq, (unsigned)args_u64(a, "count", 1),
		    args_str(a, "type", "msi"), 1, r);
		p->req = NULL;
		if (rc < 0) {
			/* Undo the first claim: a failed request changes nothing. */
			struct reply scratch;

			reply_init(&scratch);
			chip->cls->irq_free(chip, req, irq, (unsigned)args_u64(a, "count", 1),
			    &scratch);
			reply_clear(&scratch);
			return rc;
		}
	}
	json_object_object_add(r->ret, "irq", json_object_new_int64(irq));
	return 0;
}

static int
cmd_irq_free(struct request *req, struct args *a, struct reply *r)
{
	struct chip *chip = chip_need(req->srv, a, r), *p;
	uint32_t irq = (uint32_t)args_u64(a, "irq", 0);
	unsigned count = (unsigned)args_u64(a, "count", 1);
	int rc;

	if (chip == NULL)
		return -EINVAL;
	if (chip->cls->irq_free == NULL)
		return reply_error(r, ERR_UNSUPPORTED, "chip '%s' (%s) has no interrupt "
		    "numbers to free", chip->id, chip->cls->type);
	chip->req = req;
	rc = chip->cls->irq_free(chip, req, irq, count, r);
	chip->req = NULL;
	if (rc == 0 && (p = chip->pair) != NULL && p->cls->irq_free != NULL &&
	    irq >= p->line_base && irq - p->line_base + count <= p->nlines) {
		struct reply scratch;

		/* The pair's claim went with the first; a mismatch is not the client's. */
		reply_init(&scratch);
		p->cls->irq_free(p, req, irq, count, &scratch);
		reply_clear(&scratch);
	}
	return rc;
}

#define R ARG_REQUIRED
#define ARGS(x) x, ARRAY_SIZE(x)

static const struct arg_spec id_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
};
static const struct arg_spec chip_add_args[] = {
	{ "type", ARG_ENUM, R, .values_fn = chip_type_names, .help = "controller type" },
	{ "id", ARG_ID, R, .help = "name for the new chip" },
};
static const struct arg_spec chip_query_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "start", ARG_U64, 0, 0, UINT32_MAX, .help =
	    "tables: the first entry to show (default 0)" },
	{ "count", ARG_U64, 0, 1, 65536, .help =
	    "tables: how many entries to show at most (default: the chip's page size)" },
};
static const struct arg_spec chip_save_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "fd", ARG_FD, 0, .fd_kind = FD_MEMFD,
	    .help = "a memfd to write the state into, instead of the reply" },
};
static const struct arg_spec chip_load_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "state", ARG_OBJECT, 0, .help = "a state object from chip-save" },
	{ "fd", ARG_FD, 0, .fd_kind = FD_MEMFD,
	    .help = "or a memfd holding it (as chip-save writes it)" },
};
static const struct arg_spec mmio_read_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "offset", ARG_U64, R, 0, UINT64_MAX, .help = "offset in the window" },
	{ "size", ARG_U64, R, 1, 8, .help = "access size: 1, 2, 4 or 8 bytes" },
	{ "window", ARG_STRING, 0, .help = "which of the chip's windows (default: its first)" },
	{ "cpu", ARG_U64, 0, 0, 4095, .help = "the accessing vCPU (default 0)" },
};
static const struct arg_spec mmio_write_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "offset", ARG_U64, R, 0, UINT64_MAX, .help = "offset in the window" },
	{ "size", ARG_U64, R, 1, 8, .help = "access size: 1, 2, 4 or 8 bytes" },
	{ "value", ARG_U64, R, 0, UINT64_MAX, .help = "the value written" },
	{ "window", ARG_STRING, 0, .help = "which of the chip's windows (default: its first)" },
	{ "cpu", ARG_U64, 0, 0, 4095, .help = "the accessing vCPU (default 0)" },
};
static const struct arg_spec line_set_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "line", ARG_U64, R, 0, LINE_MAX_GLOBAL,
	    .help = "input line (IOAPIC pin; POWER global interrupt number)" },
	{ "level", ARG_LEVEL, R, .help = "1 asserted, 0 deasserted (polarity aside)" },
};
static const struct arg_spec line_pulse_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "line", ARG_U64, R, 0, LINE_MAX_GLOBAL,
	    .help = "input line (IOAPIC pin; POWER global interrupt number)" },
};
static const struct arg_spec eoi_args[] = {
	{ "vector", ARG_U64, R, 0, 255, .help = "the vector the LAPIC EOIed" },
	{ "cpu", ARG_U64, 0, 0, 4095, .help = "the vCPU that EOIed (informative)" },
};
static const struct arg_spec msi_args[] = {
	{ "address", ARG_U64, R, 0, UINT64_MAX, .help = "the address the device wrote" },
	{ "data", ARG_U64, R, 0, UINT32_MAX, .help = "the 32-bit value it wrote" },
	{ "source", ARG_U64, 0, 0, UINT32_MAX, .help =
	    "the writer's device ID or requester ID, where the chip needs it" },
};
static const struct arg_spec translate_args[] = {
	{ "id", ARG_ID, 0, .help = "the chip (or give 'address')" },
	{ "address", ARG_U64, 0, 0, UINT64_MAX, .help = "an MSI address the chip decodes" },
	{ "data", ARG_U64, 0, 0, UINT32_MAX, .help = "the MSI data" },
	{ "source", ARG_U64, 0, 0, UINT32_MAX, .help = "the device ID / requester ID" },
	{ "device", ARG_U64, 0, 0, UINT32_MAX, .help = "ITS: the DeviceID" },
	{ "event", ARG_U64, 0, 0, UINT32_MAX, .help = "ITS: the EventID" },
};
static const struct arg_spec hcall_args[] = {
	{ "cpu", ARG_U64, R, 0, 4095, .help = "the calling vCPU's server number" },
	{ "opcode", ARG_U64, R, 0, UINT32_MAX, .help = "the hcall number (r3)" },
	{ "args", ARG_U64S, 0, 0, UINT64_MAX, .maxlen = 9, .help =
	    "the arguments (r4..), at most 9" },
	{ "timebase", ARG_U64, 0, 0, UINT64_MAX, .help =
	    "the guest's timebase, for calls that return it (H_XIRR_X)" },
};
static const struct arg_spec rtas_args[] = {
	{ "cpu", ARG_U64, R, 0, 4095, .help = "the calling vCPU's server number" },
	{ "name", ARG_STRING, R, .help = "the RTAS call's name, e.g. ibm,set-xive" },
	{ "args", ARG_U64S, 0, 0, UINT32_MAX, .maxlen = 16, .help =
	    "the input arguments (32-bit cells)" },
	{ "nret", ARG_U64, 0, 0, 16, .help =
	    "the number of return values the caller provided room for, status included "
	    "(default 1)" },
};

static const char *const irq_types[] = { "lsi", "msi", NULL };
static const struct arg_spec irq_claim_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "count", ARG_U64, R, 1, 65536, .help = "how many numbers" },
	{ "type", ARG_ENUM, R, .values = irq_types,
	    .help = "lsi (level-sensitive) or msi (message-signalled)" },
	{ "irq", ARG_U64, 0, 0, LINE_MAX_GLOBAL,
	    .help = "the first number; absent: the chip allocates a block" },
	{ "align", ARG_U64, 0, 1, 65536,
	    .help = "allocation: the first number's alignment, a power of two (default 1)" },
};
static const struct arg_spec irq_free_args[] = {
	{ "id", ARG_ID, R, .help = "chip id" },
	{ "irq", ARG_U64, R, 0, LINE_MAX_GLOBAL, .help = "the first number" },
	{ "count", ARG_U64, R, 1, 65536, .help = "how many numbers" },
};

static const struct command chip_commands[] = {
	{ "query-chips", cmd_query_chips, NULL, 0, CMD_OBSERVER, "the chips, one line each" },
	{ "chip-add", cmd_chip_add, ARGS(chip_add_args), CMD_EXTRA_ARGS,
	    "create a controller; type-specific arguments as in query-commands" },
	{ "chip-del", cmd_chip_del, ARGS(id_args), CMD_EFFECTS,
	    "remove a controller, withdrawing its routes" },
	{ "chip-query", cmd_chip_query, ARGS(chip_query_args), CMD_OBSERVER,
	    "a controller's state, decoded" },
	{ "chip-save", cmd_chip_save, ARGS(chip_save_args), CMD_OBSERVER,
	    "a controller's state, versioned" },
	{ "chip-load", cmd_chip_load, ARGS(chip_load_args), CMD_EFFECTS,
	    "replace a controller's state; every route is re-announced" },
	{ "chip-reset", cmd_chip_reset, ARGS(id_args), CMD_EFFECTS, "architectural reset" },
	{ "chip-select", cmd_chip_select, ARGS(id_args), CMD_EFFECTS,
	    "POWER: make this chip the one that takes hcall and rtas" },
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
	{ "msi", cmd_msi, ARGS(msi_args), CMD_EFFECTS,
	    "an MSI write, to the chip whose MSI window holds the address" },
	{ "translate", cmd_translate, ARGS(translate_args), CMD_OBSERVER,
	    "what an MSI would become, without delivering it" },
	{ "hcall", cmd_hcall, ARGS(hcall_args), CMD_EFFECTS,
	    "POWER: a hypervisor call, to the active presenter chip" },
	{ "rtas", cmd_rtas, ARGS(rtas_args), CMD_EFFECTS,
	    "POWER: an RTAS call, to the active presenter chip" },
	{ "irq-claim", cmd_irq_claim, ARGS(irq_claim_args), CMD_EFFECTS,
	    "POWER: claim a block of global interrupt numbers for a source type" },
	{ "irq-free", cmd_irq_free, ARGS(irq_free_args), CMD_EFFECTS,
	    "POWER: give a block of global interrupt numbers back" },
};

const struct command_table cmd_chip_table = { ARGS(chip_commands) };

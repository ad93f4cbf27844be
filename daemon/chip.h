/*
 * The fabric: every emulated controller is a struct chip with a class that
 * adapts its emulator (emul/<type>/) to the protocol. Handlers receive
 * validated arguments (args.h) and fill a struct reply.
 */
#ifndef IRQCHIPD_CHIP_H
#define IRQCHIPD_CHIP_H

#include "args.h"
#include "server.h"

#define CHIP_ID_MAX	63

struct chip_class {
	const char *type;
	const char *help;
	/* Type-specific chip-add arguments, validated before create(). */
	const struct arg_spec *config_args;
	size_t nconfig_args;

	int (*create)(struct chip *, const struct args *, struct reply *);
	void (*destroy)(struct chip *);
	/* chip-del: withdraw every route the chip announced (as effects). */
	void (*unroute_all)(struct chip *);
	/* Summary line for query-chips. */
	void (*describe)(struct chip *, json_object *);
	int (*query)(struct chip *, struct reply *);
	/* query-status: the chip's counters into an object (NULL: none kept). */
	void (*counters)(struct chip *, json_object *);
	int (*save)(struct chip *, struct reply *);
	int (*load)(struct chip *, json_object *state, struct reply *);
	void (*reset)(struct chip *);
	/* Re-announce all routes, then deliver what is pending (resume, load). */
	void (*announce)(struct chip *);

	uint64_t window_size;		/* 0: no MMIO window */
	int (*mmio_read)(struct chip *, uint64_t offset, unsigned size, unsigned cpu,
	    uint64_t *value, struct reply *);
	int (*mmio_write)(struct chip *, uint64_t offset, unsigned size, unsigned cpu,
	    uint64_t value, struct reply *);

	/* Input lines. */
	unsigned (*nlines)(struct chip *);
	int (*line_set)(struct chip *, unsigned line, unsigned source, bool level);
	int (*line_pulse)(struct chip *, unsigned line, unsigned source);
	/* EOI broadcast for vector (x86). */
	void (*eoi)(struct chip *, uint8_t vector);
};

struct chip {
	char id[CHIP_ID_MAX + 1];
	const struct chip_class *cls;
	struct server *srv;
	void *priv;
	uint64_t base;			/* MMIO window: base .. base + cls->window_size */
	unsigned gsi_base, ngsi;	/* GSIs the chip's lines use */
	uint64_t guest_errors;
	/* Guest-error log rate limit: a window start and what it let through. */
	TAILQ_ENTRY(chip) entry;
	int64_t log_window_ms;
	unsigned log_in_window;
	uint64_t log_suppressed;
};

extern const struct chip_class chip_class_ioapic;

const struct chip_class *chip_class_find(const char *type);
/* The chip classes, NULL-terminated, for listings. */
extern const struct chip_class *const chip_classes[];
/* ["ioapic", ...]: the chip types, for replies and --print-capabilities. */
json_object *chip_types_json(void);

struct chip *chip_find(struct server *, const char *id);
/* A chip-add config error if [base, base+size) or the GSIs collide with a chip. */
int chip_check_overlap(struct server *, uint64_t base, uint64_t size, unsigned gsi_base,
    unsigned ngsi, struct reply *);
void chip_free(struct chip *);

#endif

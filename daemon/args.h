/*
 * Argument schemas: every command declares its arguments in a const table;
 * one validator checks a request against it (unknown and missing keys, types,
 * ranges, enum values, fd indexes and kinds) before any handler runs, so a bad
 * request changes nothing.
 */
#ifndef IRQCHIPD_ARGS_H
#define IRQCHIPD_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "server.h"

enum arg_type {
	ARG_U64,	/* integer in [min, max]; also "0x..." or decimal strings */
	ARG_BOOL,
	ARG_LEVEL,	/* 0, 1, false or true */
	ARG_STRING,
	ARG_ID,		/* a chip id: 1..63 of [A-Za-z0-9_.-] */
	ARG_ENUM,	/* one of values[] */
	ARG_OBJECT,
	ARG_STRINGS,	/* array of strings */
	ARG_FD,		/* index into the packet's fd array, of kind fd_kind */
};

#define ARG_REQUIRED	0x1

struct arg_spec {
	const char *name;
	enum arg_type type;
	int flags;
	uint64_t min, max;		/* ARG_U64 */
	const char *const *values;	/* ARG_ENUM, NULL-terminated */
	enum fd_kind fd_kind;		/* ARG_FD */
	const char *help;
};

#define ARGS_MAX	16

struct arg_value {
	bool present;
	uint64_t u;		/* U64, LEVEL, BOOL, ENUM (index) */
	const char *s;		/* STRING, ID, ENUM */
	json_object *o;		/* OBJECT, STRINGS */
	int fd;			/* FD: the fd itself; -1 once taken */
	int fd_index;		/* FD: its index in the packet */
};

struct args {
	json_object *raw;	/* the arguments object as received (may be NULL) */
	const struct arg_spec *specs;
	size_t nspecs;
	struct arg_value v[ARGS_MAX];
};

/*
 * Validates obj (may be NULL: no arguments) against specs. allow_extra lets
 * keys not in specs through (chip-add's type-specific part). fds/nfds are the
 * packet's fds; used[] marks the ones an FD argument claimed. Returns 0, or
 * -EINVAL with the reply's error set.
 */
int args_parse(struct args *, const struct arg_spec *, size_t nspecs, json_object *obj,
    bool allow_extra, int *fds, unsigned nfds, bool *used, struct reply *);

bool args_has(const struct args *, const char *name);
uint64_t args_u64(const struct args *, const char *name, uint64_t dflt);
const char *args_str(const struct args *, const char *name, const char *dflt);
json_object *args_obj(const struct args *, const char *name);
/* Takes ownership of an FD argument's descriptor (-1 if absent). */
int args_take_fd(struct args *, const char *name);

/* The schema of one argument for people: "integer 0..255", "one of edge, level". */
void arg_describe(const struct arg_spec *, char *buf, size_t size);

#endif

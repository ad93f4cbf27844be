/* Request argument validation against a command's const schema. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "compiler.h"
#include "daemon.h"
#include "wire.h"

static const struct arg_spec *
spec_find(const struct arg_spec *specs, size_t n, const char *name, size_t *index)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(specs[i].name, name) == 0) {
			if (index != NULL)
				*index = i;
			return &specs[i];
		}
	}
	return NULL;
}

static const char *const *
enum_values(const struct arg_spec *s)
{
	return s->values != NULL ? s->values : s->values_fn();
}

void
arg_describe(const struct arg_spec *s, char *buf, size_t size)
{
	size_t o;

	switch (s->type) {
	case ARG_U64:
		if (s->max < 0x10000)
			snprintf(buf, size, "an integer in %" PRIu64 "..%" PRIu64, s->min, s->max);
		else
			snprintf(buf, size, "an integer in 0x%" PRIx64 "..0x%" PRIx64
			    " (a number or a \"0x...\" string)", s->min, s->max);
		break;
	case ARG_BOOL:
		snprintf(buf, size, "true or false");
		break;
	case ARG_LEVEL:
		snprintf(buf, size, "0 or 1 (or false or true)");
		break;
	case ARG_STRING:
		snprintf(buf, size, "a string");
		break;
	case ARG_ID:
		snprintf(buf, size, "a name of 1 to 63 characters from A-Z a-z 0-9 _ . -");
		break;
	case ARG_ENUM:
		o = (size_t)snprintf(buf, size, "one of");
		for (const char *const *v = enum_values(s); *v != NULL && o < size; v++)
			o += (size_t)snprintf(buf + o, size - o, "%s %s",
			    v == enum_values(s) ? "" : ",", *v);
		break;
	case ARG_OBJECT:
		snprintf(buf, size, "a JSON object");
		break;
	case ARG_STRINGS:
		snprintf(buf, size, "an array of strings");
		break;
	case ARG_FD:
		snprintf(buf, size, "the index of an %s in the message's fd array",
		    fd_kind_name(s->fd_kind));
		break;
	case ARG_U64S:
		snprintf(buf, size, "an array of at most %u integers in 0x%" PRIx64 "..0x%"
		    PRIx64, s->maxlen, s->min, s->max);
		break;
	}
}

static bool
valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63)
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return false;
	}
	return true;
}

static int
bad_arg(struct reply *r, const struct arg_spec *s)
{
	char what[256];

	arg_describe(s, what, sizeof what);
	return reply_error(r, ERR_INVALID_PARAMETER, "argument '%s' must be %s", s->name, what);
}

static int
parse_one(const struct arg_spec *s, json_object *val, struct arg_value *out, int *fds,
    unsigned nfds, bool *used, struct reply *r)
{
	char why[256];
	uint64_t u;
	size_t i;
	int rc;

	switch (s->type) {
	case ARG_U64:
		if (wire_get_u64(val, &u) < 0 || u < s->min || u > s->max)
			return bad_arg(r, s);
		out->u = u;
		break;
	case ARG_BOOL:
		if (!json_object_is_type(val, json_type_boolean))
			return bad_arg(r, s);
		out->u = json_object_get_boolean(val);
		break;
	case ARG_LEVEL:
		if (json_object_is_type(val, json_type_boolean))
			out->u = json_object_get_boolean(val);
		else if (json_object_is_type(val, json_type_int) &&
		    (json_object_get_int64(val) == 0 || json_object_get_int64(val) == 1))
			out->u = (uint64_t)json_object_get_int64(val);
		else
			return bad_arg(r, s);
		break;
	case ARG_STRING:
		if (!json_object_is_type(val, json_type_string))
			return bad_arg(r, s);
		out->s = json_object_get_string(val);
		break;
	case ARG_ID:
		if (!json_object_is_type(val, json_type_string) ||
		    !valid_id(json_object_get_string(val)))
			return bad_arg(r, s);
		out->s = json_object_get_string(val);
		break;
	case ARG_ENUM:
		if (!json_object_is_type(val, json_type_string))
			return bad_arg(r, s);
		for (i = 0; enum_values(s)[i] != NULL; i++) {
			if (strcmp(enum_values(s)[i], json_object_get_string(val)) == 0)
				break;
		}
		if (enum_values(s)[i] == NULL)
			return bad_arg(r, s);
		out->u = i;
		out->s = enum_values(s)[i];
		break;
	case ARG_OBJECT:
		if (!json_object_is_type(val, json_type_object))
			return bad_arg(r, s);
		out->o = val;
		break;
	case ARG_STRINGS:
		if (!json_object_is_type(val, json_type_array))
			return bad_arg(r, s);
		for (i = 0; i < json_object_array_length(val); i++) {
			if (!json_object_is_type(json_object_array_get_idx(val, i),
			    json_type_string))
				return bad_arg(r, s);
		}
		out->o = val;
		break;
	case ARG_FD:
		if (!json_object_is_type(val, json_type_int) || json_object_get_int64(val) < 0 ||
		    json_object_get_int64(val) >= (int64_t)nfds) {
			if (nfds == 0)
				return reply_error(r, ERR_INVALID_FD, "argument '%s' refers to an fd "
				    "but the message carries none", s->name);
			return reply_error(r, ERR_INVALID_FD, "argument '%s' must be an fd index "
			    "in 0..%u (the message carries %u fds)", s->name, nfds - 1, nfds);
		}
		i = (size_t)json_object_get_int64(val);
		if (used[i])
			return reply_error(r, ERR_INVALID_FD, "argument '%s': fd index %zu is "
			    "already used by another argument", s->name, i);
		char *cause = NULL;
		rc = fd_check_kind(fds[i], s->fd_kind, &cause);
		if (rc < 0) {
			snprintf(why, sizeof why, "%s", cause != NULL ? cause : "unknown type");
			free(cause);
			return reply_error(r, ERR_INVALID_FD, "argument '%s' (fd index %zu) must "
			    "be an %s, not %s", s->name, i, fd_kind_name(s->fd_kind), why);
		}
		/* Not the VM fd: embedded mode shares it with the VMM's own ioctls. */
		if (s->fd_kind != FD_KVM_VM && (rc = fd_set_nonblock(fds[i])) < 0)
			return reply_error(r, ERR_INVALID_FD, "argument '%s' (fd index %zu): "
			    "cannot make it non-blocking: %s", s->name, i, strerror(-rc));
		used[i] = true;
		out->fd = fds[i];
		out->fd_index = (int)i;
		break;
	case ARG_U64S:
		if (!json_object_is_type(val, json_type_array) ||
		    json_object_array_length(val) > s->maxlen ||
		    json_object_array_length(val) > ARG_U64S_MAX)
			return bad_arg(r, s);
		for (i = 0; i < json_object_array_length(val); i++) {
			if (wire_get_u64(json_object_array_get_idx(val, i), &u) < 0 ||
			    u < s->min || u > s->max)
				return bad_arg(r, s);
			out->list[i] = u;
		}
		out->nlist = (unsigned)i;
		break;
	}
	out->present = true;
	return 0;
}

int
args_parse(struct args *a, const struct arg_spec *specs, size_t n, json_object *obj,
    bool allow_extra, int *fds, unsigned nfds, bool *used, struct reply *r)
{
	size_t i;

	if (n > ARGS_MAX)
		return reply_error(r, ERR_GENERIC, "internal: too many arguments in a schema");
	memset(a, 0, sizeof *a);
	a->raw = obj;
	a->specs = specs;
	a->nspecs = n;
	for (i = 0; i < n; i++)
		a->v[i].fd = -1;

	if (obj != NULL) {
		json_object_object_foreach(obj, key, val) {
			const struct arg_spec *s = spec_find(specs, n, key, &i);

			if (s == NULL) {
				char esc[96];

				if (allow_extra)
					continue;
				if (n == 0)
					return reply_error(r, ERR_INVALID_PARAMETER, "unknown "
					    "argument '%s': this command takes no arguments",
					    log_escape(key, esc, sizeof esc));
				char names[512];
				size_t o = 0;

				names[0] = '\0';
				for (size_t j = 0; j < n && o < sizeof names; j++)
					o += (size_t)snprintf(names + o, sizeof names - o, "%s%s",
					    j == 0 ? "" : ", ", specs[j].name);
				return reply_error(r, ERR_INVALID_PARAMETER, "unknown argument "
				    "'%s'; allowed: %s", log_escape(key, esc, sizeof esc),
				    names);
			}
			if (parse_one(s, val, &a->v[i], fds, nfds, used, r) < 0)
				return -EINVAL;
		}
	}
	for (i = 0; i < n; i++) {
		char what[256];

		if ((specs[i].flags & ARG_REQUIRED) && !a->v[i].present) {
			arg_describe(&specs[i], what, sizeof what);
			return reply_error(r, ERR_INVALID_PARAMETER, "missing argument '%s' (%s)",
			    specs[i].name, what);
		}
	}
	return 0;
}

static const struct arg_value *
value_of(const struct args *a, const char *name)
{
	size_t i;

	if (spec_find(a->specs, a->nspecs, name, &i) == NULL || !a->v[i].present)
		return NULL;
	return &a->v[i];
}

bool
args_has(const struct args *a, const char *name)
{
	return value_of(a, name) != NULL;
}

uint64_t
args_u64(const struct args *a, const char *name, uint64_t dflt)
{
	const struct arg_value *v = value_of(a, name);

	return v != NULL ? v->u : dflt;
}

const char *
args_str(const struct args *a, const char *name, const char *dflt)
{
	const struct arg_value *v = value_of(a, name);

	return v != NULL ? v->s : dflt;
}

json_object *
args_obj(const struct args *a, const char *name)
{
	const struct arg_value *v = value_of(a, name);

	return v != NULL ? v->o : NULL;
}

bool
args_strings_has(const struct args *a, const char *name, const char *want)
{
	json_object *list = args_obj(a, name);

	for (size_t i = 0; list != NULL && i < json_object_array_length(list); i++) {
		if (strcmp(json_object_get_string(json_object_array_get_idx(list, i)),
		    want) == 0)
			return true;
	}
	return false;
}

unsigned
args_u64s(const struct args *a, const char *name, const uint64_t **list)
{
	const struct arg_value *v = value_of(a, name);

	if (v == NULL) {
		*list = NULL;
		return 0;
	}
	*list = v->list;
	return v->nlist;
}

int
args_take_fd(struct args *a, const char *name)
{
	size_t i;
	int fd;

	if (spec_find(a->specs, a->nspecs, name, &i) == NULL || !a->v[i].present)
		return -1;
	fd = a->v[i].fd;
	a->v[i].fd = -1;
	return fd;
}

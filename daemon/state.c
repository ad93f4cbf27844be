/*
 * Declared state: a chip lists its saved fields once (JSON name, type, where
 * the value lives, range, array length, the version that added it) and this
 * file writes chip-save's object and checks and reads chip-load's from that
 * list, as QEMU's VMState field lists do. A load checks every field (unknown,
 * missing, type, range, identity) into a copy before the chip sees it, so a
 * bad state changes nothing.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "wire.h"

static uint64_t
get_uint(const void *base, const struct state_field *f)
{
	const char *p = (const char *)base + f->offset;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	bool b;

	switch (f->type) {
	case STATE_U8:
		memcpy(&u8, p, sizeof u8);
		return u8;
	case STATE_U16:
		memcpy(&u16, p, sizeof u16);
		return u16;
	case STATE_U32:
		memcpy(&u32, p, sizeof u32);
		return u32;
	case STATE_BOOL:
		memcpy(&b, p, sizeof b);
		return b;
	case STATE_U64:
	case STATE_HEX64:
		memcpy(&u64, p, sizeof u64);
		return u64;
	case STATE_ARRAY:
	case STATE_OPTIONAL:
		break;
	}
	return 0;
}

static void
set_uint(void *base, const struct state_field *f, uint64_t v)
{
	char *p = (char *)base + f->offset;
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;
	bool b = v != 0;

	switch (f->type) {
	case STATE_U8:
		memcpy(p, &u8, sizeof u8);
		break;
	case STATE_U16:
		memcpy(p, &u16, sizeof u16);
		break;
	case STATE_U32:
		memcpy(p, &u32, sizeof u32);
		break;
	case STATE_BOOL:
		memcpy(p, &b, sizeof b);
		break;
	case STATE_U64:
	case STATE_HEX64:
		memcpy(p, &v, sizeof v);
		break;
	case STATE_ARRAY:
	case STATE_OPTIONAL:
		break;
	}
}

json_object *
json_hex64(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
	return json_object_new_string(buf);
}

/* Where an array field's elements start. */
static char *
array_at(const void *base, const struct state_field *f)
{
	uintptr_t p = (uintptr_t)base + f->offset;

	/* The state struct is the caller's to write; only its type is const here. */
	if (f->flags & STATE_INDIRECT)
		memcpy(&p, (const void *)p, sizeof p);
	return (char *)p;
}

static unsigned
array_len(const void *base, const struct state_field *f)
{
	uint32_t n;

	if (f->count_offset == STATE_FIXED_COUNT)
		return f->count;
	memcpy(&n, (const char *)base + f->count_offset, sizeof n);
	return n < f->count ? n : f->count;
}

json_object *
state_to_json(const struct state_field *fields, size_t n, const void *base)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < n; i++) {
		const struct state_field *f = &fields[i];
		json_object *v, *list;
		bool present;

		switch (f->type) {
		case STATE_BOOL:
			v = json_object_new_boolean(get_uint(base, f) != 0);
			break;
		case STATE_HEX64:
			v = json_hex64(get_uint(base, f));
			break;
		case STATE_OPTIONAL:
			memcpy(&present, (const char *)base + f->count_offset, sizeof present);
			v = present ? state_to_json(f->sub, f->nsub, (const char *)base +
			    f->offset) : NULL;
			break;
		case STATE_ARRAY:
			list = json_object_new_array();
			for (unsigned k = 0; k < array_len(base, f); k++)
				json_object_array_add(list, state_to_json(f->sub, f->nsub,
				    array_at(base, f) + k * f->stride));
			v = list;
			break;
		default:
			v = wire_u64(get_uint(base, f));
			break;
		}
		json_object_object_add(o, f->name, v);
	}
	return o;
}

static int
load_object(const struct state_field *fields, size_t n, json_object *o, void *base,
    unsigned version, const char *path, struct reply *r)
{
	char esc[96], sub[96];
	json_object *v;
	uint64_t u;

	if (!json_object_is_type(o, json_type_object))
		return reply_error(r, ERR_INVALID_PARAMETER, "state%s must be an object", path);
	json_object_object_foreach(o, key, val) {
		size_t i;

		(void)val;
		for (i = 0; i < n && strcmp(fields[i].name, key) != 0; i++)
			;
		if (i == n || fields[i].since > version)
			return reply_error(r, ERR_INVALID_PARAMETER, "state%s has an unknown "
			    "field '%s'", path, log_escape(key, esc, sizeof esc));
	}
	for (size_t i = 0; i < n; i++) {
		const struct state_field *f = &fields[i];

		if (f->since > version)
			continue;	/* absent from older states: the current value stays */
		if (!json_object_object_get_ex(o, f->name, &v))
			return reply_error(r, ERR_INVALID_PARAMETER, "state%s.%s is missing",
			    path, f->name);
		if (f->type == STATE_BOOL) {
			if (!json_object_is_type(v, json_type_boolean))
				return reply_error(r, ERR_INVALID_PARAMETER, "state%s.%s must be "
				    "true or false", path, f->name);
			u = json_object_get_boolean(v);
		} else if (f->type == STATE_OPTIONAL) {
			bool present = v != NULL;

			snprintf(sub, sizeof sub, "%s.%s", path, f->name);
			if (present && load_object(f->sub, f->nsub, v, (char *)base + f->offset,
			    version, sub, r) < 0)
				return -EINVAL;
			memcpy((char *)base + f->count_offset, &present, sizeof present);
			continue;
		} else if (f->type == STATE_ARRAY && (f->flags & STATE_VARLEN)) {
			uint32_t len;

			if (!json_object_is_type(v, json_type_array) ||
			    json_object_array_length(v) > f->count)
				return reply_error(r, ERR_INVALID_PARAMETER, "state%s.%s must be an "
				    "array of at most %u objects", path, f->name, f->count);
			len = (uint32_t)json_object_array_length(v);
			memcpy((char *)base + f->count_offset, &len, sizeof len);
			for (unsigned k = 0; k < len; k++) {
				snprintf(sub, sizeof sub, "%s.%s[%u]", path, f->name, k);
				if (load_object(f->sub, f->nsub, json_object_array_get_idx(v, k),
				    array_at(base, f) + k * f->stride, version, sub, r) < 0)
					return -EINVAL;
			}
			continue;
		} else if (f->type == STATE_ARRAY) {
			unsigned len = array_len(base, f);

			if (!json_object_is_type(v, json_type_array) ||
			    json_object_array_length(v) != len)
				return reply_error(r, ERR_INVALID_PARAMETER, "state%s.%s must be an "
				    "array of %u objects", path, f->name, len);
			for (unsigned k = 0; k < len; k++) {
				snprintf(sub, sizeof sub, "%s.%s[%u]", path, f->name, k);
				if (load_object(f->sub, f->nsub, json_object_array_get_idx(v, k),
				    array_at(base, f) + k * f->stride, version, sub, r) < 0)
					return -EINVAL;
			}
			continue;
		} else if (wire_get_u64(v, &u) < 0 || u < f->min || u > f->max) {
			return reply_error(r, ERR_INVALID_PARAMETER, "state%s.%s must be an "
			    "integer in %" PRIu64 "..%" PRIu64, path, f->name, f->min, f->max);
		}
		if ((f->flags & STATE_MATCH) && u != get_uint(base, f))
			return reply_error(r, ERR_INVALID_PARAMETER, "state%s.%s is %" PRIu64
			    " but this chip's is %" PRIu64 " (a state loads only into a chip "
			    "added with the same configuration)", path, f->name, u,
			    get_uint(base, f));
		set_uint(base, f, u);
	}
	return 0;
}

json_object *
state_save(const struct state_desc *d, const void *base)
{
	json_object *o = state_to_json(d->fields, d->nfields, base), *out;

	out = json_object_new_object();
	json_object_object_add(out, "format", json_object_new_string(d->format));
	json_object_object_add(out, "version", json_object_new_int((int)d->version));
	json_object_object_foreach(o, key, val)
		json_object_object_add(out, key, json_object_get(val));
	json_object_put(o);
	return out;
}

int
state_load(const struct state_desc *d, json_object *st, void *base, struct reply *r)
{
	json_object *v, *body;
	uint64_t version;
	int rc;

	if (!json_object_is_type(st, json_type_object))
		return reply_error(r, ERR_INVALID_PARAMETER, "state must be an object");
	if (!json_object_object_get_ex(st, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), d->format) != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "state.format must be \"%s\"",
		    d->format);
	if (!json_object_object_get_ex(st, "version", &v) || wire_get_u64(v, &version) < 0 ||
	    version < d->min_version || version > d->version)
		return reply_error(r, ERR_INVALID_PARAMETER, "state.version must be an integer "
		    "in %u..%u", d->min_version, d->version);
	/* The envelope's two keys are the loader's; the rest must be declared fields. */
	body = json_object_new_object();
	json_object_object_foreach(st, key, val) {
		if (strcmp(key, "format") != 0 && strcmp(key, "version") != 0)
			json_object_object_add(body, key, json_object_get(val));
	}
	rc = load_object(d->fields, d->nfields, body, base, (unsigned)version, "", r);
	json_object_put(body);
	return rc;
}

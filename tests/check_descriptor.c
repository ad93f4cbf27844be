/*
 * The backend descriptor (data/50-irqchipd.json, installed in
 * PKGDATADIR/backends) against the daemon it describes: its "binary" is
 * where make install puts irqchipd, and each member it shares with
 * `irqchipd --print-capabilities` has the same value there, so a management
 * layer that chose irqchipd by its descriptor gets what it read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

/* The members the descriptor copies from --print-capabilities. */
static const char *const shared[] = {
	"type", "version", "protocol", "capabilities", "chip-types",
};
/* And those only the descriptor has. */
static const char *const own[] = { "description", "binary" };

static json_object *descriptor, *printed;

static void
setup(void)
{
	char path[512], prog[512];
	char *out = NULL;

	snprintf(path, sizeof path, "%s/data/50-irqchipd.json", test_builddir());
	descriptor = json_object_from_file(path);
	ck_assert_msg(descriptor != NULL, "%s: %s", path, json_util_get_last_err());
	test_program("daemon/irqchipd", prog, sizeof prog);
	ck_assert_int_eq(test_run((const char *const[]){ prog, "--print-capabilities", NULL },
	    &out, NULL), 0);
	printed = json_tokener_parse(out);
	ck_assert_msg(printed != NULL, "--print-capabilities printed no JSON: %s", out);
	free(out);
}

static void
teardown(void)
{
	json_object_put(descriptor);
	json_object_put(printed);
}

START_TEST(test_descriptor_agrees)
{
	for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
		json_object *d, *p;

		ck_assert_msg(json_object_object_get_ex(printed, shared[i], &p),
		    "--print-capabilities has no \"%s\"", shared[i]);
		ck_assert_msg(json_object_object_get_ex(descriptor, shared[i], &d),
		    "the descriptor has no \"%s\"", shared[i]);
		ck_assert_msg(json_object_equal(d, p), "\"%s\": the descriptor says %s, "
		    "--print-capabilities %s", shared[i], json_object_to_json_string(d),
		    json_object_to_json_string(p));
	}
}
END_TEST

/* Nothing else: a member the daemon does not print could not be checked. */
START_TEST(test_descriptor_members)
{
	json_object_object_foreach(descriptor, key, val) {
		bool known = false;

		(void)val;
		for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
			known |= strcmp(key, shared[i]) == 0;
		for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
			known |= strcmp(key, own[i]) == 0;
		ck_assert_msg(known, "the descriptor has an unknown member \"%s\"", key);
	}
}
END_TEST

START_TEST(test_descriptor_binary)
{
	json_object *b, *d;

	ck_assert(json_object_object_get_ex(descriptor, "binary", &b));
	ck_assert(json_object_is_type(b, json_type_string));
	ck_assert_str_eq(json_object_get_string(b), SBINDIR "/irqchipd");
	ck_assert(json_object_object_get_ex(descriptor, "description", &d));
	ck_assert(json_object_is_type(d, json_type_string));
	ck_assert_int_gt(json_object_get_string_len(d), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("descriptor");
	TCase *tc = tcase_create("descriptor");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_descriptor_agrees);
	tcase_add_test(tc, test_descriptor_members);
	tcase_add_test(tc, test_descriptor_binary);
	suite_add_tcase(s, tc);
	return test_main(s);
}

/*
 * Protocol transcripts: each file in tests/transcripts/ is a scenario of
 * requests and the replies they must get, run against a fresh daemon.
 *
 *   # a comment
 *   > {"execute": "chip-add", "arguments": {"type": "ioapic", "id": "io0"}}
 *   < {"return": {"id": "io0"}}
 *
 * A "<" line is a pattern, matched against the reply as a subset: every
 * member it names must be present and match; arrays match element by element
 * and must have the same length; the string "*" matches any value; a string
 * starting with "~" matches a string that contains the rest. Events are
 * skipped. The runner negotiates first; requests carry no fds.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define MAX_TRANSCRIPTS	64

static char *files[MAX_TRANSCRIPTS];
static int nfiles;

static const char *
srcdir(void)
{
	const char *d = getenv("IRQCHIPD_SRCDIR");

	return d != NULL ? d : ".";
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
find_transcripts(void)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof path, "%s/tests/transcripts", srcdir());
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "check_transcripts: %s: %s\n", path, strerror(errno));
		exit(99);
	}
	while ((de = readdir(d)) != NULL && nfiles < MAX_TRANSCRIPTS) {
		size_t n = strlen(de->d_name);

		if (n > 2 && strcmp(de->d_name + n - 2, ".t") == 0)
			files[nfiles++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(files, (size_t)nfiles, sizeof files[0], by_name);
}

/* Whether actual matches pattern; on a mismatch, where names the path. */
static bool
match(json_object *pattern, json_object *actual, char *where, size_t size)
{
	size_t len = strlen(where);

	if (json_object_is_type(pattern, json_type_string)) {
		const char *p = json_object_get_string(pattern);

		if (strcmp(p, "*") == 0)
			return actual != NULL;
		if (!json_object_is_type(actual, json_type_string))
			return false;
		if (p[0] == '~')
			return strstr(json_object_get_string(actual), p + 1) != NULL;
		return strcmp(p, json_object_get_string(actual)) == 0;
	}
	if (json_object_is_type(pattern, json_type_object)) {
		if (!json_object_is_type(actual, json_type_object))
			return false;
		json_object_object_foreach(pattern, key, val) {
			json_object *a = NULL;

			snprintf(where + len, size - len, ".%s", key);
			if (!json_object_object_get_ex(actual, key, &a) ||
			    !match(val, a, where, size))
				return false;
		}
		where[len] = '\0';
		return true;
	}
	if (json_object_is_type(pattern, json_type_array)) {
		if (!json_object_is_type(actual, json_type_array) ||
		    json_object_array_length(actual) != json_object_array_length(pattern))
			return false;
		for (size_t i = 0; i < json_object_array_length(pattern); i++) {
			snprintf(where + len, size - len, "[%zu]", i);
			if (!match(json_object_array_get_idx(pattern, i),
			    json_object_array_get_idx(actual, i), where, size))
				return false;
		}
		where[len] = '\0';
		return true;
	}
	return json_object_equal(pattern, actual);
}

START_TEST(test_transcript)
{
	struct test_daemon d;
	struct irqchip_client *c;
	json_object *reply = NULL, *want;
	char path[512], line[8192], where[256];
	unsigned lineno = 0, steps = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/transcripts/%s", srcdir(), files[_i]);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	test_daemon_start(&d, NULL);
	c = test_connect(&d);
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		ck_assert_msg((line[0] == '>' || line[0] == '<') && line[1] == ' ',
		    "%s:%u: a line starts with '> ', '< ' or '#'", files[_i], lineno);
		if (line[0] == '>') {
			ck_assert_msg(reply == NULL, "%s:%u: the previous reply was not checked",
			    files[_i], lineno);
			ck_assert_int_eq(irqchip_client_send_raw(c, line + 2, strlen(line + 2),
			    NULL, 0), 0);
			ck_assert_msg(irqchip_client_recv_reply(c, 10000, &reply) == 0,
			    "%s:%u: no reply", files[_i], lineno);
			steps++;
			continue;
		}
		ck_assert_msg(reply != NULL, "%s:%u: a pattern with no request before it",
		    files[_i], lineno);
		want = json_tokener_parse(line + 2);
		ck_assert_msg(want != NULL, "%s:%u: the pattern is not JSON", files[_i], lineno);
		where[0] = '\0';
		ck_assert_msg(match(want, reply, where, sizeof where),
		    "%s:%u: the reply does not match at '%s':\n  got  %s\n  want %s", files[_i],
		    lineno, where, json_object_to_json_string(reply),
		    json_object_to_json_string(want));
		json_object_put(want);
		json_object_put(reply);
		reply = NULL;
	}
	fclose(f);
	ck_assert_msg(reply == NULL, "%s: the last reply was not checked", files[_i]);
	ck_assert_msg(steps > 0, "%s: no requests", files[_i]);
	irqchip_client_close(c);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("transcripts");
	TCase *tc = tcase_create("transcripts");

	find_transcripts();
	if (nfiles == 0) {
		fprintf(stderr, "check_transcripts: no tests/transcripts/*.t files\n");
		return 99;
	}
	tcase_add_loop_test(tc, test_transcript, 0, nfiles);
	suite_add_tcase(s, tc);
	return test_main(s);
}

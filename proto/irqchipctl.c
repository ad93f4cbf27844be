/*
 * irqchipctl(1): talk to irqchipd from a shell.
 *
 *   irqchipctl [-s PATH] [--json] COMMAND [key=value ... | JSON-OBJECT]
 *   irqchipctl [-s PATH] [--json] monitor
 *
 * monitor, and --observer, negotiate as a read-only observer, so they work
 * beside a running VMM; a command that finds another client in control
 * falls back to observing (irqchipd-protocol(7), Observers).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqchip.h"

#define EXIT_USAGE 2

static int json_output;

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: irqchipctl [-s PATH] [--json] [--no-resume] COMMAND [key=value ...]\n"
	    "       irqchipctl [-s PATH] [--json] COMMAND '{\"key\": value, ...}'\n"
	    "       irqchipctl [-s PATH] [--json] monitor\n"
	    "\n"
	    "  -s, --socket PATH   irqchipd's socket (default: $IRQCHIPD_SOCKET)\n"
	    "  -j, --json          print replies and events as one JSON object per line\n"
	    "      --no-resume     do not take over a session the daemon kept\n"
	    "  -o, --observer      watch only: queries and events, beside a running VMM\n"
	    "  -h, --help          this help\n"
	    "\n"
	    "Values: integers (decimal or 0x), true/false, JSON objects or arrays, else strings.\n"
	    "`irqchipctl query-commands` lists the commands; see irqchipctl(1).\n");
}

/* key=value -> a JSON value: integer, boolean, JSON text, or string. */
static json_object *
parse_value(const char *s)
{
	json_object *o;
	uint64_t u;
	char *end;
	long long v;

	if (strcmp(s, "true") == 0)
		return json_object_new_boolean(1);
	if (strcmp(s, "false") == 0)
		return json_object_new_boolean(0);
	if (*s == '{' || *s == '[' || *s == '"') {
		o = json_tokener_parse(s);
		if (o != NULL)
			return o;
	}
	if (*s != '\0') {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0' && (s[0] != '0' || s[1] == '\0'))
			return json_object_new_int64(v);
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			o = json_object_new_string(s);
			if (irqchip_json_u64(o, &u) == 0) {
				json_object_put(o);
				if (u <= INT64_MAX)
					return json_object_new_int64((int64_t)u);
				return json_object_new_string(s);
			}
			json_object_put(o);
		}
	}
	return json_object_new_string(s);
}

static bool
is_scalar(json_object *o)
{
	return !json_object_is_type(o, json_type_object) &&
	    !json_object_is_type(o, json_type_array);
}

static const char *
scalar_text(json_object *o)
{
	if (o == NULL)
		return "null";
	if (json_object_is_type(o, json_type_string))
		return json_object_get_string(o);
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* An array of flat objects reads best as a table. */
static bool
print_table(json_object *arr, int indent)
{
	size_t n = json_object_array_length(arr), i, c, ncols = 0;
	const char *cols[64];
	size_t width[64];

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(row, json_type_object))
			return false;
		json_object_object_foreach(row, k, v) {
			if (!is_scalar(v))
				return false;
			for (c = 0; c < ncols && strcmp(cols[c], k) != 0; c++)
				;
			if (c == ncols) {
				if (ncols == 64)
					return false;
				cols[ncols] = k;
				width[ncols++] = strlen(k);
			}
		}
	}
	for (i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(arr, i), *v;

		for (c = 0; c < ncols; c++) {
			size_t w = json_object_object_get_ex(row, cols[c], &v) ?
			    strlen(scalar_text(v)) : 1;

			if (w > width[c])
				width[c] = w;
		}
	}
	printf("%*s", indent, "");
	for (c = 0; c < ncols; c++)
		printf("%-*s%s", (int)width[c], cols[c], c + 1 < ncols ? "  " : "\n");
	for (i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(arr, i), *v;

		printf("%*s", indent, "");
		for (c = 0; c < ncols; c++)
			printf("%-*s%s", (int)width[c],
			    json_object_object_get_ex(row, cols[c], &v) ? scalar_text(v) : "-",
			    c + 1 < ncols ? "  " : "\n");
	}
	return true;
}

static void
print_human(json_object *o, int indent)
{
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			if (is_scalar(v)) {
				printf("%*s%s: %s\n", indent, "", k, scalar_text(v));
			} else if (json_object_is_type(v, json_type_array) &&
			    json_object_array_length(v) == 0) {
				printf("%*s%s: (none)\n", indent, "", k);
			} else {
				printf("%*s%s:\n", indent, "", k);
				print_human(v, indent + 2);
			}
		}
	} else if (json_object_is_type(o, json_type_array)) {
		if (print_table(o, indent))
			return;
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			json_object *v = json_object_array_get_idx(o, i);

			if (is_scalar(v)) {
				printf("%*s- %s\n", indent, "", scalar_text(v));
			} else {
				printf("%*s-\n", indent, "");
				print_human(v, indent + 2);
			}
		}
	} else {
		printf("%*s%s\n", indent, "", scalar_text(o));
	}
}

static void
print_reply(json_object *o)
{
	if (json_output)
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	else if (json_object_is_type(o, json_type_object) && json_object_object_length(o) == 0)
		puts("ok");
	else
		print_human(o, 0);
}

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = 1;
}

static int
monitor(struct irqchip_client *c)
{
	struct sigaction sa = { .sa_handler = on_signal };
	json_object *ev, *name, *data, *ts, *sec, *usec;
	int rc;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop) {
		rc = irqchip_client_next_event(c, 200, &ev);
		if (rc == -ETIMEDOUT)
			continue;
		if (rc < 0) {
			fprintf(stderr, "irqchipctl: connection lost: %s\n", strerror(-rc));
			return 1;
		}
		if (json_output) {
			puts(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
		} else {
			json_object_object_get_ex(ev, "event", &name);
			json_object_object_get_ex(ev, "data", &data);
			if (json_object_object_get_ex(ev, "timestamp", &ts) &&
			    json_object_object_get_ex(ts, "seconds", &sec) &&
			    json_object_object_get_ex(ts, "microseconds", &usec))
				printf("%" PRId64 ".%06" PRId64 " ", json_object_get_int64(sec),
				    json_object_get_int64(usec));
			printf("%s", json_object_get_string(name));
			if (data != NULL) {
				json_object_object_foreach(data, k, v)
					printf(" %s=%s", k, scalar_text(v));
			}
			putchar('\n');
		}
		json_object_put(ev);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-resume", no_argument, NULL, 'R' },
		{ "observer", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("IRQCHIPD_SOCKET"), *command, *resume = NULL;
	struct irqchip_client *c;
	json_object *args = NULL, *ret = NULL, *g, *v;
	char *cause = NULL;
	int opt, rc, no_resume = 0, observer = 0;

	while ((opt = getopt_long(argc, argv, "+s:joh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json_output = 1;
			break;
		case 'R':
			no_resume = 1;
			break;
		case 'o':
			observer = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "irqchipctl: no command given (try --help)\n");
		return EXIT_USAGE;
	}
	if (path == NULL) {
		fprintf(stderr, "irqchipctl: no socket: give -s PATH or set IRQCHIPD_SOCKET\n");
		return EXIT_USAGE;
	}
	command = argv[optind++];
	if (optind < argc && argv[optind][0] == '{') {
		args = json_tokener_parse(argv[optind]);
		if (args == NULL || !json_object_is_type(args, json_type_object)) {
			fprintf(stderr, "irqchipctl: '%s' is not a JSON object\n", argv[optind]);
			json_object_put(args);
			return EXIT_USAGE;
		}
		if (++optind < argc) {
			fprintf(stderr, "irqchipctl: nothing may follow the JSON arguments\n");
			json_object_put(args);
			return EXIT_USAGE;
		}
	} else {
		args = json_object_new_object();
		for (; optind < argc; optind++) {
			char *eq = strchr(argv[optind], '=');

			if (eq == NULL || eq == argv[optind]) {
				fprintf(stderr, "irqchipctl: '%s' is not key=value\n", argv[optind]);
				json_object_put(args);
				return EXIT_USAGE;
			}
			*eq = '\0';
			json_object_object_add(args, argv[optind], parse_value(eq + 1));
		}
	}

	if ((rc = irqchip_client_connect(path, &c, &cause)) < 0) {
		fprintf(stderr, "irqchipctl: %s\n", cause);
		free(cause);
		json_object_put(args);
		return 1;
	}
	/*
	 * A debugging tool: take over a kept session unless told not to; but
	 * never push a running VMM aside: beside one, observe.
	 */
	g = irqchip_client_greeting(c);
	if (!no_resume && json_object_object_get_ex(g, "resumable", &v) &&
	    json_object_get_boolean(v) && json_object_object_get_ex(g, "session", &v))
		resume = json_object_get_string(v);
	if (strcmp(command, "monitor") == 0)
		observer = 1;
	rc = observer ? -EBUSY : irqchip_client_negotiate(c, NULL, resume, NULL, &cause);
	if (rc == -EBUSY || (rc == -EREMOTEIO && strncmp(cause, "Busy:", 5) == 0)) {
		json_object *o = json_object_new_object();

		free(cause);
		cause = NULL;
		json_object_object_add(o, "observer", json_object_new_boolean(1));
		rc = irqchip_client_call(c, "negotiate", o, NULL, 0, NULL, NULL, &cause);
		json_object_put(o);
	}
	if (rc < 0) {
		fprintf(stderr, "irqchipctl: negotiate: %s\n", cause);
		free(cause);
		json_object_put(args);
		irqchip_client_close(c);
		return 1;
	}
	if (strcmp(command, "monitor") == 0) {
		rc = monitor(c);
	} else if (strcmp(command, "greeting") == 0) {
		print_reply(g);
		rc = 0;
	} else if (irqchip_client_call(c, command,
	    json_object_object_length(args) > 0 ? args : NULL, NULL, 0, &ret, NULL,
	    &cause) < 0) {
		fprintf(stderr, "irqchipctl: %s: %s\n", command, cause);
		rc = 1;
	} else {
		print_reply(ret);
		rc = 0;
	}
	json_object_put(ret);
	json_object_put(args);
	free(cause);
	irqchip_client_close(c);
	return rc;
}

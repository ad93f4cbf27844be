/*
 * irqchipctl(1): talk to irqchipd from a shell.
 *
 *   irqchipctl [-s PATH] [--json] COMMAND [key=value ... | JSON-OBJECT]
 *   irqchipctl [-s PATH] [--json] monitor
 *
 * monitor, and --observer, negotiate as a read-only observer, so they work
 * beside a running VMM; a command that finds another client in control
 * falls back to observing (irqchipd-protocol(7), Observers).
 *   irqchipctl [-s PATH] [--json] top [interval=SECONDS] [count=N]
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
#include <time.h>
#include <unistd.h>

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
	    "       irqchipctl [-s PATH] [--json] top [interval=SECONDS] [count=N]\n"
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

/* ------------------------------------------------------------------- top */

/* Members of a chip-counters row that name it rather than count. */
static bool
top_is_key(const char *name)
{
	return strcmp(name, "pin") == 0 || strcmp(name, "gsi") == 0 ||
	    strcmp(name, "line") == 0 || strcmp(name, "irq") == 0;
}

static uint64_t
top_u64(json_object *o, const char *name)
{
	json_object *v;
	uint64_t u = 0;

	if (o != NULL && json_object_object_get_ex(o, name, &v))
		(void)irqchip_json_u64(v, &u);
	return u;
}

/* The row of prev (a chip's "pins" array) that names the same input as row. */
static json_object *
top_find_row(json_object *prev_pins, json_object *row)
{
	const char *k = json_object_object_get_ex(row, "pin", NULL) ? "pin" : "line";

	for (size_t i = 0; prev_pins != NULL && i < json_object_array_length(prev_pins); i++) {
		json_object *p = json_object_array_get_idx(prev_pins, i);

		if (top_u64(p, k) == top_u64(row, k))
			return p;
	}
	return NULL;
}

/*
 * One row with rates: each counter N of row as N (since the daemon started),
 * N-delta (since the previous sample; a row absent then counted from 0) and
 * N-rate (per second over seconds).
 */
static json_object *
top_rates(json_object *row, json_object *prev, double seconds)
{
	json_object *out = json_object_new_object();
	char name[96];

	json_object_object_foreach(row, k, v) {
		uint64_t now, before, delta;

		if (top_is_key(k) || !json_object_is_type(v, json_type_int)) {
			json_object_object_add(out, k, json_object_get(v));
			continue;
		}
		now = top_u64(row, k);
		before = top_u64(prev, k);
		delta = now >= before ? now - before : now;	/* a reset chip starts over */
		json_object_object_add(out, k, json_object_get(v));
		snprintf(name, sizeof name, "%s-delta", k);
		json_object_object_add(out, name, json_object_new_int64((int64_t)delta));
		snprintf(name, sizeof name, "%s-rate", k);
		json_object_object_add(out, name,
		    json_object_new_double(seconds > 0 ? (double)delta / seconds : 0));
	}
	return out;
}

/* A sample: {"seconds", "uptime-ms", "chips": [{"id", "total", "pins": [...]}]}. */
static json_object *
top_sample(json_object *status, json_object *prev_status, double seconds)
{
	json_object *out = json_object_new_object(), *chips = json_object_new_array();
	json_object *cc = NULL, *pcc = NULL, *v;

	json_object_object_add(out, "seconds", json_object_new_double(seconds));
	if (json_object_object_get_ex(status, "uptime-ms", &v))
		json_object_object_add(out, "uptime-ms", json_object_get(v));
	json_object_object_get_ex(status, "chip-counters", &cc);
	if (prev_status != NULL)
		json_object_object_get_ex(prev_status, "chip-counters", &pcc);
	if (cc != NULL && json_object_is_type(cc, json_type_object)) {
		json_object_object_foreach(cc, id, counters) {
			json_object *chip = json_object_new_object(), *pins, *prev = NULL;
			json_object *ppins = NULL, *total, *ptotal = NULL, *list;

			json_object_object_add(chip, "id", json_object_new_string(id));
			if (pcc != NULL && json_object_object_get_ex(pcc, id, &prev)) {
				json_object_object_get_ex(prev, "pins", &ppins);
				json_object_object_get_ex(prev, "total", &ptotal);
			}
			if (json_object_object_get_ex(counters, "total", &total))
				json_object_object_add(chip, "total",
				    top_rates(total, ptotal, seconds));
			list = json_object_new_array();
			if (json_object_object_get_ex(counters, "pins", &pins) &&
			    json_object_is_type(pins, json_type_array)) {
				for (size_t i = 0; i < json_object_array_length(pins); i++) {
					json_object *row = json_object_array_get_idx(pins, i);

					json_object_array_add(list, top_rates(row,
					    top_find_row(ppins, row), seconds));
				}
			}
			json_object_object_add(chip, "pins", list);
			json_object_array_add(chips, chip);
		}
	}
	json_object_object_add(out, "chips", chips);
	return out;
}

/* The counters of a rates row, in the daemon's order: those with a -rate. */
static size_t
top_counter_names(json_object *row, const char **names, size_t max)
{
	size_t n = 0;
	char rate[96];

	json_object_object_foreach(row, k, v) {
		(void)v;
		snprintf(rate, sizeof rate, "%s-rate", k);
		if (n < max && json_object_object_get_ex(row, rate, NULL))
			names[n++] = k;
	}
	return n;
}

static void
top_print_row(const char *chip, const char *pin, const char *gsi, json_object *row,
    const char *const *names, size_t n)
{
	char key[96];

	printf("%-12s %5s %5s", chip, pin, gsi);
	for (size_t i = 0; i < n; i++) {
		json_object *v;

		snprintf(key, sizeof key, "%s-rate", names[i]);
		if (json_object_object_get_ex(row, key, &v))
			printf(" %12.1f", json_object_get_double(v));
		else
			printf(" %12s", "-");
	}
	printf(" %14" PRIu64 "\n", n > 0 ? top_u64(row, names[0]) : 0);
}

static void
top_print(json_object *sample, unsigned k, unsigned count, double interval, bool clear)
{
	json_object *chips, *v;
	const char *names[16];
	size_t n = 0;

	json_object_object_get_ex(sample, "chips", &chips);
	/* The columns: the counters of the first row the daemon reported. */
	for (size_t c = 0; c < json_object_array_length(chips) && n == 0; c++) {
		json_object *chip = json_object_array_get_idx(chips, c), *t;

		if (json_object_object_get_ex(chip, "total", &t))
			n = top_counter_names(t, names, 16);
	}
	if (clear)
		fputs("\033[H\033[2J", stdout);
	printf("irqchipctl top: refresh %u", k);
	if (count > 0)
		printf(" of %u", count);
	json_object_object_get_ex(sample, "seconds", &v);
	printf(", every %.2f s (this one %.3f s)", interval, json_object_get_double(v));
	if (json_object_object_get_ex(sample, "uptime-ms", &v))
		printf(", daemon up %.1f s", (double)json_object_get_int64(v) / 1000);
	putchar('\n');
	if (json_object_array_length(chips) == 0) {
		puts("no chip keeps counters");
		return;
	}
	printf("%-12s %5s %5s", "chip", "pin", "gsi");
	for (size_t i = 0; i < n; i++) {
		char h[64];

		snprintf(h, sizeof h, "%s/s", names[i]);
		printf(" %12s", h);
	}
	printf(" %14s\n", n > 0 ? names[0] : "");
	for (size_t c = 0; c < json_object_array_length(chips); c++) {
		json_object *chip = json_object_array_get_idx(chips, c), *id, *pins, *t;
		char pin[16], gsi[16];

		json_object_object_get_ex(chip, "id", &id);
		json_object_object_get_ex(chip, "pins", &pins);
		for (size_t i = 0; i < json_object_array_length(pins); i++) {
			json_object *row = json_object_array_get_idx(pins, i);

			snprintf(pin, sizeof pin, "%" PRIu64, top_u64(row,
			    json_object_object_get_ex(row, "pin", NULL) ? "pin" : "line"));
			if (json_object_object_get_ex(row, "gsi", NULL))
				snprintf(gsi, sizeof gsi, "%" PRIu64, top_u64(row, "gsi"));
			else
				snprintf(gsi, sizeof gsi, "-");
			top_print_row(json_object_get_string(id), pin, gsi, row, names, n);
		}
		if (json_object_object_get_ex(chip, "total", &t))
			top_print_row(json_object_get_string(id), "all", "", t, names, n);
	}
}

static int
top_status(struct irqchip_client *c, json_object **status, double *t)
{
	struct timespec ts;
	char *cause = NULL;
	json_object *ev;

	if (irqchip_client_call(c, "query-status", NULL, NULL, 0, status, NULL, &cause) < 0) {
		fprintf(stderr, "irqchipctl: top: query-status: %s\n", cause);
		free(cause);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	*t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	/* top shows counters, not events: drop the ones that arrived. */
	while (irqchip_client_next_event(c, 0, &ev) == 0)
		json_object_put(ev);
	return 0;
}

/* top's arguments: interval (seconds, default 1) and count (default 0: no end). */
static int
top_args(json_object *args, double *interval, unsigned *count)
{
	*interval = 1;
	*count = 0;
	json_object_object_foreach(args, key, val) {
		const char *s = json_object_get_string(val);
		char *end;

		if (strcmp(key, "interval") == 0) {
			errno = 0;
			*interval = strtod(s, &end);
			if (errno != 0 || *end != '\0' || !(*interval >= 0.01 && *interval <= 3600)) {
				fprintf(stderr, "irqchipctl: top: interval must be a number of "
				    "seconds in 0.01..3600, not '%s'\n", s);
				return -EINVAL;
			}
		} else if (strcmp(key, "count") == 0) {
			if (!json_object_is_type(val, json_type_int) ||
			    json_object_get_int64(val) < 1 || json_object_get_int64(val) > 1000000) {
				fprintf(stderr, "irqchipctl: top: count must be an integer in "
				    "1..1000000, not '%s'\n", s);
				return -EINVAL;
			}
			*count = (unsigned)json_object_get_int64(val);
		} else {
			fprintf(stderr, "irqchipctl: top: unknown argument '%s'; allowed: "
			    "interval, count\n", key);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * top: samples query-status every interval seconds and prints each chip's
 * per-pin counters as rates; count samples (0: until a signal). The first
 * sample is only the baseline for the second.
 */
static int
top(struct irqchip_client *c, double interval, unsigned count)
{
	struct sigaction sa = { .sa_handler = on_signal };
	json_object *prev = NULL, *cur = NULL;
	bool clear = !json_output && isatty(STDOUT_FILENO);
	double t0, t1;
	unsigned k;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (top_status(c, &prev, &t0) < 0)
		return 1;
	for (k = 1; !stop && (count == 0 || k <= count); k++) {
		struct timespec ts = {
			.tv_sec = (time_t)interval,
			.tv_nsec = (long)((interval - (double)(time_t)interval) * 1e9),
		};
		json_object *sample;

		while (!stop && nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		if (stop)
			break;
		if (top_status(c, &cur, &t1) < 0) {
			json_object_put(prev);
			return 1;
		}
		sample = top_sample(cur, prev, t1 - t0);
		if (json_output)
			puts(json_object_to_json_string_ext(sample, JSON_C_TO_STRING_PLAIN));
		else
			top_print(sample, k, count, interval, clear);
		json_object_put(sample);
		json_object_put(prev);
		prev = cur;
		t0 = t1;
	}
	json_object_put(prev);
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
	double top_interval = 1;
	unsigned top_count = 0;

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

	if (strcmp(command, "top") == 0 && top_args(args, &top_interval, &top_count) < 0) {
		json_object_put(args);
		return EXIT_USAGE;
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
	/* Watching changes nothing: monitor and top are observers, beside a VMM. */
	if (strcmp(command, "monitor") == 0 || strcmp(command, "top") == 0)
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
	} else if (strcmp(command, "top") == 0) {
		rc = top(c, top_interval, top_count);
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

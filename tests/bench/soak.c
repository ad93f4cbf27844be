/*
 * soak: many interrupts through irqchipd with a client that stalls now and
 * then; a program, not a test (make soak). It prints the daemon's RSS and
 * open fds as it goes and, at the end, what was written, delivered and
 * lost. Flat RSS and fd count and zero lost are what a healthy daemon shows.
 *
 *   soak [-n INTERRUPTS] [-t SECONDS] [-d DAEMON]
 *
 * Two paths at once: edge pin 1 has a notifier and an irqfd (the daemon
 * writes the irqfd on each pulse; the soak reads its counter), and edge
 * pin 2 a notifier only, so each pulse is an `interrupt` event the client
 * must read; every two seconds the client reads nothing for 300 ms.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "irqchip.h"

#define IRQFD_BATCH	1000	/* pulses per notifier write on the irqfd path */
#define IRQFD_AHEAD	50000	/* at most this many written but not yet seen */
#define EVENT_BATCH	50	/* pulses per write on the event path */
#define EVENT_AHEAD	1000	/* well inside the daemon's send queue */

static void __attribute__((noreturn))
die(const char *what, int rc, char *cause)
{
	fprintf(stderr, "soak: %s: %s\n", what, cause != NULL ? cause : strerror(-rc));
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return kb;
}

static int
fd_count(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
call(struct irqchip_client *c, const char *cmd, const char *args, const int *fds,
    unsigned nfds, json_object **ret)
{
	json_object *a = args != NULL ? json_tokener_parse(args) : NULL;
	char *cause = NULL;
	int rc;

	rc = irqchip_client_call(c, cmd, a, fds, nfds, ret, NULL, &cause);
	json_object_put(a);
	if (rc < 0)
		die(cmd, rc, cause);
}

static int64_t
status_int(struct irqchip_client *c, const char *a, const char *b, const char *d)
{
	json_object *ret, *o;
	int64_t v;

	call(c, "query-status", NULL, NULL, 0, &ret);
	o = ret;
	if (a != NULL)
		json_object_object_get_ex(o, a, &o);
	if (b != NULL)
		json_object_object_get_ex(o, b, &o);
	if (d != NULL)
		json_object_object_get_ex(o, d, &o);
	v = json_object_get_int64(o);
	json_object_put(ret);
	return v;
}

static void
add(int fd, uint64_t n)
{
	if (write(fd, &n, sizeof n) != sizeof n)
		die("eventfd write", -errno, NULL);
}

/* Reads the events waiting (none if stalled); returns how many were interrupts. */
static uint64_t
drain_events(struct irqchip_client *c)
{
	json_object *ev, *name;
	uint64_t n = 0;

	while (irqchip_client_next_event(c, 0, &ev) == 0) {
		if (json_object_object_get_ex(ev, "event", &name) &&
		    strcmp(json_object_get_string(name), "interrupt") == 0)
			n++;
		json_object_put(ev);
	}
	return n;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "daemon", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = "daemon/irqchipd";
	char dir[] = "/tmp/irqchipd-soak.XXXXXX", sock[64], *cause = NULL;
	uint64_t target = 100000000, written = 0, seen = 0, ev_written = 0, ev_seen = 0, v;
	double limit = 0, t0, next_report, next_stall, stall_until = 0;
	struct irqchip_client *c;
	int irqfd, n1, n2, opt, rc, fds[2];
	long rss0, fd0;
	pid_t pid;

	while ((opt = getopt_long(argc, argv, "n:t:d:", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			target = strtoull(optarg, NULL, 10);
			break;
		case 't':
			limit = strtod(optarg, NULL);
			break;
		case 'd':
			prog = optarg;
			break;
		default:
			fprintf(stderr, "usage: soak [-n INTERRUPTS] [-t SECONDS] [-d DAEMON]\n");
			return 2;
		}
	}
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", -errno, NULL);
	snprintf(sock, sizeof sock, "%s/sock", dir);
	pid = fork();
	if (pid == 0) {
		execl(prog, prog, "--socket-path", sock, "--log-level", "warn", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && access(sock, F_OK) < 0; i++)
		usleep(10000);
	if ((rc = irqchip_client_connect(sock, &c, &cause)) < 0)
		die("connect", rc, cause);
	if ((rc = irqchip_client_negotiate(c, NULL, NULL, NULL, &cause)) < 0)
		die("negotiate", rc, cause);
	irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	n1 = eventfd(0, EFD_CLOEXEC);
	n2 = eventfd(0, EFD_CLOEXEC);
	call(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}", NULL, 0, NULL);
	/* Pins 1 and 2: edge, fixed, vectors 0x31 and 0x32, unmasked. */
	call(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, \"size\": 4, \"value\": 18}",
	    NULL, 0, NULL);
	call(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 16, \"size\": 4, \"value\": 49}",
	    NULL, 0, NULL);
	call(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, \"size\": 4, \"value\": 20}",
	    NULL, 0, NULL);
	call(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 16, \"size\": 4, \"value\": 50}",
	    NULL, 0, NULL);
	call(c, "irqfd-add", "{\"gsi\": 1, \"fd\": 0}", &irqfd, 1, NULL);
	fds[0] = n1;
	call(c, "notifier-add", "{\"id\": \"io0\", \"line\": 1, \"fd\": 0, \"mode\": \"edge\"}",
	    fds, 1, NULL);
	fds[0] = n2;
	call(c, "notifier-add", "{\"id\": \"io0\", \"line\": 2, \"fd\": 0, \"mode\": \"edge\"}",
	    fds, 1, NULL);

	rss0 = rss_kb(pid);
	fd0 = fd_count(pid);
	printf("start: daemon pid %d, RSS %ld kB, %ld fds; target %" PRIu64 " interrupts%s\n",
	    (int)pid, rss0, fd0, target, limit > 0 ? " (or the time limit)" : "");
	t0 = now_s();
	next_report = t0 + 5;
	next_stall = t0 + 2;
	while (written + ev_written < target && (limit <= 0 || now_s() - t0 < limit)) {
		double t = now_s();

		if (written - seen < IRQFD_AHEAD) {
			add(n1, IRQFD_BATCH);
			written += IRQFD_BATCH;
		}
		if (read(irqfd, &v, sizeof v) == sizeof v)
			seen += v;
		if (t >= next_stall) {
			stall_until = t + 0.3;
			next_stall = t + 2;
		}
		if (t >= stall_until) {
			ev_seen += drain_events(c);
			if (ev_written - ev_seen < EVENT_AHEAD) {
				add(n2, EVENT_BATCH);
				ev_written += EVENT_BATCH;
			}
		}
		if (t >= next_report) {
			printf("%6.0f s: %" PRIu64 " interrupts, RSS %ld kB, %d fds\n", t - t0,
			    seen + ev_seen, rss_kb(pid), fd_count(pid));
			fflush(stdout);
			next_report = t + 5;
		}
	}
	/* Let what was written arrive. */
	for (int i = 0; i < 500 && (seen < written || ev_seen < ev_written); i++) {
		if (read(irqfd, &v, sizeof v) == sizeof v)
			seen += v;
		ev_seen += drain_events(c);
		usleep(10000);
	}
	printf("end after %.1f s: written %" PRIu64 " (irqfd path %" PRIu64 ", event path %"
	    PRIu64 "), delivered %" PRIu64 " (%" PRIu64 " + %" PRIu64 ")\n", now_s() - t0,
	    written + ev_written, written, ev_written, seen + ev_seen, seen, ev_seen);
	printf("daemon: RSS %ld kB (start %ld), %d fds (start %ld)\n", rss_kb(pid), rss0,
	    fd_count(pid), fd0);
	printf("daemon counters: lost %" PRId64 ", discarded %" PRId64 ", queued %" PRId64
	    ", queue-overruns %" PRId64 ", eventfd-write-failures %" PRId64 "\n",
	    status_int(c, "counters", "injections", "lost"),
	    status_int(c, "counters", "discarded", NULL),
	    status_int(c, "counters", "queued", NULL),
	    status_int(c, "counters", "queue-overruns", NULL),
	    status_int(c, "counters", "eventfd-write-failures", NULL));
	printf("lost (written - delivered): %" PRIu64 "\n",
	    written + ev_written - seen - ev_seen);
	irqchip_client_close(c);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(sock);
	{
		char lock[96];

		snprintf(lock, sizeof lock, "%s.lock", sock);
		unlink(lock);
	}
	rmdir(dir);
	return seen + ev_seen == written + ev_written ? 0 : 1;
}

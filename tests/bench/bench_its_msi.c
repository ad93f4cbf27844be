/*
 * What an MSI costs through irqchipd's GICv3 ITS: a device's write of
 * GITS_TRANSLATER sent as an `msi` request, translated by the daemon and
 * answered with its `lpi` effect, timed from the calling thread (the round
 * trip a VMM pays). Printed next to, in the same run: the protocol's own
 * floor (a query-version round trip on the same socket) and the emulator's
 * translation in-process (what is left is transport). A program, never a
 * test: `make bench` runs it.
 *
 * The server runs in this process on its own thread, over a socketpair, as
 * embedded mode does; guest RAM is a sealed memfd; the guest's bring-up (the
 * tables, the queue, MAPC, MAPD, MAPTI) is written as Linux's ITS driver
 * orders it (Arm IHI 0069, 5.3 and 6.3).
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "byteorder.h"
#include "daemon.h"
#include "irqchip.h"
#include "log.h"

#define ITS_BASE	0x8080000ULL
#define RAM_GPA		0x40000000ULL
#define RAM_SIZE	(2U << 20)
#define DEVICES		64
#define EVENTS		32
#define ROUNDS		20000

static struct event_base *base;
static struct irqchip_client *client;
static unsigned char *ram;
static unsigned ncmd;

static void *
loop(void *arg)
{
	event_base_dispatch(base);
	return NULL;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static json_object *
call(const char *cmd, const char *fmt, ...)
{
	json_object *args = NULL, *ret = NULL;
	char buf[512], *cause = NULL;
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		args = json_tokener_parse(buf);
	}
	if (irqchip_client_call(client, cmd, args, NULL, 0, &ret, NULL, &cause) < 0) {
		fprintf(stderr, "bench_its_msi: %s: %s\n", cmd, cause != NULL ? cause : "?");
		exit(1);
	}
	json_object_put(args);
	return ret;
}

static void
reg(uint64_t off, unsigned size, uint64_t v)
{
	json_object_put(call("mmio-write", "{\"id\": \"its0\", \"offset\": %" PRIu64 ", "
	    "\"size\": %u, \"value\": \"0x%" PRIx64 "\"}", off, size, v));
}

static void
cmd(uint64_t dw0, uint64_t dw1, uint64_t dw2)
{
	unsigned char *p = ram + 32 * ncmd++;

	st_le64(p, dw0);
	st_le64(p + 8, dw1);
	st_le64(p + 16, dw2);
	st_le64(p + 24, 0);
}

static int
by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median and mean of ROUNDS timings of one request, in microseconds. */
static void
time_calls(const char *what, const char *cmdname, int msi, double *median)
{
	static uint64_t t[ROUNDS];
	uint64_t sum = 0, t0;
	json_object *ret;

	for (int i = 0; i < ROUNDS; i++) {
		t0 = now_ns();
		if (msi)
			ret = call("msi", "{\"address\": %llu, \"data\": %d, \"source\": %d}",
			    (unsigned long long)(ITS_BASE + 0x10040), i % EVENTS, i % DEVICES);
		else
			ret = call(cmdname, NULL);
		t[i] = now_ns() - t0;
		/* Only a delivered LPI counts: an unmapped MSI would time nothing real. */
		if (msi && (json_object_array_length(json_object_object_get(ret,
		    "effects")) != 1)) {
			fprintf(stderr, "bench_its_msi: MSI %d was not delivered: %s\n", i,
			    json_object_to_json_string(ret));
			exit(1);
		}
		sum += t[i];
		json_object_put(ret);
	}
	qsort(t, ROUNDS, sizeof t[0], by_value);
	*median = t[ROUNDS / 2] / 1000.0;
	printf("  %-36s median %7.2f us   mean %7.2f us   p99 %7.2f us\n", what, *median,
	    sum / 1000.0 / ROUNDS, t[ROUNDS * 99 / 100] / 1000.0);
}

int
main(void)
{
	struct server_options opts = { .exit_on_disconnect = false };
	struct server *srv;
	pthread_t th;
	char *cause = NULL;
	double msi_us, floor_us;
	int sv[2], fd;
	json_object *ret;

	log_set_level(LOG_LEVEL_ERROR);
	base = server_event_base_new();
	srv = server_create(base, &opts, &cause);
	if (base == NULL || srv == NULL ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    server_attach(srv, sv[1], getuid(), &cause) < 0 ||
	    pthread_create(&th, NULL, loop, NULL) != 0 ||
	    irqchip_client_open_fd(sv[0], &client, &cause) < 0 ||
	    irqchip_client_negotiate(client, NULL, NULL, NULL, &cause) < 0) {
		fprintf(stderr, "bench_its_msi: set-up: %s\n", cause != NULL ? cause : "?");
		return 1;
	}

	fd = memfd_create("bench-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, RAM_SIZE) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0 ||
	    (ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
	    MAP_FAILED) {
		perror("bench_its_msi: guest RAM");
		return 1;
	}
	{
		json_object *args = json_object_new_object();

		json_object_object_add(args, "gpa", json_object_new_int64((int64_t)RAM_GPA));
		json_object_object_add(args, "size", json_object_new_int64(RAM_SIZE));
		json_object_object_add(args, "fd", json_object_new_int(0));
		if (irqchip_client_call(client, "memory-add", args, &fd, 1, NULL, NULL,
		    &cause) < 0) {
			fprintf(stderr, "bench_its_msi: memory-add: %s\n", cause);
			return 1;
		}
		json_object_put(args);
		close(fd);
	}
	json_object_put(call("chip-add", "{\"type\": \"gicv3-its\", \"id\": \"its0\", "
	    "\"cpus\": 2}"));
	/*
	 * A 128 KiB queue at +0 (room for 4096 commands), flat tables: devices at
	 * +128K (2 pages), collections at +144K; ITTs from +192K.
	 */
	reg(0x100, 8, 1ULL << 63 | 1ULL << 56 | 7ULL << 48 | (RAM_GPA + 0x20000) | 1);
	reg(0x108, 8, 1ULL << 63 | 4ULL << 56 | 7ULL << 48 | (RAM_GPA + 0x24000));
	reg(0x80, 8, 1ULL << 63 | RAM_GPA | 31);
	reg(0x0, 4, 1);
	cmd(0x09, 0, 1ULL << 63 | 0);			/* MAPC 0 -> processor 0 */
	cmd(0x09, 0, 1ULL << 63 | 1ULL << 16 | 1);	/* MAPC 1 -> processor 1 */
	for (unsigned d = 0; d < DEVICES; d++) {
		/* MAPD: 5 event bits, ITT at +192K + d * 256. */
		cmd(0x08 | (uint64_t)d << 32, 5 - 1, 1ULL << 63 | (RAM_GPA + 0x30000 + 256 * d));
		for (unsigned e = 0; e < EVENTS; e++)
			cmd(0x0a | (uint64_t)d << 32, (uint64_t)(8192 + d * EVENTS + e) << 32 | e,
			    e & 1);
	}
	reg(0x88, 8, 32ULL * ncmd);

	printf("gicv3-its through irqchipd (in-process server, %d devices x %d events, "
	    "%d requests each)\n", DEVICES, EVENTS, ROUNDS);
	time_calls("msi -> lpi effect (round trip)", NULL, 1, &msi_us);
	time_calls("query-version (protocol floor)", "query-version", 0, &floor_us);
	ret = call("chip-query", "{\"id\": \"its0\", \"count\": 1}");
	printf("  translation itself: see bench_its (in-process, ns); the daemon adds "
	    "%.2f us over the protocol floor\n", msi_us - floor_us);
	printf("  (translation cache hits %s, misses %s)\n\n",
	    json_object_get_string(json_object_object_get(json_object_object_get(ret,
	    "counters"), "cache-hits")), json_object_get_string(json_object_object_get(
	    json_object_object_get(ret, "counters"), "cache-misses")));
	json_object_put(ret);
	/* With the client gone the server has nothing left to watch: its loop ends. */
	irqchip_client_close(client);
	pthread_join(th, NULL);
	server_free(srv);
	event_base_free(base);
	return 0;
}

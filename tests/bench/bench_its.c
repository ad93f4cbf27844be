/*
 * In-process benchmark of the GICv3 ITS emulator (a program, not a test):
 * with 65,536 devices x 32 events mapped, the translation function on a
 * cache hit and on a miss, and command-queue throughput. Guest RAM is a
 * plain buffer behind the same kind of bounds-checked copy the daemon uses.
 * Targets: cached translation <= 50 ns; >= 5 M commands/s.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gicv3-its/gicv3_its.h"

#define DEVICES		65536
#define EVENTS		32
#define CPUS		4
#define RAM		0x40000000ULL
#define RAM_SIZE	(40ULL << 20)
#define QUEUE		RAM			/* 1 MiB: 32768 commands */
#define QUEUE_BYTES	(1ULL << 20)
#define DEVTAB		(RAM + QUEUE_BYTES)	/* 512 KiB, 64 KiB pages */
#define COLLTAB		(DEVTAB + (512ULL << 10))
#define ITTS		(COLLTAB + 65536)
#define ITT(d)		(ITTS + (uint64_t)(d) * EVENTS * 8)
#define LPI		8192
#define VALID		(1ULL << 63)

static uint8_t		*ram;
static struct its	*its;
static uint64_t		 qwr;
static uint64_t		 delivered;
static uint64_t		 redist;

static int
mem_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	if (gpa < RAM || gpa - RAM > RAM_SIZE || len > RAM_SIZE - (gpa - RAM))
		return -EFAULT;
	memcpy(buf, ram + (gpa - RAM), len);
	return 0;
}

static int
mem_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	if (gpa < RAM || gpa - RAM > RAM_SIZE || len > RAM_SIZE - (gpa - RAM))
		return -EFAULT;
	memcpy(ram + (gpa - RAM), buf, len);
	return 0;
}

static bool
deliver(void *opaque, uint32_t intid, uint32_t target, uint32_t devid,
    uint32_t eventid)
{
	delivered++;
	return true;
}

static void
redist_cmd(void *opaque, const struct its_redist_cmd *c)
{
	redist++;
}

static void
guest_error(void *opaque, const char *kind, const char *msg)
{
	fprintf(stderr, "bench_its: guest error %s: %s\n", kind, msg);
	exit(1);
}

static const struct its_ops ops = {
	mem_read, mem_write, deliver, redist_cmd, guest_error,
};

static double
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
put64(uint64_t gpa, uint64_t v)
{
	uint8_t	*p = ram + (gpa - RAM);

	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
q_put(uint64_t dw0, uint64_t dw1, uint64_t dw2, uint64_t dw3)
{
	put64(QUEUE + qwr, dw0);
	put64(QUEUE + qwr + 8, dw1);
	put64(QUEUE + qwr + 16, dw2);
	put64(QUEUE + qwr + 24, dw3);
	qwr = (qwr + 32) % QUEUE_BYTES;
}

/* Queue n commands from gen(i) in batches that fit, one CWRITER write each. */
static double
run_commands(uint64_t n, void (*gen)(uint64_t))
{
	const uint64_t	batch = QUEUE_BYTES / 32 - 1;
	double		t = 0, t0;
	uint64_t	i = 0, k;

	while (i < n) {
		for (k = 0; k < batch && i < n; k++, i++)
			gen(i);
		t0 = now_ns();
		its_mmio_write(its, 0x88, 8, qwr);
		t += now_ns() - t0;
	}
	return t;
}

static void
gen_map(uint64_t i)
{
	uint32_t	d = (uint32_t)(i / (EVENTS + 1));
	uint32_t	e = (uint32_t)(i % (EVENTS + 1));

	if (e == 0) {
		q_put(0x08 | (uint64_t)d << 32, 4, VALID | ITT(d), 0);
		return;
	}
	e--;
	q_put(0x0a | (uint64_t)d << 32,
	    e | (uint64_t)(LPI + d * EVENTS + e) << 32, (d + e) % CPUS, 0);
}

/*
 * The steady-state mix of a running guest: INV, INT, SYNC, going through
 * the devices in turn (mix_random: a random device each time, which makes
 * every table read a host cache miss).
 */
static bool	mix_random;

static void
gen_mix(uint64_t i)
{
	uint32_t	d = mix_random ? (uint32_t)((i * 2654435761U) % DEVICES) :
	    (uint32_t)(i / 96 % DEVICES);

	switch (i % 3) {
	case 0:
		q_put(0x0c | (uint64_t)d << 32, i % EVENTS, 0, 0);
		break;
	case 1:
		q_put(0x03 | (uint64_t)d << 32, i % EVENTS, 0, 0);
		break;
	default:
		q_put(0x05, 0, (uint64_t)(i % CPUS) << 16, 0);
		break;
	}
}

int
main(void)
{
	struct its_config	cfg;
	struct its_translation	t;
	struct its_status	st0, st1;
	uint64_t		nmap = (uint64_t)DEVICES * (EVENTS + 1);
	uint64_t		nmix = 3000000, n, i, sum = 0, x = 88172645463325252ULL;
	double			tmap, tmix, tmixr, thit, tmiss, tmsi;
	unsigned		c;

	if ((ram = calloc(1, RAM_SIZE)) == NULL)
		return 1;
	its_config_default(&cfg);
	cfg.cpus = CPUS;
	cfg.intid_bits = 22;	/* 2 M LPIs from 8192 */
	if ((its = its_create(&cfg, &ops, NULL)) == NULL)
		return 1;
	its_mmio_write(its, 0x80, 8, VALID | QUEUE | 255);
	its_mmio_write(its, 0x100, 8, VALID | 2ULL << 8 | DEVTAB | 7);
	its_mmio_write(its, 0x108, 8, VALID | COLLTAB);
	its_mmio_write(its, 0x0, 4, 1);
	for (c = 0; c < CPUS; c++)
		q_put(0x09, 0, VALID | (uint64_t)c << 16 | c, 0);
	its_mmio_write(its, 0x88, 8, qwr);

	tmap = run_commands(nmap, gen_map);
	tmix = run_commands(nmix, gen_mix);
	mix_random = true;
	tmixr = run_commands(nmix, gen_mix);

	/* Hits: 1024 events, warm, well inside the cache. */
	n = 20000000;
	for (i = 0; i < 1024; i++)
		its_translate(its, (uint32_t)(i * 61 % DEVICES),
		    (uint32_t)(i % EVENTS), &t);
	its_get_status(its, &st0);
	thit = now_ns();
	for (i = 0; i < n; i++) {
		its_translate(its, (uint32_t)(i % 1024 * 61 % DEVICES),
		    (uint32_t)(i % 1024 % EVENTS), &t);
		sum += t.intid;
	}
	thit = now_ns() - thit;
	its_get_status(its, &st1);
	if (st1.cache_hits - st0.cache_hits != n)
		fprintf(stderr, "bench_its: %llu misses in the hit loop\n",
		    (unsigned long long)(st1.cache_misses - st0.cache_misses));

	tmsi = now_ns();
	for (i = 0; i < n; i++)
		its_msi(its, (uint32_t)(i % 1024 * 61 % DEVICES),
		    (uint32_t)(i % 1024 % EVENTS));
	tmsi = now_ns() - tmsi;

	/* Misses: random pairs over all 2 M mappings. */
	its_get_status(its, &st0);
	tmiss = now_ns();
	for (i = 0; i < 2000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		its_translate(its, (uint32_t)(x % DEVICES),
		    (uint32_t)(x >> 32) % EVENTS, &t);
		sum += t.intid;
	}
	tmiss = now_ns() - tmiss;
	its_get_status(its, &st1);

	printf("gicv3-its: %d devices x %d events mapped (%llu commands)\n",
	    DEVICES, EVENTS, (unsigned long long)nmap);
	printf("  translate, cache hit:    %6.1f ns   (target <= 50 ns: %s)\n",
	    thit / n, thit / n <= 50 ? "met" : "MISSED");
	printf("  its_msi, cache hit:      %6.1f ns\n", tmsi / n);
	printf("  translate, random pair:  %6.1f ns   (%.1f%% misses)\n",
	    tmiss / 2000000,
	    100.0 * (st1.cache_misses - st0.cache_misses) / 2000000);
	printf("  MAPD/MAPTI throughput:   %6.2f M commands/s\n",
	    nmap / tmap * 1e3);
	printf("  INV/INT/SYNC throughput: %6.2f M commands/s   "
	    "(target >= 5 M/s: %s)\n", nmix / tmix * 1e3,
	    nmap / tmap * 1e3 >= 5 && nmix / tmix * 1e3 >= 5 ? "met" :
	    "MISSED");
	printf("  same, random devices:    %6.2f M commands/s   "
	    "(bound by host memory latency)\n", nmix / tmixr * 1e3);
	printf("  (%llu LPIs delivered, %llu redistributor commands, %llu)\n\n",
	    (unsigned long long)delivered, (unsigned long long)redist,
	    (unsigned long long)(sum & 1));
	its_destroy(its);
	free(ram);
	return 0;
}

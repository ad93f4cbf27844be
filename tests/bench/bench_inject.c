/*
 * bench_inject: what an interrupt costs through each irqchipd path, next to
 * the direct KVM calls a VMM would make itself. Every row is measured in the
 * same run on the same VM (one vCPU, the built-in guest of tests/vmm), and
 * the program prints one table (or, with --json, one object).
 *
 *   bench_inject [--iterations N] [--burst N] [--gap-us N] [--halt-poll-ns N]
 *                [--measure-cpu N] [--worker-cpu N] [--daemon-cpu N]
 *                [--daemon PATH] [--json] [--only ROW,...]
 *
 * Columns (microseconds unless named otherwise):
 *   call      the trigger call's time in the VMM thread (an ioctl, a write, a
 *             request and its reply), median and p99, taken from the samples
 *             of the halting-guest round trip;
 *   halt RT   trigger until the guest's ISR has counted the vector, with a
 *             guest that halts (HLT, interrupts enabled) between interrupts,
 *             median and p99: the cost of waking an idle vCPU. Each sample
 *             starts only once the guest has halted again (SH_HALTS moved)
 *             and --gap-us more have passed (see halt polling below);
 *   spin RT   the same with a guest that spins with interrupts enabled (the
 *             mailbox loop), each sample --gap-us after the previous ISR
 *             finished: the vCPU never sleeps, so the vCPU, the daemon and
 *             this thread are three busy threads on two CPUs (no target);
 *   int/s     throughput: bursts of --burst triggers sent without waiting,
 *             then the count is let settle; delivered interrupts per second
 *             of busy time (first trigger of a burst until its last delivery);
 *   deliv     delivered / sent: edge MSIs to a vector already pending in the
 *             LAPIC's IRR coalesce, so below 100% the path outran the guest;
 *   cpu s/M   CPU seconds the daemon (the irqchipd process, or the embedded
 *             server's thread) used per million interrupts triggered in the
 *             row (= microseconds per interrupt), from its CPU-time clock (see
 *             owner_cpu_seconds): per trigger, since a trigger costs the
 *             daemon the same whether the LAPIC coalesces it or not (--json
 *             also gives it per interrupt delivered). Direct rows show what an
 *             idle daemon costs meanwhile (about 0); the mmio-read row is per
 *             million requests;
 *   x...      this row's call, halt RT and throughput divided by the direct
 *             KVM_SIGNAL_MSI row's, and its halt RT and throughput divided by
 *             the direct irqfd row's (a ratio below 1 for throughput is worse).
 *
 * Measuring: the VMM thread (this one, which triggers and then spins on the
 * guest's counter in shared memory) is pinned to --measure-cpu, the vCPU
 * thread (and the VM's event and watchdog threads) to --worker-cpu. The
 * measurer must spin: on this nested host a nanosleep(1 us) lasts hundreds of
 * microseconds, so a sleep in the loop measures the sleep. And it must not
 * share a CPU with the vCPU: a thread spinning on the vCPU's CPU keeps a vCPU
 * woken from HLT off that CPU until the scheduler lets it run (the 1.5-4 ms
 * once seen for every row, direct ones included).
 *
 * The daemon (every task of irqchipd) and the embedded server thread go to
 * --daemon-cpu, by default the measurer's: while the VMM thread waits for a
 * reply its CPU is free, a request and its reply are then same-CPU wake-ups,
 * and a notifier write wakes the daemon, which preempts the spinning
 * measurer. On the vCPU's CPU instead each request costs two cross-CPU
 * wake-ups of an idle CPU, which on this nested host cost tens of
 * microseconds each (JSON call about 75 us there against 35-45 us here), and
 * KVM's halt polling spins on that CPU after each HLT.
 *
 * Halt polling: KVM_CAP_HALT_POLL is set to --halt-poll-ns, 0 by default,
 * so the vCPU sleeps at every HLT and the halting-guest columns measure the
 * wake-up of a sleeping vCPU (the trigger's call includes it: about 7 us for
 * KVM_SIGNAL_MSI here). With polling (-1 keeps the kvm module's default,
 * 200 us here) the vCPU polls after its HLT for a window KVM grows and
 * shrinks from the history of wake-ups, so whether a sample finds it polling
 * (call 0.5 us, round trip about half) depended on the rows before it: the
 * figures were not comparable from run to run.
 *
 * What this host does (seen, not explained): while this thread spins, a vCPU
 * running guest code sees a new interrupt only after hundreds of
 * microseconds (spin RT of the direct, notifier and embedded rows), yet
 * about 60 us when this thread blocks for a reply (the JSON row); and at
 * least 1 % of the wake-ups of a halted vCPU take over 3 ms (halt RT p99) in
 * the rows where it spins, none in the JSON row. That fits an outer host that at times runs this
 * VM's two vCPUs on one physical CPU (its command line has sched_vcpu_pack),
 * so a spinning measurer delays the other vCPU until a time slice ends:
 * pinning inside cannot prevent it (PAUSE in the loops did not help), the
 * medians of the halting guest are the figures to compare.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "irqchip-embedded.h"
#include "irqchip-kvm.h"
#include "irqchip.h"
#include "testvm.h"

#define VEC_SIGNAL_MSI	0x40
#define VEC_IRQFD	0x41
#define VEC_PULSE	0x42
#define VEC_NOTIFIER	0x43
#define VEC_EMBEDDED	0x44
#define VEC_RING	0x45
#define VEC_BYPASS	0x46
#define GSI_VMM		40	/* a VMM-owned route, outside the IOAPIC's 0..23 */
#define PIN_PULSE	1	/* line-pulse requests (JSON, and the ring) */
#define PIN_NOTIFIER	2	/* a device notifier the daemon forwards */
#define PIN_BYPASS	3	/* a device notifier KVM injects itself */
/*
 * Embedded mode runs a second server in this process on the same VM: its
 * own IOAPIC (never seen by the guest, so its window is anywhere) whose pins
 * the kvm backend injects with KVM_SIGNAL_MSI, needing no route.
 */
#define EMB_CHIP_ID	"ioapic-emb"
#define EMB_CHIP_BASE	0xfec10000
#define EMB_GSI_BASE	64
#define EMB_PIN		1
#define SAMPLE_TIMEOUT_US 2e6	/* one interrupt; a lost one ends the run */
#define SETTLE_US	500	/* a burst is over when the count stood still this long */

struct bench {
	struct testvm *vm;
	struct irqchip_kvm *kvm;
	struct irqchip_client *eclient;	/* embedded mode's client */
	pid_t daemon_pid;
	pid_t embedded_tid;
	int irqfd_fd;
	int notifier_fd;
	int measure_cpu, worker_cpu, daemon_cpu;
	/* The daemon once the rows are done: CPU over an idle second, memory. */
	double idle_cpu_us_per_s;
	long rss_kib, rss_peak_kib;
	unsigned iterations, burst, gap_us;
	long halt_poll_ns;		/* < 0: KVM's module default */
	bool halting;			/* the guest halts between interrupts */
};

/* Whose CPU time a row reports. */
enum cpu_owner { OWNER_DAEMON, OWNER_EMBEDDED };

/* How a row triggers one interrupt (or request) and where it lands. */
struct path {
	void (*trigger)(struct bench *, const struct path *);
	unsigned vector;	/* 0: no interrupt (a request only) */
	int fd;			/* for trig_eventfd */
	enum cpu_owner owner;
	unsigned sleep_before_us; /* nanosleep before each sample, off the clock */
	/* Throughput only, both may be NULL: post sends without waiting (instead
	   of trigger), flush waits for the burst's posts. */
	void (*post)(struct bench *, const struct path *);
	void (*flush)(struct bench *, const struct path *);
};

struct figure {
	double median, p99;
};

struct result {
	const char *na;		/* NULL: measured; else the reason it was not */
	bool guest;		/* false: a request without an interrupt */
	struct figure call, rt_halt, rt_spin;
	uint64_t sent, delivered;
	double per_second, coalescing;
	double cpu_s_per_m;	/* per million triggers; NAN: unknown */
	double cpu_s_per_m_delivered; /* per million interrupts delivered */
};

static bool json_out;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void
spin_us(double us)
{
	double end = now_us() + us;

	while (now_us() < end)
		cpu_relax();
}

static void __attribute__((noreturn))
die(const char *what, int rc, const char *cause)
{
	fprintf(stderr, "bench_inject: %s: %s\n", what,
	    cause != NULL ? cause : strerror(-rc));
	exit(1);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and p99 of n samples (sorts them). */
static struct figure
summarize(double *t, unsigned n)
{
	qsort(t, n, sizeof *t, cmp_double);
	return (struct figure){ t[n / 2], t[n * 99 / 100] };
}

static void
pin_task(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(tid, sizeof set, &set) < 0)
		die("sched_setaffinity", -errno, NULL);
}

/* Pins every thread of process pid. */
static void
pin_process(pid_t pid, int cpu)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		die(path, -errno, NULL);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			pin_task((pid_t)atoi(de->d_name), cpu);
	closedir(d);
}

/*
 * CPU time of the daemon (the whole irqchipd process) or of the embedded
 * server's thread, in seconds; NAN if unreadable. Not utime + stime from
 * /proc/PID/stat: this kernel samples those at its tick (no
 * VIRT_CPU_ACCOUNTING), and a daemon that works a few microseconds per
 * interrupt between idle periods is seldom running when the tick fires (a
 * busy row read as 0). The CPU-time clocks read the scheduler's exact
 * runtime (sum_exec_runtime) of any process or thread.
 */
static double
owner_cpu_seconds(struct bench *b, enum cpu_owner owner)
{
	struct timespec ts;
	clockid_t clk;

	if (owner == OWNER_EMBEDDED)
		/* MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED), as pthread_getcpuclockid. */
		clk = (clockid_t)((~(unsigned)b->embedded_tid << 3) | 4 | 2);
	else if (clock_getcpuclockid(b->daemon_pid, &clk) != 0)
		return NAN;
	if (clock_gettime(clk, &ts) < 0)
		return NAN;
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Triggers. */

static void
trig_signal_msi(struct bench *b, const struct path *p)
{
	char *cause = NULL;
	int rc = testvm_signal_msi(b->vm, TESTVM_LAPIC_GPA, p->vector, &cause);

	if (rc <= 0)
		die("KVM_SIGNAL_MSI", rc < 0 ? rc : -EIO, cause);
}

static void
trig_eventfd(struct bench *b, const struct path *p)
{
	uint64_t one = 1;

	(void)b;
	if (write(p->fd, &one, sizeof one) != sizeof one)
		die("eventfd write", -errno, NULL);
}

static void
trig_pulse(struct bench *b, const struct path *p)
{
	char *cause = NULL;
	int rc = irqchip_kvm_pulse(b->kvm, TESTVM_CHIP_ID, PIN_PULSE, &cause);

	(void)p;
	if (rc < 0)
		die("line-pulse", rc, cause);
}

static void
trig_mmio_read(struct bench *b, const struct path *p)
{
	uint64_t v;
	char *cause = NULL;
	int rc = irqchip_kvm_mmio(b->kvm, TESTVM_CHIP_ID, 0, 4, false, &v, &cause);

	(void)p;
	if (rc < 0)
		die("mmio-read", rc, cause);
}

/*
 * Embedded mode's line-pulse, through the client directly: the kvm backend
 * injects inside the request and its reply carries no effects, so this is
 * what irqchip_kvm_pulse on an embedded client does, less the library's lock.
 */
static void
trig_embedded_pulse(struct bench *b, const struct path *p)
{
	json_object *args = json_object_new_object(), *ret = NULL;
	char *cause = NULL;
	int rc;

	(void)p;
	json_object_object_add(args, "id", json_object_new_string(EMB_CHIP_ID));
	json_object_object_add(args, "line", json_object_new_int(EMB_PIN));
	rc = irqchip_client_call(b->eclient, "line-pulse", args, NULL, 0, &ret, NULL, &cause);
	json_object_put(args);
	json_object_put(ret);
	if (rc < 0)
		die("embedded line-pulse", rc, cause);
}

/* The guest side. */

static uint32_t
count(struct bench *b, unsigned vector)
{
	return testvm_count(b->vm, 0, vector);
}

static uint32_t
halts(struct bench *b)
{
	return testvm_shared_u32(b->vm, SH_HALTS);
}

/* Spins until cond's value differs from before; dies after SAMPLE_TIMEOUT_US. */
static void
wait_change(struct bench *b, uint32_t (*get)(struct bench *, unsigned), unsigned arg,
    uint32_t before, const char *what)
{
	double deadline = now_us() + SAMPLE_TIMEOUT_US;

	while (get(b, arg) == before) {
		if (now_us() > deadline)
			die(what, -ETIMEDOUT, NULL);
		cpu_relax();
	}
}

static uint32_t
get_count(struct bench *b, unsigned vector)
{
	return count(b, vector);
}

static uint32_t
get_halts(struct bench *b, unsigned unused)
{
	(void)unused;
	return halts(b);
}

static uint32_t
get_isr_done(struct bench *b, unsigned vector)
{
	return (uint32_t)testvm_isr_done(b->vm, vector);
}

/* Switches the guest between halting and spinning; returns once it halts. */
static void
set_idle(struct bench *b, bool halt)
{
	char *cause = NULL;
	uint32_t h = halts(b);
	int rc;

	if (halt == b->halting)
		return;
	if ((rc = testvm_set_idle(b->vm, halt, &cause)) < 0)
		die("testvm_set_idle", rc, cause);
	if (halt)
		wait_change(b, get_halts, 0, h, "the guest did not halt");
	b->halting = halt;
}

/*
 * One round-trip sample: trigger, spin until the guest's ISR has counted the
 * vector, then until the ISR has finished (its EOI and the port write after
 * it), and with a halting guest until it has halted again, so that samples do
 * not overlap. Returns the trigger-to-counted time; *call the trigger's.
 */
static double
round_trip(struct bench *b, const struct path *p, bool halting, double *call)
{
	uint32_t before = count(b, p->vector);
	uint32_t done = get_isr_done(b, p->vector);
	uint32_t h = halts(b);
	double t0, t1, t2;

	if (p->sleep_before_us > 0)
		nanosleep(&(struct timespec){ .tv_nsec = p->sleep_before_us * 1000L }, NULL);
	t0 = now_us();
	p->trigger(b, p);
	t1 = now_us();
	wait_change(b, get_count, p->vector, before, "the guest did not receive the interrupt");
	t2 = now_us();
	wait_change(b, get_isr_done, p->vector, done, "the guest's ISR did not finish");
	if (halting)
		wait_change(b, get_halts, 0, h, "the guest did not halt again");
	spin_us(b->gap_us);
	*call = t1 - t0;
	return t2 - t0;
}

/* n round trips; fills the call and round-trip figures. */
static void
round_trips(struct bench *b, const struct path *p, bool halting, struct figure *call,
    struct figure *rt)
{
	double *c = calloc(b->iterations, sizeof *c);
	double *t = calloc(b->iterations, sizeof *t);

	if (c == NULL || t == NULL)
		die("calloc", -ENOMEM, NULL);
	set_idle(b, halting);
	if (halting)
		spin_us(b->gap_us);
	for (unsigned i = 0; i < b->iterations; i++)
		t[i] = round_trip(b, p, halting, &c[i]);
	if (call != NULL)
		*call = summarize(c, b->iterations);
	*rt = summarize(t, b->iterations);
	free(c);
	free(t);
}

/*
 * Throughput with a halting guest: bursts of b->burst triggers without
 * waiting; a burst's busy time runs from its first trigger to the last
 * change of the guest's count, which is let settle for SETTLE_US (not
 * counted). Delivered = what the guest counted, after a final settle.
 */
static void
throughput(struct bench *b, const struct path *p, struct result *r)
{
	unsigned bursts = (4 * b->iterations + b->burst - 1) / b->burst;
	uint32_t start, c, seen = 0;
	double busy = 0, t0, last;

	set_idle(b, true);
	start = count(b, p->vector);
	for (unsigned i = 0; i < bursts; i++) {
		seen = count(b, p->vector);
		t0 = last = now_us();
		for (unsigned k = 0; k < b->burst; k++)
			(p->post != NULL ? p->post : p->trigger)(b, p);
		if (p->flush != NULL)
			p->flush(b, p);
		r->sent += b->burst;
		/* Sending is busy time too; deliveries meanwhile are seen below. */
		last = now_us();
		while (now_us() - last < SETTLE_US) {
			if ((c = count(b, p->vector)) != seen) {
				seen = c;
				last = now_us();
			}
		}
		busy += last - t0;
	}
	/* Stragglers (a daemon that was preempted) still count as delivered. */
	for (last = now_us(); now_us() - last < 20 * SETTLE_US;)
		if ((c = count(b, p->vector)) != seen) {
			seen = c;
			last = now_us();
		}
	r->delivered = count(b, p->vector) - start;
	r->per_second = busy > 0 ? r->delivered / (busy / 1e6) : NAN;
	r->coalescing = (double)r->delivered / (double)r->sent;
}

/* Every figure of a path that injects; the row functions call it. */
static void
measure(struct bench *b, const struct path *p, struct result *r)
{
	double cpu0 = owner_cpu_seconds(b, p->owner), cpu1;
	uint64_t delivered;

	r->guest = true;
	round_trips(b, p, true, &r->call, &r->rt_halt);
	round_trips(b, p, false, NULL, &r->rt_spin);
	throughput(b, p, r);
	cpu1 = owner_cpu_seconds(b, p->owner);
	delivered = 2ull * b->iterations + r->delivered;
	r->cpu_s_per_m = (cpu1 - cpu0) / (double)(2ull * b->iterations + r->sent) * 1e6;
	r->cpu_s_per_m_delivered = (cpu1 - cpu0) / (double)delivered * 1e6;
}

/* A request with no interrupt: its call cost, and the daemon's CPU per million. */
static void
measure_request(struct bench *b, const struct path *p, struct result *r)
{
	unsigned n = 4 * b->iterations;
	double *c = calloc(n, sizeof *c), cpu0, t0;

	if (c == NULL)
		die("calloc", -ENOMEM, NULL);
	set_idle(b, true);
	cpu0 = owner_cpu_seconds(b, p->owner);
	for (unsigned i = 0; i < n; i++) {
		t0 = now_us();
		p->trigger(b, p);
		c[i] = now_us() - t0;
	}
	r->cpu_s_per_m = (owner_cpu_seconds(b, p->owner) - cpu0) / n * 1e6;
	r->call = summarize(c, n);
	r->guest = false;
	free(c);
}

/*
 * The rows: one function per path, in table order. A row sets up what its
 * path needs and calls measure(); a path this branch cannot build sets r->na.
 */

static void
row_signal_msi(struct bench *b, struct result *r)
{
	struct path p = { trig_signal_msi, VEC_SIGNAL_MSI, -1, OWNER_DAEMON, 0, NULL, NULL };

	measure(b, &p, r);
}

static void
row_irqfd(struct bench *b, struct result *r)
{
	struct path p = { trig_eventfd, VEC_IRQFD, b->irqfd_fd, OWNER_DAEMON, 0, NULL, NULL };

	measure(b, &p, r);
}

static void
row_json_pulse(struct bench *b, struct result *r)
{
	struct path p = { trig_pulse, VEC_PULSE, -1, OWNER_DAEMON, 0, NULL, NULL };

	measure(b, &p, r);
}

static void program_pin(struct testvm *, unsigned pin, unsigned vector);

static void
post_pulse(struct bench *b, const struct path *p)
{
	char *cause = NULL;
	int rc = irqchip_kvm_ring_post_pulse(b->kvm, TESTVM_CHIP_ID, PIN_PULSE, &cause);

	(void)p;
	if (rc < 0)
		die("ring post", rc, cause);
}

static void
flush_posts(struct bench *b, const struct path *p)
{
	char *cause = NULL;
	int rc = irqchip_kvm_ring_flush(b->kvm, &cause);

	(void)p;
	if (rc < 0)
		die("ring flush", rc, cause);
}

/*
 * RING: a ring of this thread's (irqchip_kvm_ring_create), after which
 * irqchip_kvm_pulse on this thread writes a record instead of a JSON
 * request; line-pulse on PIN_PULSE, programmed to VEC_RING for the row. The
 * throughput column posts a burst and flushes it. Spinning: records come
 * faster than the daemon's poll window (irqchipd --poll-us, 50 us by
 * default) ends, so it finds them without a doorbell; after sleep: each
 * sample first sleeps (off the clock) longer than the window, so each record
 * finds the daemon asleep and rings the doorbell. The ring's own counters
 * (records, doorbells) are printed on stderr so the row says which it was.
 * The ring is destroyed after the row: later rows' requests are JSON again.
 */
static void
ring_row(struct bench *b, struct result *r, const char *key, unsigned sleep_us)
{
	struct path p = { trig_pulse, VEC_RING, -1, OWNER_DAEMON, sleep_us, post_pulse,
		flush_posts };
	struct irqchip_kvm_ring_stats st;
	struct irqchip_kvm_ring *ring;
	char *cause = NULL;
	int rc;

	program_pin(b->vm, PIN_PULSE, VEC_RING);
	if ((rc = irqchip_kvm_ring_create(b->kvm, 0, &ring, &cause)) < 0)
		die("irqchip_kvm_ring_create", rc, cause);
	measure(b, &p, r);
	irqchip_kvm_ring_get_stats(ring, &st);
	fprintf(stderr, "bench_inject: %s: %" PRIu64 " records, %" PRIu64 " doorbells, %"
	    PRIu64 " futex waits, %" PRIu64 " spills\n", key, st.records, st.doorbells,
	    st.futex_waits, st.spills);
	irqchip_kvm_ring_destroy(ring);
	program_pin(b->vm, PIN_PULSE, VEC_PULSE);
}

static void
row_ring_spin(struct bench *b, struct result *r)
{
	ring_row(b, r, "ring-spin", 0);
}

static void
row_ring_sleep(struct bench *b, struct result *r)
{
	ring_row(b, r, "ring-after-sleep", 2000);
}

static void
row_notifier(struct bench *b, struct result *r)
{
	struct path p = { trig_eventfd, VEC_NOTIFIER, b->notifier_fd, OWNER_DAEMON, 0, NULL,
		NULL };

	measure(b, &p, r);
}

/*
 * BYPASS: an eventfd registered through the library (which keeps a copy),
 * on an unmasked edge pin: irqchipd answers with a "bind" effect and the
 * library binds the copy to GSI PIN_BYPASS with KVM_IRQFD, so a write is
 * KVM's alone, as the direct irqfd row's is (the daemon's CPU should read
 * about 0). row_notifier keeps its raw "notifier-add" (no "bypass", no
 * library copy) so that it still measures the path through the daemon.
 */
static void
row_bypass(struct bench *b, struct result *r)
{
	struct path p = { trig_eventfd, VEC_BYPASS, -1, OWNER_DAEMON, 0, NULL, NULL };
	char *cause = NULL;
	int fd, rc;

	program_pin(b->vm, PIN_BYPASS, VEC_BYPASS);
	if ((fd = eventfd(0, EFD_CLOEXEC)) < 0)
		die("eventfd", -errno, NULL);
	rc = irqchip_kvm_add_notifier(b->kvm, TESTVM_CHIP_ID, PIN_BYPASS, fd, -1, &cause);
	if (rc < 0)
		die("irqchip_kvm_add_notifier", rc, cause);
	rc = irqchip_kvm_notifier_bound(b->kvm, TESTVM_CHIP_ID, PIN_BYPASS);
	if (rc != PIN_BYPASS)
		die("the bypass notifier is not bound to its GSI", rc < 0 ? rc : -EINVAL, NULL);
	p.fd = fd;
	measure(b, &p, r);
	rc = irqchip_kvm_del_notifier(b->kvm, TESTVM_CHIP_ID, PIN_BYPASS, &cause);
	if (rc < 0)
		die("irqchip_kvm_del_notifier", rc, cause);
	close(fd);
}

static void
row_embedded(struct bench *b, struct result *r)
{
	struct path p = { trig_embedded_pulse, VEC_EMBEDDED, -1, OWNER_EMBEDDED, 0, NULL,
		NULL };

	measure(b, &p, r);
}

static void
row_mmio_read(struct bench *b, struct result *r)
{
	struct path p = { trig_mmio_read, 0, -1, OWNER_DAEMON, 0, NULL, NULL };

	measure_request(b, &p, r);
}

struct row {
	const char *key; /* --json */
	const char *label;
	void (*run)(struct bench *, struct result *);
};

enum { ROW_SIGNAL_MSI, ROW_IRQFD };	/* the direct rows the ratios divide by */
static const struct row rows[] = {
	{ "direct-signal-msi", "direct KVM_SIGNAL_MSI (VMM ioctl)", row_signal_msi },
	{ "direct-irqfd", "direct irqfd write (VMM's route)", row_irqfd },
	{ "json-line-pulse", "irqchipd line-pulse (JSON) > irqfd", row_json_pulse },
	{ "ring-spin", "irqchipd ring, consumer spinning", row_ring_spin },
	{ "ring-after-sleep", "irqchipd ring, after sleep", row_ring_sleep },
	{ "notifier", "irqchipd device notifier > irqfd", row_notifier },
	{ "bypass", "kernel bypass (notifier = irqfd)", row_bypass },
	{ "embedded", "embedded line-pulse > SIGNAL_MSI", row_embedded },
	{ "json-mmio-read", "irqchipd mmio-read (JSON, no irq)", row_mmio_read },
};
#define NROWS (sizeof rows / sizeof rows[0])

/* Set-up. */

/* key is an item of the comma-separated list. */
static bool
listed(const char *list, const char *key)
{
	size_t len = strlen(key);

	for (const char *p = strstr(list, key); p != NULL; p = strstr(p + 1, key))
		if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

static pid_t
start_daemon(const char *prog, const char *sock)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(prog, prog, "--socket-path", sock, "--exit-on-disconnect", "--log-level",
		    "warn", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && access(sock, F_OK) != 0; i++)
		usleep(10000);
	return pid;
}

static void
program_pin(struct testvm *vm, unsigned pin, unsigned vector)
{
	char *cause = NULL;
	int rc = testvm_rte_write(vm, pin, testvm_rte((uint8_t)vector, false, false, 0, false),
	    &cause);

	if (rc < 0)
		die("programming the IOAPIC", rc, cause);
}

static void
client_call(struct irqchip_client *c, const char *cmd, const char *args_text)
{
	json_object *args = json_tokener_parse(args_text), *ret = NULL;
	char *cause = NULL;
	int rc = irqchip_client_call(c, cmd, args, NULL, 0, &ret, NULL, &cause);

	if (rc < 0)
		die(cmd, rc, cause);
	json_object_put(args);
	json_object_put(ret);
}

/* The thread irqchip_embedded_start created: the one task that was not there before. */
static pid_t
new_task(const pid_t *before, unsigned nbefore)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	pid_t found = -1, t;
	unsigned i;

	if (d == NULL)
		die("/proc/self/task", -errno, NULL);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		t = (pid_t)atoi(de->d_name);
		for (i = 0; i < nbefore && before[i] != t; i++)
			;
		if (i == nbefore)
			found = t;
	}
	closedir(d);
	return found;
}

static unsigned
tasks(pid_t *out, unsigned max)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	unsigned n = 0;

	if (d == NULL)
		die("/proc/self/task", -errno, NULL);
	while ((de = readdir(d)) != NULL && n < max)
		if (de->d_name[0] != '.')
			out[n++] = (pid_t)atoi(de->d_name);
	closedir(d);
	return n;
}

/*
 * Embedded mode on the same VM: a server thread in this process with the VM
 * fd (kvm backend), its own IOAPIC, pin EMB_PIN programmed through mmio-write
 * as a guest would (high dword, then the low one that unmasks it).
 */
static void
start_embedded(struct bench *b, struct irqchip_embedded **emb)
{
	pid_t before[64];
	unsigned n = tasks(before, 64);
	char *cause = NULL, args[256];
	int rc;

	if ((rc = irqchip_embedded_start(testvm_vm_fd(b->vm), emb, &b->eclient, &cause)) < 0)
		die("irqchip_embedded_start", rc, cause);
	b->embedded_tid = new_task(before, n);
	snprintf(args, sizeof args, "{\"type\": \"ioapic\", \"id\": \"%s\", \"base\": %u, "
	    "\"pins\": 24, \"gsi-base\": %u}", EMB_CHIP_ID, EMB_CHIP_BASE, EMB_GSI_BASE);
	client_call(b->eclient, "chip-add", args);
	snprintf(args, sizeof args, "{\"id\": \"%s\", \"offset\": 0, \"size\": 4, \"value\": %u}",
	    EMB_CHIP_ID, 0x11 + 2 * EMB_PIN);
	client_call(b->eclient, "mmio-write", args);
	snprintf(args, sizeof args, "{\"id\": \"%s\", \"offset\": 16, \"size\": 4, \"value\": 0}",
	    EMB_CHIP_ID);
	client_call(b->eclient, "mmio-write", args);
	snprintf(args, sizeof args, "{\"id\": \"%s\", \"offset\": 0, \"size\": 4, \"value\": %u}",
	    EMB_CHIP_ID, 0x10 + 2 * EMB_PIN);
	client_call(b->eclient, "mmio-write", args);
	snprintf(args, sizeof args, "{\"id\": \"%s\", \"offset\": 16, \"size\": 4, \"value\": %u}",
	    EMB_CHIP_ID, (unsigned)testvm_rte(VEC_EMBEDDED, false, false, 0, false));
	client_call(b->eclient, "mmio-write", args);
}

static void
enable_halt_poll(struct bench *b)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_HALT_POLL };

	if (b->halt_poll_ns < 0)
		return;
	cap.args[0] = (uint64_t)b->halt_poll_ns;
	if (ioctl(testvm_vm_fd(b->vm), KVM_ENABLE_CAP, &cap) < 0)
		die("KVM_ENABLE_CAP(KVM_CAP_HALT_POLL)", -errno, NULL);
}

/* Output. */

struct machine {
	char cpu[128];
	char kernel[320];
	long cores;
	long module_halt_poll_ns;
	bool nested_pvm;
};

static void
read_machine(struct machine *m)
{
	char line[256], *p;
	struct utsname u;
	FILE *f;

	snprintf(m->cpu, sizeof m->cpu, "unknown");
	if ((f = fopen("/proc/cpuinfo", "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (strncmp(line, "model name", 10) == 0 &&
			    (p = strchr(line, ':')) != NULL) {
				p += strspn(p + 1, " \t") + 1;
				p[strcspn(p, "\n")] = '\0';
				snprintf(m->cpu, sizeof m->cpu, "%s", p);
				break;
			}
		fclose(f);
	}
	uname(&u);
	snprintf(m->kernel, sizeof m->kernel, "%s %s", u.sysname, u.release);
	m->cores = sysconf(_SC_NPROCESSORS_ONLN);
	m->module_halt_poll_ns = -1;
	if ((f = fopen("/sys/module/kvm/parameters/halt_poll_ns", "r")) != NULL) {
		if (fscanf(f, "%ld", &m->module_halt_poll_ns) != 1)
			m->module_halt_poll_ns = -1;
		fclose(f);
	}
	m->nested_pvm = access("/sys/module/kvm_pvm", F_OK) == 0;
}

static double
ratio(double x, double base)
{
	return base > 0 && isfinite(x) && isfinite(base) ? x / base : NAN;
}

/* A "Name:   N kB" line of /proc/PID/status, in KiB; -1 if absent. */
static long
proc_status_kib(pid_t pid, const char *name)
{
	char path[64], line[256];
	size_t len = strlen(name);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/*
 * The daemon at rest: past its ring poll window (--poll-us, 50 us by
 * default; 200 ms is far beyond it) it must sleep, so its CPU clock should
 * not move over the next second; and its resident memory (VmRSS, VmHWM).
 */
static void
measure_idle_daemon(struct bench *b)
{
	double c0, c1;

	nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000000L }, NULL);
	c0 = owner_cpu_seconds(b, OWNER_DAEMON);
	nanosleep(&(struct timespec){ .tv_sec = 1 }, NULL);
	c1 = owner_cpu_seconds(b, OWNER_DAEMON);
	b->idle_cpu_us_per_s = (c1 - c0) * 1e6;
	b->rss_kib = proc_status_kib(b->daemon_pid, "VmRSS");
	b->rss_peak_kib = proc_status_kib(b->daemon_pid, "VmHWM");
}

static void
print_ratio(double v)
{
	if (isfinite(v))
		printf(" %5.2f", v);
	else
		printf(" %5s", "-");
}

static void
print_text(const struct bench *b, const struct machine *m, const struct result *res)
{
	const struct result *msi = &res[ROW_SIGNAL_MSI], *ifd = &res[ROW_IRQFD];

	printf("bench_inject: edge interrupts to 1 vCPU, %u samples per round-trip column, "
	    "bursts of %u; microseconds.\n"
	    "machine: %s, %ld cores, %s%s; halt-poll %ld ns (%s)\n"
	    "threads: measurer on CPU %d, vCPU on CPU %d, daemon and embedded server on "
	    "CPU %d; gap %u us\n\n",
	    b->iterations, b->burst, m->cpu, m->cores, m->kernel,
	    m->nested_pvm ? " (nested kvm_pvm)" : "",
	    b->halt_poll_ns >= 0 ? b->halt_poll_ns : m->module_halt_poll_ns,
	    b->halt_poll_ns >= 0 ? "KVM_CAP_HALT_POLL" : "module default", b->measure_cpu,
	    b->worker_cpu, b->daemon_cpu, b->gap_us);
	printf("%-34s %13s %15s %16s %16s %7s %29s\n", "", "call", "halt RT", "spin RT",
	    "throughput", "daemon", "ratio to direct MSI | irqfd");
	printf("%-34s %6s %6s %7s %7s %7s %8s %9s %6s %7s %5s %5s %5s %5s %5s\n", "path", "med",
	    "p99", "med", "p99", "med", "p99", "int/s", "deliv", "cpu s/M", "call", "RT",
	    "int/s", "RT", "int/s");
	for (unsigned i = 0; i < NROWS; i++) {
		const struct result *r = &res[i];

		printf("%-34s", rows[i].label);
		if (r->na != NULL) {
			printf(" %s\n", r->na);
			continue;
		}
		printf(" %6.1f %6.1f", r->call.median, r->call.p99);
		if (r->guest)
			printf(" %7.1f %7.1f %7.1f %8.1f %9.0f %5.1f%%", r->rt_halt.median,
			    r->rt_halt.p99, r->rt_spin.median, r->rt_spin.p99, r->per_second,
			    100 * r->coalescing);
		else
			printf(" %7s %7s %7s %8s %9s %6s", "-", "-", "-", "-", "-", "-");
		if (isfinite(r->cpu_s_per_m))
			printf(" %7.2f", r->cpu_s_per_m);
		else
			printf(" %7s", "-");
		print_ratio(ratio(r->call.median, msi->call.median));
		print_ratio(r->guest ? ratio(r->rt_halt.median, msi->rt_halt.median) : NAN);
		print_ratio(r->guest ? ratio(r->per_second, msi->per_second) : NAN);
		print_ratio(r->guest ? ratio(r->rt_halt.median, ifd->rt_halt.median) : NAN);
		print_ratio(r->guest ? ratio(r->per_second, ifd->per_second) : NAN);
		printf("\n");
	}
	printf("\nidle daemon, after its poll window: %.1f us of CPU per second; RSS %ld KiB "
	    "(peak %ld KiB)\n", b->idle_cpu_us_per_s, b->rss_kib, b->rss_peak_kib);
}

static json_object *
jnum(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *
jfigure(struct figure f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "median_us", jnum(f.median));
	json_object_object_add(o, "p99_us", jnum(f.p99));
	return o;
}

static json_object *
jratios(const struct result *r, const struct result *base)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "call", jnum(ratio(r->call.median, base->call.median)));
	if (r->guest) {
		json_object_object_add(o, "rt_halt",
		    jnum(ratio(r->rt_halt.median, base->rt_halt.median)));
		json_object_object_add(o, "rt_spin",
		    jnum(ratio(r->rt_spin.median, base->rt_spin.median)));
		json_object_object_add(o, "throughput",
		    jnum(ratio(r->per_second, base->per_second)));
	}
	return o;
}

static void
print_json(const struct bench *b, const struct machine *m, const struct result *res)
{
	json_object *top = json_object_new_object(), *o, *a = json_object_new_array();

	o = json_object_new_object();
	json_object_object_add(o, "cpu", json_object_new_string(m->cpu));
	json_object_object_add(o, "kernel", json_object_new_string(m->kernel));
	json_object_object_add(o, "cores", json_object_new_int64(m->cores));
	json_object_object_add(o, "nested_kvm_pvm", json_object_new_boolean(m->nested_pvm));
	json_object_object_add(o, "module_halt_poll_ns",
	    json_object_new_int64(m->module_halt_poll_ns));
	json_object_object_add(top, "machine", o);
	o = json_object_new_object();
	json_object_object_add(o, "iterations", json_object_new_int64(b->iterations));
	json_object_object_add(o, "burst", json_object_new_int64(b->burst));
	json_object_object_add(o, "gap_us", json_object_new_int64(b->gap_us));
	json_object_object_add(o, "halt_poll_ns",
	    b->halt_poll_ns >= 0 ? json_object_new_int64(b->halt_poll_ns) : NULL);
	json_object_object_add(o, "measure_cpu", json_object_new_int(b->measure_cpu));
	json_object_object_add(o, "worker_cpu", json_object_new_int(b->worker_cpu));
	json_object_object_add(o, "daemon_cpu", json_object_new_int(b->daemon_cpu));
	json_object_object_add(top, "settings", o);
	for (unsigned i = 0; i < NROWS; i++) {
		const struct result *r = &res[i];

		o = json_object_new_object();
		json_object_object_add(o, "row", json_object_new_string(rows[i].key));
		json_object_object_add(o, "label", json_object_new_string(rows[i].label));
		json_object_object_add(o, "status",
		    json_object_new_string(r->na != NULL ? r->na : "ok"));
		if (r->na == NULL) {
			json_object_object_add(o, "call", jfigure(r->call));
			if (r->guest) {
				json_object *t = json_object_new_object();

				json_object_object_add(o, "rt_halt", jfigure(r->rt_halt));
				json_object_object_add(o, "rt_spin", jfigure(r->rt_spin));
				json_object_object_add(t, "sent", json_object_new_int64(
				    (int64_t)r->sent));
				json_object_object_add(t, "delivered", json_object_new_int64(
				    (int64_t)r->delivered));
				json_object_object_add(t, "per_second", jnum(r->per_second));
				json_object_object_add(t, "coalescing", jnum(r->coalescing));
				json_object_object_add(o, "throughput", t);
			}
			json_object_object_add(o, "daemon_cpu_s_per_million_triggers",
			    jnum(r->cpu_s_per_m));
			if (r->guest)
				json_object_object_add(o, "daemon_cpu_s_per_million_delivered",
				    jnum(r->cpu_s_per_m_delivered));
			json_object_object_add(o, "ratio_to_direct_signal_msi",
			    jratios(r, &res[ROW_SIGNAL_MSI]));
			json_object_object_add(o, "ratio_to_direct_irqfd",
			    jratios(r, &res[ROW_IRQFD]));
		}
		json_object_array_add(a, o);
	}
	json_object_object_add(top, "rows", a);
	o = json_object_new_object();
	json_object_object_add(o, "cpu_us_per_s", jnum(b->idle_cpu_us_per_s));
	json_object_object_add(o, "rss_kib", json_object_new_int64(b->rss_kib));
	json_object_object_add(o, "rss_peak_kib", json_object_new_int64(b->rss_peak_kib));
	json_object_object_add(top, "idle_daemon", o);
	printf("%s\n", json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(top);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: bench_inject [--iterations N] [--burst N] [--gap-us N] "
	    "[--halt-poll-ns N]\n"
	    "                    [--measure-cpu N] [--worker-cpu N] [--daemon-cpu N]\n"
	    "                    [--daemon PATH] [--json] [--only ROW,...]\n"
	    "rows:");
	for (unsigned i = 0; i < NROWS; i++)
		fprintf(f, " %s", rows[i].key);
	fprintf(f, "\nEvery row is measured in the same run on the same VM; the head of "
	    "tests/bench/bench_inject.c says what each column measures.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "burst", required_argument, NULL, 'b' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "halt-poll-ns", required_argument, NULL, 'p' },
		{ "measure-cpu", required_argument, NULL, 'm' },
		{ "worker-cpu", required_argument, NULL, 'w' },
		{ "daemon-cpu", required_argument, NULL, 'D' },
		{ "daemon", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = {
		.iterations = 1000, .burst = 32, .gap_us = 50, .halt_poll_ns = 0,
		.measure_cpu = 0, .worker_cpu = 1, .daemon_cpu = -1, .irqfd_fd = -1, .notifier_fd = -1,
	};
	const char *daemon_prog = "daemon/irqchipd";
	const char *only = NULL;
	char dir[] = "/tmp/irqchipd-bench.XXXXXX", sock[64], *cause = NULL;
	struct testvm_config cfg = { .ncpus = 1, .timeout_s = 3600 };
	struct irqchip_client *client;
	struct irqchip_embedded *emb;
	struct kvm_irqfd irqfd = { .gsi = GSI_VMM };
	struct result res[NROWS];
	struct machine m;
	json_object *args;
	int opt, rc, status;

	while ((opt = getopt_long(argc, argv, "n:b:g:p:m:w:D:d:jo:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': b.iterations = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': b.burst = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'g': b.gap_us = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': b.halt_poll_ns = strtol(optarg, NULL, 10); break;
		case 'm': b.measure_cpu = atoi(optarg); break;
		case 'w': b.worker_cpu = atoi(optarg); break;
		case 'D': b.daemon_cpu = atoi(optarg); break;
		case 'd': daemon_prog = optarg; break;
		case 'j': json_out = true; break;
		case 'o': only = optarg; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* Every name --only lists must be a row. */
	for (const char *p = only; p != NULL && *p != '\0'; p += strcspn(p, ","),
	    p += *p == ',') {
		size_t len = strcspn(p, ",");
		bool known = false;

		for (unsigned i = 0; i < NROWS && !known; i++)
			known = strlen(rows[i].key) == len && strncmp(rows[i].key, p, len) == 0;
		if (!known) {
			fprintf(stderr, "bench_inject: --only: no row '%.*s'\n", (int)len, p);
			usage(stderr);
			return 2;
		}
	}
	prctl(PR_SET_TIMERSLACK, 1UL);
	if (b.iterations < 10 || b.burst < 1) {
		fprintf(stderr, "bench_inject: --iterations must be at least 10, --burst 1\n");
		return 2;
	}
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		fprintf(stderr, "bench_inject: /dev/kvm is not available here\n");
		return 77;
	}
	if (b.measure_cpu == b.worker_cpu || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		fprintf(stderr, "bench_inject: warning: the measurer shares a CPU with the vCPU; "
		    "round trips then measure the scheduler\n");
	read_machine(&m);
	/* Threads created from here on start on the measurer's CPU; moved below. */
	pin_task(0, b.measure_cpu);

	if (mkdtemp(dir) == NULL)
		die("mkdtemp", -errno, NULL);
	snprintf(sock, sizeof sock, "%s/sock", dir);
	b.daemon_pid = start_daemon(daemon_prog, sock);
	if ((rc = irqchip_client_connect(sock, &client, &cause)) < 0 ||
	    (rc = irqchip_client_negotiate(client, irqchip_kvm_capabilities, NULL, NULL,
	    &cause)) < 0)
		die("connecting to irqchipd", rc, cause);
	if (b.daemon_cpu < 0)
		b.daemon_cpu = b.measure_cpu;
	pin_process(b.daemon_pid, b.daemon_cpu);

	if ((rc = testvm_create(&cfg, &b.vm, &cause)) < 0)
		die("testvm_create", rc, cause);
	enable_halt_poll(&b);
	if ((rc = testvm_attach(b.vm, client, TESTVM_ATTACH_IRQFDS, &cause)) < 0)
		die("testvm_attach", rc, cause);
	b.kvm = testvm_irqchip(b.vm);
	start_embedded(&b, &emb);
	pin_task(b.embedded_tid, b.daemon_cpu);
	if ((rc = testvm_start(b.vm, &cause)) < 0 ||
	    (rc = testvm_wait_ready(b.vm, 10000, &cause)) < 0)
		die("starting the guest", rc, cause);
	if ((rc = testvm_pin_threads(b.vm, b.worker_cpu, b.worker_cpu, &cause)) < 0)
		die("pinning the VM's threads", rc, cause);

	program_pin(b.vm, PIN_PULSE, VEC_PULSE);
	program_pin(b.vm, PIN_NOTIFIER, VEC_NOTIFIER);
	if ((rc = irqchip_kvm_set_route(b.kvm, GSI_VMM, TESTVM_LAPIC_GPA, VEC_IRQFD, false, 0,
	    &cause)) < 0)
		die("VMM route", rc, cause);
	irqfd.fd = (uint32_t)eventfd(0, EFD_CLOEXEC);
	if (ioctl(testvm_vm_fd(b.vm), KVM_IRQFD, &irqfd) < 0)
		die("KVM_IRQFD", -errno, NULL);
	b.irqfd_fd = (int)irqfd.fd;
	b.notifier_fd = eventfd(0, EFD_CLOEXEC);
	args = json_tokener_parse("{\"id\": \"" TESTVM_CHIP_ID "\", \"line\": 2, \"fd\": 0, "
	    "\"mode\": \"edge\"}");
	if ((rc = irqchip_kvm_call(b.kvm, "notifier-add", args, &b.notifier_fd, 1, NULL,
	    &cause)) < 0)
		die("notifier-add", rc, cause);
	json_object_put(args);

	memset(res, 0, sizeof res);
	for (unsigned i = 0; i < NROWS; i++) {
		res[i].cpu_s_per_m = NAN;
		if (only != NULL && !listed(only, rows[i].key))
			res[i].na = "skipped (--only)";
		else
			rows[i].run(&b, &res[i]);
		/* Progress, for people at a terminal. */
		if (!json_out && isatty(2))
			fprintf(stderr, "%s%s", i == 0 ? "bench_inject: measured " : " ",
			    rows[i].key);
	}
	if (!json_out && isatty(2))
		fprintf(stderr, "\n");
	measure_idle_daemon(&b);
	set_idle(&b, false);
	if (json_out)
		print_json(&b, &m, res);
	else
		print_text(&b, &m, res);

	testvm_destroy(b.vm);
	irqchip_client_close(b.eclient);
	irqchip_embedded_stop(emb);
	irqchip_client_close(client);
	waitpid(b.daemon_pid, &status, 0);
	rmdir(dir);
	return 0;
}

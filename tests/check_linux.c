/*
 * Debian's own kernel on the test VM, with irqchipd as its only IOAPIC.
 *
 * tests/linux/fetch-debian downloads linux-image-amd64's kernel and
 * busybox-static with apt-get download (into $IRQCHIPD_LINUX_CACHE, default
 * ~/.cache/irqchipd/linux); tests/linux/mkinitramfs builds an initramfs of
 * busybox and tests/linux/init. The guest boots through the Linux boot
 * protocol with an MP table: COM1 on IOAPIC pin 4 (edge, the console) and
 * COM2 on pin 3 (level, active low, with a loopback cable). Its init script
 * sends bytes through both UARTs while it moves both IRQs between the vCPUs,
 * reads lines this test types on COM1, prints /proc/interrupts and exits
 * through isa-debug-exit.
 *
 * A run passes when the script passed, the kernel log has no "nobody cared"
 * and no "Disabling IRQ", and /proc/interrupts agrees with irqchipd's pin
 * counters within these bounds:
 *
 * - Edge (pin 4): every rising edge of COM1's output reaches the pin, and the
 *   IOAPIC delivers it or drops it (masked, during a move): edges ==
 *   delivered + dropped, exactly. Linux counts an edge interrupt when its
 *   handler runs: a LAPIC merges an edge that arrives while the vector is
 *   already pending, and Linux defers one that arrives while the handler
 *   runs on another CPU, so the guest's count is at most delivered, and
 *   COM1 keeps transmitting (this output) after /proc/interrupts is read.
 * - Level (pin 3): quiet when it is read. Each delivery sets Remote IRR, and
 *   nothing more is delivered until an EOI clears it, so the LAPIC never
 *   merges two; each one runs the handler once: guest == delivered. With
 *   directed EOI the guest's EOIs are its writes to the IOAPIC's EOI register:
 *   eois == delivered too. With broadcast EOIs on this machine's nested KVM,
 *   the EOI exit of a level vector comes at the guest's next exit after the
 *   injection, possibly before the handler has quieted the UART; irqchipd then
 *   re-delivers a line that is still high, and that interrupt finds nothing
 *   to do. The broadcast run allows guest <= delivered and eois <= delivered,
 *   and reports the difference.
 *
 * The matrix is 1 and 4 vCPUs, sidecar and embedded irqchipd, xAPIC
 * (broadcast EOIs) and x2APIC (directed EOI where Linux uses it).
 * $IRQCHIPD_LINUX_RUNS picks runs by name (comma-separated, "all" for every
 * one); by default make check runs the ones named in default_runs below.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "irqchip-embedded.h"
#include "testlib.h"
#include "testvm.h"

#define BOOT_TIMEOUT_S 420 /* wall clock, per guest */
#define BUDGET_S 240	   /* the matrix goes on while it fits (linux_matrix) */
#define INIT_S 180	   /* a guest not at init by then: slow_host() */
#define GUEST_MEM (256u << 20)
#define COM1_PIN 4
#define COM2_PIN 3
#define LINES_PER_ROUND 8

/*
 * The kernel's command line. console=ttyS0: COM1. 8250.nr_uarts=2: COM1 and
 * COM2 only. pci=off, cryptomgr.notests, tsc=reliable, nowatchdog,
 * rodata=off (no read-only remapping and no W+X walk of every page table at
 * the end of boot): skip work that has nothing to do with interrupts. noxsave and clearcpuid: the
 * features the dev host's paravirtual KVM cannot emulate in guest kernel code
 * (CPUID does not hide them there): PCLMULQDQ (129), SSSE3 (137), CX16 (141),
 * PCID (145), SSE4.1 (147), SSE4.2 (148), POPCNT (151), AES (153), XSAVE
 * (154), AVX (156), F16C (157), FSGSBASE (288), BMI1 (291), AVX2 (293), BMI2
 * (296), INVPCID (298), RDSEED (306), ADX (307), SMAP (308), CLFLUSHOPT
 * (311), CLWB (312), SHA-NI (317): X86_FEATURE word * 32 + bit. Without the
 * SIMD ones the kernel's crypto (blake2s for the random pool, crc32c) takes
 * its generic C code, which the emulator can run.
 */
#define LINUX_CMDLINE                                                                    \
	"console=ttyS0 panic=-1 rdinit=/init 8250.nr_uarts=2 pci=off cryptomgr.notests "   \
	"tsc=reliable nowatchdog rodata=off noxsave "                                               \
	"clearcpuid=129,137,141,145,147,148,151,153,154,156,157,288,291,293,296,298,306,"  \
	"307,308,311,312,317"

struct linux_files {
	char kernel[512];
	char vmlinux[512];
	char busybox[512];
	char version[128];
	char initrd[512];
	char dir[64];
};

static struct linux_files F;

/* What one run's guest printed and irqchipd counted. */
struct irq_count {
	uint64_t guest;	    /* /proc/interrupts, all CPUs */
	uint64_t delivered, coalesced, dropped, eois, throttles;
};

/* A number of seconds from the environment, or dflt. */
static int64_t
env_s(const char *name, int64_t dflt)
{
	const char *v = getenv(name);

	return v != NULL && atoll(v) > 0 ? atoll(v) : dflt;
}

/* Runs a shell command; returns its stdout and *status its exit status. */
static char *
read_command(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	int st;

	if (p == NULL) {
		*status = -1;
		return strdup("");
	}
	while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) {
		char *grown = realloc(buf, len + n + 1);

		if (grown == NULL)
			abort();
		buf = grown;
		memcpy(buf + len, chunk, n);
		len += n;
		buf[len] = '\0';
	}
	st = pclose(p);
	*status = st < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (buf == NULL)
		buf = strdup("");
	return buf;
}

/*
 * Runs fetch-debian and mkinitramfs once, before the suite: 0, 77 when the
 * packages cannot be had (fetch-debian said why on stderr), 1 on failure.
 */
static int
fetch(void)
{
	const char *srcdir = getenv("IRQCHIPD_SRCDIR");
	const char *cache = getenv("IRQCHIPD_LINUX_CACHE");
	const char *home = getenv("HOME");
	char cmd[2048], cachebuf[512], *out, *line, *save = NULL;
	int status;

	if (srcdir == NULL)
		srcdir = ".";
	if (cache == NULL) {
		snprintf(cachebuf, sizeof cachebuf, "%s/.cache/irqchipd/linux",
		    home != NULL ? home : "/tmp");
		cache = cachebuf;
	}
	/* A first download and decompression take a while; stderr goes to the log. */
	snprintf(cmd, sizeof cmd, "'%s/tests/linux/fetch-debian' '%s' </dev/null", srcdir,
	    cache);
	out = read_command(cmd, &status);
	if (status != 0) {
		printf("%s: fetch-debian %s (status %d)\n", status == 77 ? "SKIP" : "FAIL",
		    status == 77 ? "cannot have Debian's kernel and busybox" : "failed",
		    status);
		free(out);
		return status == 77 ? 77 : 1;
	}
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "kernel=", 7) == 0)
			snprintf(F.kernel, sizeof F.kernel, "%s", line + 7);
		else if (strncmp(line, "vmlinux=", 8) == 0)
			snprintf(F.vmlinux, sizeof F.vmlinux, "%s", line + 8);
		else if (strncmp(line, "busybox=", 8) == 0)
			snprintf(F.busybox, sizeof F.busybox, "%s", line + 8);
		else if (strncmp(line, "version=", 8) == 0)
			snprintf(F.version, sizeof F.version, "%s", line + 8);
	}
	free(out);
	if (F.kernel[0] == '\0' || F.busybox[0] == '\0') {
		printf("FAIL: fetch-debian printed no kernel or busybox\n");
		return 1;
	}
	snprintf(F.dir, sizeof F.dir, "/tmp/irqchipd-linux.XXXXXX");
	if (mkdtemp(F.dir) == NULL) {
		printf("FAIL: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(F.initrd, sizeof F.initrd, "%s/initramfs.cpio", F.dir);
	snprintf(cmd, sizeof cmd, "'%s/tests/linux/mkinitramfs' '%s' '%s/tests/linux/init' "
	    "'%s' </dev/null", srcdir, F.busybox, srcdir, F.initrd);
	out = read_command(cmd, &status);
	free(out);
	if (status != 0) {
		printf("FAIL: mkinitramfs failed (status %d)\n", status);
		return 1;
	}
	printf("linux: %s, %s; logs in %s\n", F.version,
	    F.vmlinux[0] != '\0' ? "payload decompressed by the host (64-bit entry)" :
				   "bzImage entered at its 32-bit entry",
	    F.dir);
	fflush(stdout);
	return 0;
}

/* Sums the per-CPU counts of IRQ irq in the /proc/interrupts the guest printed. */
static bool
guest_count(const char *console, unsigned irq, unsigned ncpus, uint64_t *sum)
{
	const char *begin = strstr(console, "LINUXTEST interrupts begin");
	const char *p;
	char key[16];
	unsigned i;

	if (begin == NULL)
		return false;
	snprintf(key, sizeof key, "\n%3u:", irq);
	p = strstr(begin, key);
	if (p == NULL)
		return false;
	p += strlen(key);
	*sum = 0;
	for (i = 0; i < ncpus; i++) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);

		if (end == p)
			return false;
		*sum += v;
		p = end;
	}
	return true;
}

static uint64_t
counter(json_object *c, const char *name)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(c, name, &v), "no counter %s", name);
	return (uint64_t)json_object_get_int64(v);
}

/* irqchipd's counters for pin, from chip-query. */
static void
pin_counters(struct irqchip_client *client, unsigned pin, struct irq_count *n)
{
	json_object *args, *ret = NULL, *entries, *entry, *c;
	char *cause = NULL;
	int rc;

	args = json_object_new_object();
	json_object_object_add(args, "id", json_object_new_string(TESTVM_CHIP_ID));
	rc = irqchip_client_call(client, "chip-query", args, NULL, 0, &ret, NULL, &cause);
	json_object_put(args);
	ck_assert_msg(rc >= 0, "chip-query: %s", cause != NULL ? cause : strerror(-rc));
	ck_assert(json_object_object_get_ex(ret, "entries", &entries));
	entry = json_object_array_get_idx(entries, pin);
	ck_assert_ptr_nonnull(entry);
	ck_assert(json_object_object_get_ex(entry, "counters", &c));
	n->delivered = counter(c, "delivered");
	n->coalesced = counter(c, "coalesced");
	n->dropped = counter(c, "dropped");
	n->eois = counter(c, "eois");
	n->throttles = counter(c, "throttles");
	json_object_put(ret);
}

/* Types LINES_PER_ROUND lines on COM1 for each "LINUXTEST RX" prompt seen. */
static void
answer_prompts(struct testvm *vm, unsigned *answered)
{
	const char *con = testvm_console(vm), *p = con;
	unsigned seen = 0, line;
	char buf[128];

	while ((p = strstr(p, "LINUXTEST RX ")) != NULL) {
		seen++;
		p++;
	}
	while (*answered < seen) {
		for (line = 0; line < LINES_PER_ROUND; line++) {
			int n = snprintf(buf, sizeof buf,
			    "line %u of round %u: the quick brown fox jumps over the "
			    "lazy dog\n", line, *answered + 1);

			ck_assert_int_eq(testvm_serial_input(vm, 0, buf, (size_t)n), 0);
		}
		(*answered)++;
	}
}

/*
 * The guest did not reach init in init_ms. Where KVM runs guest kernel code
 * through its instruction emulator (the dev host's nested paravirtual KVM:
 * a 1-vCPU boot reaches init after about twelve minutes there, and init's
 * first SYSCALL then lands at entry_SYSCALL_64 still in user mode and kills
 * it, so user space cannot run at all) this is where the run ends; what
 * the kernel did by then through irqchipd is still checked: it found the MP
 * table's IOAPIC, switched to symmetric I/O mode with no PIC and no PIT, and
 * programmed the IOAPIC through irqchipd.
 */
static void
slow_host(struct testvm *vm, struct irqchip_client *client, unsigned ncpus, int64_t init_ms,
    const char *logpath)
{
	const char *con = testvm_console(vm);
	struct irq_count edge;
	uint64_t accesses = testvm_ioapic_accesses(vm);

	printf("linux: %u vCPU guest not at init after %.0f s: this host's KVM is too slow "
	       "for the device checks (console in %s)\n", ncpus, init_ms / 1000.0, logpath);
	ck_assert_msg(strstr(con, "IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, "
				  "GSI 0-23") != NULL,
	    "the kernel did not find the MP table's IOAPIC (%s)", logpath);
	ck_assert_msg(strstr(con, "APIC: Switch to symmetric I/O mode setup") != NULL,
	    "the kernel did not switch to symmetric I/O mode in %.0f s (%s)",
	    init_ms / 1000.0, logpath);
	ck_assert_msg(strstr(con, "preallocated irqs: 0") != NULL,
	    "the kernel found a legacy PIC (%s)", logpath);
	ck_assert_msg(accesses > 0, "the kernel never accessed the IOAPIC");
	if (strstr(con, "smpboot: Total of") != NULL)
		printf("linux: %.60s\n", strstr(con, "smpboot: Total of"));
	memset(&edge, 0, sizeof edge);
	pin_counters(client, COM1_PIN, &edge);
	printf("linux: checked: MP table, IOAPIC at 0xfec00000 version 0x20, no PIC, "
	       "%" PRIu64 " IOAPIC register accesses through irqchipd; not checked: "
	       "the UARTs' interrupts, affinity moves, counters (pin 4 delivered %" PRIu64
	       " so far)\n", accesses, edge.delivered);
}

/*
 * One boot, checked; *reached_init is false when the guest was too slow to
 * reach init in $IRQCHIPD_LINUX_INIT_S (default INIT_S) and only the boot
 * was checked.
 */
static void
run_linux(unsigned ncpus, bool embedded, bool xapic, bool *reached_init)
{
	struct testvm_config cfg;
	struct testvm *vm = NULL;
	struct test_daemon daemon;
	struct irqchip_client *client = NULL;
	struct irqchip_embedded *emb = NULL;
	struct testvm_serial_stats com1, com2;
	struct irq_count edge, level;
	char cmdline[1024], logpath[600], *cause = NULL;
	const char *con;
	unsigned answered = 0, v;
	uint64_t eoi_exits = 0;
	int64_t t0, t_boot = -1, t_end = -1;
	int64_t init_ms = env_s("IRQCHIPD_LINUX_INIT_S", INIT_S) * 1000;
	int code = 0, rc;
	enum testvm_state st;
	FILE *log;

	memset(&daemon, 0, sizeof daemon);
	snprintf(cmdline, sizeof cmdline, "%s linuxtest.lines=%u linuxtest.bytes=2048",
	    LINUX_CMDLINE, LINES_PER_ROUND);
	snprintf(logpath, sizeof logpath, "%s/console-%ucpu-%s-%s.log", F.dir, ncpus,
	    embedded ? "embedded" : "sidecar", xapic ? "xapic" : "x2apic");
	log = fopen(logpath, "w");
	ck_assert_ptr_nonnull(log);

	memset(&cfg, 0, sizeof cfg);
	cfg.ncpus = ncpus;
	cfg.timeout_s = (unsigned)env_s("IRQCHIPD_LINUX_TIMEOUT_S", BOOT_TIMEOUT_S);
	cfg.kernel = F.kernel;
	cfg.vmlinux = F.vmlinux[0] != '\0' ? F.vmlinux : NULL;
	cfg.initrd = F.initrd;
	cfg.cmdline = cmdline;
	cfg.mem_size = GUEST_MEM;
	cfg.xapic_only = xapic;
	cfg.console = log;
	rc = testvm_create(&cfg, &vm, &cause);
	ck_assert_msg(rc >= 0, "testvm_create: %s", cause != NULL ? cause : strerror(-rc));
	if (embedded) {
		rc = irqchip_embedded_start(testvm_vm_fd(vm), &emb, &client, &cause);
		ck_assert_msg(rc >= 0, "embedded irqchipd: %s",
		    cause != NULL ? cause : strerror(-rc));
	} else {
		const char *const extra[] = {"--exit-on-disconnect", "--log-level", "warn",
		    NULL};

		test_daemon_start(&daemon, extra);
		client = test_connect(&daemon);
	}
	rc = testvm_attach(vm, client, embedded ? 0 : TESTVM_ATTACH_IRQFDS, &cause);
	ck_assert_msg(rc >= 0, "attach: %s", cause != NULL ? cause : strerror(-rc));
	t0 = testvm_now_ms();
	rc = testvm_start(vm, &cause);
	ck_assert_msg(rc >= 0, "start: %s", cause != NULL ? cause : strerror(-rc));

	while (testvm_wait(vm, 20) == -ETIMEDOUT) {
		answer_prompts(vm, &answered);
		if (t_boot < 0 && strstr(testvm_console(vm), "LINUXTEST start") != NULL)
			t_boot = testvm_now_ms() - t0;
		if (t_end < 0 && (strstr(testvm_console(vm), "LINUXTEST PASS") != NULL ||
				     strstr(testvm_console(vm), "LINUXTEST FAILED") != NULL))
			t_end = testvm_now_ms();
		ck_assert_msg(t_end < 0 || testvm_now_ms() - t_end < 60000,
		    "the script ended but its isa-debug-exit write did not end the VM "
		    "(console in %s)", logpath);
		if (t_boot < 0 && testvm_now_ms() - t0 > init_ms) {
			slow_host(vm, client, ncpus, init_ms, logpath);
			*reached_init = false;
			goto out;
		}
	}
	*reached_init = true;
	st = testvm_state(vm, &code, &cause);
	con = testvm_console(vm);
	fflush(log);
	ck_assert_msg(st == TESTVM_EXITED, "the guest did not exit by itself: %s "
	    "(console in %s)", cause != NULL ? cause : "?", logpath);
	ck_assert_msg(strstr(con, "LINUXTEST PASS") != NULL && code == 1,
	    "the guest script failed (status %d; console in %s)", code, logpath);
	ck_assert_msg(strstr(con, "nobody cared") == NULL, "\"nobody cared\" (%s)",
	    logpath);
	ck_assert_msg(strstr(con, "Disabling IRQ") == NULL, "an IRQ was disabled (%s)",
	    logpath);

	memset(&edge, 0, sizeof edge);
	memset(&level, 0, sizeof level);
	ck_assert_msg(guest_count(con, COM1_PIN, ncpus, &edge.guest),
	    "no IRQ %u in the guest's /proc/interrupts (%s)", COM1_PIN, logpath);
	ck_assert_msg(guest_count(con, COM2_PIN, ncpus, &level.guest),
	    "no IRQ %u in the guest's /proc/interrupts (%s)", COM2_PIN, logpath);
	pin_counters(client, COM1_PIN, &edge);
	pin_counters(client, COM2_PIN, &level);
	for (v = 0; v < 256; v++)
		eoi_exits += testvm_eoi_exits(vm, v);
	testvm_serial_stats(vm, 0, &com1);
	testvm_serial_stats(vm, 1, &com2);

	printf("linux %u vCPU %s %s: boot to init %.1f s, run %.1f s; EOIs %s\n", ncpus,
	    embedded ? "embedded" : "sidecar", xapic ? "xAPIC" : "x2APIC",
	    t_boot / 1000.0, (testvm_now_ms() - t0) / 1000.0,
	    irqchip_kvm_eoi_mode_name(testvm_eoi_mode(vm)));
	printf("  pin 4 edge:  COM1 %" PRIu64 " edges, %" PRIu64 " bytes out, %" PRIu64
	       " in; guest %" PRIu64 "; delivered %" PRIu64 " dropped %" PRIu64
	       " coalesced %" PRIu64 "\n",
	    com1.irqs, com1.tx_bytes, com1.rx_bytes, edge.guest, edge.delivered,
	    edge.dropped, edge.coalesced);
	printf("  pin 3 level: COM2 %" PRIu64 " assertions, %" PRIu64 " bytes; guest %"
	       PRIu64 "; delivered %" PRIu64 " eois %" PRIu64 " coalesced %" PRIu64
	       " throttles %" PRIu64 "; %" PRIu64 " EOI exits: %s EOIs\n",
	    com2.irqs, com2.tx_bytes, level.guest, level.delivered, level.eois,
	    level.coalesced, level.throttles, eoi_exits,
	    eoi_exits == 0 && level.eois > 0 ? "directed" : "broadcast");

	/* Edge: every rising edge is delivered or dropped; the guest saw no more. */
	ck_assert_msg(com1.irqs == edge.delivered + edge.dropped,
	    "pin 4: %" PRIu64 " edges but %" PRIu64 " delivered + %" PRIu64 " dropped",
	    com1.irqs, edge.delivered, edge.dropped);
	ck_assert_msg(edge.guest > 0 && edge.guest <= edge.delivered,
	    "pin 4: the guest counted %" PRIu64 ", irqchipd delivered %" PRIu64,
	    edge.guest, edge.delivered);
	ck_assert_msg(com1.rx_bytes > 0, "COM1 received nothing");
	/* Level: one handler run per delivery, and no more. */
	ck_assert_msg(level.guest > 0 && level.guest <= level.delivered,
	    "pin 3: the guest counted %" PRIu64 ", irqchipd delivered %" PRIu64,
	    level.guest, level.delivered);
	ck_assert_msg(level.eois <= level.delivered, "pin 3: %" PRIu64 " EOIs for %"
	    PRIu64 " deliveries", level.eois, level.delivered);
	/*
	 * Pin 3 is the only level-triggered entry, so every EOI exit is one of
	 * its EOIs. None, with EOIs counted, means the guest EOIed at the
	 * IOAPIC's EOI register (directed EOI): then the bounds are strict.
	 */
	if (eoi_exits == 0 && level.eois > 0)
		ck_assert_msg(level.guest == level.delivered && level.eois == level.delivered,
		    "pin 3, directed EOI: guest %" PRIu64 ", delivered %" PRIu64
		    ", eois %" PRIu64, level.guest, level.delivered, level.eois);

out:
	testvm_destroy(vm);
	if (emb != NULL) {
		irqchip_client_close(client);
		irqchip_embedded_stop(emb);
	} else {
		irqchip_client_close(client);
		if (test_daemon_wait(&daemon, 3000) < 0)
			kill(daemon.pid, SIGKILL);
		test_daemon_stop(&daemon);
	}
	fclose(log);
	free(cause);
}

/* The runs, by name, most telling first. */
static const struct run {
	const char *name;
	unsigned ncpus;
	bool embedded;
	bool xapic;
} runs[] = {
    {"4cpu_sidecar_x2apic", 4, false, false},
    {"1cpu_embedded_xapic", 1, true, true},
    {"4cpu_embedded_x2apic", 4, true, false},
    {"1cpu_sidecar_xapic", 1, false, true},
    {"1cpu_sidecar_x2apic", 1, false, false},
    {"4cpu_sidecar_xapic", 4, false, true},
    {"1cpu_embedded_x2apic", 1, true, false},
    {"4cpu_embedded_xapic", 4, true, true},
};

static bool
selected(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	if (strcmp(list, "all") == 0)
		return true;
	for (p = strstr(list, name); p != NULL; p = strstr(p + 1, name))
		if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

/*
 * Every run of the matrix, in order, while the budget lasts: a run starts
 * only if the time spent so far plus the longest run so far fits in
 * $IRQCHIPD_LINUX_BUDGET_S (default BUDGET_S). Where KVM runs guests at
 * hardware speed all eight take well under a minute; where it emulates
 * guest kernel code (the dev host's nested paravirtual KVM) one boot takes
 * minutes, and the runs left out are named. $IRQCHIPD_LINUX_RUNS picks runs
 * by name ("all": every one, whatever the budget).
 */
START_TEST(linux_matrix)
{
	const char *only = getenv("IRQCHIPD_LINUX_RUNS");
	int64_t budget_ms = env_s("IRQCHIPD_LINUX_BUDGET_S", BUDGET_S) * 1000;
	int64_t start = testvm_now_ms(), longest = 0, t;
	unsigned done = 0;
	bool reached = false;
	size_t i;

	for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		const struct run *r = &runs[i];

		if (only != NULL && !selected(only, r->name))
			continue;
		if (only == NULL && done > 0 &&
		    testvm_now_ms() - start + longest > budget_ms) {
			printf("linux: %s left out: %u runs took %.0f s of the %.0f s "
			       "budget, the longest %.0f s\n", r->name, done,
			    (testvm_now_ms() - start) / 1000.0, budget_ms / 1000.0,
			    longest / 1000.0);
			continue;
		}
		t = testvm_now_ms();
		run_linux(r->ncpus, r->embedded, r->xapic, &reached);
		if (!reached) {
			printf("linux: the other runs are left out on this host\n");
			return;
		}
		t = testvm_now_ms() - t;
		if (t > longest)
			longest = t;
		done++;
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("linux");
	TCase *tc = tcase_create("boot");
	struct stat st;
	char cmd[128];
	int rc;

	if (stat("/dev/kvm", &st) != 0 && errno == ENOENT) {
		printf("SKIP: /dev/kvm does not exist: the Linux guest needs KVM\n");
		return 77;
	}
	if ((rc = fetch()) != 0)
		return rc;
	/* Check's own timeout: the budget and one more run. */
	tcase_set_timeout(tc, (double)(env_s("IRQCHIPD_LINUX_BUDGET_S", BUDGET_S) +
	    env_s("IRQCHIPD_LINUX_TIMEOUT_S", BOOT_TIMEOUT_S) + 120));
	tcase_add_test(tc, linux_matrix);
	suite_add_tcase(s, tc);
	rc = test_main(s);
	/* The consoles stay for a failure, or when asked ($IRQCHIPD_KEEP_LOGS). */
	if (rc == 0 && getenv("IRQCHIPD_KEEP_LOGS") == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", F.dir);
		if (system(cmd) != 0)
			printf("linux: could not remove %s\n", F.dir);
	}
	return rc;
}

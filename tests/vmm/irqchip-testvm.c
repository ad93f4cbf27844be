/*
 * irqchip-testvm: a small KVM VMM whose IOAPIC lives in irqchipd.
 *
 *   irqchip-testvm [--socket PATH | --embedded] [--cpus N] [--timeout S]
 *                  [--kernel ELF|bzImage [--cmdline STR] [--initrd FILE]
 *                  [--module FILE[,STR]]...] [--vmlinux FILE] [--mem MIB] [--xapic]
 *                  [--demo | --selftest] [--quiet] [--verbose]
 *
 * --kernel boots a multiboot ELF (a kvm-unit-tests x86 test, say) and exits
 * with the guest's isa-debug-exit status, as QEMU does: (value << 1) | 1,
 * always odd, so 1 is a pass. Its other endings have even statuses of their
 * own (EXIT_* below). --initrd and --module load multiboot modules, in the
 * order given, as QEMU's -initrd does for a multiboot kernel; for a Linux
 * bzImage, --initrd is its initramfs (linuxboot.h). --demo boots the
 * built-in guest, has it program the IOAPIC, drives lines through irqchipd,
 * and prints what was sent next to what the guest received. --selftest checks
 * the VM and guest alone, injecting with KVM_SIGNAL_MSI (no irqchipd).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <pthread.h>
#include <unistd.h>

#include "irqchip.h"
#include "irqchip-embedded.h"
#include "linuxboot.h"
#include "testvm.h"

/* --kernel exit statuses besides the guest's odd debug-exit ones. */
#define EXIT_USAGE 2	  /* bad command line */
#define EXIT_HOST 4	  /* the VMM, KVM or irqchipd failed (the kernel file too) */
#define EXIT_CRASH 6	  /* triple fault, KVM internal error or failed entry */
#define EXIT_TIMEOUT 124  /* --timeout passed (as timeout(1)) */

#define READY_TIMEOUT_MS 10000
#define WAIT_MS 5000
#define SETTLE_MS 100

static const char usage_text[] =
    "usage: irqchip-testvm [--socket PATH | --embedded] [--cpus N] [--timeout S]\n"
    "                      [--kernel ELF|bzImage [--cmdline STR] [--initrd FILE]\n"
    "                      [--module FILE[,STR]]...] [--vmlinux FILE] [--mem MIB]\n"
    "                      [--xapic] [--stdin]\n"
    "                      [--demo | --selftest] [--quiet] [--verbose]\n";

static const char help_text[] =
    "\n"
    "  --socket PATH     the irqchipd to use as the IOAPIC\n"
    "  --embedded        run irqchipd on a thread of this VMM instead\n"
    "  --cpus N          vCPUs, 1 to 4 (default 2)\n"
    "  --demo            drive the built-in guest's IOAPIC and show what it got\n"
    "  --selftest        check the VM and built-in guest alone (no irqchipd)\n"
    "  --quiet           no guest console; --verbose: unhandled exits, EOI mode\n"
    "  --kernel ELF      boot a multiboot (v1) ELF kernel, or a Linux bzImage\n"
    "                    (COM1 on IRQ 4 edge, COM2 on IRQ 3 level, in an MP table)\n"
    "  --cmdline STR     its command line\n"
    "  --initrd FILE     load FILE as a multiboot module (string: FILE),\n"
    "                    or as a bzImage's initramfs\n"
    "  --vmlinux FILE    the bzImage's payload, decompressed: loaded as an ELF and\n"
    "                    entered in 64-bit mode (skips the kernel's decompressor)\n"
    "  --mem MIB         guest RAM (default 64; 256 for a bzImage)\n"
    "  --stdin           send what arrives on stdin to the guest's COM1\n"
    "  --xapic           no x2APIC in CPUID (Linux then uses the xAPIC)\n"
    "  --module FILE[,STR]  load FILE as a multiboot module with string\n"
    "                    \"FILE STR\" (repeatable; modules keep the order given)\n"
    "  --timeout S       wall-clock limit in seconds (default 60)\n"
    "\n"
    "Exit status with --kernel:\n"
    "  odd      the guest wrote V to isa-debug-exit port 0xf4: (V << 1) | 1,\n"
    "           so 1 means the guest passed (V = 0)\n"
    "  2        bad command line\n"
    "  4        host failure (KVM, irqchipd, this VMM, an unreadable file)\n"
    "  6        guest crash (triple fault, KVM internal error, failed entry)\n"
    "  124      timeout\n"
    "With --demo and --selftest: 0 pass, 1 fail, 2 bad command line.\n";

struct options {
	const char *socket;
	int embedded;
	unsigned cpus;
	unsigned timeout;
	const char *kernel;
	const char *cmdline;
	struct testvm_module modules[TESTVM_MAX_MODULES];
	const char *initrd; /* the last --initrd */
	const char *vmlinux;
	int serial_stdin;
	unsigned mem_mib;
	int xapic;
	char *owned[2 * TESTVM_MAX_MODULES]; /* what add_module allocated */
	unsigned nmodules, nowned;
	int demo;
	int selftest;
	int quiet;
	int verbose;
};

/* One row of the demo: what we sent, and what each CPU should get for it. */
struct plan {
	unsigned pin;
	uint8_t vector;
	int level;
	int logical;
	uint8_t dest;	 /* APIC ID, or logical mask */
	const char *how; /* how the line is driven */
	unsigned sent;
	uint32_t expect[TESTVM_MAX_CPUS];
};

/*
 * --initrd FILE, or --module FILE[,STR]: the string the kernel sees is FILE,
 * or "FILE STR" (QEMU's -initrd convention: the path, then the arguments).
 */
static int
add_module(struct options *o, const char *arg, int split)
{
	struct testvm_module *m = &o->modules[o->nmodules];
	const char *comma = split ? strchr(arg, ',') : NULL;
	char *path, *string;

	m->path = arg;
	m->string = NULL;
	if (comma != NULL) {
		if ((path = strndup(arg, (size_t)(comma - arg))) == NULL)
			return -ENOMEM;
		o->owned[o->nowned++] = path;
		if (asprintf(&string, "%s %s", path, comma + 1) < 0)
			return -ENOMEM;
		o->owned[o->nowned++] = string;
		m->path = path;
		m->string = string;
	}
	o->nmodules++;
	return 0;
}

/* --stdin: feeds COM1's receiver until end of file. */
static void *
stdin_thread(void *arg)
{
	struct testvm *vm = arg;
	char buf[256];
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof buf)) > 0)
		if (testvm_serial_input(vm, 0, buf, (size_t)n) < 0)
			break;
	return NULL;
}

/* The first KiB of path holds a bzImage setup header. */
static bool
is_bzimage(const char *path)
{
	uint8_t head[1024];
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, head, sizeof head);
		close(fd);
	}
	return n == (ssize_t)sizeof head && linux_is_bzimage(head, sizeof head);
}

static void
options_free(struct options *o)
{
	while (o->nowned > 0)
		free(o->owned[--o->nowned]);
}

static int
fail(const char *what, int rc, char *cause)
{
	fprintf(stderr, "irqchip-testvm: %s: %s\n", what,
	    cause != NULL ? cause : strerror(-rc));
	free(cause);
	return 1;
}

/* Waits for count(cpu, vector) to reach n; reports what it saw on failure. */
static int
wait_count(struct testvm *vm, unsigned cpu, unsigned vector, uint32_t n)
{
	int rc = testvm_wait_count(vm, cpu, vector, n, WAIT_MS);

	if (rc < 0)
		fprintf(stderr,
		    "irqchip-testvm: CPU %u got vector 0x%02x %u times, expected %u "
		    "(%s; %llu EOI exits for it)\n",
		    cpu, vector, testvm_count(vm, cpu, vector), n, strerror(-rc),
		    (unsigned long long)testvm_eoi_exits(vm, vector));
	return rc;
}

/* Compares every counter with expect; prints the differences. */
static int
compare_counts(struct testvm *vm, uint32_t expect[TESTVM_MAX_CPUS][256])
{
	uint32_t got[TESTVM_MAX_CPUS][256];
	unsigned cpu, v;
	int bad = 0;

	testvm_counts(vm, got);
	for (cpu = 0; cpu < TESTVM_MAX_CPUS; cpu++)
		for (v = 0; v < 256; v++)
			if (got[cpu][v] != expect[cpu][v]) {
				fprintf(stderr,
				    "irqchip-testvm: CPU %u vector 0x%02x: received "
				    "%u, expected %u\n",
				    cpu, v, got[cpu][v], expect[cpu][v]);
				bad = 1;
			}
	return bad ? -1 : 0;
}

/* The VM and guest alone: KVM_SIGNAL_MSI from here, counted by the guest. */
static int
selftest(struct testvm *vm)
{
	static uint32_t expect[TESTVM_MAX_CPUS][256];
	unsigned n = testvm_ncpus(vm), cpu, i;
	uint32_t pong = 0;
	char *cause = NULL;
	int rc;

	if ((rc = testvm_cmd(vm, TESTVM_CMD_PING, 0, 0, 0, &pong, WAIT_MS, &cause)) < 0)
		return fail("ping", rc, cause);
	if (pong != TESTVM_PONG)
		return fail("ping", -EPROTO, strdup("wrong answer"));
	for (cpu = 0; cpu < n; cpu++) {
		if (testvm_shared_u32(vm, SH_APIC_ID + 4 * cpu) != cpu) {
			fprintf(stderr, "irqchip-testvm: CPU %u reports APIC ID %u\n",
			    cpu, testvm_shared_u32(vm, SH_APIC_ID + 4 * cpu));
			return 1;
		}
		/* Physical destination: address 0xFEE00000 | APIC ID << 12
		 * (Intel SDM vol. 3, 11.11.1). */
		for (i = 0; i < 3; i++) {
			rc = testvm_signal_msi(
			    vm, 0xfee00000u | cpu << 12, 0x40 + cpu, &cause);
			if (rc <= 0)
				return fail("KVM_SIGNAL_MSI", rc, cause);
			expect[cpu][0x40 + cpu]++;
			if (wait_count(vm, cpu, 0x40 + cpu, expect[cpu][0x40 + cpu]) < 0)
				return 1;
		}
	}
	/* Logical flat destination naming every CPU: one MSI, each CPU counts it. */
	rc = testvm_signal_msi(
	    vm, 0xfee00000u | ((1u << n) - 1) << 12 | 1u << 2, 0x50, &cause);
	if (rc != (int)n)
		return fail("logical KVM_SIGNAL_MSI", rc < 0 ? rc : -EPROTO,
		    cause != NULL ? cause : strdup("not every LAPIC accepted it"));
	for (cpu = 0; cpu < n; cpu++) {
		expect[cpu][0x50] = 1;
		if (wait_count(vm, cpu, 0x50, 1) < 0)
			return 1;
	}
	testvm_sleep_ms(SETTLE_MS);
	if (compare_counts(vm, expect) < 0)
		return 1;
	printf(
	    "selftest: %u CPUs up, multiboot mem_upper %u KiB, every MSI counted once\n",
	    n, testvm_shared_u32(vm, SH_MEM_UPPER));
	return 0;
}

static int
drive(struct testvm *vm, struct plan *p, uint32_t expect[TESTVM_MAX_CPUS][256],
    int notifier_fd)
{
	struct irqchip_kvm *kvm = testvm_irqchip(vm);
	unsigned n = testvm_ncpus(vm), cpu, i;
	uint64_t one = 1, eois;
	char *cause = NULL;
	int rc = 0;

	for (i = 0; i < 2; i++) {
		eois = testvm_eoi_exits(vm, p->vector);
		if (strcmp(p->how, "line-pulse") == 0)
			rc = irqchip_kvm_pulse(kvm, TESTVM_CHIP_ID, p->pin, &cause);
		else if (strcmp(p->how, "line-set 1, 0") == 0) {
			/*
			 * One batch: no EOI can come between the two and find the line
			 * still high (a paravirtual nested host may report it early).
			 */
			irqchip_kvm_batch_begin(kvm);
			rc = irqchip_kvm_line(kvm, TESTVM_CHIP_ID, p->pin, 1, &cause);
			if (rc == 0)
				rc = irqchip_kvm_line(
				    kvm, TESTVM_CHIP_ID, p->pin, 0, &cause);
			irqchip_kvm_batch_end(kvm);
		} else if (strcmp(p->how, "guest outb 1, 0") == 0) {
			rc = testvm_guest_line(vm, p->pin, 1, &cause);
			if (rc == 0)
				rc = testvm_guest_line(vm, p->pin, 0, &cause);
		} else if (strcmp(p->how, "bypass notifier") == 0) {
			if (write(notifier_fd, &one, sizeof one) != sizeof one)
				rc = -errno;
		}
		if (rc < 0)
			return fail(p->how, rc, cause);
		p->sent++;
		/* Wait for each delivery: two edges before the ISR runs are one in the
		 * IRR. */
		for (cpu = 0; cpu < n; cpu++) {
			if (p->expect[cpu] == 0)
				continue;
			expect[cpu][p->vector] += p->expect[cpu];
			if (wait_count(vm, cpu, p->vector, expect[cpu][p->vector]) < 0)
				return 1;
		}
		/* A level entry takes the next assertion only once the EOI cleared Remote
		 * IRR. */
		if (p->level &&
		    testvm_wait_eoi_exits(vm, p->vector, eois + 1, WAIT_MS) < 0) {
			fprintf(stderr, "irqchip-testvm: no EOI exit for vector 0x%02x\n",
			    p->vector);
			return 1;
		}
	}
	return 0;
}

/* A field of a chip-query entry as text ("-" if absent). */
static const char *
entry_field(json_object *e, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(e, key, &v))
		return "-";
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? "yes" : "no";
	return json_object_get_string(v);
}

/*
 * chip-query's reply for people: the chip's scalar fields on one line, then a
 * table of the redirection entries; masked, idle, never-programmed entries are
 * summarised in one line.
 */
static void
print_chip(json_object *chip)
{
	json_object *entries = NULL, *v;
	size_t i, idle = 0;

	printf("\nIOAPIC state (chip-query {\"id\": \"%s\"}):\n ", TESTVM_CHIP_ID);
	json_object_object_foreach(chip, key, val) {
		if (strcmp(key, "entries") == 0)
			entries = val;
		else if (!json_object_is_type(val, json_type_object) &&
		    !json_object_is_type(val, json_type_array))
			printf(" %s=%s", key, json_object_get_string(val));
	}
	putchar('\n');
	if (entries == NULL || !json_object_is_type(entries, json_type_array))
		return;
	printf("  %-4s %-6s %-15s %-9s %-5s %-6s %-6s %-5s %s\n", "pin", "vector", "mode",
	    "dest", "trig", "masked", "rirr", "line", "rte");
	for (i = 0; i < json_object_array_length(entries); i++) {
		json_object *e = json_object_array_get_idx(entries, i);
		char dest[32];

		if (json_object_object_get_ex(e, "rte", &v) &&
		    strcmp(json_object_get_string(v), "0x0000000000010000") == 0 &&
		    strcmp(entry_field(e, "line"), "no") == 0) {
			idle++;
			continue;
		}
		snprintf(dest, sizeof dest, "%s %s",
		    strcmp(entry_field(e, "destination-mode"), "logical") == 0 ? "log" : "phys",
		    entry_field(e, "destination"));
		printf("  %-4s 0x%02x   %-15s %-9s %-5s %-6s %-6s %-5s %s\n", entry_field(e, "pin"),
		    (unsigned)json_object_get_int(json_object_object_get_ex(e, "vector", &v) ?
		    v : NULL), entry_field(e, "delivery-mode"), dest, entry_field(e, "trigger"),
		    entry_field(e, "masked"), entry_field(e, "remote-irr"), entry_field(e, "line"),
		    entry_field(e, "rte"));
	}
	if (idle > 0)
		printf("  (%zu more entries masked at their reset value, lines low)\n", idle);
}

static int
demo(struct testvm *vm)
{
	static uint32_t expect[TESTVM_MAX_CPUS][256];
	struct plan plan[] = {
	    {1, 0x31, 0, 0, 0, "line-pulse", 0, {0}},
	    {2, 0x32, 0, 0, 1, "guest outb 1, 0", 0, {0}},
	    {3, 0x33, 1, 0, 1, "line-set 1, 0", 0, {0}},
	    {4, 0x34, 0, 1, 0, "line-pulse", 0, {0}},
	    {5, 0x35, 0, 0, 0, "bypass notifier", 0, {0}},
	};
	struct irqchip_client *client = irqchip_kvm_client(testvm_irqchip(vm));
	unsigned n = testvm_ncpus(vm), i, cpu;
	json_object *args, *ret = NULL;
	int efd, rc, bad;
	char *cause = NULL;
	uint64_t rte;

	/* Logical flat mask naming every CPU but the last (all of them on 1 or 2 CPUs).
	 */
	plan[3].dest = (uint8_t)(n > 2 ? (1u << (n - 1)) - 1 : (1u << n) - 1);
	for (i = 0; i < sizeof plan / sizeof plan[0]; i++) {
		struct plan *p = &plan[i];

		if (p->dest >= n && !p->logical)
			p->dest = 0;
		for (cpu = 0; cpu < n; cpu++)
			p->expect[cpu] =
			    p->logical ? (p->dest >> cpu) & 1 : p->dest == cpu;
		/* The guest programs its IOAPIC, as an OS would. */
		rte = testvm_rte(p->vector, p->level, p->logical, p->dest, false);
		if ((rc = testvm_rte_write(vm, p->pin, rte, &cause)) < 0)
			return fail("programming the IOAPIC", rc, cause);
	}

	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return fail("eventfd", -errno, NULL);
	/*
	 * Through the library, which keeps a copy: pin 5 is an unmasked edge
	 * entry, so irqchipd has the eventfd bound to GSI 5 (kernel bypass) and
	 * the device's writes reach the guest without waking it.
	 */
	rc = irqchip_kvm_add_notifier(testvm_irqchip(vm), TESTVM_CHIP_ID, plan[4].pin, efd, -1,
	    &cause);
	if (rc < 0) {
		close(efd);
		return fail("notifier-add", rc, cause);
	}

	for (i = 0; i < sizeof plan / sizeof plan[0]; i++)
		if (drive(vm, &plan[i], expect, efd) != 0) {
			close(efd);
			return 1;
		}
	close(efd);
	testvm_sleep_ms(SETTLE_MS);

	printf("%-4s %-6s %-5s %-17s %-16s %4s", "pin", "vector", "trig", "destination",
	    "driven by", "sent");
	for (cpu = 0; cpu < n; cpu++)
		printf("  cpu%u exp/got", cpu);
	printf("\n");
	bad = 0;
	for (i = 0; i < sizeof plan / sizeof plan[0]; i++) {
		struct plan *p = &plan[i];
		char dest[32];

		snprintf(dest, sizeof dest, "%s 0x%02x",
		    p->logical ? "logical" : "physical", p->dest);
		printf("%-4u 0x%02x   %-5s %-17s %-16s %4u", p->pin, p->vector,
		    p->level ? "level" : "edge", dest, p->how, p->sent);
		for (cpu = 0; cpu < n; cpu++) {
			uint32_t got = testvm_count(vm, cpu, p->vector);
			uint32_t want = expect[cpu][p->vector];

			printf("  %6u/%-6u", want, got);
			bad |= got != want;
		}
		printf("\n");
	}
	bad |= compare_counts(vm, expect) < 0;

	args = json_object_new_object();
	json_object_object_add(args, "id", json_object_new_string(TESTVM_CHIP_ID));
	rc = irqchip_client_call(client, "chip-query", args, NULL, 0, &ret, NULL, &cause);
	json_object_put(args);
	if (rc < 0)
		return fail("chip-query", rc, cause);
	print_chip(ret);
	json_object_put(ret);
	printf("\n%s: received %s expected\n", bad ? "FAIL" : "PASS",
	    bad ? "differs from" : "==");
	return bad;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"embedded", no_argument, NULL, 'e'},
	    {"cpus", required_argument, NULL, 'c'},
	    {"timeout", required_argument, NULL, 't'},
	    {"kernel", required_argument, NULL, 'k'},
	    {"cmdline", required_argument, NULL, 'l'},
	    {"initrd", required_argument, NULL, 'i'},
	    {"module", required_argument, NULL, 'm'},
	    {"mem", required_argument, NULL, 'M'},
	    {"vmlinux", required_argument, NULL, 'V'},
	    {"stdin", no_argument, NULL, 'I'},
	    {"xapic", no_argument, NULL, 'x'},
	    {"demo", no_argument, NULL, 'd'},
	    {"selftest", no_argument, NULL, 'S'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct options o = {.cpus = 2, .timeout = 60};
	struct testvm_config cfg;
	struct testvm *vm = NULL;
	struct irqchip_client *client = NULL;
	struct irqchip_embedded *emb = NULL;
	char *cause = NULL, *end;
	int ch, rc, status = 1, code, kernel_status = EXIT_HOST;
	enum testvm_state st = TESTVM_CREATED;

	while ((ch = getopt_long(argc, argv, "s:ec:t:k:l:i:m:M:V:IxdSqvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o.socket = optarg;
			break;
		case 'e':
			o.embedded = 1;
			break;
		case 'c':
			o.cpus = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o.cpus < 1 || o.cpus > TESTVM_MAX_CPUS) {
				fprintf(stderr, "irqchip-testvm: --cpus takes 1 to %d\n",
				    TESTVM_MAX_CPUS);
				options_free(&o);
				return EXIT_USAGE;
			}
			break;
		case 't':
			o.timeout = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o.timeout == 0) {
				fprintf(stderr,
				    "irqchip-testvm: --timeout takes seconds > 0\n");
				options_free(&o);
				return EXIT_USAGE;
			}
			break;
		case 'k':
			o.kernel = optarg;
			break;
		case 'l':
			o.cmdline = optarg;
			break;
		case 'i':
		case 'm':
			if (o.nmodules == TESTVM_MAX_MODULES) {
				fprintf(stderr, "irqchip-testvm: at most %d modules\n",
				    TESTVM_MAX_MODULES);
				options_free(&o);
				return EXIT_USAGE;
			}
			if (ch == 'i')
				o.initrd = optarg;
			if (add_module(&o, optarg, ch == 'm') < 0) {
				options_free(&o);
				return EXIT_HOST;
			}
			break;
		case 'M':
			o.mem_mib = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o.mem_mib < 16 || o.mem_mib > 3072) {
				fprintf(stderr, "irqchip-testvm: --mem takes 16 to 3072 "
				    "(MiB)\n");
				options_free(&o);
				return EXIT_USAGE;
			}
			break;
		case 'x':
			o.xapic = 1;
			break;
		case 'V':
			o.vmlinux = optarg;
			break;
		case 'I':
			o.serial_stdin = 1;
			break;
		case 'd':
			o.demo = 1;
			break;
		case 'S':
			o.selftest = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			options_free(&o);
			return 0;
		default:
			fputs(usage_text, stderr);
			options_free(&o);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || (o.socket != NULL && o.embedded) ||
	    (o.demo && o.selftest) || ((o.demo || o.selftest) && o.kernel != NULL) ||
	    (o.demo && o.socket == NULL && !o.embedded) ||
	    (!o.demo && !o.selftest && o.kernel == NULL) ||
	    (o.nmodules > 0 && o.kernel == NULL) || (o.vmlinux != NULL && o.kernel == NULL)) {
		fputs(usage_text, stderr);
		options_free(&o);
		return EXIT_USAGE;
	}

	memset(&cfg, 0, sizeof cfg);
	cfg.ncpus = o.cpus;
	cfg.timeout_s = o.timeout;
	cfg.kernel = o.kernel;
	cfg.cmdline = o.cmdline;
	cfg.modules = o.modules;
	cfg.nmodules = o.nmodules;
	cfg.verbose = o.verbose;
	cfg.xapic_only = o.xapic;
	cfg.mem_size = (size_t)o.mem_mib << 20;
	if (o.kernel != NULL && is_bzimage(o.kernel)) {
		/* --initrd is the initramfs; --module has no meaning for Linux. */
		if (o.nmodules != (o.initrd != NULL ? 1u : 0u)) {
			fprintf(stderr, "irqchip-testvm: %s is a bzImage: give one "
			    "--initrd and no --module\n", o.kernel);
			options_free(&o);
			return EXIT_USAGE;
		}
		cfg.initrd = o.initrd;
		cfg.vmlinux = o.vmlinux;
		cfg.nmodules = 0;
		if (cfg.mem_size == 0)
			cfg.mem_size = 256u << 20;
	}
	cfg.console = o.quiet ? NULL : (o.kernel != NULL ? stdout : stderr);
	if ((rc = testvm_create(&cfg, &vm, &cause)) < 0) {
		status = fail("creating the VM", rc, cause);
		goto out;
	}
	if (o.verbose)
		fprintf(stderr, "irqchip-testvm: EOI mode %s (KVM_CAP_X2APIC_API)\n",
		    irqchip_kvm_eoi_mode_name(testvm_eoi_mode(vm)));

	if (o.socket != NULL) {
		rc = irqchip_client_connect(o.socket, &client, &cause);
		if (rc == 0)
			rc = irqchip_client_negotiate(client, irqchip_kvm_capabilities, NULL,
			    NULL, &cause);
		if (rc < 0) {
			status = fail(o.socket, rc, cause);
			goto out;
		}
	} else if (o.embedded) {
		rc = irqchip_embedded_start(testvm_vm_fd(vm), &emb, &client, &cause);
		if (rc < 0) {
			status = fail("starting embedded irqchipd", rc, cause);
			goto out;
		}
	}
	if (client != NULL) {
		/* Embedded irqchipd injects with KVM_SIGNAL_MSI itself; a daemon needs
		 * irqfds. */
		rc = testvm_attach(
		    vm, client, o.embedded ? 0 : TESTVM_ATTACH_IRQFDS, &cause);
		if (rc < 0) {
			status = fail("attaching irqchipd", rc, cause);
			goto out;
		}
	}
	if ((rc = testvm_start(vm, &cause)) < 0) {
		status = fail("starting the VM", rc, cause);
		goto out;
	}

	if (o.kernel != NULL) {
		pthread_t in;

		/* What arrives on stdin, the guest receives on COM1. */
		if (o.serial_stdin && pthread_create(&in, NULL, stdin_thread, vm) == 0)
			pthread_detach(in);
		testvm_wait(vm, -1);
		st = testvm_state(vm, &code, &cause);
		if (st == TESTVM_EXITED) {
			free(cause);
			status = code;
		} else {
			switch (testvm_failure(vm)) {
			case TESTVM_FAIL_TIMEOUT:
				kernel_status = EXIT_TIMEOUT;
				break;
			case TESTVM_FAIL_CRASH:
				kernel_status = EXIT_CRASH;
				break;
			default:
				break;
			}
			fail(o.kernel, -EIO, cause);
		}
		goto out;
	}
	if ((rc = testvm_wait_ready(vm, READY_TIMEOUT_MS, &cause)) < 0) {
		status = fail("booting the built-in guest", rc, cause);
		goto out;
	}
	status = o.selftest ? selftest(vm) : demo(vm);
	st = testvm_state(vm, NULL, &cause);
	if (st != TESTVM_RUNNING)
		status = fail("the VM", -EIO, cause);
	else
		free(cause);
out:
	/* Every --kernel ending but the guest's own has an even status. */
	if (o.kernel != NULL && (st != TESTVM_EXITED || vm == NULL))
		status = kernel_status;
	testvm_destroy(vm);
	if (client != NULL)
		irqchip_client_close(client);
	if (emb != NULL)
		irqchip_embedded_stop(emb);
	options_free(&o);
	return status;
}

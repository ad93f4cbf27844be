/*
 * bench_inject: how long an interrupt takes to reach a real guest through
 * each irqchipd path, printed next to the direct KVM calls a VMM would make
 * itself, measured in the same run on the same VM.
 *
 * Each sample: note the guest's counter for the vector, trigger, spin until
 * the guest's ISR has counted it. So a figure is trigger -> injection ->
 * guest ISR entry (plus the guest's EOI and exit), from the VMM's view.
 *
 *   bench_inject [--iterations N] [--daemon PATH]
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <errno.h>
#include <getopt.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#define GSI_VMM		40	/* a VMM-owned route, outside the IOAPIC's 0..23 */
#define PIN_PULSE	1
#define PIN_NOTIFIER	2

struct bench {
	struct testvm *vm;
	struct irqchip_kvm *kvm;
	int fd;			/* irqfd or notifier eventfd */
	unsigned vector;
};

static unsigned iterations = 2000;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
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

static void
trig_signal_msi(struct bench *b)
{
	char *cause = NULL;
	int rc = testvm_signal_msi(b->vm, TESTVM_LAPIC_GPA, b->vector, &cause);

	if (rc <= 0)
		die("KVM_SIGNAL_MSI", rc < 0 ? rc : -EIO, cause);
}

static void
trig_eventfd(struct bench *b)
{
	uint64_t one = 1;

	if (write(b->fd, &one, sizeof one) != sizeof one)
		die("eventfd write", -errno, NULL);
}

static void
trig_pulse(struct bench *b)
{
	char *cause = NULL;
	int rc = irqchip_kvm_pulse(b->kvm, TESTVM_CHIP_ID, PIN_PULSE, &cause);

	if (rc < 0)
		die("line-pulse", rc, cause);
}

static void
trig_mmio_read(struct bench *b)
{
	uint64_t v;
	char *cause = NULL;
	int rc = irqchip_kvm_mmio(b->kvm, TESTVM_CHIP_ID, 0, 4, false, &v, &cause);

	if (rc < 0)
		die("mmio-read", rc, cause);
}

static double
median(double *t)
{
	qsort(t, iterations, sizeof *t, cmp_double);
	return t[iterations / 2];
}

/*
 * Runs trigger iterations times. Per sample: how long the trigger call kept
 * the calling thread, and (unless vector == 0) how long until the guest's ISR
 * had counted the interrupt. The next sample starts only then, so nothing
 * coalesces in the LAPIC.
 */
static void
measure(const char *name, struct bench *b, void (*trigger)(struct bench *))
{
	double *call = calloc(iterations, sizeof *call);
	double *total = calloc(iterations, sizeof *total);
	double sum = 0, start, deadline, p99;
	uint32_t before;

	if (call == NULL || total == NULL)
		die("calloc", -ENOMEM, NULL);
	for (unsigned i = 0; i < iterations; i++) {
		before = b->vector != 0 ? testvm_count(b->vm, 0, b->vector) : 0;
		start = now_us();
		trigger(b);
		call[i] = now_us() - start;
		deadline = start + 2e6;
		while (b->vector != 0 && testvm_count(b->vm, 0, b->vector) == before) {
			if (now_us() > deadline)
				die(name, -ETIMEDOUT, "the guest did not receive the interrupt");
			/*
			 * Two cores, three threads (this, the vCPU, irqchipd): spinning
			 * here would starve the vCPU. Sleep 1 us (timer slack is 1 ns).
			 */
			nanosleep(&(struct timespec){ .tv_nsec = 1000 }, NULL);
		}
		total[i] = now_us() - start;
		sum += total[i];
	}
	printf("%-46s %9.1f", name, median(call));
	if (b->vector != 0) {
		p99 = (qsort(total, iterations, sizeof *total, cmp_double),
		    total[iterations * 99 / 100]);
		printf(" %9.1f %9.1f %10.0f\n", median(total), p99, iterations / (sum / 1e6));
	} else {
		printf(" %9s %9s %10.0f\n", "-", "-", iterations / (sum / 1e6));
	}
	free(call);
	free(total);
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

static struct testvm *
new_vm(void)
{
	struct testvm_config cfg = { .ncpus = 1, .timeout_s = 600 };
	struct testvm *vm;
	char *cause = NULL;
	int rc = testvm_create(&cfg, &vm, &cause);

	if (rc < 0)
		die("testvm_create", rc, cause);
	return vm;
}

static void
run_vm(struct testvm *vm)
{
	char *cause = NULL;
	int rc = testvm_start(vm, &cause);

	if (rc == 0)
		rc = testvm_wait_ready(vm, 10000, &cause);
	if (rc < 0)
		die("starting the guest", rc, cause);
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "daemon", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *daemon_prog = "daemon/irqchipd";
	char dir[] = "/tmp/irqchipd-bench.XXXXXX", sock[64], *cause = NULL;
	struct irqchip_client *client, *eclient;
	struct irqchip_embedded *emb;
	struct kvm_irqfd irqfd = { .gsi = GSI_VMM };
	struct bench b;
	json_object *args;
	pid_t pid;
	int opt, rc, status;

	while ((opt = getopt_long(argc, argv, "n:d:", opts, NULL)) != -1) {
		if (opt == 'n')
			iterations = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 'd')
			daemon_prog = optarg;
		else
			return 2;
	}
	prctl(PR_SET_TIMERSLACK, 1UL);
	if (iterations < 10) {
		fprintf(stderr, "bench_inject: --iterations must be at least 10\n");
		return 2;
	}
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		fprintf(stderr, "bench_inject: /dev/kvm is not available here\n");
		return 77;
	}
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", -errno, NULL);
	snprintf(sock, sizeof sock, "%s/sock", dir);
	pid = start_daemon(daemon_prog, sock);
	if ((rc = irqchip_client_connect(sock, &client, &cause)) < 0 ||
	    (rc = irqchip_client_negotiate(client, NULL, NULL, NULL, &cause)) < 0)
		die("connecting to irqchipd", rc, cause);

	/* VM 1: irqchipd as a separate process, injecting through irqfds. */
	b.vm = new_vm();
	if ((rc = testvm_attach(b.vm, client, TESTVM_ATTACH_IRQFDS, &cause)) < 0)
		die("testvm_attach", rc, cause);
	b.kvm = testvm_irqchip(b.vm);
	run_vm(b.vm);
	program_pin(b.vm, PIN_PULSE, VEC_PULSE);
	program_pin(b.vm, PIN_NOTIFIER, VEC_NOTIFIER);
	if ((rc = irqchip_kvm_set_route(b.kvm, GSI_VMM, TESTVM_LAPIC_GPA, VEC_IRQFD, false, 0,
	    &cause)) < 0)
		die("VMM route", rc, cause);
	irqfd.fd = (uint32_t)eventfd(0, EFD_CLOEXEC);
	if (ioctl(testvm_vm_fd(b.vm), KVM_IRQFD, &irqfd) < 0)
		die("KVM_IRQFD", -errno, NULL);
	int notifier_fd = eventfd(0, EFD_CLOEXEC);
	args = json_tokener_parse("{\"id\": \"" TESTVM_CHIP_ID "\", \"line\": 2, \"fd\": 0, "
	    "\"mode\": \"edge\"}");
	if ((rc = irqchip_kvm_call(b.kvm, "notifier-add", args, &notifier_fd, 1, NULL,
	    &cause)) < 0)
		die("notifier-add", rc, cause);
	json_object_put(args);

	printf("bench_inject: %u edge interrupts per path to 1 vCPU; microseconds.\n"
	    "  call: the trigger call's time in the VMM thread (median)\n"
	    "  guest: trigger until the guest ISR has counted it (median, p99)\n\n",
	    iterations);
	printf("%-46s %9s %9s %9s %10s\n", "path", "call", "guest", "guest p99",
	    "per second");
	b.vector = VEC_SIGNAL_MSI;
	measure("direct: KVM_SIGNAL_MSI (VMM ioctl)", &b, trig_signal_msi);
	b.vector = VEC_IRQFD;
	b.fd = (int)irqfd.fd;
	measure("direct: irqfd write (VMM's own route)", &b, trig_eventfd);
	b.vector = VEC_NOTIFIER;
	b.fd = notifier_fd;
	measure("irqchipd: device notifier eventfd -> irqfd", &b, trig_eventfd);
	b.vector = VEC_PULSE;
	measure("irqchipd: line-pulse request (JSON) -> irqfd", &b, trig_pulse);
	b.vector = 0;
	measure("irqchipd: mmio-read round trip (JSON, no IRQ)", &b, trig_mmio_read);

	testvm_destroy(b.vm);
	irqchip_client_close(client);
	waitpid(pid, &status, 0);
	rmdir(dir);

	/* VM 2: the server embedded in this process, injecting with KVM_SIGNAL_MSI. */
	b.vm = new_vm();
	if ((rc = irqchip_embedded_start(testvm_vm_fd(b.vm), &emb, &eclient, &cause)) < 0)
		die("irqchip_embedded_start", rc, cause);
	if ((rc = testvm_attach(b.vm, eclient, 0, &cause)) < 0)
		die("testvm_attach (embedded)", rc, cause);
	b.kvm = testvm_irqchip(b.vm);
	run_vm(b.vm);
	program_pin(b.vm, PIN_PULSE, VEC_EMBEDDED);
	b.vector = VEC_SIGNAL_MSI;
	measure("direct: KVM_SIGNAL_MSI (VMM ioctl, VM 2)", &b, trig_signal_msi);
	b.vector = VEC_EMBEDDED;
	measure("embedded: line-pulse -> KVM_SIGNAL_MSI", &b, trig_pulse);
	testvm_destroy(b.vm);
	irqchip_client_close(eclient);
	irqchip_embedded_stop(emb);
	return 0;
}

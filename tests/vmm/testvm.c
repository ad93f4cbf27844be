/*
 * The test VM (testvm.h): a KVM VM with KVM_CAP_SPLIT_IRQCHIP, guest RAM in a
 * memfd at GPA 0, 1..4 vCPUs with one thread each, a multiboot v1 loader, and
 * the port devices KVM test kernels (kvm-unit-tests) expect. IOAPIC MMIO
 * and KVM_EXIT_IOAPIC_EOI go to irqchipd through irqchip-kvm.h, synchronously
 * on the vCPU thread, so the access and its effects are complete before the
 * vCPU re-enters KVM_RUN (api.rst, KVM_CAP_SPLIT_IRQCHIP).
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "byteorder.h"
#include "linuxboot.h"
#include "testvm.h"
#include "uart.h"
#include "wire.h"

#define CONSOLE_MAX (1u << 20)
#define MULTIBOOT_MAGIC 0x1badb002
#define MULTIBOOT_BOOT_MAGIC 0x2badb002
#define MULTIBOOT_SEARCH 8192 /* the header lies in the first 8 KiB, 4-aligned */
#define MB_INFO_MEMORY (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS (1u << 3)
#define MB_INFO_LOADER_NAME (1u << 9)
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MAX_CPUS 0x0f
#define COM1 0x3f8
#define COM2 0x2f8
#define COM1_PIN 4 /* ISA IRQ 4 */
#define COM2_PIN 3 /* ISA IRQ 3 */
#define LINUX_IOAPIC_ID 0 /* the chip's reset ID, which no one reprograms */
#define KVM_CPUID_FEATURES 0x40000001
#define KVM_FEATURE_MSI_EXT_DEST_ID 15

struct testvm;

/* A 16550 on a port range, its interrupt output on an IOAPIC pin. */
struct serial {
	struct testvm *vm;
	unsigned index;
	uint16_t base;
	unsigned pin;
	struct uart uart;
};

struct vcpu {
	struct testvm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	int started;
	uint64_t refused_rip; /* the last instruction emulate_refused ran again */
};

struct testvm {
	struct testvm_config cfg;
	int kvm_fd;
	int vm_fd;
	int mem_fd;
	uint8_t *mem;
	size_t mem_size;
	size_t run_size;
	uint64_t entry;
	bool is_linux;
	bool long_mode; /* enter in 64-bit mode (a Linux vmlinux) */	     /* entry is a bzImage's 32-bit entry point */
	uint64_t kernel_end; /* past the highest byte a segment loaded */
	unsigned ioapic_version;
	enum irqchip_kvm_eoi_mode eoi_mode;
	struct vcpu vcpus[TESTVM_MAX_CPUS];
	struct irqchip_kvm *irqchip;

	pthread_mutex_t lock; /* state, console, fw_cfg, the watchdog */
	pthread_cond_t cond;
	enum testvm_state state;
	int exit_code;
	enum testvm_failure failure_kind;
	char *failure;
	atomic_int stopping;
	pthread_t watchdog;
	int watchdog_started;

	char *console;
	size_t console_len;
	uint16_t fw_cfg_key;
	uint32_t fw_cfg_off;
	uint8_t testdev[4]; /* pc-testdev's read-back register at 0xe0 */
	struct serial serial[TESTVM_SERIAL_PORTS];
	uint8_t cmos_index;

	atomic_uint_fast64_t eoi_exits[256];
	atomic_uint_fast64_t early_eoi_exits[256];
	atomic_uint_fast64_t isr_done[256];
	atomic_uint_fast64_t ioapic_accesses;

	/* Events from irqchipd (effects produced outside a request): see event_thread. */
	pthread_mutex_t ev_lock; /* held by the event thread while it uses ev_client */
	struct irqchip_client *ev_client;
	pthread_t ev_thread;
	int ev_started;
	atomic_int ev_stop;
	atomic_uint_fast64_t events;
};

extern const uint8_t testvm_guest_image[], testvm_guest_image_end[];

int64_t
testvm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
testvm_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
nap_us(long us)
{
	struct timespec ts = {0, us * 1000};

	nanosleep(&ts, NULL);
}

static void
kick_handler(int sig)
{
	(void)sig;
}

/* Makes every vCPU leave KVM_RUN and not come back; lock not needed. */
static void
kick_all(struct testvm *vm)
{
	unsigned i;

	atomic_store(&vm->stopping, 1);
	for (i = 0; i < vm->cfg.ncpus; i++) {
		if (vm->vcpus[i].run == NULL)
			continue;
		/* immediate_exit covers a thread that is just about to enter KVM_RUN. */
		vm->vcpus[i].run->immediate_exit = 1;
		if (vm->vcpus[i].started &&
		    !pthread_equal(vm->vcpus[i].thread, pthread_self()))
			pthread_kill(vm->vcpus[i].thread, SIGUSR1);
	}
}

/* Ends the run with state (the first end wins) and stops the vCPUs. */
static void finish(struct testvm *vm, enum testvm_state state, int code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
finish(struct testvm *vm, enum testvm_state state, int code, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->lock);
	if (vm->state == TESTVM_RUNNING || vm->state == TESTVM_CREATED) {
		vm->state = state;
		if (state == TESTVM_FAILED)
			vm->failure_kind = (enum testvm_failure)code;
		else
			vm->exit_code = code;
		if (fmt != NULL) {
			va_start(ap, fmt);
			if (vasprintf(&vm->failure, fmt, ap) < 0)
				vm->failure = NULL;
			va_end(ap);
		}
		pthread_cond_broadcast(&vm->cond);
	}
	pthread_mutex_unlock(&vm->lock);
	kick_all(vm);
}

static void
console_putc(struct testvm *vm, uint8_t c)
{
	pthread_mutex_lock(&vm->lock);
	if (vm->console_len + 1 < CONSOLE_MAX) {
		vm->console[vm->console_len++] = (char)c;
		vm->console[vm->console_len] = '\0';
	}
	if (vm->cfg.console != NULL) {
		fputc(c, vm->cfg.console);
		if (c == '\n')
			fflush(vm->cfg.console);
	}
	pthread_mutex_unlock(&vm->lock);
}

/* One byte of the selected fw_cfg item (QEMU docs/specs/fw_cfg.rst). */
static uint8_t
fw_cfg_byte(struct testvm *vm)
{
	uint8_t item[8] = {0};
	uint32_t off = vm->fw_cfg_off++;
	uint64_t v;

	switch (vm->fw_cfg_key) {
	case FW_CFG_SIGNATURE:
		memcpy(item, "QEMU", 4);
		break;
	case FW_CFG_ID:
		break;
	case FW_CFG_RAM_SIZE:
		v = vm->mem_size;
		memcpy(item, &v, 8);
		break;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		item[0] = (uint8_t)vm->cfg.ncpus;
		break;
	default:
		return 0;
	}
	return off < sizeof item ? item[off] : 0;
}

/* COM1 and COM2: the 16550s of uart.h on their ISA ports. */
static struct serial *
serial_at(struct testvm *vm, uint16_t port)
{
	unsigned i;

	for (i = 0; i < TESTVM_SERIAL_PORTS; i++)
		if (port >= vm->serial[i].base && port < vm->serial[i].base + 8)
			return &vm->serial[i];
	return NULL;
}

/* COM1 transmits to the console; COM2's cable loops back (serial_init). */
static void
serial_tx(void *opaque, uint8_t byte)
{
	struct serial *sp = opaque;

	if (sp->index == 0)
		console_putc(sp->vm, byte);
}

/*
 * A UART's interrupt output changed: the level goes to its IOAPIC pin in
 * irqchipd (line-set), synchronously, so the vCPU whose access changed it
 * re-enters the guest with the interrupt delivered. Under the UART's lock, so
 * levels arrive in order.
 */
static void
serial_irq(void *opaque, bool level)
{
	struct serial *sp = opaque;
	struct testvm *vm = sp->vm;
	char *cause = NULL;
	int rc;

	if (vm->irqchip == NULL)
		return;
	rc = irqchip_kvm_line(vm->irqchip, TESTVM_CHIP_ID, sp->pin, level, &cause);
	if (rc < 0)
		finish(vm, TESTVM_FAILED, TESTVM_FAIL_HOST, "COM%u: line-set %u: %s",
		    sp->index + 1, sp->pin, cause != NULL ? cause : strerror(-rc));
	free(cause);
}

static void
serial_init(struct testvm *vm)
{
	static const uint16_t base[TESTVM_SERIAL_PORTS] = {COM1, COM2};
	static const unsigned pin[TESTVM_SERIAL_PORTS] = {COM1_PIN, COM2_PIN};
	unsigned i;

	for (i = 0; i < TESTVM_SERIAL_PORTS; i++) {
		vm->serial[i].vm = vm;
		vm->serial[i].index = i;
		vm->serial[i].base = base[i];
		vm->serial[i].pin = pin[i];
		uart_init(&vm->serial[i].uart, serial_tx, serial_irq, &vm->serial[i]);
	}
	/* COM2 has a loopback cable: what it sends, it receives. */
	vm->serial[1].uart.loopback_cable = true;
}

int
testvm_serial_input(struct testvm *vm, unsigned port, const void *p, size_t n)
{
	if (port >= TESTVM_SERIAL_PORTS)
		return -EINVAL;
	return uart_input(&vm->serial[port].uart, p, n);
}

void
testvm_serial_stats(struct testvm *vm, unsigned port, struct testvm_serial_stats *st)
{
	struct uart *u = &vm->serial[port % TESTVM_SERIAL_PORTS].uart;

	pthread_mutex_lock(&u->lock);
	st->tx_bytes = u->tx_bytes;
	st->rx_bytes = u->rx_bytes;
	st->irqs = u->irq_raised;
	pthread_mutex_unlock(&u->lock);
}

/* Forwards an IOAPIC line the guest drove through pc-testdev to irqchipd. */
static int
testdev_line(struct vcpu *vc, unsigned line, uint8_t level)
{
	struct testvm *vm = vc->vm;
	char *cause = NULL;
	int rc;

	if (vm->irqchip == NULL)
		return 0;
	rc = irqchip_kvm_line(vm->irqchip, TESTVM_CHIP_ID, line, level != 0, &cause);
	if (rc < 0)
		finish(vm, TESTVM_FAILED, TESTVM_FAIL_HOST, "vCPU %u: line-set %u: %s", vc->index, line,
		    cause != NULL ? cause : strerror(-rc));
	free(cause);
	return rc;
}

static void
handle_io(struct vcpu *vc)
{
	struct testvm *vm = vc->vm;
	struct kvm_run *run = vc->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint16_t port = run->io.port;
	unsigned size = run->io.size, i;
	uint32_t v;
	int out = run->io.direction == KVM_EXIT_IO_OUT;
	struct serial *sp;

	for (i = 0; i < run->io.count; i++, data += size) {
		v = 0;
		if (out)
			v = (uint32_t)ld_le(data, size); /* x86: little-endian */
		if ((sp = serial_at(vm, port)) != NULL) {
			if (out)
				uart_write(&sp->uart, port - sp->base, (uint8_t)v);
			else {
				memset(data, 0, size);
				*data = uart_read(&sp->uart, port - sp->base);
			}
		} else if ((port == 0x21 || port == 0xa1) && !out) {
			/*
			 * No 8259 PICs: their mask registers would read back the
			 * 0xff Linux writes to probe for them (probe_8259A), so
			 * they read 0 and Linux runs with no legacy PIC.
			 */
			memset(data, 0, size);
		} else if (port == 0x510 && out && size == 2) {
			pthread_mutex_lock(&vm->lock);
			vm->fw_cfg_key = (uint16_t)v;
			vm->fw_cfg_off = 0;
			pthread_mutex_unlock(&vm->lock);
		} else if (port == 0x511 && !out) {
			pthread_mutex_lock(&vm->lock);
			memset(data, 0, size);
			*data = fw_cfg_byte(vm);
			pthread_mutex_unlock(&vm->lock);
		} else if (port >= TESTVM_PORT_TESTDEV_IRQ &&
		    port < TESTVM_PORT_TESTDEV_IRQ + TESTVM_TESTDEV_LINES) {
			if (out)
				testdev_line(
				    vc, port - TESTVM_PORT_TESTDEV_IRQ, (uint8_t)v);
			else
				memset(data, 0, size);
		} else if (port >= TESTVM_PORT_TESTDEV &&
		    port + size <= TESTVM_PORT_TESTDEV + 4) {
			pthread_mutex_lock(&vm->lock);
			if (out)
				memcpy(vm->testdev + (port - TESTVM_PORT_TESTDEV), data,
				    size);
			else
				memcpy(data, vm->testdev + (port - TESTVM_PORT_TESTDEV),
				    size);
			pthread_mutex_unlock(&vm->lock);
		} else if (port == TESTVM_PORT_DEBUG_EXIT && out) {
			finish(vm, TESTVM_EXITED, (int)((v << 1) | 1), NULL);
		} else if (port == TESTVM_PORT_EOI_DONE && out) {
			/* The exit itself lets KVM report a pending EOI; count the ISR. */
			atomic_fetch_add(&vm->isr_done[v & 0xff], 1);
		} else if (port == TESTVM_PORT_ISR_EXIT && out) {
			/* Only the exit matters: it lets the host report an EOI early. */
		} else if (port == TESTVM_PORT_PANIC && out) {
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_CRASH,
			    "guest exception: vector %u on CPU %u%s", v & 0xff,
			    (v >> 8) & 0xff,
			    (v & 0xff) == 0xfe ? " (bad multiboot magic)" : "");
		} else if (!out) {
			memset(data, 0xff, size); /* nothing there: the bus floats high */
		} else if (vm->cfg.verbose)
			fprintf(stderr,
			    "testvm: vCPU %u: write 0x%x to port 0x%x ignored\n",
			    vc->index, v, port);
	}
}

static void
handle_mmio(struct vcpu *vc)
{
	struct testvm *vm = vc->vm;
	struct kvm_run *run = vc->run;
	uint64_t gpa = run->mmio.phys_addr, v = 0;
	unsigned len = run->mmio.len;
	char *cause = NULL;
	int rc;

	if (len > 8)
		len = 8;
	if (gpa >= TESTVM_IOAPIC_GPA && gpa < TESTVM_IOAPIC_GPA + 0x1000 &&
	    vm->irqchip != NULL) {
		/* The access's bytes, in the x86 guest's (little-endian) order. */
		if (run->mmio.is_write)
			v = ld_le(run->mmio.data, len);
		atomic_fetch_add(&vm->ioapic_accesses, 1);
		rc = irqchip_kvm_mmio(vm->irqchip, TESTVM_CHIP_ID,
		    gpa - TESTVM_IOAPIC_GPA, len, run->mmio.is_write, &v, &cause);
		if (rc < 0) {
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_HOST,
			    "vCPU %u: IOAPIC %s at offset 0x%llx: %s", vc->index,
			    run->mmio.is_write ? "write" : "read",
			    (unsigned long long)(gpa - TESTVM_IOAPIC_GPA),
			    cause != NULL ? cause : strerror(-rc));
			free(cause);
			return;
		}
		if (!run->mmio.is_write)
			st_le(run->mmio.data, v, len);
		return;
	}
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, len);
	if (vm->cfg.verbose)
		fprintf(stderr, "testvm: vCPU %u: unclaimed MMIO %s at 0x%llx\n",
		    vc->index, run->mmio.is_write ? "write" : "read",
		    (unsigned long long)gpa);
}

/*
 * KVM_EXIT_IOAPIC_EOI: completed by irqchipd (Remote IRR, re-delivery,
 * resample) before this vCPU re-enters the guest (api.rst, KVM_CAP_SPLIT_IRQCHIP).
 */
static void
handle_eoi(struct vcpu *vc)
{
	struct testvm *vm = vc->vm;
	uint8_t vector = vc->run->eoi.vector;
	uint32_t written;
	char *cause = NULL;
	int rc;

	/*
	 * The guest counts each EOI just before it writes it: an exit for an
	 * EOI it has not written yet came early.
	 */
	written = __atomic_load_n((volatile uint32_t *)(vm->mem + TESTVM_SHARED_GPA +
	    SH_EOI_WRITES + 4 * vector), __ATOMIC_ACQUIRE);
	if ((uint64_t)written <= atomic_load(&vm->eoi_exits[vector]))
		atomic_fetch_add(&vm->early_eoi_exits[vector], 1);
	if (vm->irqchip != NULL) {
		rc = irqchip_kvm_eoi(vm->irqchip, vector, &cause);
		if (rc < 0)
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_HOST, "vCPU %u: eoi %u: %s", vc->index,
			    vector, cause != NULL ? cause : strerror(-rc));
		free(cause);
	}
	/* Counted once irqchipd has completed it, so waiters see Remote IRR clear. */
	atomic_fetch_add(&vm->eoi_exits[vector], 1);
}

/*
 * KVM's instruction emulator cannot execute INT3 outside real mode, and the
 * dev host's paravirtual KVM emulates guest kernel code, so a Linux guest's
 * INT3 (its boot-time self-test of the breakpoint handler, text patching)
 * ends in an emulation failure. Does what the CPU would: #BP is a trap, so the
 * handler sees RIP past the one-byte instruction (Intel SDM vol. 3A, 6.15,
 * "Interrupt 3"). True if RIP was at an instruction handled here.
 */
/* A guest-linear address to a pointer into RAM for n bytes, or NULL. */
static uint8_t *
guest_ptr(struct vcpu *vc, uint64_t linear, size_t n)
{
	struct kvm_translation tr;

	memset(&tr, 0, sizeof tr);
	tr.linear_address = linear;
	if (ioctl(vc->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid ||
	    tr.physical_address + n > vc->vm->mem_size ||
	    (tr.physical_address & 0xfff) + n > 0x1000)
		return NULL;
	return vc->vm->mem + tr.physical_address;
}

/*
 * LDMXCSR and STMXCSR (0F AE /2, /3) with a base-register memory operand
 * (and an optional 8- or 32-bit displacement), the forms Linux's
 * kernel_fpu_begin uses: KVM's emulator has neither. Intel SDM vol. 2B.
 */
static bool
emulate_mxcsr(struct vcpu *vc, struct kvm_regs *regs, uint64_t pa)
{
	const uint8_t *p = vc->vm->mem + pa;
	uint64_t gpr[16] = {regs->rax, regs->rcx, regs->rdx, regs->rbx, regs->rsp,
	    regs->rbp, regs->rsi, regs->rdi, regs->r8, regs->r9, regs->r10, regs->r11,
	    regs->r12, regs->r13, regs->r14, regs->r15};
	unsigned len = 0, rex = 0, modrm, mod, reg, rm, base;
	int64_t disp = 0;
	struct kvm_fpu fpu;
	uint8_t *mem;
	uint32_t v;

	if (pa + 16 > vc->vm->mem_size || (pa & 0xfff) > 0x1000 - 16)
		return false;
	if ((p[0] & 0xf0) == 0x40)
		rex = p[len++];
	if (p[len] != 0x0f || p[len + 1] != 0xae)
		return false;
	len += 2;
	modrm = p[len++];
	mod = modrm >> 6;
	reg = (modrm >> 3) & 7;
	rm = modrm & 7;
	if (mod == 3 || (reg != 2 && reg != 3))
		return false;
	if (rm == 4) {
		unsigned sib = p[len++];

		if (((sib >> 3) & 7) != 4 || (rex & 0x2)) /* an index register */
			return false;
		base = (sib & 7) | ((rex & 0x1) << 3);
		if ((sib & 7) == 5 && mod == 0)
			return false;
	} else if (rm == 5 && mod == 0) {
		return false; /* RIP-relative */
	} else
		base = rm | ((rex & 0x1) << 3);
	if (mod == 1)
		disp = (int8_t)p[len++];
	else if (mod == 2) {
		int32_t d;

		memcpy(&d, p + len, 4);
		disp = d;
		len += 4;
	}
	mem = guest_ptr(vc, gpr[base] + (uint64_t)disp, 4);
	if (mem == NULL || ioctl(vc->fd, KVM_GET_FPU, &fpu) < 0)
		return false;
	if (reg == 2) {
		memcpy(&v, mem, 4);
		fpu.mxcsr = v;
		if (ioctl(vc->fd, KVM_SET_FPU, &fpu) < 0)
			return false;
	} else {
		v = fpu.mxcsr;
		memcpy(mem, &v, 4);
	}
	regs->rip += len;
	return ioctl(vc->fd, KVM_SET_REGS, regs) == 0;
}

static bool
emulate_refused(struct vcpu *vc)
{
	struct kvm_regs regs;
	struct kvm_translation tr;
	struct kvm_vcpu_events ev;

	if (ioctl(vc->fd, KVM_GET_REGS, &regs) < 0)
		return false;
	memset(&tr, 0, sizeof tr);
	tr.linear_address = regs.rip;
	if (ioctl(vc->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid ||
	    tr.physical_address >= vc->vm->mem_size)
		return false;
	if (vc->vm->mem[tr.physical_address] == 0x9b) {
		/*
		 * FWAIT, which the emulator refuses as well: it only raises a
		 * pending unmasked x87 exception, and Linux keeps them masked.
		 */
		regs.rip++;
		return ioctl(vc->fd, KVM_SET_REGS, &regs) == 0;
	}
	if (emulate_mxcsr(vc, &regs, tr.physical_address))
		return true;
	if (vc->vm->mem[tr.physical_address] != 0xcc) {
		/*
		 * Another vCPU may have been rewriting this instruction
		 * (Linux patches live code through a temporary INT3): run it
		 * again, once, as a CPU would fetch the new bytes.
		 */
		if (vc->refused_rip == regs.rip)
			return false;
		vc->refused_rip = regs.rip;
		return true;
	}
	if (ioctl(vc->fd, KVM_GET_VCPU_EVENTS, &ev) < 0 || ev.exception.injected ||
	    ev.exception.pending)
		return false;
	regs.rip++;
	if (ioctl(vc->fd, KVM_SET_REGS, &regs) < 0)
		return false;
	ev.exception.injected = 1;
	ev.exception.nr = 3;
	ev.exception.has_error_code = 0;
	ev.exception.error_code = 0;
	ev.flags = 0;
	return ioctl(vc->fd, KVM_SET_VCPU_EVENTS, &ev) == 0;
}

static void *
vcpu_thread(void *arg)
{
	struct vcpu *vc = arg;
	struct testvm *vm = vc->vm;
	struct kvm_run *run = vc->run;

	while (!atomic_load(&vm->stopping)) {
		if (ioctl(vc->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_HOST, "vCPU %u: KVM_RUN: %s", vc->index,
			    strerror(errno));
			break;
		}
		if (run->exit_reason != KVM_EXIT_INTERNAL_ERROR)
			vc->refused_rip = 0;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(vc);
			break;
		case KVM_EXIT_MMIO:
			handle_mmio(vc);
			break;
		case KVM_EXIT_IOAPIC_EOI:
			handle_eoi(vc);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_SHUTDOWN:
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_CRASH, "vCPU %u: shutdown (triple fault)",
			    vc->index);
			break;
		case KVM_EXIT_HLT:
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_HOST,
			    "vCPU %u: hlt exit (no in-kernel LAPIC?)", vc->index);
			break;
		case KVM_EXIT_FAIL_ENTRY:
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_CRASH,
			    "vCPU %u: entry failed, reason 0x%llx", vc->index,
			    (unsigned long long)
				run->fail_entry.hardware_entry_failure_reason);
			break;
		case KVM_EXIT_INTERNAL_ERROR: {
			struct kvm_regs regs;

			if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
			    emulate_refused(vc))
				break;
			memset(&regs, 0, sizeof regs);
			ioctl(vc->fd, KVM_GET_REGS, &regs);
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_CRASH,
			    "vCPU %u: KVM internal error, suberror %u "
			    "at EIP 0x%llx",
			    vc->index, run->internal.suberror,
			    (unsigned long long)regs.rip);
			break;
		}
		default:
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_HOST, "vCPU %u: unexpected exit reason %u",
			    vc->index, run->exit_reason);
			break;
		}
	}
	if (vm->cfg.verbose) {
		struct kvm_regs regs;
		struct kvm_sregs sregs;

		if (ioctl(vc->fd, KVM_GET_REGS, &regs) == 0 &&
		    ioctl(vc->fd, KVM_GET_SREGS, &sregs) == 0)
			fprintf(stderr, "testvm: vCPU %u stopped at RIP 0x%llx RSP 0x%llx "
			    "CR0 0x%llx CR3 0x%llx EFER 0x%llx\n", vc->index,
			    (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
			    (unsigned long long)sregs.cr0, (unsigned long long)sregs.cr3,
			    (unsigned long long)sregs.efer);
		/* The code there, where paging is an identity map (boot code). */
		if (ioctl(vc->fd, KVM_GET_REGS, &regs) == 0 && regs.rip >= 32 &&
		    regs.rip + 32 <= vm->mem_size) {
			unsigned k;

			fprintf(stderr, "testvm: vCPU %u code at RIP-32:", vc->index);
			for (k = 0; k < 64; k++)
				fprintf(stderr, " %02x", vm->mem[regs.rip - 32 + k]);
			fprintf(stderr, "\n");
		}
	}
	return NULL;
}

/*
 * Effects irqchipd produces outside a request (a timer, a notifier with no
 * irqfd) arrive as events; they must reach KVM too. The client's lock keeps
 * this thread out while a call waits for its reply, so whatever it reads
 * between calls is an event.
 */
static void *
event_thread(void *arg)
{
	struct testvm *vm = arg;
	struct pollfd pfd;
	json_object *ev;
	char *cause = NULL;
	int rc;

	while (!atomic_load(&vm->ev_stop)) {
		pthread_mutex_lock(&vm->ev_lock);
		if (vm->ev_client == NULL) {
			pthread_mutex_unlock(&vm->ev_lock);
			testvm_sleep_ms(20);
			continue;
		}
		pfd.fd = irqchip_client_fd(vm->ev_client);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 20) > 0 && (pfd.revents & (POLLHUP | POLLERR))) {
			/* The daemon went away: stop polling this client until replaced.
			 */
			vm->ev_client = NULL;
		} else if (pfd.revents & POLLIN) {
			while (irqchip_client_next_event(vm->ev_client, 0, &ev) == 0) {
				atomic_fetch_add(&vm->events, 1);
				rc = irqchip_kvm_handle_event(vm->irqchip, ev, &cause);
				json_object_put(ev);
				if (rc < 0)
					finish(vm, TESTVM_FAILED, TESTVM_FAIL_HOST, "irqchipd event: %s",
					    cause != NULL ? cause : strerror(-rc));
				free(cause);
				cause = NULL;
			}
		}
		pthread_mutex_unlock(&vm->ev_lock);
	}
	return NULL;
}

static void *
watchdog_thread(void *arg)
{
	struct testvm *vm = arg;
	struct timespec deadline;
	int timed_out = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += vm->cfg.timeout_s;
	pthread_mutex_lock(&vm->lock);
	while (vm->state == TESTVM_RUNNING && !timed_out)
		timed_out =
		    pthread_cond_timedwait(&vm->cond, &vm->lock, &deadline) == ETIMEDOUT;
	pthread_mutex_unlock(&vm->lock);
	if (timed_out)
		finish(vm, TESTVM_FAILED, TESTVM_FAIL_TIMEOUT, "timed out after %u s (wall clock)",
		    vm->cfg.timeout_s);
	return NULL;
}

/* Multiboot v1 (ELF kernels only): load PT_LOAD segments at their physical addresses. */
static int
load_multiboot(
    struct testvm *vm, const uint8_t *img, size_t size, const char *name, char **cause)
{
	const Elf32_Ehdr *eh = (const void *)img;
	const Elf32_Phdr *ph;
	const uint32_t *hdr = NULL;
	size_t off;
	unsigned i;

	for (off = 0; off + 12 <= size && off < MULTIBOOT_SEARCH; off += 4) {
		const uint32_t *w = (const void *)(img + off);

		if (w[0] == MULTIBOOT_MAGIC && w[0] + w[1] + w[2] == 0) {
			hdr = w;
			break;
		}
	}
	if (hdr == NULL)
		return wire_set_cause(cause, -ENOEXEC,
		    "%s: no multiboot header in the first %d bytes", name,
		    MULTIBOOT_SEARCH);
	if (hdr[1] & (1u << 16))
		return wire_set_cause(
		    cause, -ENOTSUP, "%s: a.out kludge (flag 16) is not supported", name);
	if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386)
		return wire_set_cause(cause, -ENOEXEC, "%s: not a 32-bit x86 ELF file", name);
	if (eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof *ph)
		return wire_set_cause(
		    cause, -ENOEXEC, "%s: program headers out of the file", name);
	ph = (const void *)(img + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++, ph++) {
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset ||
		    ph->p_filesz > ph->p_memsz)
			return wire_set_cause(
			    cause, -ENOEXEC, "%s: segment %u out of the file", name, i);
		if (ph->p_paddr < 0x100000 ||
		    (uint64_t)ph->p_paddr + ph->p_memsz > vm->mem_size)
			return wire_set_cause(cause, -ENOEXEC,
			    "%s: segment %u (0x%x+0x%x) outside RAM "
			    "1 MiB..%zu MiB",
			    name, i, ph->p_paddr, ph->p_memsz, vm->mem_size >> 20);
		memcpy(vm->mem + ph->p_paddr, img + ph->p_offset, ph->p_filesz);
		memset(
		    vm->mem + ph->p_paddr + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
		if ((uint64_t)ph->p_paddr + ph->p_memsz > vm->kernel_end)
			vm->kernel_end = (uint64_t)ph->p_paddr + ph->p_memsz;
	}
	vm->entry = eh->e_entry;
	return 0;
}

/* Multiboot information for EBX: memory sizes, the command line, our name. */
static void
build_mbi(struct testvm *vm)
{
	uint32_t mbi[22] = {0};
	const char *cmdline = vm->cfg.cmdline != NULL ? vm->cfg.cmdline : "";
	const char *loader = "irqchip-testvm";
	size_t n = strlen(cmdline);

	if (n > 0x7ff - 32)
		n = 0x7ff - 32;
	memcpy(vm->mem + TESTVM_CMDLINE_GPA, cmdline, n);
	vm->mem[TESTVM_CMDLINE_GPA + n] = '\0';
	memcpy(vm->mem + TESTVM_CMDLINE_GPA + n + 1, loader, strlen(loader) + 1);
	mbi[0] = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_LOADER_NAME;
	mbi[1] = 640; /* mem_lower, KiB */
	mbi[2] =
	    (uint32_t)((vm->mem_size - 0x100000) >> 10); /* mem_upper, KiB above 1 MiB */
	mbi[4] = TESTVM_CMDLINE_GPA;
	mbi[16] = (uint32_t)(TESTVM_CMDLINE_GPA + n + 1); /* boot_loader_name */
	if (vm->cfg.nmodules > 0) {
		mbi[0] |= MB_INFO_MODS;
		mbi[5] = vm->cfg.nmodules; /* mods_count */
		mbi[6] = TESTVM_MODS_GPA;  /* mods_addr */
	}
	memcpy(vm->mem + TESTVM_MBI_GPA, mbi, sizeof mbi);
}

/*
 * Multiboot modules (Multiboot 0.6.96, 3.3: mods_count, mods_addr; each entry
 * mod_start, mod_end, string, reserved), loaded page-aligned one after the
 * other above the kernel, as QEMU loads -initrd for a multiboot kernel. The
 * built-in guest's shared area stays below them. mod_end is the address just
 * past the module, as QEMU and GRUB give it.
 */
static int
load_modules(struct testvm *vm, char **cause)
{
	uint32_t entry[4];
	uint64_t at, str = TESTVM_MODS_GPA + 16 * (uint64_t)vm->cfg.nmodules;
	unsigned i;

	at = vm->kernel_end;
	if (at < TESTVM_SHARED_GPA + SH_SIZE)
		at = TESTVM_SHARED_GPA + SH_SIZE;
	at = (at + 0xfff) & ~0xfffULL;
	for (i = 0; i < vm->cfg.nmodules; i++) {
		const struct testvm_module *m = &vm->cfg.modules[i];
		const char *string = m->string != NULL ? m->string : m->path;
		size_t len = strlen(string), done = 0;
		struct stat st;
		ssize_t n;
		int fd;

		fd = open(m->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return wire_set_cause(cause, -errno, "module %s: %s", m->path,
			    strerror(errno));
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return wire_set_cause(cause, -EINVAL, "module %s: not a regular file",
			    m->path);
		}
		if ((uint64_t)st.st_size > vm->mem_size - at) {
			close(fd);
			return wire_set_cause(cause, -E2BIG, "module %s: %lld bytes do not fit "
			    "in RAM above 0x%llx", m->path, (long long)st.st_size,
			    (unsigned long long)at);
		}
		while (done < (size_t)st.st_size) {
			n = read(fd, vm->mem + at + done, (size_t)st.st_size - done);
			if (n <= 0) {
				close(fd);
				return wire_set_cause(cause, n < 0 ? -errno : -EIO,
				    "module %s: read: %s", m->path,
				    n < 0 ? strerror(errno) : "short file");
			}
			done += (size_t)n;
		}
		close(fd);
		if (str + len + 1 > TESTVM_MODS_END)
			return wire_set_cause(cause, -E2BIG, "module strings longer than %d "
			    "bytes in all", TESTVM_MODS_END - TESTVM_MODS_GPA);
		memcpy(vm->mem + str, string, len + 1);
		entry[0] = (uint32_t)at;
		entry[1] = (uint32_t)(at + done);
		entry[2] = (uint32_t)str;
		entry[3] = 0;
		memcpy(vm->mem + TESTVM_MODS_GPA + 16 * i, entry, sizeof entry);
		str += len + 1;
		at = (at + done + 0xfff) & ~0xfffULL;
	}
	return 0;
}

/* Maps a whole regular file read-only. */
static int
map_file(const char *path, void **p, size_t *size, char **cause)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return wire_set_cause(cause, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return wire_set_cause(cause, -EINVAL, "%s: not a non-empty regular file",
		    path);
	}
	*p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (*p == MAP_FAILED)
		return wire_set_cause(cause, -errno, "mmap %s: %s", path, strerror(errno));
	*size = (size_t)st.st_size;
	return 0;
}

/*
 * A bzImage: the Linux boot protocol, with the initramfs, and an MP table
 * that puts COM1 (ISA IRQ 4) on pin 4 edge-triggered, active high, as ISA
 * interrupts are, and COM2 (ISA IRQ 3) on pin 3 level-triggered, active low,
 * the way PCI and EISA level interrupts are declared.
 */
static int
load_linux(struct testvm *vm, const uint8_t *img, size_t size, char **cause)
{
	static const struct linux_irq irqs[] = {
	    {.irq = 4, .pin = COM1_PIN, .level = false, .active_low = false},
	    {.irq = 3, .pin = COM2_PIN, .level = true, .active_low = true},
	};
	struct linux_boot b = {
	    .ncpus = vm->cfg.ncpus,
	    .ioapic_id = LINUX_IOAPIC_ID,
	    .ioapic_version = (uint8_t)vm->ioapic_version,
	    .ioapic_gpa = TESTVM_IOAPIC_GPA,
	    .irqs = irqs,
	    .nirqs = sizeof irqs / sizeof irqs[0],
	    .cmdline = vm->cfg.cmdline,
	};
	uint8_t *initrd = MAP_FAILED;
	struct linux_entry entry;
	struct stat st;
	int fd = -1, rc;
	size_t vsize = 0;
	void *vimg = MAP_FAILED;

	if (vm->cfg.nmodules > 0)
		return wire_set_cause(cause, -EINVAL,
		    "%s is a bzImage: modules are for multiboot kernels "
		    "(give the initramfs as the initrd)", vm->cfg.kernel);
	if (vm->cfg.initrd != NULL) {
		fd = open(vm->cfg.initrd, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
			rc = wire_set_cause(cause, fd < 0 ? -errno : -EINVAL,
			    "initrd %s: %s", vm->cfg.initrd,
			    fd < 0 ? strerror(errno) : "not a non-empty regular file");
			if (fd >= 0)
				close(fd);
			return rc;
		}
		initrd = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (initrd == MAP_FAILED)
			return wire_set_cause(cause, -errno, "mmap %s: %s", vm->cfg.initrd,
			    strerror(errno));
		b.initrd = initrd;
		b.initrd_size = (size_t)st.st_size;
	}
	if (vm->cfg.vmlinux != NULL) {
		rc = map_file(vm->cfg.vmlinux, &vimg, &vsize, cause);
		if (rc < 0) {
			if (initrd != MAP_FAILED)
				munmap(initrd, b.initrd_size);
			return rc;
		}
		b.vmlinux = vimg;
		b.vmlinux_size = vsize;
	}
	rc = linux_load(vm->mem, vm->mem_size, img, size, &b, &entry, cause);
	if (initrd != MAP_FAILED)
		munmap(initrd, b.initrd_size);
	if (vimg != MAP_FAILED)
		munmap(vimg, vsize);
	if (rc < 0)
		return rc;
	vm->entry = entry.rip;
	vm->long_mode = entry.long_mode;
	vm->is_linux = true;
	return 0;
}

static int
load_kernel(struct testvm *vm, char **cause)
{
	struct stat st;
	uint8_t *img;
	int fd, rc;

	if (vm->cfg.kernel == NULL) {
		rc = load_multiboot(vm, testvm_guest_image,
		    (size_t)(testvm_guest_image_end - testvm_guest_image),
		    "built-in guest", cause);
		goto out;
	}
	fd = open(vm->cfg.kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wire_set_cause(
		    cause, -errno, "%s: %s", vm->cfg.kernel, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		close(fd);
		return wire_set_cause(
		    cause, -ENOEXEC, "%s: empty or unreadable", vm->cfg.kernel);
	}
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED)
		return wire_set_cause(
		    cause, -errno, "mmap %s: %s", vm->cfg.kernel, strerror(errno));
	if (linux_is_bzimage(img, (size_t)st.st_size)) {
		rc = load_linux(vm, img, (size_t)st.st_size, cause);
		munmap(img, (size_t)st.st_size);
		return rc;
	}
	rc = load_multiboot(vm, img, (size_t)st.st_size, vm->cfg.kernel, cause);
	munmap(img, (size_t)st.st_size);
out:
	if (rc == 0)
		rc = load_modules(vm, cause);
	if (rc == 0)
		build_mbi(vm);
	return rc;
}

/*
 * Features a Linux guest does not get. The dev host's paravirtual KVM runs
 * guest kernel code through KVM's instruction emulator, which does not
 * implement these instructions, and Linux patches them in (alternatives) or
 * uses them when CPUID offers them: each one ended a boot with an emulation
 * failure or would. Leaf 1 ECX: CMPXCHG16B (13), PCID (17), POPCNT (23),
 * XSAVE (26), OSXSAVE (27), AVX (28), F16C (29). Leaf 7 EBX: FSGSBASE (0),
 * BMI1 (3), AVX2 (5), BMI2 (8), INVPCID (10), RDSEED (18), ADX (19),
 * SMAP (20), CLFLUSHOPT (23), CLWB (24), and the AVX-512 bits.
 */
#define LINUX_NO_CPUID1_ECX                                                              \
	((1u << 13) | (1u << 17) | (1u << 23) | (1u << 26) | (1u << 27) | (1u << 28) |   \
	    (1u << 29))
#define LINUX_NO_CPUID7_EBX                                                              \
	((1u << 0) | (1u << 3) | (1u << 5) | (1u << 8) | (1u << 10) | (1u << 16) |       \
	    (1u << 17) | (1u << 18) | (1u << 19) | (1u << 20) | (1u << 21) | (1u << 23) | \
	    (1u << 24) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31))

/* CPUID from KVM_GET_SUPPORTED_CPUID, with this vCPU's APIC ID in every leaf that has it.
 */
static int
setup_cpuid(struct testvm *vm, struct vcpu *vc, char **cause)
{
	struct kvm_cpuid2 *cpuid = NULL;
	struct kvm_cpuid_entry2 *e;
	unsigned nent = 64, i;
	int rc = 0;

	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof *cpuid + nent * sizeof cpuid->entries[0]);
		if (cpuid == NULL)
			return wire_set_cause(cause, -ENOMEM, "out of memory");
		cpuid->nent = nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || nent >= 4096) {
			rc = wire_set_cause(cause, -errno, "KVM_GET_SUPPORTED_CPUID: %s",
			    strerror(errno));
			free(cpuid);
			return rc;
		}
		nent *= 2;
	}
	for (i = 0; i < cpuid->nent; i++) {
		e = &cpuid->entries[i];
		switch (e->function) {
		case 1:
			/* EBX[31:24] initial APIC ID, [23:16] logical processors. */
			e->ebx =
			    (e->ebx & 0xffff) | vc->index << 24 | vm->cfg.ncpus << 16;
			/* Linux guests: see LINUX_NO_CPUID1_ECX. */
			if (vm->is_linux)
				e->ecx &= ~LINUX_NO_CPUID1_ECX;
			/* x2APIC: KVM emulates it for every guest, unless asked not to. */
			if (vm->cfg.xapic_only)
				e->ecx &= ~(1u << 21);
			else
				e->ecx |= 1u << 21;
			e->edx |= 1u << 9;  /* APIC */
			break;
		case 7:
			if (vm->is_linux && e->index == 0)
				e->ebx &= ~LINUX_NO_CPUID7_EBX;
			break;
		case 0xb:
		case 0x1f:
			e->edx = vc->index; /* x2APIC ID */
			break;
		case 0x8000001e:
			e->eax = vc->index; /* AMD extended APIC ID */
			break;
		case KVM_CPUID_FEATURES:
			/* api.rst, KVM_CAP_X2APIC_API and KVM_FEATURE_MSI_EXT_DEST_ID: only if we swizzle for it. */
			if (!vm->cfg.ext_dest_id)
				e->eax &= ~(1u << KVM_FEATURE_MSI_EXT_DEST_ID);
			break;
		}
	}
	if (ioctl(vc->fd, KVM_SET_CPUID2, cpuid) < 0)
		rc = wire_set_cause(cause, -errno, "KVM_SET_CPUID2 (vCPU %u): %s", vc->index,
		    strerror(errno));
	free(cpuid);
	return rc;
}

/*
 * Memory types: every vCPU's IA32_MTRR_DEF_TYPE enabled with write-back as
 * the default type (Intel SDM vol. 3A, 12.11.2.1), as firmware leaves it.
 * At reset MTRRs are disabled, which makes all memory uncacheable for a
 * guest whose memory types KVM honours.
 */
static int
setup_mtrr(struct vcpu *vc, char **cause)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} msrs;

	memset(&msrs, 0, sizeof msrs);
	msrs.hdr.nmsrs = 1;
	msrs.e[0].index = 0x2ff;		     /* IA32_MTRR_DEF_TYPE */
	msrs.e[0].data = (1u << 11) | (1u << 10) | 6; /* E, FE, WB */
	if (ioctl(vc->fd, KVM_SET_MSRS, &msrs) != 1)
		return wire_set_cause(cause, -EIO, "KVM_SET_MSRS(IA32_MTRR_DEF_TYPE) on "
		    "vCPU %u failed", vc->index);
	return 0;
}

/* Multiboot machine state: 32-bit protected mode, flat 4 GiB segments, no paging. */
static int
setup_boot_cpu(struct testvm *vm, struct vcpu *vc, char **cause)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_segment code = {
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = 0x08,
	    .type = 0xb,
	    .present = 1,
	    .dpl = 0,
	    .db = 1,
	    .s = 1,
	    .l = 0,
	    .g = 1,
	};
	struct kvm_segment data = code;

	if (ioctl(vc->fd, KVM_GET_SREGS, &sregs) < 0)
		return wire_set_cause(cause, -errno, "KVM_GET_SREGS: %s", strerror(errno));
	data.selector = 0x10;
	data.type = 0x3;
	if (vm->is_linux) {
		/* boot.rst, 32- and 64-bit boot protocols: __BOOT_CS 0x10, __BOOT_DS 0x18. */
		code.selector = 0x10;
		data.selector = 0x18;
		sregs.gdt.base = LINUX_GDT_GPA;
		sregs.gdt.limit = 4 * 8 - 1;
	}
	if (vm->long_mode) {
		code.db = 0;
		code.l = 1;
	}
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr0 = 0x11; /* PE | ET */
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (vm->long_mode) {
		sregs.cr3 = LINUX_PML4_GPA;
		sregs.cr4 = 0x20;		/* PAE */
		sregs.cr0 = 0x80000011;		/* PG | ET | PE */
		sregs.efer = 0x500;		/* LME | LMA */
	}
	if (ioctl(vc->fd, KVM_SET_SREGS, &sregs) < 0)
		return wire_set_cause(cause, -errno, "KVM_SET_SREGS: %s", strerror(errno));
	memset(&regs, 0, sizeof regs);
	regs.rip = vm->entry;
	if (vm->is_linux) {
		regs.rsi = LINUX_BOOT_PARAMS_GPA; /* EBP, EDI, EBX stay 0 */
	} else {
		regs.rax = MULTIBOOT_BOOT_MAGIC;
		regs.rbx = TESTVM_MBI_GPA;
	}
	regs.rflags = 0x2;
	if (ioctl(vc->fd, KVM_SET_REGS, &regs) < 0)
		return wire_set_cause(cause, -errno, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

static int
install_kick_handler(char **cause)
{
	struct sigaction sa;

	/* No SA_RESTART: the signal must make KVM_RUN return EINTR. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return wire_set_cause(
		    cause, -errno, "sigaction(SIGUSR1): %s", strerror(errno));
	return 0;
}

int
testvm_create(const struct testvm_config *cfg, struct testvm **out, char **cause)
{
	struct testvm *vm;
	struct kvm_enable_cap cap;
	struct kvm_userspace_memory_region region;
	struct vcpu *vc;
	unsigned i;
	int rc;

	*out = NULL;
	if (cfg->ncpus < 1 || cfg->ncpus > TESTVM_MAX_CPUS)
		return wire_set_cause(cause, -EINVAL, "%u vCPUs: the test VM has 1 to %d",
		    cfg->ncpus, TESTVM_MAX_CPUS);
	if (cfg->nmodules > TESTVM_MAX_MODULES)
		return wire_set_cause(cause, -EINVAL, "%u modules: at most %d",
		    cfg->nmodules, TESTVM_MAX_MODULES);
	if (cfg->ioapic_version != 0 && cfg->ioapic_version != 0x11 &&
	    cfg->ioapic_version != 0x20)
		return wire_set_cause(cause, -EINVAL, "IOAPIC version 0x%x: 0x11 or 0x20",
		    cfg->ioapic_version);
	if ((rc = install_kick_handler(cause)) < 0)
		return rc;
	vm = calloc(1, sizeof *vm);
	if (vm == NULL)
		return wire_set_cause(cause, -ENOMEM, "out of memory");
	vm->cfg = *cfg;
	vm->kvm_fd = vm->vm_fd = vm->mem_fd = -1;
	vm->mem = MAP_FAILED;
	vm->mem_size = cfg->mem_size != 0 ? cfg->mem_size : TESTVM_DEFAULT_MEM;
	vm->ioapic_version = cfg->ioapic_version != 0 ? cfg->ioapic_version : 0x20;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->ev_lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&vm->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	for (i = 0; i < TESTVM_MAX_CPUS; i++)
		vm->vcpus[i].fd = -1;
	serial_init(vm);
	vm->console = calloc(1, CONSOLE_MAX);
	if (vm->console == NULL) {
		rc = wire_set_cause(cause, -ENOMEM, "out of memory");
		goto fail;
	}

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		rc = wire_set_cause(cause, -errno, "/dev/kvm: %s", strerror(errno));
		goto fail;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		rc = wire_set_cause(cause, -errno, "KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	/* api.rst, KVM_CAP_SPLIT_IRQCHIP: split irqchip before any vCPU, 24 routes for the IOAPIC pins. */
	memset(&cap, 0, sizeof cap);
	cap.cap = KVM_CAP_SPLIT_IRQCHIP;
	cap.args[0] = TESTVM_RESERVED_ROUTES;
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		rc = wire_set_cause(cause, -errno, "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s",
		    strerror(errno));
		goto fail;
	}
	/*
	 * Directed EOI for an IOAPIC with the EOI register, broadcasts for one
	 * without: chosen once split irqchip is on, before any vCPU exists.
	 */
	rc = irqchip_kvm_setup_eoi(vm->vm_fd, vm->ioapic_version, 0, &vm->eoi_mode, cause);
	if (rc < 0)
		goto fail;
	/* Guest RAM in a memfd, so that it could be handed to irqchipd (memory-add). */
	vm->mem_fd = memfd_create("testvm-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (vm->mem_fd < 0 || ftruncate(vm->mem_fd, (off_t)vm->mem_size) < 0) {
		rc = wire_set_cause(cause, -errno, "guest RAM memfd: %s", strerror(errno));
		goto fail;
	}
	vm->mem =
	    mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->mem_fd, 0);
	if (vm->mem == MAP_FAILED) {
		rc = wire_set_cause(cause, -errno, "mmap guest RAM: %s", strerror(errno));
		goto fail;
	}
	memset(&region, 0, sizeof region);
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = vm->mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		rc = wire_set_cause(
		    cause, -errno, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		goto fail;
	}
	if ((rc = load_kernel(vm, cause)) < 0)
		goto fail;
	if (cfg->x2apic && !vm->is_linux)
		*(volatile uint32_t *)(vm->mem + TESTVM_SHARED_GPA + SH_MODE) =
		    TESTVM_MODE_X2APIC;

	vm->run_size = (size_t)ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if ((long)vm->run_size <= 0) {
		rc = wire_set_cause(
		    cause, -errno, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < cfg->ncpus; i++) {
		vc = &vm->vcpus[i];
		vc->vm = vm;
		vc->index = i;
		/* vCPU n gets APIC ID n; vCPU 0 is the boot CPU, the others wait for
		 * SIPI. */
		vc->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
		if (vc->fd < 0) {
			rc = wire_set_cause(
			    cause, -errno, "KVM_CREATE_VCPU %u: %s", i, strerror(errno));
			goto fail;
		}
		vc->run = mmap(
		    NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vc->fd, 0);
		if (vc->run == MAP_FAILED) {
			vc->run = NULL;
			rc =
			    wire_set_cause(cause, -errno, "mmap kvm_run: %s", strerror(errno));
			goto fail;
		}
		if ((rc = setup_cpuid(vm, vc, cause)) < 0)
			goto fail;
		if ((rc = setup_mtrr(vc, cause)) < 0)
			goto fail;
		if (i == 0 && (rc = setup_boot_cpu(vm, vc, cause)) < 0)
			goto fail;
	}
	vm->state = TESTVM_CREATED;
	*out = vm;
	return 0;
fail:
	testvm_destroy(vm);
	return rc;
}

void
testvm_destroy(struct testvm *vm)
{
	unsigned i;

	if (vm == NULL)
		return;
	testvm_stop(vm);
	if (vm->ev_started) {
		atomic_store(&vm->ev_stop, 1);
		pthread_join(vm->ev_thread, NULL);
	}
	if (vm->irqchip != NULL)
		irqchip_kvm_destroy(vm->irqchip);
	for (i = 0; i < TESTVM_MAX_CPUS; i++) {
		if (vm->vcpus[i].run != NULL)
			munmap(vm->vcpus[i].run, vm->run_size);
		if (vm->vcpus[i].fd >= 0)
			close(vm->vcpus[i].fd);
	}
	if (vm->mem != MAP_FAILED)
		munmap(vm->mem, vm->mem_size);
	if (vm->mem_fd >= 0)
		close(vm->mem_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	for (i = 0; i < TESTVM_SERIAL_PORTS; i++)
		uart_destroy(&vm->serial[i].uart);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->ev_lock);
	pthread_mutex_destroy(&vm->lock);
	free(vm->failure);
	free(vm->console);
	free(vm);
}

int
testvm_vm_fd(const struct testvm *vm)
{
	return vm->vm_fd;
}

unsigned
testvm_ncpus(const struct testvm *vm)
{
	return vm->cfg.ncpus;
}

struct irqchip_kvm *
testvm_irqchip(struct testvm *vm)
{
	return vm->irqchip;
}

int
testvm_attach(
    struct testvm *vm, struct irqchip_client *client, unsigned flags, char **cause)
{
	json_object *args, *ret = NULL;
	int rc;

	if (vm->irqchip != NULL)
		return wire_set_cause(cause, -EBUSY, "the VM is attached already");
	rc = irqchip_kvm_create(client, vm->vm_fd, TESTVM_RESERVED_ROUTES,
	    vm->cfg.ext_dest_id ? IRQCHIP_KVM_EXT_DEST_ID : 0, &vm->irqchip, cause);
	if (rc < 0)
		return rc;
	if (!(flags & TESTVM_ATTACH_NO_CHIP)) {
		args = json_object_new_object();
		json_object_object_add(args, "type", json_object_new_string("ioapic"));
		json_object_object_add(
		    args, "id", json_object_new_string(TESTVM_CHIP_ID));
		json_object_object_add(
		    args, "base", json_object_new_int64(TESTVM_IOAPIC_GPA));
		json_object_object_add(
		    args, "pins", json_object_new_int(TESTVM_IOAPIC_PINS));
		json_object_object_add(args, "gsi-base", json_object_new_int(0));
		json_object_object_add(args, "version", json_object_new_int(
		    flags & TESTVM_IOAPIC_VERSION_11 ? 0x11 : (int)vm->ioapic_version));
		rc =
		    irqchip_kvm_call(vm->irqchip, "chip-add", args, NULL, 0, &ret, cause);
		json_object_put(args);
		json_object_put(ret);
		if (rc < 0)
			goto fail;
	}
	if (flags & TESTVM_ATTACH_IRQFDS) {
		rc = irqchip_kvm_bind_irqfds(vm->irqchip, 0, TESTVM_IOAPIC_PINS, cause);
		if (rc < 0)
			goto fail;
	}
	vm->ev_client = client;
	rc = pthread_create(&vm->ev_thread, NULL, event_thread, vm);
	if (rc != 0) {
		rc = wire_set_cause(cause, -rc, "pthread_create: %s", strerror(rc));
		goto fail;
	}
	vm->ev_started = 1;
	return 0;
fail:
	irqchip_kvm_destroy(vm->irqchip);
	vm->irqchip = NULL;
	return rc;
}

int
testvm_set_client(struct testvm *vm, struct irqchip_client *client, char **cause)
{
	int rc;

	if (vm->irqchip == NULL)
		return wire_set_cause(cause, -ENOTCONN, "the VM is not attached");
	/* Once this returns, the event thread no longer touches the old client. */
	pthread_mutex_lock(&vm->ev_lock);
	vm->ev_client = NULL;
	pthread_mutex_unlock(&vm->ev_lock);
	rc = irqchip_kvm_set_client(vm->irqchip, client, cause);
	pthread_mutex_lock(&vm->ev_lock);
	vm->ev_client = client;
	pthread_mutex_unlock(&vm->ev_lock);
	return rc;
}

int
testvm_start(struct testvm *vm, char **cause)
{
	unsigned i;
	int rc;

	pthread_mutex_lock(&vm->lock);
	if (vm->state != TESTVM_CREATED) {
		pthread_mutex_unlock(&vm->lock);
		return wire_set_cause(cause, -EBUSY, "the VM was started already");
	}
	vm->state = TESTVM_RUNNING;
	pthread_mutex_unlock(&vm->lock);
	for (i = 0; i < vm->cfg.ncpus; i++) {
		rc = pthread_create(
		    &vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (rc != 0) {
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_HOST, "pthread_create: %s", strerror(rc));
			return wire_set_cause(cause, -rc, "pthread_create: %s", strerror(rc));
		}
		vm->vcpus[i].started = 1;
	}
	if (vm->cfg.timeout_s > 0) {
		rc = pthread_create(&vm->watchdog, NULL, watchdog_thread, vm);
		if (rc != 0) {
			finish(vm, TESTVM_FAILED, TESTVM_FAIL_HOST, "pthread_create: %s", strerror(rc));
			return wire_set_cause(cause, -rc, "pthread_create: %s", strerror(rc));
		}
		vm->watchdog_started = 1;
	}
	return 0;
}

void
testvm_stop(struct testvm *vm)
{
	unsigned i;

	finish(vm, TESTVM_STOPPED, 0, NULL);
	for (i = 0; i < vm->cfg.ncpus; i++) {
		if (!vm->vcpus[i].started)
			continue;
		/* A thread may have been between the check and KVM_RUN: kick until it is
		 * out. */
		while (pthread_tryjoin_np(vm->vcpus[i].thread, NULL) == EBUSY) {
			kick_all(vm);
			testvm_sleep_ms(1);
		}
		vm->vcpus[i].started = 0;
	}
	if (vm->watchdog_started) {
		pthread_join(vm->watchdog, NULL);
		vm->watchdog_started = 0;
	}
}

int
testvm_wait(struct testvm *vm, int timeout_ms)
{
	int64_t deadline = testvm_now_ms() + timeout_ms;

	for (;;) {
		pthread_mutex_lock(&vm->lock);
		if (vm->state != TESTVM_RUNNING && vm->state != TESTVM_CREATED) {
			pthread_mutex_unlock(&vm->lock);
			return 0;
		}
		pthread_mutex_unlock(&vm->lock);
		if (timeout_ms >= 0 && testvm_now_ms() >= deadline)
			return -ETIMEDOUT;
		testvm_sleep_ms(5);
	}
}

enum testvm_state
testvm_state(struct testvm *vm, int *exit_code, char **cause)
{
	enum testvm_state st;

	pthread_mutex_lock(&vm->lock);
	st = vm->state;
	if (exit_code != NULL)
		*exit_code = vm->exit_code;
	if (cause != NULL)
		*cause = vm->failure != NULL ? strdup(vm->failure) : NULL;
	pthread_mutex_unlock(&vm->lock);
	return st;
}

enum testvm_failure
testvm_failure(struct testvm *vm)
{
	enum testvm_failure f;

	pthread_mutex_lock(&vm->lock);
	f = vm->state == TESTVM_FAILED ? vm->failure_kind : TESTVM_FAIL_NONE;
	pthread_mutex_unlock(&vm->lock);
	return f;
}

enum irqchip_kvm_eoi_mode
testvm_eoi_mode(const struct testvm *vm)
{
	return vm->eoi_mode;
}

uint64_t
testvm_ioapic_accesses(struct testvm *vm)
{
	return atomic_load(&vm->ioapic_accesses);
}

uint64_t
testvm_isr_done(struct testvm *vm, unsigned vector)
{
	return atomic_load(&vm->isr_done[vector & 0xff]);
}

uint64_t
testvm_early_eoi_exits(struct testvm *vm, unsigned vector)
{
	return atomic_load(&vm->early_eoi_exits[vector & 0xff]);
}

void
testvm_isr_exit(struct testvm *vm, unsigned vector, bool on)
{
	__atomic_store_n(vm->mem + TESTVM_SHARED_GPA + SH_ISR_EXIT + (vector & 0xff),
	    (uint8_t)on, __ATOMIC_RELEASE);
}

void
testvm_isr_mask(struct testvm *vm, unsigned vector, unsigned pin)
{
	__atomic_store_n(vm->mem + TESTVM_SHARED_GPA + SH_ISR_MASK + (vector & 0xff),
	    (uint8_t)(pin + 1), __ATOMIC_RELEASE);
}

static volatile uint32_t *
shared32(struct testvm *vm, unsigned offset)
{
	return (volatile uint32_t *)(vm->mem + TESTVM_SHARED_GPA + offset);
}

uint32_t
testvm_shared_u32(struct testvm *vm, unsigned offset)
{
	return __atomic_load_n(shared32(vm, offset), __ATOMIC_ACQUIRE);
}

/* 0 while the VM runs, else -EIO with the reason in *cause. */
static int
check_running(struct testvm *vm, char **cause)
{
	char *why = NULL;
	enum testvm_state st = testvm_state(vm, NULL, &why);
	int rc = 0;

	if (st != TESTVM_RUNNING)
		rc = wire_set_cause(cause, -EIO, "the VM is not running%s%s",
		    why != NULL ? ": " : "", why != NULL ? why : "");
	free(why);
	return rc;
}

int
testvm_wait_ready(struct testvm *vm, int timeout_ms, char **cause)
{
	int64_t deadline = testvm_now_ms() + timeout_ms;
	int rc;

	while (testvm_shared_u32(vm, SH_MAGIC) != TESTVM_READY) {
		if ((rc = check_running(vm, cause)) < 0)
			return rc;
		if (testvm_now_ms() >= deadline)
			return wire_set_cause(cause, -ETIMEDOUT,
			    "the guest was not ready after %d ms "
			    "(%u of %u CPUs online)",
			    timeout_ms, testvm_shared_u32(vm, SH_ONLINE), vm->cfg.ncpus);
		testvm_sleep_ms(1);
	}
	return 0;
}

int
testvm_cmd(struct testvm *vm, uint32_t cmd, uint32_t arg0, uint32_t arg1, uint32_t arg2,
    uint32_t *result, int timeout_ms, char **cause)
{
	int64_t deadline = testvm_now_ms() + timeout_ms;
	uint32_t seq;
	int rc;

	/* One command at a time: the host side is single-threaded per VM by contract. */
	seq = testvm_shared_u32(vm, SH_CMD_SEQ) + 1;
	*shared32(vm, SH_CMD) = cmd;
	*shared32(vm, SH_ARG0) = arg0;
	*shared32(vm, SH_ARG1) = arg1;
	*shared32(vm, SH_ARG2) = arg2;
	__atomic_store_n(shared32(vm, SH_CMD_SEQ), seq, __ATOMIC_RELEASE);
	/* A halting boot CPU reads the mailbox once an interrupt wakes it. */
	if (testvm_shared_u32(vm, SH_IDLE) == TESTVM_IDLE_HALT &&
	    (rc = testvm_signal_msi(vm, TESTVM_LAPIC_GPA, TESTVM_WAKE_VECTOR, cause)) < 0)
		return rc;
	while (testvm_shared_u32(vm, SH_DONE_SEQ) != seq) {
		if ((rc = check_running(vm, cause)) < 0)
			return rc;
		if (testvm_now_ms() >= deadline)
			return wire_set_cause(cause, -ETIMEDOUT,
			    "the guest did not complete command %u "
			    "in %d ms",
			    cmd, timeout_ms);
		nap_us(50);
	}
	if (testvm_shared_u32(vm, SH_STATUS) != 0)
		return wire_set_cause(cause, -EINVAL, "the guest refused command %u", cmd);
	if (result != NULL)
		*result = testvm_shared_u32(vm, SH_RESULT);
	return 0;
}

#define CMD_TIMEOUT_MS 5000

int
testvm_ioapic_write(struct testvm *vm, uint32_t index, uint32_t value, char **cause)
{
	return testvm_cmd(
	    vm, TESTVM_CMD_IOAPIC_WRITE, index, value, 0, NULL, CMD_TIMEOUT_MS, cause);
}

int
testvm_ioapic_read(struct testvm *vm, uint32_t index, uint32_t *value, char **cause)
{
	return testvm_cmd(
	    vm, TESTVM_CMD_IOAPIC_READ, index, 0, 0, value, CMD_TIMEOUT_MS, cause);
}

int
testvm_rte_write(struct testvm *vm, unsigned pin, uint64_t rte, char **cause)
{
	return testvm_cmd(vm, TESTVM_CMD_RTE_WRITE, pin, (uint32_t)rte,
	    (uint32_t)(rte >> 32), NULL, CMD_TIMEOUT_MS, cause);
}

int
testvm_rte_read(struct testvm *vm, unsigned pin, uint64_t *rte, char **cause)
{
	uint32_t lo, hi;
	int rc;

	if ((rc = testvm_ioapic_read(vm, 0x10 + 2 * pin, &lo, cause)) < 0)
		return rc;
	if ((rc = testvm_ioapic_read(vm, 0x11 + 2 * pin, &hi, cause)) < 0)
		return rc;
	*rte = (uint64_t)hi << 32 | lo;
	return 0;
}

uint64_t
testvm_rte(uint8_t vector, bool level, bool logical, uint8_t dest, bool masked)
{
	return (uint64_t)vector | (uint64_t)logical << 11 | (uint64_t)level << 15 |
	    (uint64_t)masked << 16 | (uint64_t)dest << 56;
}

int
testvm_guest_line(struct testvm *vm, unsigned line, int level, char **cause)
{
	return testvm_cmd(
	    vm, TESTVM_CMD_LINE, line, level != 0, 0, NULL, CMD_TIMEOUT_MS, cause);
}

int
testvm_set_idle(struct testvm *vm, bool halt, char **cause)
{
	__atomic_store_n(shared32(vm, SH_IDLE), halt ? TESTVM_IDLE_HALT : TESTVM_IDLE_SPIN,
	    __ATOMIC_RELEASE);
	if (halt)
		return 0;
	/* Wake it from a HLT it may be in; it then sees the flag and spins. */
	int rc = testvm_signal_msi(vm, TESTVM_LAPIC_GPA, TESTVM_WAKE_VECTOR, cause);

	return rc < 0 ? rc : 0;
}

static int
pin_thread(pthread_t thread, int cpu, char **cause)
{
	cpu_set_t set;
	int rc;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if ((rc = pthread_setaffinity_np(thread, sizeof set, &set)) != 0)
		return wire_set_cause(cause, -rc, "pinning a thread to CPU %d: %s", cpu,
		    strerror(rc));
	return 0;
}

int
testvm_pin_threads(struct testvm *vm, int vcpu_cpu, int other_cpu, char **cause)
{
	unsigned i;
	int rc;

	for (i = 0; i < vm->cfg.ncpus && vcpu_cpu >= 0; i++)
		if (vm->vcpus[i].started &&
		    (rc = pin_thread(vm->vcpus[i].thread, vcpu_cpu, cause)) < 0)
			return rc;
	if (other_cpu >= 0 && vm->ev_started && (rc = pin_thread(vm->ev_thread, other_cpu,
	    cause)) < 0)
		return rc;
	if (other_cpu >= 0 && vm->watchdog_started &&
	    (rc = pin_thread(vm->watchdog, other_cpu, cause)) < 0)
		return rc;
	return 0;
}

uint32_t
testvm_count(struct testvm *vm, unsigned cpu, unsigned vector)
{
	return testvm_shared_u32(vm, SH_COUNTS + 4 * (cpu * 256 + vector));
}

void
testvm_counts(struct testvm *vm, uint32_t counts[TESTVM_MAX_CPUS][256])
{
	unsigned cpu, v;

	for (cpu = 0; cpu < TESTVM_MAX_CPUS; cpu++)
		for (v = 0; v < 256; v++)
			counts[cpu][v] = testvm_count(vm, cpu, v);
}

int
testvm_wait_count(
    struct testvm *vm, unsigned cpu, unsigned vector, uint32_t n, int timeout_ms)
{
	int64_t deadline = testvm_now_ms() + timeout_ms;

	while (testvm_count(vm, cpu, vector) < n) {
		if (check_running(vm, NULL) < 0)
			return -EIO;
		if (testvm_now_ms() >= deadline)
			return -ETIMEDOUT;
		nap_us(200);
	}
	return 0;
}

void
testvm_hold(struct testvm *vm, unsigned vector, bool hold)
{
	__atomic_store_n(vm->mem + TESTVM_SHARED_GPA + SH_HOLD + (vector & 0xff),
	    (uint8_t)hold, __ATOMIC_RELEASE);
}

uint32_t
testvm_held(struct testvm *vm, unsigned cpu)
{
	return testvm_shared_u32(vm, SH_HELD + 4 * cpu);
}

uint64_t
testvm_events(struct testvm *vm)
{
	return atomic_load(&vm->events);
}

uint64_t
testvm_eoi_exits(struct testvm *vm, unsigned vector)
{
	return atomic_load(&vm->eoi_exits[vector & 0xff]);
}

int
testvm_wait_eoi_exits(struct testvm *vm, unsigned vector, uint64_t n, int timeout_ms)
{
	int64_t deadline = testvm_now_ms() + timeout_ms;

	while (testvm_eoi_exits(vm, vector) < n) {
		if (check_running(vm, NULL) < 0)
			return -EIO;
		if (testvm_now_ms() >= deadline)
			return -ETIMEDOUT;
		nap_us(200);
	}
	return 0;
}

int
testvm_signal_msi(struct testvm *vm, uint64_t address, uint32_t data, char **cause)
{
	struct kvm_msi msi;
	int rc;

	memset(&msi, 0, sizeof msi);
	msi.address_lo = (uint32_t)address;
	msi.address_hi = (uint32_t)(address >> 32);
	msi.data = data;
	rc = ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi);
	if (rc < 0)
		return wire_set_cause(cause, -errno,
		    "KVM_SIGNAL_MSI (address 0x%llx data 0x%x): %s",
		    (unsigned long long)address, data, strerror(errno));
	return rc;
}

const char *
testvm_console(struct testvm *vm)
{
	return vm->console;
}

/*
 * The test VM: a small KVM VMM with a split irqchip (LAPICs in KVM, the IOAPIC
 * in irqchipd), multiboot v1 loading, the few devices KVM test kernels expect
 * (COM1, fw_cfg, pc-testdev IRQ lines, isa-debug-exit), and helpers to drive
 * the built-in guest (guest.S) through its mailbox and read what it counted.
 *
 * Every run has a wall-clock limit: when it passes, the vCPUs are kicked out of
 * KVM_RUN (immediate_exit and SIGUSR1, whose handler testvm_create installs
 * for the whole process) and the VM fails with a cause.
 */
#ifndef TESTVM_H
#define TESTVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "irqchip.h"
#include "irqchip-kvm.h"
#include "testvm-abi.h"

#define TESTVM_CHIP_ID "ioapic0"
#define TESTVM_IOAPIC_PINS 24
#define TESTVM_RESERVED_ROUTES 24 /* KVM_CAP_SPLIT_IRQCHIP args[0], as QEMU */
#define TESTVM_DEFAULT_MEM (64u << 20)
#define TESTVM_MAX_MODULES 16

/* A multiboot module: the file's bytes, and the string the kernel sees for it. */
struct testvm_module {
	const char *path;
	const char *string; /* NULL: the path */
};

struct testvm_config {
	unsigned ncpus;	     /* 1..TESTVM_MAX_CPUS */
	unsigned timeout_s;  /* wall-clock limit from testvm_start(); 0 = none */
	const char *kernel;  /* multiboot ELF; NULL = the built-in guest */
	const char *cmdline; /* multiboot command line; NULL = "" */
	size_t mem_size;     /* 0 = TESTVM_DEFAULT_MEM */
	FILE *console;	     /* COM1 output also goes here (NULL: kept in memory only) */
	bool ext_dest_id;    /* advertise KVM_FEATURE_MSI_EXT_DEST_ID (api.rst) */
	const struct testvm_module *modules; /* loaded after the kernel, in order */
	unsigned nmodules;		     /* 0..TESTVM_MAX_MODULES */
	/*
	 * The IOAPIC's version, 0x11 or 0x20 (0 means 0x20): testvm_attach's
	 * chip-add uses it, and testvm_create picks the VM's EOI mode from it
	 * (irqchip_kvm_setup_eoi) before any vCPU exists.
	 */
	unsigned ioapic_version;
	bool x2apic; /* the built-in guest: x2APIC with directed EOI (TESTVM_MODE_X2APIC) */
	bool xapic_only; /* no x2APIC in CPUID (a Linux guest then stays in xAPIC mode) */
	const char *initrd; /* a bzImage kernel's initramfs (multiboot: use modules) */
	const char *vmlinux; /* a bzImage's payload, decompressed: boot it in 64-bit mode */
	bool verbose;	     /* unhandled exits on stderr */
};

/* Why a run ended in TESTVM_FAILED. */
enum testvm_failure {
	TESTVM_FAIL_NONE,
	TESTVM_FAIL_HOST,    /* KVM, irqchipd, or this VMM failed */
	TESTVM_FAIL_TIMEOUT, /* the wall-clock limit passed */
	TESTVM_FAIL_CRASH,   /* triple fault, KVM internal error, failed entry, or an
				exception the built-in guest reported */
};

enum testvm_state {
	TESTVM_CREATED,
	TESTVM_RUNNING,
	TESTVM_EXITED,	/* isa-debug-exit: see exit_code */
	TESTVM_FAILED,	/* timeout, guest exception, KVM or irqchipd error */
	TESTVM_STOPPED, /* testvm_stop() */
};

/* testvm_attach() flags */
#define TESTVM_ATTACH_IRQFDS 0x1     /* bind an irqfd per IOAPIC pin and hand it over */
#define TESTVM_ATTACH_NO_CHIP 0x2    /* the chip exists already (resumed session) */
#define TESTVM_IOAPIC_VERSION_11 0x4 /* 82093AA (0x11), whatever cfg.ioapic_version says */

struct testvm;

/* Creates the VM, its memory and vCPUs, and loads the kernel; nothing runs yet. */
int testvm_create(const struct testvm_config *, struct testvm **, char **cause);
/* Stops the vCPUs if needed and frees everything (the client is not closed). */
void testvm_destroy(struct testvm *);

int testvm_vm_fd(const struct testvm *);
unsigned testvm_ncpus(const struct testvm *);

/*
 * Connects the VM to irqchipd through client: wraps the VM with irqchip_kvm,
 * adds the IOAPIC (chip-add TESTVM_CHIP_ID) and, with TESTVM_ATTACH_IRQFDS,
 * binds irqfds for its pins. A thread then applies the effects irqchipd sends
 * as events. Call before testvm_start().
 */
int testvm_attach(struct testvm *, struct irqchip_client *, unsigned flags, char **cause);
struct irqchip_kvm *testvm_irqchip(struct testvm *);
/*
 * Replaces the client (irqchip_kvm_set_client: NULL detaches and makes vCPUs
 * that need irqchipd wait); the VM keeps running.
 */
int testvm_set_client(struct testvm *, struct irqchip_client *, char **cause);

int testvm_start(struct testvm *, char **cause);
/* Stops the vCPUs (the state becomes TESTVM_STOPPED unless it already ended). */
void testvm_stop(struct testvm *);
/* Waits until the VM exits or fails (or timeout_ms passes: -ETIMEDOUT). */
int testvm_wait(struct testvm *, int timeout_ms);
enum testvm_state testvm_state(struct testvm *, int *exit_code, char **cause);
enum testvm_failure testvm_failure(struct testvm *);
/* What irqchip_kvm_setup_eoi chose for this VM. */
enum irqchip_kvm_eoi_mode testvm_eoi_mode(const struct testvm *);

/* The built-in guest: waits until every CPU is up and the mailbox is served. */
int testvm_wait_ready(struct testvm *, int timeout_ms, char **cause);
/* One mailbox command (testvm-abi.h); *result may be NULL. */
int testvm_cmd(struct testvm *, uint32_t cmd, uint32_t arg0, uint32_t arg1, uint32_t arg2,
    uint32_t *result, int timeout_ms, char **cause);
int testvm_ioapic_write(struct testvm *, uint32_t index, uint32_t value, char **cause);
int testvm_ioapic_read(struct testvm *, uint32_t index, uint32_t *value, char **cause);
/* The guest writes redirection entry pin (high dword, then low), as Linux does. */
int testvm_rte_write(struct testvm *, unsigned pin, uint64_t rte, char **cause);
int testvm_rte_read(struct testvm *, unsigned pin, uint64_t *rte, char **cause);
/* A redirection entry (82093AA datasheet 3.2.4): fixed delivery, active high. */
uint64_t testvm_rte(uint8_t vector, bool level, bool logical, uint8_t dest, bool masked);
/* The guest drives a pc-testdev IRQ line (an `outb` that irqchipd sees as line-set). */
int testvm_guest_line(struct testvm *, unsigned line, int level, char **cause);

/*
 * How the built-in guest's boot CPU waits between mailbox commands: spinning
 * with interrupts enabled (the default) or halting until an interrupt
 * (testvm-abi.h SH_IDLE; SH_HALTS counts its HLTs). testvm_cmd wakes a halted
 * guest with TESTVM_WAKE_VECTOR, and so does switching back to spinning.
 */
int testvm_set_idle(struct testvm *, bool halt, char **cause);
/*
 * Pins every vCPU thread to host CPU vcpu_cpu and the VM's other threads (the
 * event thread, the watchdog) to other_cpu; -1 leaves them. After testvm_start.
 */
int testvm_pin_threads(struct testvm *, int vcpu_cpu, int other_cpu, char **cause);

/* What the guest counted: vector received on cpu. */
uint32_t testvm_count(struct testvm *, unsigned cpu, unsigned vector);
void testvm_counts(struct testvm *, uint32_t counts[TESTVM_MAX_CPUS][256]);
/* Waits until count(cpu, vector) >= n: 0, or -ETIMEDOUT, or -EIO if the VM ended. */
int testvm_wait_count(
    struct testvm *, unsigned cpu, unsigned vector, uint32_t n, int timeout_ms);
/* While held, the guest's ISR for vector spins (no exits) before its EOI. */
void testvm_hold(struct testvm *, unsigned vector, bool hold);
/* The vector + 1 cpu's ISR is holding, 0 if none. */
uint32_t testvm_held(struct testvm *, unsigned cpu);
/* irqchipd events handled (irqchip_kvm_handle_event) by the VM's event thread. */
uint64_t testvm_events(struct testvm *);
/* KVM_EXIT_IOAPIC_EOI exits for vector, counted once irqchipd completed them. */
uint64_t testvm_eoi_exits(struct testvm *, unsigned vector);
/* Waits until testvm_eoi_exits(vector) >= n: 0, -ETIMEDOUT, or -EIO if the VM ended. */
int testvm_wait_eoi_exits(struct testvm *, unsigned vector, uint64_t n, int timeout_ms);
/* Guest accesses to the IOAPIC's window forwarded to irqchipd. */
uint64_t testvm_ioapic_accesses(struct testvm *);
/* The guest's ISRs for vector that have finished (EOIed and written the port). */
uint64_t testvm_isr_done(struct testvm *, unsigned vector);
/*
 * EOI exits for vector that came before the guest wrote that EOI: the host
 * reports level EOIs early (see check_e2e's early-EOI probe).
 */
uint64_t testvm_early_eoi_exits(struct testvm *, unsigned vector);
/* The guest's ISR for vector exits to the VMM (a port write) before its EOI. */
void testvm_isr_exit(struct testvm *, unsigned vector, bool on);
/* The guest's next ISR for vector masks pin before its EOI (once). */
void testvm_isr_mask(struct testvm *, unsigned vector, unsigned pin);
/* A shared-area u32 (testvm-abi.h SH_*). */
uint32_t testvm_shared_u32(struct testvm *, unsigned offset);

/* Direct KVM_SIGNAL_MSI from the VMM (no irqchipd involved): >0 LAPICs reached. */
int testvm_signal_msi(struct testvm *, uint64_t address, uint32_t data, char **cause);

/*
 * The serial ports: COM1 (0x3f8, ISA IRQ 4 on pin 4, the console) and COM2
 * (0x2f8, ISA IRQ 3 on pin 3, with a loopback cable: it receives what it
 * sends). A bzImage guest's MP table declares pin 4 edge-triggered and pin 3
 * level-triggered, active low.
 */
#define TESTVM_SERIAL_PORTS 2
struct testvm_serial_stats {
	uint64_t tx_bytes; /* the guest wrote to THR */
	uint64_t rx_bytes; /* moved from the peer into the receive FIFO */
	uint64_t irqs;	   /* rising edges of the interrupt output */
};
/* The peer of port 0 (COM1) or 1 sends bytes to the guest. */
int testvm_serial_input(struct testvm *, unsigned port, const void *, size_t);
void testvm_serial_stats(struct testvm *, unsigned port, struct testvm_serial_stats *);

/* COM1 output so far (NUL-terminated, owned by the VM). */
const char *testvm_console(struct testvm *);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t testvm_now_ms(void);
void testvm_sleep_ms(int ms);

#endif

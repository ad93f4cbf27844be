/*
 * Booting a Linux bzImage on the test VM: the x86 boot protocol's 32-bit entry
 * (Linux Documentation/arch/x86/boot.rst), and the MP table (Intel
 * MultiProcessor Specification 1.4, chapter 4) that tells the kernel about its
 * CPUs, the IOAPIC and which ISA interrupt goes to which IOAPIC pin.
 */
#ifndef TESTVM_LINUXBOOT_H
#define TESTVM_LINUXBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Guest-physical layout of a Linux boot. */
#define LINUX_GDT_GPA 0x6000
#define LINUX_PML4_GPA 0x9000	 /* then a PDPT and one page directory */
#define LINUX_BOOT_PARAMS_GPA 0x7000 /* the "zero page" */
#define LINUX_CMDLINE_GPA 0x20000
#define LINUX_CMDLINE_MAX 4096
#define LINUX_EBDA_GPA 0x9fc00	/* RAM ends here; reserved up to 640 KiB */
#define LINUX_MPTABLE_GPA 0xf0000 /* in the BIOS area, where Linux scans */
#define LINUX_KERNEL_GPA 0x100000

/* One interrupt assignment in the MP table: ISA IRQ irq on IOAPIC pin. */
struct linux_irq {
	uint8_t irq;
	uint8_t pin;
	bool level;	 /* level-triggered (else edge) */
	bool active_low; /* (else active high) */
};

struct linux_boot {
	unsigned ncpus;
	uint8_t ioapic_id;
	uint8_t ioapic_version;
	uint32_t ioapic_gpa;
	const struct linux_irq *irqs;
	unsigned nirqs;
	const char *cmdline;
	const uint8_t *initrd; /* may be NULL */
	size_t initrd_size;
	/*
	 * The bzImage's payload, decompressed (an ELF64 vmlinux), or NULL. Given,
	 * its segments are loaded at their physical addresses and the boot CPU
	 * enters it through the 64-bit boot protocol, which skips the kernel's
	 * own decompressor.
	 */
	const uint8_t *vmlinux;
	size_t vmlinux_size;
};

/* Where and how the boot CPU starts. */
struct linux_entry {
	uint64_t rip;
	bool long_mode; /* 64-bit, paging on with CR3 = LINUX_PML4_GPA */
};

/* True if img is a bzImage (a setup header with "HdrS"). */
bool linux_is_bzimage(const uint8_t *img, size_t size);

/*
 * Loads the protected-mode kernel, the command line, the initramfs (at the
 * top of RAM below initrd_addr_max), boot_params with its e820 map, a flat
 * GDT, and the MP table into mem. *entry is where the boot CPU starts, with
 * ESI = LINUX_BOOT_PARAMS_GPA.
 */
int linux_load(uint8_t *mem, size_t mem_size, const uint8_t *img, size_t size,
    const struct linux_boot *, struct linux_entry *entry, char **cause);
/* Locates the payload (payload_offset, payload_length) in a bzImage. */
int linux_payload(const uint8_t *img, size_t size, const uint8_t **payload, size_t *len,
    char **cause);

#endif

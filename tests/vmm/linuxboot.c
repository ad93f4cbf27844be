/*
 * Linux/x86 boot protocol and MP table for the test VM (linuxboot.h).
 *
 * Boot protocol (Documentation/arch/x86/boot.rst): the real-mode setup code
 * (setup_sects sectors after the boot sector) is not run; the loader fills
 * boot_params ("the zero page") itself, copying the setup header from offset
 * 0x1f1 of the image, and enters the protected-mode kernel at code32_start in
 * 32-bit protected mode, paging off, interrupts off, flat __BOOT_CS (0x10) and
 * __BOOT_DS (0x18), ESI = boot_params, EBP = EDI = EBX = 0 ("32-bit boot
 * protocol"). Memory comes from the e820 table in boot_params, not from BIOS
 * calls.
 *
 * MP table (MultiProcessor Specification 1.4, chapter 4): Linux looks for the
 * floating pointer "_MP_" in the last KiB of base memory and in the BIOS ROM
 * area 0xF0000-0xFFFFF (spec 4.1); it points at the configuration table
 * "PCMP" whose entries list the processors (4.3.1), buses (4.3.2), I/O APICs
 * (4.3.3), I/O interrupt assignments (4.3.4) and local interrupt assignments
 * (4.3.5). With no IMCR (feature byte 2 bit 7 clear) the system is in virtual
 * wire mode; there is no 8259 behind it at all here.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "linuxboot.h"
#include "wire.h"

/* boot_params / setup header offsets (boot.rst, zero-page.rst). */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define HDR_SETUP_SECTS 0x1f1
#define HDR_VID_MODE 0x1fa
#define HDR_JUMP 0x200
#define HDR_HEADER 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24c
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define BP_E820_TABLE 0x2d0
#define BP_SIZE 0x1000

#define LOADFLAGS_LOADED_HIGH 0x01
#define E820_RAM 1
#define E820_RESERVED 2
#define BOOT_PROTOCOL_MIN 0x0206 /* cmdline_size, a 32-bit entry we can rely on */

/* MP table entry types and flags (MP spec 1.4, 4.3). */
#define MP_PROCESSOR 0
#define MP_BUS 1
#define MP_IOAPIC 2
#define MP_IOINTR 3
#define MP_LINTR 4
#define MP_CPU_EN 0x01
#define MP_CPU_BP 0x02
#define MP_INT 0
#define MP_NMI 1
#define MP_PO_HIGH 0x1 /* flags bits 1:0 */
#define MP_PO_LOW 0x3
#define MP_EL_EDGE 0x4 /* flags bits 3:2 */
#define MP_EL_LEVEL 0xc
#define MP_ISA_BUS 0

static void
put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void
put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint16_t
get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* MP spec 4.1, 4.2: all bytes, checksum included, sum to zero. */
static uint8_t
checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n-- > 0)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

bool
linux_is_bzimage(const uint8_t *img, size_t size)
{
	return size >= 0x400 && memcmp(img + HDR_HEADER, "HdrS", 4) == 0 &&
	    get16(img + 0x1fe) == 0xaa55;
}

static void
e820_add(uint8_t *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	uint8_t *e = bp + BP_E820_TABLE + 20 * bp[BP_E820_ENTRIES];

	put64(e, addr);
	put64(e + 8, size);
	put32(e + 16, type);
	bp[BP_E820_ENTRIES]++;
}

/* Writes the floating pointer and configuration table at gpa; returns its size. */
static size_t
write_mptable(uint8_t *mem, uint32_t gpa, const struct linux_boot *b)
{
	uint8_t *mpf = mem + gpa, *hdr = mpf + 16, *e = hdr + 44;
	uint16_t count = 0;
	unsigned i;

	memset(mpf, 0, 16);
	memcpy(mpf, "_MP_", 4);
	put32(mpf + 4, gpa + 16); /* the configuration table follows */
	mpf[8] = 1;		  /* length in 16-byte paragraphs */
	mpf[9] = 4;		  /* spec revision 1.4 */
	mpf[11] = 0;		  /* feature 1: a configuration table is present */
	mpf[12] = 0;		  /* feature 2, bit 7 clear: no IMCR, virtual wire */
	mpf[10] = checksum(mpf, 16);

	for (i = 0; i < b->ncpus; i++, e += 20, count++) {
		memset(e, 0, 20);
		e[0] = MP_PROCESSOR;
		e[1] = (uint8_t)i;  /* LAPIC ID: vCPU n has APIC ID n */
		e[2] = 0x14;	    /* LAPIC version, as KVM's reads */
		e[3] = MP_CPU_EN | (i == 0 ? MP_CPU_BP : 0);
		put32(e + 4, 0x600);		 /* family 6: an integrated APIC */
		put32(e + 8, (1u << 0) | (1u << 9)); /* FPU, APIC */
	}
	memset(e, 0, 8);
	e[0] = MP_BUS;
	e[1] = MP_ISA_BUS;
	memcpy(e + 2, "ISA   ", 6);
	e += 8, count++;

	e[0] = MP_IOAPIC;
	e[1] = b->ioapic_id;
	e[2] = b->ioapic_version;
	e[3] = 1; /* usable */
	put32(e + 4, b->ioapic_gpa);
	e += 8, count++;

	for (i = 0; i < b->nirqs; i++, e += 8, count++) {
		const struct linux_irq *q = &b->irqs[i];

		e[0] = MP_IOINTR;
		e[1] = MP_INT;
		put16(e + 2, (uint16_t)((q->active_low ? MP_PO_LOW : MP_PO_HIGH) |
		    (q->level ? MP_EL_LEVEL : MP_EL_EDGE)));
		e[4] = MP_ISA_BUS;
		e[5] = q->irq;
		e[6] = b->ioapic_id;
		e[7] = q->pin;
	}
	/* NMI on every LAPIC's LINT1, as PC firmware wires it (spec 5.1). */
	e[0] = MP_LINTR;
	e[1] = MP_NMI;
	put16(e + 2, 0);
	e[4] = MP_ISA_BUS;
	e[5] = 0;
	e[6] = 0xff;
	e[7] = 1;
	e += 8, count++;

	memset(hdr, 0, 44);
	memcpy(hdr, "PCMP", 4);
	put16(hdr + 4, (uint16_t)(e - hdr)); /* base table length */
	hdr[6] = 4;
	memcpy(hdr + 8, "IRQCHIPD", 8);
	memcpy(hdr + 16, "TESTVM      ", 12);
	put16(hdr + 34, count);
	put32(hdr + 36, 0xfee00000); /* the LAPICs' address */
	hdr[7] = checksum(hdr, (size_t)(e - hdr));
	return (size_t)(e - mpf);
}

int
linux_payload(const uint8_t *img, size_t size, const uint8_t **payload, size_t *len,
    char **cause)
{
	unsigned setup_sects;
	size_t off;
	uint32_t n;

	if (!linux_is_bzimage(img, size) || get16(img + HDR_VERSION) < 0x0208)
		return wire_set_cause(cause, -ENOEXEC, "not a bzImage of boot protocol 2.08+");
	setup_sects = img[HDR_SETUP_SECTS] != 0 ? img[HDR_SETUP_SECTS] : 4;
	off = (size_t)(setup_sects + 1) * 512 + get32(img + HDR_PAYLOAD_OFFSET);
	n = get32(img + HDR_PAYLOAD_LENGTH);
	if (off > size || n > size - off || n == 0)
		return wire_set_cause(cause, -ENOEXEC, "payload outside the file");
	*payload = img + off;
	*len = n;
	return 0;
}

/* An ELF64 vmlinux: PT_LOAD segments at their physical addresses. */
static int
load_vmlinux(uint8_t *mem, size_t mem_size, const uint8_t *img, size_t size,
    uint64_t *entry, char **cause)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Phdr *ph;
	unsigned i;

	if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
		return wire_set_cause(cause, -ENOEXEC, "the payload is not an x86-64 ELF");
	if (eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof *ph)
		return wire_set_cause(cause, -ENOEXEC, "vmlinux: program headers out of file");
	ph = (const void *)(img + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++, ph++) {
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset ||
		    ph->p_filesz > ph->p_memsz || ph->p_paddr < LINUX_KERNEL_GPA ||
		    ph->p_paddr + ph->p_memsz > mem_size)
			return wire_set_cause(cause, -ENOEXEC, "vmlinux: segment %u does not "
			    "fit in RAM", i);
		memcpy(mem + ph->p_paddr, img + ph->p_offset, ph->p_filesz);
		memset(mem + ph->p_paddr + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	/* e_entry is startup_64's physical address (the image is linked so). */
	*entry = eh->e_entry;
	return 0;
}

/* 64-bit boot protocol: the first GiB identity-mapped with 2 MiB pages. */
static void
build_page_tables(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + LINUX_PML4_GPA);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;
	unsigned i;

	memset(pml4, 0, 3 * 4096);
	pml4[0] = (LINUX_PML4_GPA + 0x1000) | 0x3; /* present, writable */
	pdpt[0] = (LINUX_PML4_GPA + 0x2000) | 0x3;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83; /* present, writable, 2 MiB */
}

int
linux_load(uint8_t *mem, size_t mem_size, const uint8_t *img, size_t size,
    const struct linux_boot *b, struct linux_entry *entry, char **cause)
{
	uint8_t *bp = mem + LINUX_BOOT_PARAMS_GPA;
	unsigned setup_sects, hdr_end;
	uint16_t version;
	uint32_t init_size, cmdline_max, initrd_max;
	uint64_t initrd_gpa = 0, kernel_end;
	size_t kernel_off, kernel_size, n;
	static const uint64_t gdt[4] = {
	    0, 0,
	    0x00cf9a000000ffffULL, /* 0x10 __BOOT_CS: flat 4 GiB code */
	    0x00cf92000000ffffULL, /* 0x18 __BOOT_DS: flat 4 GiB data */
	};

	if (!linux_is_bzimage(img, size))
		return wire_set_cause(cause, -ENOEXEC, "not a bzImage (no HdrS setup header)");
	version = get16(img + HDR_VERSION);
	if (version < BOOT_PROTOCOL_MIN)
		return wire_set_cause(cause, -ENOEXEC, "boot protocol %u.%02u: need 2.06 or later",
		    version >> 8, version & 0xff);
	if (!(img[HDR_LOADFLAGS] & LOADFLAGS_LOADED_HIGH))
		return wire_set_cause(cause, -ENOEXEC, "a zImage (loaded low): not supported");
	setup_sects = img[HDR_SETUP_SECTS] != 0 ? img[HDR_SETUP_SECTS] : 4;
	kernel_off = (size_t)(setup_sects + 1) * 512;
	if (kernel_off >= size)
		return wire_set_cause(cause, -ENOEXEC, "setup_sects %u past the file's end",
		    setup_sects);
	kernel_size = size - kernel_off;
	/* init_size (2.10+): the memory the kernel needs from its load address. */
	init_size = version >= 0x020a ? get32(img + HDR_INIT_SIZE) : 0;
	if (init_size < kernel_size)
		init_size = (uint32_t)kernel_size;
	/*
	 * A relocatable kernel decompresses itself at pref_address (2.10+,
	 * LOAD_PHYSICAL_ADDR) when loaded below it, and needs init_size there.
	 */
	kernel_end = version >= 0x020a ? get64(img + HDR_PREF_ADDRESS) : 0;
	if (kernel_end < LINUX_KERNEL_GPA)
		kernel_end = LINUX_KERNEL_GPA;
	kernel_end += init_size;
	if (kernel_end > mem_size)
		return wire_set_cause(cause, -E2BIG, "the kernel needs RAM up to %llu MiB; "
		    "there are %zu MiB", (unsigned long long)(kernel_end >> 20),
		    mem_size >> 20);
	memcpy(mem + LINUX_KERNEL_GPA, img + kernel_off, kernel_size);

	/* boot_params: zeroed, then the setup header as the image has it. */
	memset(bp, 0, BP_SIZE);
	hdr_end = HDR_JUMP + 2 + img[HDR_JUMP + 1];
	memcpy(bp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	put16(bp + HDR_VID_MODE, 0xffff); /* "normal" */
	bp[HDR_TYPE_OF_LOADER] = 0xff;	  /* undefined loader */
	bp[HDR_LOADFLAGS] &= (uint8_t)~0x80; /* CAN_USE_HEAP: the setup code does not run */

	cmdline_max = version >= 0x0206 ? get32(img + HDR_CMDLINE_SIZE) : 255;
	n = b->cmdline != NULL ? strlen(b->cmdline) : 0;
	if (n > cmdline_max || n >= LINUX_CMDLINE_MAX)
		return wire_set_cause(cause, -E2BIG, "command line of %zu bytes: the kernel "
		    "takes %u", n, cmdline_max);
	memcpy(mem + LINUX_CMDLINE_GPA, b->cmdline != NULL ? b->cmdline : "", n);
	mem[LINUX_CMDLINE_GPA + n] = '\0';
	put32(bp + HDR_CMD_LINE_PTR, LINUX_CMDLINE_GPA);

	if (b->initrd != NULL && b->initrd_size > 0) {
		/* As high as RAM and initrd_addr_max allow, page-aligned (boot.rst). */
		initrd_max = get32(img + HDR_INITRD_ADDR_MAX);
		initrd_gpa = mem_size < (uint64_t)initrd_max + 1 ? mem_size :
		    (uint64_t)initrd_max + 1;
		if (b->initrd_size > initrd_gpa)
			return wire_set_cause(cause, -E2BIG, "initramfs too big");
		initrd_gpa = (initrd_gpa - b->initrd_size) & ~0xfffULL;
		if (initrd_gpa < kernel_end)
			return wire_set_cause(cause, -E2BIG, "initramfs of %zu bytes does not "
			    "fit above the kernel in %zu MiB", b->initrd_size, mem_size >> 20);
		memcpy(mem + initrd_gpa, b->initrd, b->initrd_size);
		put32(bp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_gpa);
		put32(bp + HDR_RAMDISK_SIZE, (uint32_t)b->initrd_size);
	}
	put32(bp + BP_EXT_RAMDISK_IMAGE, 0);
	put32(bp + BP_EXT_RAMDISK_SIZE, 0);
	put32(bp + BP_EXT_CMD_LINE_PTR, 0);

	/* RAM below the EBDA, and from 1 MiB; the MP table's page reserved. */
	e820_add(bp, 0, LINUX_EBDA_GPA, E820_RAM);
	e820_add(bp, LINUX_EBDA_GPA, 0xa0000 - LINUX_EBDA_GPA, E820_RESERVED);
	e820_add(bp, LINUX_MPTABLE_GPA, 0x100000 - LINUX_MPTABLE_GPA, E820_RESERVED);
	e820_add(bp, LINUX_KERNEL_GPA, mem_size - LINUX_KERNEL_GPA, E820_RAM);

	memcpy(mem + LINUX_GDT_GPA, gdt, sizeof gdt);
	write_mptable(mem, LINUX_MPTABLE_GPA, b);
	if (b->vmlinux != NULL) {
		int rc = load_vmlinux(mem, mem_size, b->vmlinux, b->vmlinux_size,
		    &entry->rip, cause);

		if (rc < 0)
			return rc;
		/* 64-bit __BOOT_CS: long mode code. */
		put64(mem + LINUX_GDT_GPA + 0x10, 0x00af9a000000ffffULL);
		build_page_tables(mem);
		entry->long_mode = true;
		return 0;
	}
	entry->rip = get32(bp + HDR_CODE32_START);
	entry->long_mode = false;
	if (entry->rip != LINUX_KERNEL_GPA)
		return wire_set_cause(cause, -ENOEXEC, "code32_start 0x%llx: expected 0x%x",
		    (unsigned long long)entry->rip, LINUX_KERNEL_GPA);
	return 0;
}

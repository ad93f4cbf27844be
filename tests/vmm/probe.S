/*
 * probe: a minimal EXTERNAL multiboot (v1) kernel for the test VM, built the
 * way kvm-unit-tests builds its x86 tests (assembled and linked as ELF64 by the
 * host toolchain, converted to ELF32 for the multiboot loader) and loaded with
 * `irqchip-testvm --kernel`. It checks what a multiboot kernel may rely on
 * (Multiboot Specification 0.6.96, section 3.2 "Machine state" and 3.3 "Boot
 * information format") and reports on COM1, then ends the VM through
 * isa-debug-exit.
 *
 * It stays in 32-bit protected mode with interrupts disabled and never sets up
 * an IDT: on the dev host KVM emulates a protected-mode IRET badly (kvm_pvm),
 * so only port I/O and memory accesses are used. Nothing here comes from the
 * VMM's headers: ports and magic numbers are the public ones (QEMU's fw_cfg
 * and isa-debug-exit, the 16550 UART), as for any external kernel.
 *
 * COM1 lines (each "probe: ..."):
 *   magic ok                      EAX held 0x2BADB002
 *   mem_lower=<KiB> mem_upper=<KiB>  on two lines, from the info at EBX (flags bit 0)
 *   cmdline=<string>              flags bit 2
 *   loader=<string>               flags bit 9, if present
 *   mods=<n>                      flags bit 3, if present: the module count,
 *   mod0.string=<string>          and for module 0 its string,
 *   mod0.size=<bytes>             its size (mod_end - mod_start),
 *   mod0.data=<text>              and its first line (up to 64 bytes, to the
 *                                 first newline or NUL), as test kernels read
 *                                 their environment from module 0
 *   fwcfg=<signature>             fw_cfg key 0x0000, 4 bytes
 *   cpus=<n>                      fw_cfg key 0x0005, little-endian u16
 *   exit=<value>                  what is written to the debug-exit port
 *
 * Debug-exit value (the VMM exits with status (value << 1) | 1):
 *   0x10 + cpus  everything checked out
 *   1            EAX was not the multiboot boot magic
 *   2            no memory information (flags bit 0 clear)
 *   3            no command line (flags bit 2 clear)
 *   4            fw_cfg signature is not "QEMU"
 *   5            fw_cfg CPU count is 0 or too large to encode
 * The first failure found wins.
 *
 * Words in the command line that make the probe misbehave on purpose, for the
 * VMM's own tests (after everything above has been printed):
 *   probe-fail          exit with value 6
 *   probe-hang          spin forever with interrupts off (the VMM's timeout)
 *   probe-triple-fault  load an empty IDT and raise an exception: a triple
 *                       fault (shutdown)
 */

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000002	/* bit 1: we want mem_lower/mem_upper */
#define MB_BOOT_MAGIC	0x2badb002

/* Multiboot information: flags bits and field offsets (spec 3.3). */
#define MBI_FLAG_MEM	(1 << 0)
#define MBI_FLAG_CMDLINE	(1 << 2)
#define MBI_FLAG_LOADER	(1 << 9)
#define MBI_FLAG_MODS	(1 << 3)
#define MBI_MODS_COUNT	20
#define MBI_MODS_ADDR	24
#define MOD_START	0	/* module entry: start, end, string, reserved */
#define MOD_END		4
#define MOD_STRING	8
#define MOD_DATA_MAX	64
#define MBI_FLAGS	0
#define MBI_MEM_LOWER	4
#define MBI_MEM_UPPER	8
#define MBI_CMDLINE	16
#define MBI_LOADER	64

#define COM1		0x3f8	/* THR at +0, LSR at +5 */
#define LSR_THRE	0x20	/* transmitter holding register empty */
#define FW_CFG_SEL	0x510	/* 16-bit selector */
#define FW_CFG_DATA	0x511	/* data, one byte per read */
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_NB_CPUS	0x0005
#define FW_CFG_QEMU	0x554d4551	/* "QEMU" read as a little-endian u32 */
#define DEBUG_EXIT	0xf4

#define EXIT_OK_BASE	0x10
#define EXIT_BAD_MAGIC	1
#define EXIT_NO_MEM	2
#define EXIT_NO_CMDLINE	3
#define EXIT_BAD_FWCFG	4
#define EXIT_BAD_CPUS	5
#define EXIT_ASKED	6	/* probe-fail */

#define STR_MAX		4096	/* a string from the loader longer than this is cut */

/* Records failure code n unless an earlier one was recorded. */
#define FAIL(n)				\
	cmpl $0, status;		\
	jne 99f;			\
	movl $(n), status;		\
99:

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	/* The machine state leaves ESP undefined: our own stack first. */
	movl $stack_top, %esp
	cmpl $MB_BOOT_MAGIC, %eax
	je 1f
	movl $msg_bad_magic, %esi
	call puts
	movl $EXIT_BAD_MAGIC, %eax
	jmp do_exit
1:	movl %ebx, %ebp			/* the multiboot information */
	movl $msg_magic, %esi
	call puts

	/* Memory sizes (KiB): lower from 0, upper from 1 MiB. */
	testl $MBI_FLAG_MEM, MBI_FLAGS(%ebp)
	jnz 2f
	movl $msg_no_mem, %esi
	call puts
	FAIL(EXIT_NO_MEM)
	jmp 3f
2:	movl $msg_mem_lower, %esi
	call puts
	movl MBI_MEM_LOWER(%ebp), %eax
	call putdec_nl
	movl $msg_mem_upper, %esi
	call puts
	movl MBI_MEM_UPPER(%ebp), %eax
	call putdec_nl

	/* The command line, a NUL-terminated string at a physical address. */
3:	testl $MBI_FLAG_CMDLINE, MBI_FLAGS(%ebp)
	jnz 4f
	movl $msg_no_cmdline, %esi
	call puts
	FAIL(EXIT_NO_CMDLINE)
	jmp 5f
4:	movl $msg_cmdline, %esi
	call puts
	movl MBI_CMDLINE(%ebp), %esi
	call puts
	call newline

	/* The boot loader's name: optional, reported when present. */
5:	testl $MBI_FLAG_LOADER, MBI_FLAGS(%ebp)
	jz 6f
	movl $msg_loader, %esi
	call puts
	movl MBI_LOADER(%ebp), %esi
	call puts
	call newline

	/* Multiboot modules: the count, then module 0. */
6:	testl $MBI_FLAG_MODS, MBI_FLAGS(%ebp)
	jz no_mods
	movl $msg_mods, %esi
	call puts
	movl MBI_MODS_COUNT(%ebp), %eax
	call putdec_nl
	cmpl $0, MBI_MODS_COUNT(%ebp)
	je no_mods
	movl MBI_MODS_ADDR(%ebp), %ebx
	movl $msg_mod0_string, %esi
	call puts
	movl MOD_STRING(%ebx), %esi
	call puts
	call newline
	movl $msg_mod0_size, %esi
	call puts
	movl MOD_END(%ebx), %eax
	subl MOD_START(%ebx), %eax
	call putdec_nl
	movl $msg_mod0_data, %esi
	call puts
	movl MOD_START(%ebx), %esi
	movl MOD_END(%ebx), %edi
	movl $MOD_DATA_MAX, %ecx
mod_byte:
	cmpl %edi, %esi
	jae mod_done
	movb (%esi), %al
	testb %al, %al
	jz mod_done
	cmpb $'\n', %al
	je mod_done
	pushl %ecx
	call putc
	popl %ecx
	incl %esi
	decl %ecx
	jnz mod_byte
mod_done:
	call newline
no_mods:

	/* fw_cfg signature: select key 0, read 4 bytes. */
	movw $FW_CFG_SIGNATURE, %ax
	call fw_cfg_select
	xorl %ecx, %ecx
7:	call fw_cfg_byte
	movb %al, fwcfg_sig(%ecx)
	incl %ecx
	cmpl $4, %ecx
	jb 7b
	movl $msg_fwcfg, %esi
	call puts
	movl $fwcfg_sig, %esi
	call puts
	call newline
	cmpl $FW_CFG_QEMU, fwcfg_sig
	je 8f
	FAIL(EXIT_BAD_FWCFG)

	/* fw_cfg CPU count: select key 5, little-endian u16. */
8:	movw $FW_CFG_NB_CPUS, %ax
	call fw_cfg_select
	call fw_cfg_byte
	movzbl %al, %ebx
	call fw_cfg_byte
	movzbl %al, %eax
	shll $8, %eax
	orl %eax, %ebx			/* %ebx = CPU count */
	movl $msg_cpus, %esi
	call puts
	movl %ebx, %eax
	call putdec_nl
	testl %ebx, %ebx
	jz 9f
	cmpl $(0xff - EXIT_OK_BASE), %ebx
	jbe 10f
9:	FAIL(EXIT_BAD_CPUS)

10:	call misbehave
	movl status, %eax
	testl %eax, %eax
	jnz 11f
	leal EXIT_OK_BASE(%ebx), %eax
11:	pushl %eax
	movl $msg_exit, %esi
	call puts
	movl (%esp), %eax
	call putdec_nl
	popl %eax

/* Writes %al to isa-debug-exit; the VMM stops the VM there. */
do_exit:
	movw $DEBUG_EXIT, %dx
	outb %al, %dx
12:	hlt				/* not reached under a VMM with isa-debug-exit */
	jmp 12b

/* The command line's probe-* words (see the top). */
misbehave:
	testl $MBI_FLAG_CMDLINE, MBI_FLAGS(%ebp)
	jz 3f
	movl MBI_CMDLINE(%ebp), %esi
	movl $word_fail, %edi
	call contains
	testl %eax, %eax
	jz 1f
	FAIL(EXIT_ASKED)
1:	movl $word_hang, %edi
	call contains
	testl %eax, %eax
	jz 2f
	movl $msg_hang, %esi
	call puts
	cli
hang:	jmp hang
2:	movl $word_triple, %edi
	call contains
	testl %eax, %eax
	jz 3f
	movl $msg_triple, %esi
	call puts
	lidt empty_idt
	int3
3:	ret

/* %eax = 1 if the string at %esi contains the one at %edi, else 0. Clobbers %ecx, %edx. */
contains:
	pushl %esi
1:	movl %esi, %eax
	movl %edi, %edx
2:	movb (%edx), %cl
	testb %cl, %cl
	jz 4f
	cmpb (%eax), %cl
	jne 3f
	incl %eax
	incl %edx
	jmp 2b
3:	cmpb $0, (%esi)
	je 5f
	incl %esi
	jmp 1b
4:	movl $1, %eax
	popl %esi
	ret
5:	xorl %eax, %eax
	popl %esi
	ret

/* Selects fw_cfg item %ax. Clobbers %dx. */
fw_cfg_select:
	movw $FW_CFG_SEL, %dx
	outw %ax, %dx
	ret

/* The next byte of the selected fw_cfg item in %al. Clobbers %dx. */
fw_cfg_byte:
	movw $FW_CFG_DATA, %dx
	inb %dx, %al
	ret

/* Writes %al to COM1 once the transmitter can take it. Clobbers %dx. */
putc:
	pushl %eax
	movw $(COM1 + 5), %dx
1:	inb %dx, %al
	testb $LSR_THRE, %al
	jz 1b
	popl %eax
	movw $COM1, %dx
	outb %al, %dx
	ret

/* Writes the NUL-terminated string at %esi (at most STR_MAX bytes). Clobbers %eax, %ecx, %edx, %esi. */
puts:
	movl $STR_MAX, %ecx
1:	movb (%esi), %al
	testb %al, %al
	jz 2f
	call putc
	incl %esi
	decl %ecx
	jnz 1b
2:	ret

newline:
	movb $'\n', %al
	jmp putc

/* Writes %eax in decimal, then a newline. Clobbers %eax, %ecx, %edx, %esi, %edi. */
putdec_nl:
	movl $decbuf_end, %edi
	movl $10, %ecx
1:	xorl %edx, %edx
	divl %ecx
	addb $'0', %dl
	decl %edi
	movb %dl, (%edi)
	testl %eax, %eax
	jnz 1b
	movl %edi, %esi
	call puts
	jmp newline

	.section .rodata
msg_magic:	.asciz "probe: magic ok\n"
msg_bad_magic:	.asciz "probe: bad multiboot magic\n"
msg_no_mem:	.asciz "probe: no memory information\n"
msg_mem_lower:	.asciz "probe: mem_lower="
msg_mem_upper:	.asciz "probe: mem_upper="
msg_no_cmdline:	.asciz "probe: no command line\n"
msg_cmdline:	.asciz "probe: cmdline="
msg_loader:	.asciz "probe: loader="
msg_fwcfg:	.asciz "probe: fwcfg="
msg_cpus:	.asciz "probe: cpus="
msg_exit:	.asciz "probe: exit="
msg_mods:	.asciz "probe: mods="
msg_mod0_string: .asciz "probe: mod0.string="
msg_mod0_size:	.asciz "probe: mod0.size="
msg_mod0_data:	.asciz "probe: mod0.data="
msg_hang:	.asciz "probe: hanging\n"
msg_triple:	.asciz "probe: triple fault\n"
word_fail:	.asciz "probe-fail"
word_hang:	.asciz "probe-hang"
word_triple:	.asciz "probe-triple-fault"
	.balign 4
empty_idt:	.word 0		/* limit 0: every vector is outside the IDT */
		.long 0

	/* Writable data on a page of its own: a separate RW segment, not RWX. */
	.data
	.balign 4096
status:		.long 0			/* the first failure's code, 0 if none */
fwcfg_sig:	.byte 0, 0, 0, 0, 0	/* 4 bytes and a NUL */
decbuf:		.skip 10		/* a u32 has at most 10 digits */
decbuf_end:	.byte 0

	.bss
	.align 16
stack:		.skip 4096
stack_top:

	.section .note.GNU-stack, "", @progbits

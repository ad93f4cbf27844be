/*
 * The test VM's built-in guest: a multiboot (v1) kernel, no libc. It enters in
 * 32-bit protected mode (multiboot), switches to 64-bit long mode at once, and
 * runs there: on the dev host KVM executes non-64-bit guest code through its
 * instruction emulator (kvm_pvm), which cannot emulate a protected-mode IRET,
 * so interrupts are taken in long mode only. Linked as ELF64 and converted to
 * ELF32 for the multiboot loader, as kvm-unit-tests does.
 *
 *  - boot CPU: GDT, identity-mapped 4 GiB with 2 MiB pages, IDT (256 stubs
 *    that each record their vector), LAPIC on (SVR), xAPIC flat logical mode
 *    (DFR = all ones, LDR = 1 << (24 + cpu)) so logical destinations can name
 *    several CPUs; reads the CPU count from fw_cfg and starts the APs with
 *    INIT/SIPI through a real-mode trampoline copied to TESTVM_TRAMPOLINE_GPA,
 *    as an OS does;
 *  - every CPU counts each vector it receives in SH_COUNTS[cpu][vector];
 *  - the boot CPU then serves the command mailbox (testvm-abi.h) with
 *    interrupts enabled, spinning or (SH_IDLE) halting between commands;
 *    the APs halt with interrupts enabled.
 *
 * Each ISR: count; if the host asked, exit to it (an `out`) and mask a pin;
 * spin while the host holds the vector; count the EOI it is about to write,
 * EOI to the LAPIC (and, in x2APIC mode, for a level vector, to the IOAPIC's
 * EOI register); then an `out` with the vector so that the VMM sees an exit
 * right after the EOI: on the dev host KVM reports KVM_EXIT_IOAPIC_EOI only
 * at the guest's next exit to userspace, and nothing between taking a level
 * interrupt and its EOI may exit unless a test wants it to. The CPU index is
 * the LAPIC ID (the VMM gives vCPU n APIC ID n).
 *
 * In x2APIC mode (SH_MODE, set by the VMM) every CPU switches its LAPIC to
 * x2APIC (IA32_APIC_BASE bits 11 and 10) and sets Suppress EOI Broadcast
 * (SVR bit 12): a level interrupt's EOI then reaches the IOAPIC only as the
 * ISR's write to the IOAPIC EOI register (Intel SDM vol. 3, 11.8.5 and
 * 11.12; 82093AA-compatible IOAPICs of version 0x20).
 *
 * MMIO above 2 GiB is reached through a base register: a 32-bit displacement
 * would be sign-extended in long mode.
 */
#include "testvm-abi.h"

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000002	/* bit 1: we want mem_lower/mem_upper */
#define MB_BOOT_MAGIC	0x2badb002

#define SHARED		TESTVM_SHARED_GPA
/* Offsets from TESTVM_LAPIC_GPA (Intel SDM vol. 3, table 11-1). */
#define LAPIC_ID	0x20
#define LAPIC_VER_OFF	0x30
#define LAPIC_TPR	0x80
#define LAPIC_EOI	0xb0
#define LAPIC_LDR	0xd0
#define LAPIC_DFR	0xe0
#define LAPIC_SVR	0xf0
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
/* x2APIC MSRs: 0x800 + xAPIC offset / 16 (Intel SDM vol. 3, table 11-6). */
#define MSR_APIC_BASE	0x1b
#define APIC_BASE_EN	0x800
#define APIC_BASE_EXTD	0x400
#define MSR_X2APIC_ID	0x802
#define MSR_X2APIC_VER	0x803
#define MSR_X2APIC_TPR	0x808
#define MSR_X2APIC_EOI	0x80b
#define MSR_X2APIC_SVR	0x80f
#define MSR_X2APIC_TMR0	0x818
#define MSR_X2APIC_ICR	0x830
#define SVR_ENABLE	0x100
#define SVR_SUPPRESS_EOI_BROADCAST 0x1000
#define SPURIOUS_VECTOR	0xff
#define RTE_MASK	0x10000
/* Offsets from TESTVM_IOAPIC_GPA (82093AA datasheet 3.1). */
#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOAPIC_EOI	0x40

#define STACK_SIZE	4096
#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18

#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xc0000080
#define EFER_LME	0x00000100

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	cmpl $MB_BOOT_MAGIC, %eax
	jne bad_boot
	/* Multiboot info: flags bit 0 says mem_lower/mem_upper are valid. */
	testl $1, (%ebx)
	jz 1f
	movl 8(%ebx), %eax
	movl %eax, SHARED + SH_MEM_UPPER
1:	lgdt gdt_desc
	movl $bsp_entry64, %edi
	jmp enter_long_mode

bad_boot:
	movl $0xfe, %eax
	movw $TESTVM_PORT_PANIC, %dx
	outl %eax, %dx
1:	hlt
	jmp 1b

/*
 * From flat 32-bit protected mode into long mode, then through the far pointer
 * at %edi into 64-bit code. No stack: the APs have none yet.
 */
enter_long_mode:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0
	ljmp *(%edi)

/* APs arrive here in protected mode from the trampoline. */
ap_start32:
	movl $ap_entry64, %edi
	jmp enter_long_mode

	.code64
start64:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	movq $stacks + STACK_SIZE, %rsp
	call setup_idt
	lidt idt_desc
	call lapic_init

	leaq msg_boot(%rip), %rsi
	call puts

	/* fw_cfg: select FW_CFG_NB_CPUS (0x05), read it little-endian 16-bit. */
	movw $0x05, %ax
	movw $0x510, %dx
	outw %ax, %dx
	movw $0x511, %dx
	inb %dx, %al
	movb %al, %cl
	inb %dx, %al
	movb %al, %ch
	movzwl %cx, %ecx
	cmpl $TESTVM_MAX_CPUS, %ecx
	jbe 1f
	movl $TESTVM_MAX_CPUS, %ecx
1:	testl %ecx, %ecx
	jnz 1f
	movl $1, %ecx
1:	movl %ecx, SHARED + SH_NCPUS
	lock incl SHARED + SH_ONLINE
	cmpl $1, %ecx
	je all_online

	/* The APs' real-mode entry must sit below 1 MiB, 4 KiB aligned. */
	leaq trampoline_start(%rip), %rsi
	movl $TESTVM_TRAMPOLINE_GPA, %edi
	movl $(trampoline_end - trampoline_start), %ecx
	cld
	rep movsb

	/* INIT, then SIPI twice (MP spec B.4), to all CPUs but ourselves. */
	movl $0x000c4500, %eax
	call send_ipi
	movl $0x000c4600 | (TESTVM_TRAMPOLINE_GPA >> 12), %eax
	call send_ipi
	movl $0x000c4600 | (TESTVM_TRAMPOLINE_GPA >> 12), %eax
	call send_ipi
1:	pause
	movl SHARED + SH_ONLINE, %eax
	cmpl SHARED + SH_NCPUS, %eax
	jb 1b

all_online:
	leaq msg_ready(%rip), %rsi
	call puts
	movl $TESTVM_READY, SHARED + SH_MAGIC
	movl $TESTVM_IOAPIC_GPA, %esi
	sti

/*
 * The mailbox: a command is pending while SH_CMD_SEQ != SH_DONE_SEQ. While
 * none is, the boot CPU spins with interrupts enabled, or halts between
 * interrupts when the VMM set SH_IDLE to TESTVM_IDLE_HALT (it then sends
 * TESTVM_WAKE_VECTOR after posting a command). The check and the HLT run with
 * interrupts off and STI's one-instruction shadow makes STI; HLT atomic, so an
 * interrupt that arrives after the check wakes the HLT instead of being taken
 * before it. SH_HALTS counts the HLTs, so that the VMM can tell the guest went
 * back to sleep after an interrupt.
 */
mailbox:
	movl SHARED + SH_CMD_SEQ, %ebp
	cmpl SHARED + SH_DONE_SEQ, %ebp
	jne 1f
	cmpl $TESTVM_IDLE_HALT, SHARED + SH_IDLE
	je 2f
	pause
	jmp mailbox
2:	cli
	movl SHARED + SH_CMD_SEQ, %ebp
	cmpl SHARED + SH_DONE_SEQ, %ebp
	jne 3f
	cmpl $TESTVM_IDLE_HALT, SHARED + SH_IDLE
	jne 3f
	lock incl SHARED + SH_HALTS
	sti
	hlt
	jmp mailbox
3:	sti
	jmp mailbox
1:	movl SHARED + SH_CMD, %eax
	movl SHARED + SH_ARG0, %ebx
	movl SHARED + SH_ARG1, %ecx
	movl SHARED + SH_ARG2, %edx
	movl $0, SHARED + SH_STATUS
	cmpl $TESTVM_CMD_PING, %eax
	je cmd_ping
	cmpl $TESTVM_CMD_IOAPIC_WRITE, %eax
	je cmd_ioapic_write
	cmpl $TESTVM_CMD_IOAPIC_READ, %eax
	je cmd_ioapic_read
	cmpl $TESTVM_CMD_LINE, %eax
	je cmd_line
	cmpl $TESTVM_CMD_RTE_WRITE, %eax
	je cmd_rte_write
	cmpl $TESTVM_CMD_IOAPIC_EOI, %eax
	je cmd_ioapic_eoi
	movl $1, SHARED + SH_STATUS
	jmp cmd_done

cmd_ping:
	movl $TESTVM_PONG, SHARED + SH_RESULT
	jmp cmd_done
cmd_ioapic_write:
	movl %ebx, IOREGSEL(%rsi)
	movl %ecx, IOWIN(%rsi)
	jmp cmd_done
cmd_ioapic_read:
	movl %ebx, IOREGSEL(%rsi)
	movl IOWIN(%rsi), %eax
	movl %eax, SHARED + SH_RESULT
	jmp cmd_done
cmd_line:
	addl $TESTVM_PORT_TESTDEV_IRQ, %ebx
	movw %bx, %dx
	movb %cl, %al
	outb %al, %dx
	jmp cmd_done
cmd_rte_write:
	/* Linux ioapic_write_entry(): high dword first, the low one (with the mask) last. */
	leal 0x11(,%ebx,2), %eax
	movl %eax, IOREGSEL(%rsi)
	movl %edx, IOWIN(%rsi)
	decl %eax
	movl %eax, IOREGSEL(%rsi)
	movl %ecx, IOWIN(%rsi)
	jmp cmd_done
cmd_ioapic_eoi:
	movl %ebx, IOAPIC_EOI(%rsi)
	jmp cmd_done
cmd_done:
	movl %ebp, SHARED + SH_DONE_SEQ
	jmp mailbox

/* Fills the IDT: entry n is a 64-bit interrupt gate to isr_stubs + 16 n. */
setup_idt:
	leaq isr_stubs(%rip), %rax
	leaq idt(%rip), %rdi
	movl $256, %ecx
1:	movq %rax, %rdx
	movw %dx, (%rdi)
	movw $SEL_CODE64, 2(%rdi)
	movw $0x8e00, 4(%rdi)
	shrq $16, %rdx
	movw %dx, 6(%rdi)
	shrq $16, %rdx
	movl %edx, 8(%rdi)
	movl $0, 12(%rdi)
	addq $16, %rax
	addq $16, %rdi
	decl %ecx
	jnz 1b
	ret

/*
 * LAPIC on; xAPIC: flat logical mode, LDR bit = CPU index; x2APIC: SVR bit 12
 * (its logical ID is fixed by the APIC ID). Records the APIC ID.
 */
lapic_init:
	testl $TESTVM_MODE_X2APIC, SHARED + SH_MODE
	jz 1f
	movl $MSR_APIC_BASE, %ecx
	rdmsr
	orl $(APIC_BASE_EN | APIC_BASE_EXTD), %eax
	wrmsr
	call apic_id
	movl %eax, %edx
	andl $(TESTVM_MAX_CPUS - 1), %eax
	movl %edx, SHARED + SH_APIC_ID(,%rax,4)
	movl $MSR_X2APIC_TPR, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	movl $MSR_X2APIC_SVR, %ecx
	movl $(SVR_SUPPRESS_EOI_BROADCAST | SVR_ENABLE | SPURIOUS_VECTOR), %eax
	wrmsr
	movl $MSR_X2APIC_VER, %ecx
	rdmsr
	movl %eax, SHARED + SH_LAPIC_VER
	ret
1:	movl $TESTVM_LAPIC_GPA, %ebx
	movl LAPIC_ID(%rbx), %edx
	shrl $24, %edx
	movl %edx, %eax
	andl $(TESTVM_MAX_CPUS - 1), %eax
	movl %edx, SHARED + SH_APIC_ID(,%rax,4)
	movl $0xffffffff, LAPIC_DFR(%rbx)
	leal 24(%eax), %ecx
	movl $1, %edx
	shll %cl, %edx
	movl %edx, LAPIC_LDR(%rbx)
	movl $0, LAPIC_TPR(%rbx)
	movl $0x1ff, LAPIC_SVR(%rbx)	/* APIC software enable, spurious vector 0xff */
	movl LAPIC_VER_OFF(%rbx), %eax
	movl %eax, SHARED + SH_LAPIC_VER
	ret

/* Writes ICR = %eax with destination 0: the xAPIC registers or the x2APIC MSR. */
send_ipi:
	testl $TESTVM_MODE_X2APIC, SHARED + SH_MODE
	jz 1f
	movl $MSR_X2APIC_ICR, %ecx
	xorl %edx, %edx
	wrmsr
	ret
1:	movl $TESTVM_LAPIC_GPA, %ecx
	movl $0, LAPIC_ICR_HI(%rcx)
	movl %eax, LAPIC_ICR_LO(%rcx)
	ret

/* This CPU's APIC ID in %eax, from the LAPIC or the x2APIC MSR. Clobbers %ecx, %edx. */
apic_id:
	testl $TESTVM_MODE_X2APIC, SHARED + SH_MODE
	jz 1f
	movl $MSR_X2APIC_ID, %ecx
	rdmsr
	ret
1:	movl $TESTVM_LAPIC_GPA, %eax
	movl LAPIC_ID(%rax), %eax
	shrl $24, %eax
	ret

/* Writes the NUL-terminated string at %rsi to COM1. */
puts:
	movw $0x3f8, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	ret

ap_start64:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	movl $TESTVM_LAPIC_GPA, %ebx
	movl LAPIC_ID(%rbx), %eax
	shrl $24, %eax
	andl $(TESTVM_MAX_CPUS - 1), %eax
	incl %eax
	shll $12, %eax
	leaq stacks(%rip), %rsp
	addq %rax, %rsp
	lidt idt_desc
	call lapic_init
	lock incl SHARED + SH_ONLINE
	sti
1:	hlt
	jmp 1b

/*
 * Interrupt and exception entry. Stack: vector, [error code], RIP, CS, RFLAGS,
 * RSP, SS. Exceptions (vectors < 32) are reported to the VMM, which fails the run.
 */
isr_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rbx
	pushq %rsi
	pushq %rdi
	movq 48(%rsp), %rdi
	andl $0xff, %edi			/* %edi = vector */
	cmpl $32, %edi
	jb exception
	call apic_id
	andl $(TESTVM_MAX_CPUS - 1), %eax
	movl %eax, %esi				/* %esi = CPU index */
	movl %esi, %edx
	shll $8, %edx
	addl %edi, %edx
	lock incl SHARED + SH_COUNTS(,%rdx,4)
	/* A test may want an exit here, before the EOI (the early-EOI probe). */
	cmpb $0, SHARED + SH_ISR_EXIT(%rdi)
	je 1f
	movl %edi, %eax
	movw $TESTVM_PORT_ISR_EXIT, %dx
	outb %al, %dx
	/*
	 * ...or the pin masked, once, as a handler masks its line before the
	 * EOI: the low dword of the entry with bit 16 set, IOREGSEL restored
	 * for the mailbox code this interrupt may have stopped.
	 */
1:	movzbl SHARED + SH_ISR_MASK(%rdi), %eax
	testl %eax, %eax
	jz 2f
	movb $0, SHARED + SH_ISR_MASK(%rdi)
	decl %eax
	leal 0x10(,%eax,2), %eax
	movl $TESTVM_IOAPIC_GPA, %ebx
	movl IOREGSEL(%rbx), %ecx
	movl %eax, IOREGSEL(%rbx)
	movl IOWIN(%rbx), %eax
	orl $RTE_MASK, %eax
	movl %eax, IOWIN(%rbx)
	movl %ecx, IOREGSEL(%rbx)
	/*
	 * The host may hold this vector: spin on memory only, without PAUSE,
	 * which may exit (pause-loop exiting) and let the host report the EOI early.
	 */
2:	cmpb $0, SHARED + SH_HOLD(%rdi)
	je 4f
	leal 1(%edi), %edx
	movl %edx, SHARED + SH_HELD(,%rsi,4)
3:	cmpb $0, SHARED + SH_HOLD(%rdi)
	jne 3b
	movl $0, SHARED + SH_HELD(,%rsi,4)
4:	lock incl SHARED + SH_EOI_WRITES(,%rdi,4)
	testl $TESTVM_MODE_X2APIC, SHARED + SH_MODE
	jnz 5f
	movl $TESTVM_LAPIC_GPA, %ebx
	movl $0, LAPIC_EOI(%rbx)
	jmp 6f
	/* x2APIC: the TMR says whether the vector is level-triggered. */
5:	movl %edi, %ecx
	shrl $5, %ecx
	addl $MSR_X2APIC_TMR0, %ecx
	rdmsr
	movl %edi, %ecx
	andl $31, %ecx
	shrl %cl, %eax
	andl $1, %eax
	movl %eax, %ebx
	movl $MSR_X2APIC_EOI, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	testl %ebx, %ebx
	jz 6f
	/* Suppress EOI Broadcast: the IOAPIC hears of it from its EOI register. */
	movl $TESTVM_IOAPIC_GPA, %ebx
	movl %edi, IOAPIC_EOI(%rbx)
6:	movl %edi, %eax
	movw $TESTVM_PORT_EOI_DONE, %dx
	outb %al, %dx
	popq %rdi
	popq %rsi
	popq %rbx
	popq %rdx
	popq %rcx
	popq %rax
	addq $8, %rsp
	iretq

exception:
	movl %edi, %ebx
	call apic_id
	shll $8, %eax
	orl %ebx, %eax
	movw $TESTVM_PORT_PANIC, %dx
	outl %eax, %dx
1:	cli
	hlt
	jmp 1b

	.align 16
isr_stubs:
	.set vec, 0
	.rept 256
	.align 16
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

/* Real-mode start-up code for the APs, copied to TESTVM_TRAMPOLINE_GPA. */
#define TRAMP(x)	((x) - trampoline_start + TESTVM_TRAMPOLINE_GPA)
	.code16
trampoline_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl TRAMP(tramp_gdt_desc)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $SEL_CODE32, $ap_start32
	.align 4
tramp_gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
trampoline_end:

	.section .rodata
msg_boot:
	.asciz "irqchip-testvm guest: boot CPU up\n"
msg_ready:
	.asciz "irqchip-testvm guest: all CPUs up, serving the mailbox\n"

	.data
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: code, 32-bit, base 0, 4 GiB */
	.quad 0x00cf92000000ffff	/* 0x10: data, base 0, 4 GiB */
	.quad 0x00af9a000000ffff	/* 0x18: code, 64-bit */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
bsp_entry64:				/* far pointers for enter_long_mode */
	.long start64
	.word SEL_CODE64
ap_entry64:
	.long ap_start64
	.word SEL_CODE64
idt_desc:
	.word 256 * 16 - 1
	.quad idt

/* Identity map of the low 4 GiB (RAM, IOAPIC, LAPIC) with 2 MiB pages. */
	.align 4096
pml4:
	.quad pdpt + 0x3
	.fill 511, 8, 0
pdpt:
	.quad pd + 0x3, pd + 0x1003, pd + 0x2003, pd + 0x3003
	.fill 508, 8, 0
pd:
	.set page, 0
	.rept 2048
	.quad (page << 21) | 0x83	/* present, writable, 2 MiB */
	.set page, page + 1
	.endr

	.bss
	.align 4096
stacks:
	.skip STACK_SIZE * (TESTVM_MAX_CPUS + 1)
	.align 16
idt:
	.skip 256 * 16

	.section .note.GNU-stack, "", @progbits

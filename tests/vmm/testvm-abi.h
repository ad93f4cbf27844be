/*
 * What the test VM and its built-in guest agree on: ports, the shared-memory
 * area at a fixed guest-physical address, and the command mailbox. Included by
 * guest.S (through cpp, so #defines only) and by the VMM.
 */
#ifndef TESTVM_ABI_H
#define TESTVM_ABI_H

#define TESTVM_MAX_CPUS 4

/* Guest-physical layout. The kernel loads at 1 MiB (multiboot). */
#define TESTVM_TRAMPOLINE_GPA 0x8000 /* AP start-up code; SIPI vector 0x08 */
#define TESTVM_MBI_GPA 0x9000	     /* multiboot information, built by the VMM */
#define TESTVM_CMDLINE_GPA 0x9800
#define TESTVM_MODS_GPA 0xa000	   /* multiboot module list, then the module strings */
#define TESTVM_MODS_END 0x9f000	   /* ... which must end below here */
#define TESTVM_SHARED_GPA 0x400000 /* the area below, one per VM */

#define TESTVM_IOAPIC_GPA 0xfec00000
#define TESTVM_LAPIC_GPA 0xfee00000

/* Ports the VMM emulates (besides serial 0x3f8, fw_cfg 0x510/0x511). */
#define TESTVM_PORT_DEBUG_EXIT 0xf4 /* isa-debug-exit: status (value << 1) | 1 */
#define TESTVM_PORT_EOI_DONE 0x4e0  /* byte: the vector, right after each EOI */
#define TESTVM_PORT_ISR_EXIT 0x4e8  /* byte: the vector, in an ISR before its EOI */
#define TESTVM_PORT_PANIC 0x4e4	    /* 32-bit: exception vector | cpu << 8 */
#define TESTVM_PORT_TESTDEV 0xe0    /* pc-testdev: a 32-bit register that reads back */
#define TESTVM_PORT_TESTDEV_IRQ 0x2000 /* pc-testdev: byte write to +line = level */
#define TESTVM_TESTDEV_LINES 24

/* Shared area, byte offsets from TESTVM_SHARED_GPA (all fields little-endian). */
#define SH_MAGIC 0x000	   /* u32: TESTVM_READY once every CPU is up */
#define SH_NCPUS 0x004	   /* u32: CPU count the guest read from fw_cfg */
#define SH_ONLINE 0x008	   /* u32: CPUs that finished start-up */
#define SH_MEM_UPPER 0x00c /* u32: multiboot mem_upper (KiB), as the guest saw it */
#define SH_APIC_ID 0x010   /* u32[4]: LAPIC ID each CPU read from its LAPIC */
#define SH_CMD_SEQ 0x020   /* u32: host bumps it after filling the command */
#define SH_CMD 0x024	   /* u32: TESTVM_CMD_* */
#define SH_ARG0 0x028
#define SH_ARG1 0x02c
#define SH_ARG2 0x030
#define SH_RESULT 0x034	  /* u32: what the command read */
#define SH_DONE_SEQ 0x038 /* u32: guest copies SH_CMD_SEQ here when done */
#define SH_STATUS 0x03c	  /* u32: 0 done, 1 unknown command */
#define SH_HELD 0x040	  /* u32[4]: per CPU, vector + 1 while an ISR holds */
#define SH_MODE 0x050	  /* u32: TESTVM_MODE_*, set by the VMM before the guest runs */
#define SH_LAPIC_VER 0x054 /* u32: the boot CPU's LAPIC version register */
#define SH_IDLE 0x058	  /* u32: TESTVM_IDLE_*, how the boot CPU waits for commands */
#define SH_HALTS 0x05c	  /* u32: HLTs the boot CPU executed in the mailbox loop */
#define SH_ISR_EXIT 0x200 /* u8[256]: per vector, the ISR exits (port) before its EOI */
#define SH_ISR_MASK 0x300 /* u8[256]: per vector, pin + 1: the ISR masks that pin
			     before its EOI, once (it clears the byte) */
#define SH_EOI_WRITES 0x400 /* u32[256]: per vector, EOIs the ISRs are about to write */
#define SH_HOLD 0x100	  /* u8[256]: per vector, ISR spins while nonzero */
#define SH_COUNTS 0x1000  /* u32[4][256]: vectors received per CPU */
#define SH_SIZE 0x2000

#define TESTVM_READY 0x52454459 /* "REDY" read as a big-endian u32 */

/*
 * SH_MODE bits. X2APIC: every CPU runs its LAPIC in x2APIC mode with Suppress
 * EOI Broadcast (SVR bit 12) set, and an ISR whose vector is level-triggered
 * (its TMR bit set) EOIs the IOAPIC through its EOI register after the LAPIC:
 * directed EOI, as Linux does on an x2APIC that offers it.
 */
#define TESTVM_MODE_X2APIC 0x1

/*
 * SH_IDLE: the boot CPU spins (PAUSE) between mailbox commands, as before, or
 * halts with interrupts enabled; a halted CPU serves a command once an
 * interrupt wakes it, so the VMM sends TESTVM_WAKE_VECTOR after posting one.
 */
#define TESTVM_IDLE_SPIN 0
#define TESTVM_IDLE_HALT 1
#define TESTVM_WAKE_VECTOR 0xef

/* Mailbox commands, served by the boot CPU with interrupts enabled. */
#define TESTVM_CMD_PING 1	  /* result = TESTVM_PONG */
#define TESTVM_CMD_IOAPIC_WRITE 2 /* IOREGSEL = arg0, IOWIN = arg1 */
#define TESTVM_CMD_IOAPIC_READ 3  /* IOREGSEL = arg0, result = IOWIN */
#define TESTVM_CMD_LINE 4	  /* outb arg1 to TESTVM_PORT_TESTDEV_IRQ + arg0 */
#define TESTVM_CMD_RTE_WRITE 5	  /* entry arg0: high dword = arg2, then low = arg1 */
#define TESTVM_CMD_IOAPIC_EOI 6	  /* IOAPIC EOI register (version 0x20) = arg0 */
#define TESTVM_PONG 0x600d

#endif

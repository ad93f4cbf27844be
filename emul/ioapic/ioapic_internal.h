/*
 * 82093AA register layout, names as in the datasheet's register description
 * (Intel 290566-001) sections 3.1 and 3.2. Private to emul/ioapic/.
 */
#ifndef IRQCHIPD_IOAPIC_INTERNAL_H
#define IRQCHIPD_IOAPIC_INTERNAL_H

/* Memory-mapped registers, offsets from the base. */
#define IOAPIC_IOREGSEL		0x00	/* I/O register select, bits 7:0 used */
#define IOAPIC_IOWIN		0x10	/* I/O window: the selected register */
#define IOAPIC_EOIR		0x40	/* EOI register (W), version 0x20 */

#define IOAPIC_IOREGSEL_MASK	0xffU
#define IOAPIC_EOIR_VECTOR_MASK	0xffU

/* Indirect registers, selected through IOREGSEL. */
#define IOAPIC_IOAPICID		0x00	/* ID */
#define IOAPIC_IOAPICVER	0x01	/* version, RO */
#define IOAPIC_IOAPICARB	0x02	/* arbitration ID, RO */
#define IOAPIC_IOREDTBL		0x10	/* entry n: 0x10 + 2n low, + 1 high */

/* IOAPICID / IOAPICARB: bits 27:24 hold the ID, the rest is reserved. */
#define IOAPIC_ID_SHIFT		24
#define IOAPIC_ID_MASK		0x0fU	/* after the shift */

/* IOAPICVER: 7:0 version, 23:16 maximum redirection entry (pins - 1). */
#define IOAPIC_VER_VERSION_MASK	0xffU
#define IOAPIC_VER_MRE_SHIFT	16

/* Redirection table entry (IOREDTBL[n], 64 bits). */
#define IOAPIC_RTE_INTVEC_MASK	0xffULL		/* 7:0 interrupt vector */
#define IOAPIC_RTE_DELMOD_SHIFT	8		/* 10:8 delivery mode */
#define IOAPIC_RTE_DELMOD_MASK	(7ULL << IOAPIC_RTE_DELMOD_SHIFT)
#define IOAPIC_RTE_DESTMOD	(1ULL << 11)	/* 1 logical; IR: index 15 */
#define IOAPIC_RTE_DELIVS	(1ULL << 12)	/* delivery status, RO, 0 */
#define IOAPIC_RTE_INTPOL	(1ULL << 13)	/* 1 = active low (ignored) */
#define IOAPIC_RTE_REMOTE_IRR	(1ULL << 14)	/* RO: accepted, awaits EOI */
#define IOAPIC_RTE_TRIGGER	(1ULL << 15)	/* 1 = level */
#define IOAPIC_RTE_MASK		(1ULL << 16)	/* interrupt mask */
#define IOAPIC_RTE_FORMAT	(1ULL << 48)	/* 1 = remappable format */
#define IOAPIC_RTE_EXTDEST_SHIFT 49		/* 55:49 ext destination ID */
#define IOAPIC_RTE_EXTDEST_MASK	(0x7fULL << IOAPIC_RTE_EXTDEST_SHIFT)
#define IOAPIC_RTE_DEST_SHIFT	56		/* 63:56 destination */
#define IOAPIC_RTE_DEST_MASK	(0xffULL << IOAPIC_RTE_DEST_SHIFT)
#define IOAPIC_RTE_IRINDEX_SHIFT 49		/* IR: 63:49 index 14:0 */

/* Every entry after reset: masked, everything else 0 (datasheet, IOREDTBL). */
#define IOAPIC_RTE_RESET	IOAPIC_RTE_MASK
/*
 * Bits a guest write cannot change: delivery status (always 0 here, the
 * emulation has no send pending) and Remote IRR. Everything else, reserved bits
 * 47:17 included, is stored as written, like QEMU's IOAPIC_RW_BITS.
 */
#define IOAPIC_RTE_RO_BITS	(IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR)
#define IOAPIC_RTE_RW_BITS	(~IOAPIC_RTE_RO_BITS)

/* DELMOD values; 3 and 6 are reserved. */
#define IOAPIC_DELMOD_FIXED	0
#define IOAPIC_DELMOD_LOWEST	1
#define IOAPIC_DELMOD_SMI	2
#define IOAPIC_DELMOD_RESERVED3	3
#define IOAPIC_DELMOD_NMI	4
#define IOAPIC_DELMOD_INIT	5
#define IOAPIC_DELMOD_RESERVED6	6
#define IOAPIC_DELMOD_EXTINT	7

/*
 * The MSI an entry becomes (api.rst KVM_CAP_SPLIT_IRQCHIP; Intel SDM vol. 3
 * 11.11.1; VT-d spec 5.1.5.1).
 */
#define IOAPIC_MSI_ADDR_BASE		0xfee00000ULL
#define IOAPIC_MSI_ADDR_RTE_SHIFT	4	/* RTE[63:48] -> addr[19:4] */
#define IOAPIC_MSI_ADDR_DM_SHIFT	2	/* RTE[11] -> address[2] */
#define IOAPIC_MSI_DATA_DELMOD_SHIFT	8
#define IOAPIC_MSI_DATA_TRIGGER_SHIFT	15

#endif

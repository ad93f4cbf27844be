/*
 * GICv3 ITS register frame, command and table layouts, named after Arm IHI
 * 0069 (GICv3/v4 architecture specification: "The ITS register
 * descriptions", and "ITS commands" in the chapter "Locality-specific
 * Peripheral Interrupts and the ITS"), plus the KVM ITS table ABI (Linux
 * Documentation/virt/kvm/devices/arm-vgic-its.rst, revision 0). Private to
 * emul/gicv3-its/.
 */
#ifndef IRQCHIPD_GICV3_ITS_INTERNAL_H
#define IRQCHIPD_GICV3_ITS_INTERNAL_H

#include <stdint.h>

/*
 * FIELD(REG, NAME, shift, length) gives REG_NAME_SHIFT, REG_NAME_LENGTH and
 * REG_NAME_MASK (in place), in the manner of QEMU's registerfields.h.
 */
#define ITS_MASK64(shift, length) \
	((((uint64_t)1 << (length)) - 1) << (shift))
#define FIELD_SHIFT(reg, f)	reg##_##f##_SHIFT
#define FIELD_MASK(reg, f)	reg##_##f##_MASK
#define FIELD_EX64(v, reg, f) \
	(((uint64_t)(v) & reg##_##f##_MASK) >> reg##_##f##_SHIFT)
#define FIELD_DP64(v, reg, f, x) \
	(((uint64_t)(v) & ~reg##_##f##_MASK) | \
	    (((uint64_t)(x) << reg##_##f##_SHIFT) & reg##_##f##_MASK))

/* Control frame (IHI 0069, ITS register map), offsets from the ITS base. */
#define GITS_CTLR		0x0000
#define GITS_IIDR		0x0004
#define GITS_TYPER		0x0008
#define GITS_CBASER		0x0080
#define GITS_CWRITER		0x0088
#define GITS_CREADR		0x0090
#define GITS_BASER		0x0100	/* GITS_BASER<n> at 0x0100 + 8n */
#define GITS_BASER_COUNT	8
#define GITS_PIDR4		0xffd0
#define GITS_PIDR0		0xffe0
#define GITS_CIDR0		0xfff0
#define GITS_IDREGS_END		0x10000
/* Translation frame: the second 64 KiB page. */
#define GITS_TRANSLATER		0x10040

/* GITS_CTLR (IHI 0069). */
#define GITS_CTLR_Enabled_SHIFT		0
#define GITS_CTLR_Enabled_MASK		ITS_MASK64(0, 1)
#define GITS_CTLR_Quiescent_SHIFT	31
#define GITS_CTLR_Quiescent_MASK	ITS_MASK64(31, 1)
/* Everything else is RES0 on a GICv3 (no ImDe, UMSIirq, ITS_Number). */
#define GITS_CTLR_WRITABLE		GITS_CTLR_Enabled_MASK

/* GITS_IIDR (IHI 0069). */
#define GITS_IIDR_Implementer_SHIFT	0
#define GITS_IIDR_Implementer_MASK	ITS_MASK64(0, 12)
#define GITS_IIDR_Revision_SHIFT	12
#define GITS_IIDR_Revision_MASK		ITS_MASK64(12, 4)
#define GITS_IIDR_Variant_SHIFT		16
#define GITS_IIDR_Variant_MASK		ITS_MASK64(16, 4)
#define GITS_IIDR_ProductID_SHIFT	24
#define GITS_IIDR_ProductID_MASK	ITS_MASK64(24, 8)
/* JEP106 code of Arm, as QEMU's ITS reports; Revision is the table ABI (0). */
#define GITS_IIDR_IMPLEMENTER_ARM	0x43b

/* GITS_TYPER (IHI 0069). */
#define GITS_TYPER_Physical_SHIFT	0
#define GITS_TYPER_Physical_MASK	ITS_MASK64(0, 1)
#define GITS_TYPER_Virtual_SHIFT	1
#define GITS_TYPER_Virtual_MASK		ITS_MASK64(1, 1)
#define GITS_TYPER_ITT_entry_size_SHIFT	4
#define GITS_TYPER_ITT_entry_size_MASK	ITS_MASK64(4, 4)
#define GITS_TYPER_IDbits_SHIFT		8
#define GITS_TYPER_IDbits_MASK		ITS_MASK64(8, 5)
#define GITS_TYPER_Devbits_SHIFT	13
#define GITS_TYPER_Devbits_MASK		ITS_MASK64(13, 5)
#define GITS_TYPER_SEIS_SHIFT		18
#define GITS_TYPER_SEIS_MASK		ITS_MASK64(18, 1)
#define GITS_TYPER_PTA_SHIFT		19
#define GITS_TYPER_PTA_MASK		ITS_MASK64(19, 1)
#define GITS_TYPER_HCC_SHIFT		24
#define GITS_TYPER_HCC_MASK		ITS_MASK64(24, 8)
#define GITS_TYPER_CIDbits_SHIFT	32
#define GITS_TYPER_CIDbits_MASK		ITS_MASK64(32, 4)
#define GITS_TYPER_CIL_SHIFT		36
#define GITS_TYPER_CIL_MASK		ITS_MASK64(36, 1)

/* GITS_CBASER (IHI 0069). */
#define GITS_CBASER_Size_SHIFT		0
#define GITS_CBASER_Size_MASK		ITS_MASK64(0, 8)
#define GITS_CBASER_Shareability_SHIFT	10
#define GITS_CBASER_Shareability_MASK	ITS_MASK64(10, 2)
#define GITS_CBASER_PA_SHIFT		12
#define GITS_CBASER_PA_MASK		ITS_MASK64(12, 40)	/* 51:12 */
#define GITS_CBASER_OuterCache_SHIFT	53
#define GITS_CBASER_OuterCache_MASK	ITS_MASK64(53, 3)
#define GITS_CBASER_InnerCache_SHIFT	59
#define GITS_CBASER_InnerCache_MASK	ITS_MASK64(59, 3)
#define GITS_CBASER_Valid_SHIFT		63
#define GITS_CBASER_Valid_MASK		ITS_MASK64(63, 1)
#define GITS_CBASER_WRITABLE \
	(GITS_CBASER_Size_MASK | GITS_CBASER_Shareability_MASK | \
	    GITS_CBASER_PA_MASK | GITS_CBASER_OuterCache_MASK | \
	    GITS_CBASER_InnerCache_MASK | GITS_CBASER_Valid_MASK)
#define GITS_CBASER_PAGE		4096	/* Size counts 4 KiB pages */

/* GITS_CWRITER and GITS_CREADR (IHI 0069). */
#define GITS_CWRITER_Retry_SHIFT	0
#define GITS_CWRITER_Retry_MASK		ITS_MASK64(0, 1)
#define GITS_CWRITER_Offset_SHIFT	5
#define GITS_CWRITER_Offset_MASK	ITS_MASK64(5, 15)
#define GITS_CREADR_Stalled_SHIFT	0
#define GITS_CREADR_Stalled_MASK	ITS_MASK64(0, 1)
#define GITS_CREADR_Offset_SHIFT	5
#define GITS_CREADR_Offset_MASK		ITS_MASK64(5, 15)

/* GITS_BASER<n> (IHI 0069). */
#define GITS_BASER_Size_SHIFT		0
#define GITS_BASER_Size_MASK		ITS_MASK64(0, 8)
#define GITS_BASER_Page_Size_SHIFT	8
#define GITS_BASER_Page_Size_MASK	ITS_MASK64(8, 2)
#define GITS_BASER_Shareability_SHIFT	10
#define GITS_BASER_Shareability_MASK	ITS_MASK64(10, 2)
#define GITS_BASER_PA_SHIFT		12
#define GITS_BASER_PA_MASK		ITS_MASK64(12, 36)	/* 47:12 */
/* With 64 KiB pages, bits 15:12 hold PA 51:48. */
#define GITS_BASER_PA_HI_SHIFT		12
#define GITS_BASER_PA_HI_MASK		ITS_MASK64(12, 4)
#define GITS_BASER_Entry_Size_SHIFT	48
#define GITS_BASER_Entry_Size_MASK	ITS_MASK64(48, 5)
#define GITS_BASER_OuterCache_SHIFT	53
#define GITS_BASER_OuterCache_MASK	ITS_MASK64(53, 3)
#define GITS_BASER_Type_SHIFT		56
#define GITS_BASER_Type_MASK		ITS_MASK64(56, 3)
#define GITS_BASER_InnerCache_SHIFT	59
#define GITS_BASER_InnerCache_MASK	ITS_MASK64(59, 3)
#define GITS_BASER_Indirect_SHIFT	62
#define GITS_BASER_Indirect_MASK	ITS_MASK64(62, 1)
#define GITS_BASER_Valid_SHIFT		63
#define GITS_BASER_Valid_MASK		ITS_MASK64(63, 1)
/* Read-only: Entry_Size and Type. Indirect is writable only if supported. */
#define GITS_BASER_WRITABLE \
	(GITS_BASER_Size_MASK | GITS_BASER_Page_Size_MASK | \
	    GITS_BASER_Shareability_MASK | GITS_BASER_PA_MASK | \
	    GITS_BASER_OuterCache_MASK | GITS_BASER_InnerCache_MASK | \
	    GITS_BASER_Valid_MASK)
#define GITS_BASER_PAGE_SIZE_4K		0
#define GITS_BASER_PAGE_SIZE_16K	1
#define GITS_BASER_PAGE_SIZE_64K	2
#define GITS_BASER_TYPE_NONE		0
#define GITS_BASER_TYPE_DEVICE		1
#define GITS_BASER_TYPE_COLLECTION	4
/* Which BASER holds which table here (as in QEMU and KVM). */
#define ITS_BASER_DEVICE		0
#define ITS_BASER_COLLECTION		1

/* Level 1 entry of a two-level table (IHI 0069, GITS_BASER<n>.Indirect). */
#define ITS_L1E_Valid_MASK		ITS_MASK64(63, 1)
#define ITS_L1E_PA_MASK			ITS_MASK64(12, 40)	/* 51:12 */

/* Identification registers (IHI 0069, ITS register map). */
#define GITS_PIDR0_VALUE	0x94	/* part number 7:0, as QEMU's ITS */
#define GITS_PIDR1_VALUE	0xb4	/* JEP106 3:0 = 0xb, part 11:8 = 4 */
#define GITS_PIDR2_VALUE	0x3b	/* ArchRev 3 (GICv3), JEDEC, JEP106 6:4 */
#define GITS_PIDR3_VALUE	0x00
#define GITS_PIDR4_VALUE	0x04	/* JEP106 continuation code of Arm */

/* Command encoding (IHI 0069, "ITS commands"): four little-endian dwords. */
#define ITS_CMD_SIZE			32
#define ITS_CMD_DW0_CommandType_MASK	ITS_MASK64(0, 8)
#define ITS_CMD_DW0_DeviceID_SHIFT	32
#define ITS_CMD_DW1_EventID_MASK	ITS_MASK64(0, 32)
#define ITS_CMD_DW1_Size_MASK		ITS_MASK64(0, 5)	/* MAPD */
#define ITS_CMD_DW1_pINTID_SHIFT	32			/* MAPTI */
#define ITS_CMD_DW2_ICID_MASK		ITS_MASK64(0, 16)
#define ITS_CMD_DW2_ITT_addr_MASK	ITS_MASK64(8, 44)	/* 51:8 */
#define ITS_CMD_DW2_RDbase_SHIFT	16
#define ITS_CMD_DW2_RDbase_MASK		ITS_MASK64(16, 36)	/* 51:16 */
#define ITS_CMD_DW2_V_MASK		ITS_MASK64(63, 1)
#define ITS_CMD_DW3_RDbase_MASK		ITS_MASK64(16, 36)	/* MOVALL */

/*
 * KVM ITS table ABI revision 0 (arm-vgic-its.rst "ITS Table ABI REV0"),
 * every entry a little-endian u64.
 *
 * Device Table Entry:  V[63] Next[62:49] ITT_addr[48:5] (addr 51:8) Size[4:0]
 * Collection entry:    V[63] RES0[62:52] RDBase[51:16] ICID[15:0]
 * Interrupt Translation Entry: Next[63:48] pINTID[47:16] ICID[15:0]
 */
#define ITS_ENTRY_SIZE			8
#define ITS_DTE_V_MASK			ITS_MASK64(63, 1)
#define ITS_DTE_Next_SHIFT		49
#define ITS_DTE_Next_MASK		ITS_MASK64(49, 14)
#define ITS_DTE_ITT_addr_SHIFT		5
#define ITS_DTE_ITT_addr_MASK		ITS_MASK64(5, 44)
#define ITS_DTE_Size_SHIFT		0
#define ITS_DTE_Size_MASK		ITS_MASK64(0, 5)
#define ITS_DTE_ITT_ADDR_ALIGN_SHIFT	8	/* field holds addr >> 8 */
#define ITS_CTE_V_MASK			ITS_MASK64(63, 1)
#define ITS_CTE_RDBase_SHIFT		16
#define ITS_CTE_RDBase_MASK		ITS_MASK64(16, 36)
#define ITS_CTE_ICID_SHIFT		0
#define ITS_CTE_ICID_MASK		ITS_MASK64(0, 16)
#define ITS_ITE_Next_SHIFT		48
#define ITS_ITE_Next_MASK		ITS_MASK64(48, 16)
#define ITS_ITE_pINTID_SHIFT		16
#define ITS_ITE_pINTID_MASK		ITS_MASK64(16, 32)
#define ITS_ITE_ICID_SHIFT		0
#define ITS_ITE_ICID_MASK		ITS_MASK64(0, 16)

/* The first LPI (IHI 0069, "INTIDs": LPIs are 8192 and up). */
#define ITS_LPI_BASE			8192

#endif

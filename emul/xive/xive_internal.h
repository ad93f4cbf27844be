/*
 * POWER9 XIVE structures as the sPAPR exploitation mode uses them, names as
 * in the POWER9 XIVE architecture document (ESB, EAS, END, NVT, TIMA) and in
 * PAPR+ (the exploitation-mode H_INT_* hypervisor calls). The
 * architecture numbers bits MSB-0 ("PPC bit n" of a 64-bit word is LSB-0 bit
 * 63 - n, of a 32-bit word bit 31 - n); the masks below are LSB-0. Private to
 * emul/xive/.
 */
#ifndef IRQCHIPD_XIVE_INTERNAL_H
#define IRQCHIPD_XIVE_INTERNAL_H

#include <stdint.h>

#define PPC_BIT64(n)		(1ULL << (63 - (n)))
#define PPC_BIT32(n)		(1U << (31 - (n)))

/*
 * ESB (Event State Buffer) page offsets, XIVE architecture "ESB MMIO
 * operations". Only bits 11:0 of the offset in a page select the operation.
 */
#define XIVE_ESB_OP_MASK	0xfffU
#define XIVE_ESB_LOAD_EOI	0x000	/* load: EOI, returns 1 if re-notified */
#define XIVE_ESB_STORE_EOI	0x400	/* store: EOI, when StoreEOI is offered */
#define XIVE_ESB_GET		0x800	/* load: PQ */
#define XIVE_ESB_INJECT		0x800	/* store: hypervisor inject, no PQ */
#define XIVE_ESB_SET_PQ_00	0xc00	/* 0xc00..0xfff: bits 9:8 are the new PQ */
#define XIVE_ESB_SET_PQ_01	0xd00
#define XIVE_ESB_SET_PQ_10	0xe00
#define XIVE_ESB_SET_PQ_11	0xf00
#define XIVE_ESB_LD_ST_MO	0x40	/* ordered load variant, same op */

/* Pages of an END's ESB slot: ESn (notification), then ESe (escalation). */
#define XIVE_END_PAGE_ESN	0
#define XIVE_END_PAGE_ESE	1

/* EAS (Event Assignment Structure), one 64-bit word per LISN. */
#define EAS_VALID		PPC_BIT64(0)
#define EAS_END_BLOCK		0x0f00000000000000ULL	/* PPC 4-7 */
#define EAS_END_BLOCK_SHIFT	56
#define EAS_END_INDEX		0x00ffffff00000000ULL	/* PPC 8-31 */
#define EAS_END_INDEX_SHIFT	32
#define EAS_MASKED		PPC_BIT64(32)
#define EAS_END_DATA		0x000000007fffffffULL	/* PPC 33-63, EISN */
/* Everything a valid EAS may hold; the rest is reserved. */
#define EAS_DEFINED		(EAS_VALID | EAS_END_BLOCK | EAS_END_INDEX | \
				 EAS_MASKED | EAS_END_DATA)

/* END (Event Notification Descriptor), 8 x 32-bit words. */
#define END_W0_VALID		PPC_BIT32(0)
#define END_W0_ENQUEUE		PPC_BIT32(1)
#define END_W0_UCOND_NOTIFY	PPC_BIT32(2)
#define END_W0_BACKLOG		PPC_BIT32(3)
#define END_W0_PRECL_ESC_CTL	PPC_BIT32(4)
#define END_W0_ESCALATE_CTL	PPC_BIT32(5)
#define END_W0_UNCOND_ESCALATE	PPC_BIT32(6)
#define END_W0_SILENT_ESCALATE	PPC_BIT32(7)
#define END_W0_QSIZE		0x000f0000U		/* PPC 12-15, log2 bytes - 12 */
#define END_W0_QSIZE_SHIFT	16
#define END_W0_SW0		PPC_BIT32(16)

#define END_W1_ESN		0xc0000000U		/* PPC 0-1 */
#define END_W1_ESN_SHIFT	30
#define END_W1_ESE		0x30000000U		/* PPC 2-3 */
#define END_W1_ESE_SHIFT	28
#define END_W1_GENERATION	PPC_BIT32(9)
#define END_W1_PAGE_OFF		0x003fffffU		/* PPC 10-31, queue index */

#define END_W2_EQ_ADDR_HI	0x0fffffffU		/* EQ address 59:32 */
/* w3: EQ address 31:0 */

#define END_W4_ESC_END_BLOCK	0x0f000000U		/* PPC 4-7 */
#define END_W4_ESC_END_BLOCK_SHIFT 24
#define END_W4_ESC_END_INDEX	0x00ffffffU		/* PPC 8-31 */
#define END_W5_ESC_END_DATA	0x7fffffffU		/* PPC 1-31 */

#define END_W6_FORMAT_BIT	PPC_BIT32(8)
#define END_W6_NVT_BLOCK	0x00780000U		/* PPC 9-12 */
#define END_W6_NVT_BLOCK_SHIFT	19
#define END_W6_NVT_INDEX	0x0007ffffU		/* PPC 13-31 */

#define END_W7_F0_IGNORE	PPC_BIT32(0)
#define END_W7_F0_BLK_GROUPING	PPC_BIT32(1)
#define END_W7_F0_PRIORITY	0x00ff0000U		/* PPC 8-15 */
#define END_W7_F0_PRIORITY_SHIFT 16

/* NVT (Notification Virtual Target), 16 x 32-bit words. */
#define NVT_W0_VALID		PPC_BIT32(0)
#define NVT_W4_IPB		0x0000ff00U		/* PPC 16-23, backlog */
#define NVT_W4_IPB_SHIFT	8

/*
 * Thread Interrupt Management Area: four 64K pages, each a view of the same
 * thread context with the rights of one privilege level.
 */
#define TM_SHIFT		16
#define TM_PAGE_HW		0
#define TM_PAGE_HV		1
#define TM_PAGE_OS		2
#define TM_PAGE_USER		3
#define TM_SPECIAL_OP		0x800	/* offsets at or above: special ops */
#define TM_PAGE_DECODE		0xfff	/* no register above 4K in a page */

/* The four 16-byte rings (quad words) of a thread context. */
#define TM_QW0_USER		0x00
#define TM_QW1_OS		0x10
#define TM_QW2_HV_POOL		0x20
#define TM_QW3_HV_PHYS		0x30
#define TM_RING_SIZE		0x10
#define TM_RING_OFFSET		0x30

/* Bytes of a ring. */
#define TM_NSR			0x0
#define TM_CPPR			0x1
#define TM_IPB			0x2
#define TM_LSMFB		0x3
#define TM_ACK_CNT		0x4
#define TM_INC			0x5
#define TM_AGE			0x6
#define TM_PIPR			0x7
#define TM_WORD2		0x8
#define TM_WORD3		0xc

/* QW1 (OS) NSR: exception outstanding. */
#define TM_QW1_NSR_EO		0x80
/* QW3 (PHYS) NSR: HE, the kind of HV exception (1 POOL, 2 PHYS, 3 LSI). */
#define TM_QW3_NSR_HE		0xc0
/* Word 2 of the rings: the valid bit of the pushed context, and its CAM. */
#define TM_QW1W2_VO		0x80000000U
#define TM_QW1W2_OS_CAM		0x00ffffffU
#define TM_QW2W2_VP		0x80000000U
#define TM_QW3B8_VT		0x80		/* byte 0 of QW3 word 2 */

/* Special operations (loads and stores above 2K in a page). */
#define TM_SPC_ACK_EBB		0x800	/* Load8 */
#define TM_SPC_PULL_USR_CTX	0x808	/* Load32 / Store32 push */
#define TM_SPC_ACK_OS_REG	0x810	/* Load16: NSR << 8 | CPPR */
#define TM_SPC_SET_OS_PENDING	0x812	/* Store8: priority -> IPB */
#define TM_SPC_PULL_OS_CTX	0x818	/* Load32 / Load64 */
#define TM_SPC_PULL_POOL_CTX	0x828	/* Load32 / Load64 */
#define TM_SPC_ACK_HV_REG	0x830	/* Load16 */
#define TM_SPC_PULL_PHYS_CTX	0x838	/* Load8 */

/* Raw register access rights per page and byte of the context. */
#define TM_ACC_W		0x1
#define TM_ACC_R		0x2
#define TM_ACC_RW		(TM_ACC_W | TM_ACC_R)

/* sPAPR numbering (PAPR+ H_INT_* targets and the platform's device tree). */
#define SPAPR_XIVE_NVT_BASE	0x400	/* NVT index of vCPU n: 0x400 + n */
#define SPAPR_XIVE_BLOCK	0	/* sPAPR uses a single block */
#define XIVE_PRIORITY_MAX	7
#define XIVE_PRIORITY_MASKED	0xff
/* "ibm,plat-res-int-priorities" = <7 0xf8>: the guest uses 0 to 6. */
#define SPAPR_XIVE_PRIO_GUEST_MAX 6

/* CAM line of an NVT: block in bits 22:19, index in 18:0. */
#define XIVE_CAM_BLOCK_SHIFT	19
#define XIVE_CAM_INDEX		0x7ffffU
#define XIVE_NVT_CAM(blk, idx)	((uint32_t)(blk) << XIVE_CAM_BLOCK_SHIFT | \
				 (uint32_t)(idx))

/* PAPR hcall return codes (PAPR+: H_Pn says parameter n is bad). */
#define H_SUCCESS		0
#define H_HARDWARE		(-1)
#define H_FUNCTION		(-2)
#define H_PARAMETER		(-4)
#define H_P2			(-55)
#define H_P3			(-56)
#define H_P4			(-57)
#define H_P5			(-58)

/* H_INT_* opcodes (PAPR+). */
#define H_INT_GET_SOURCE_INFO		0x3a8
#define H_INT_SET_SOURCE_CONFIG		0x3ac
#define H_INT_GET_SOURCE_CONFIG		0x3b0
#define H_INT_GET_QUEUE_INFO		0x3b4
#define H_INT_SET_QUEUE_CONFIG		0x3b8
#define H_INT_GET_QUEUE_CONFIG		0x3bc
#define H_INT_SET_OS_REPORTING_LINE	0x3c0
#define H_INT_GET_OS_REPORTING_LINE	0x3c4
#define H_INT_ESB			0x3c8
#define H_INT_SYNC			0x3cc
#define H_INT_RESET			0x3d0

/* Flags of the H_INT_* calls: PPC bits of R4. */
#define SPAPR_XIVE_SRC_H_INT_ESB	PPC_BIT64(60)	/* GET_SOURCE_INFO out */
#define SPAPR_XIVE_SRC_LSI		PPC_BIT64(61)
#define SPAPR_XIVE_SRC_TRIGGER		PPC_BIT64(62)	/* trigger on mgmt page */
#define SPAPR_XIVE_SRC_STORE_EOI	PPC_BIT64(63)
#define SPAPR_XIVE_SRC_SET_EISN		PPC_BIT64(62)	/* SET_SOURCE_CONFIG in */
#define SPAPR_XIVE_SRC_MASK		PPC_BIT64(63)
#define SPAPR_XIVE_END_ALWAYS_NOTIFY	PPC_BIT64(63)	/* SET/GET_QUEUE_CONFIG */
#define SPAPR_XIVE_END_DEBUG		PPC_BIT64(63)	/* GET_QUEUE_CONFIG in */
#define SPAPR_XIVE_END_GENERATION	PPC_BIT64(62)	/* GET_QUEUE_CONFIG out */
#define SPAPR_XIVE_ESB_STORE		PPC_BIT64(63)	/* H_INT_ESB */

#endif

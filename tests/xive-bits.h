/*
 * POWER9 XIVE and sPAPR H_INT_* numbers as the XIVE suites write them from the
 * POWER9 XIVE architecture and the PAPR+ H_INT_* calls, independently of the
 * emulator's own headers.
 */
#ifndef IRQCHIPD_TESTS_XIVE_BITS_H
#define IRQCHIPD_TESTS_XIVE_BITS_H

#include <stdint.h>

/* PQ */
#define PQ_00		0x0
#define PQ_01		0x1
#define PQ_10		0x2
#define PQ_11		0x3

/* ESB management page offsets. */
#define ESB_LOAD_EOI	0x000
#define ESB_STORE_EOI	0x400
#define ESB_GET		0x800
#define ESB_INJECT	0x800
#define ESB_SET_PQ(pq)	(0xc00 + ((pq) << 8))

/* hcalls and their answers. */
#define H_SUCCESS	0
#define H_HARDWARE	(-1)
#define H_FUNCTION	(-2)
#define H_PARAMETER	(-4)
#define H_P2		(-55)
#define H_P3		(-56)
#define H_P4		(-57)
#define H_P5		(-58)

#define HC_GET_SOURCE_INFO	0x3a8
#define HC_SET_SOURCE_CONFIG	0x3ac
#define HC_GET_SOURCE_CONFIG	0x3b0
#define HC_GET_QUEUE_INFO	0x3b4
#define HC_SET_QUEUE_CONFIG	0x3b8
#define HC_GET_QUEUE_CONFIG	0x3bc
#define HC_SET_OS_REPORTING	0x3c0
#define HC_GET_OS_REPORTING	0x3c4
#define HC_ESB			0x3c8
#define HC_SYNC			0x3cc
#define HC_RESET		0x3d0

/* PPC bit n of R4 is LSB-0 bit 63 - n. */
#define SRC_INFO_H_INT_ESB	0x8ULL	/* bit 60 */
#define SRC_INFO_LSI		0x4ULL	/* bit 61 */
#define SRC_INFO_TRIGGER	0x2ULL	/* bit 62 */
#define SRC_INFO_STORE_EOI	0x1ULL	/* bit 63 */
#define SRC_CFG_SET_EISN	0x2ULL	/* bit 62 */
#define SRC_CFG_MASK		0x1ULL	/* bit 63 */
#define EQ_ALWAYS_NOTIFY	0x1ULL	/* bit 63 */
#define EQ_DEBUG		0x1ULL	/* bit 63 */
#define EQ_GENERATION		0x2ULL	/* bit 62 of the GET_QUEUE_CONFIG flags */
#define ESB_HCALL_STORE		0x1ULL	/* bit 63 */

/* EAS: VALID PPC 0, END index PPC 8-31, MASKED PPC 32, data PPC 33-63. */
#define EAS_V		0x8000000000000000ULL
#define EAS_M		0x0000000080000000ULL
#define EAS_IDX(i)	((uint64_t)(i) << 32)
#define EAS_DATA(d)	((uint64_t)(d) & 0x7fffffff)

/* END words. */
#define END0_VALID	0x80000000U
#define END0_ENQUEUE	0x40000000U
#define END0_UCOND	0x20000000U
#define END0_BACKLOG	0x10000000U
#define END0_ESCALATE	0x04000000U
#define END0_UCOND_ESC	0x02000000U
#define END0_QSIZE(q)	((uint32_t)(q) << 16)
#define END1_ESN(pq)	((uint32_t)(pq) << 30)
#define END1_ESE(pq)	((uint32_t)(pq) << 28)
#define END1_GEN	0x00400000U
#define END1_INDEX	0x003fffffU
#define END6_NVT(i)	((uint32_t)(i) & 0x7ffff)
#define END7_PRIO(p)	((uint32_t)(p) << 16)

/* TIMA */
#define TM_PAGE(n)	((uint64_t)(n) << 16)
#define PAGE_HW		0
#define PAGE_HV		1
#define PAGE_OS		2
#define PAGE_USER	3
#define QW1_OS		0x10
#define QW1_NSR		0x10
#define QW1_CPPR	0x11
#define QW1_IPB		0x12
#define QW1_PIPR	0x17
#define QW1_WORD2	0x18
#define ACK_OS_REG	0x810
#define SET_OS_PENDING	0x812
#define PULL_OS_CTX	0x818
#define NSR_EO		0x80
#define QW1W2_VO	0x80000000U
#define NVT_BASE	0x400

#endif

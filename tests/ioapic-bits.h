/*
 * The 82093AA IOAPIC's registers and redirection entry fields, as the IOAPIC
 * suites (unit and integration) write them from the 82093AA datasheet section 3,
 * independently of the emulator's own headers.
 */
#ifndef IRQCHIPD_TESTS_IOAPIC_BITS_H
#define IRQCHIPD_TESTS_IOAPIC_BITS_H

#include <stdint.h>

/* Memory-mapped registers and indexes (82093AA datasheet 3.1). */
#define IOREGSEL	0x00
#define IOWIN		0x10
#define EOIR		0x40
#define IDX_ID		0x00
#define IDX_VER		0x01
#define IDX_ARB		0x02
#define IDX_RTE_LO(n)	(0x10 + 2 * (n))
#define IDX_RTE_HI(n)	(0x11 + 2 * (n))

/* Redirection entry fields (82093AA datasheet 3.2.4). */
#define RTE_VEC(v)	((uint64_t)(v) & 0xff)
#define RTE_DELMOD(m)	((uint64_t)(m) << 8)
#define RTE_LOGICAL	(1ULL << 11)
#define RTE_DELIVS	(1ULL << 12)
#define RTE_ACTIVE_LOW	(1ULL << 13)
#define RTE_REMOTE_IRR	(1ULL << 14)
#define RTE_LEVEL	(1ULL << 15)
#define RTE_MASKED	(1ULL << 16)
#define RTE_IR_FORMAT	(1ULL << 48)
#define RTE_EXTDEST(d)	((uint64_t)(d) << 49)
#define RTE_DEST(d)	((uint64_t)(d) << 56)
#define RTE_RESET	RTE_MASKED

/* Delivery modes. */
#define DM_FIXED	0
#define DM_LOWEST	1
#define DM_SMI		2
#define DM_NMI		4
#define DM_INIT		5
#define DM_EXTINT	7

#endif

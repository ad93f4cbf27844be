/*
 * XICS register fields and call shapes, named as in LoPAPR ("Interrupt
 * Presentation Layer": XIRR, CPPR, XISR, MFRR) and PAPR's hcall and RTAS
 * descriptions. Private to emul/xics/.
 */
#ifndef IRQCHIPD_XICS_INTERNAL_H
#define IRQCHIPD_XICS_INTERNAL_H

/* XIRR: Current Processor Priority Register 31:24, Source Register 23:0. */
#define XICS_XIRR_CPPR_SHIFT	24
#define XICS_XIRR_CPPR_MASK	0xff000000U
#define XICS_XIRR_XISR_MASK	0x00ffffffU
#define XICS_XISR_NONE		0

/* Registers are 8 (CPPR, MFRR) and 32 (XIRR) bits: wider hcall args are cut. */
#define XICS_CPPR_MASK		0xffU
#define XICS_MFRR_MASK		0xffU
#define XICS_XIRR_MASK		0xffffffffU

/* Status bits a source of each type may hold. */
#define XICS_STATUS_LSI_BITS	(XICS_STATUS_ASSERTED | XICS_STATUS_SENT)
#define XICS_STATUS_MSI_BITS	(XICS_STATUS_REJECTED | XICS_STATUS_MASKED_PENDING)

/* Arguments each hcall takes (PAPR). */
#define XICS_H_EOI_NARGS	1	/* xirr */
#define XICS_H_CPPR_NARGS	1	/* cppr */
#define XICS_H_IPI_NARGS	2	/* server, mfrr */
#define XICS_H_IPOLL_NARGS	1	/* server */
#define XICS_H_XIRR_NARGS	0

/* RTAS argument and return cells (PAPR; the status is return cell 0). */
#define XICS_SET_XIVE_NARGS	3	/* irq, server, priority */
#define XICS_SET_XIVE_NRET	1
#define XICS_GET_XIVE_NARGS	1	/* irq */
#define XICS_GET_XIVE_NRET	3	/* status, server, priority */
#define XICS_INT_OFF_NARGS	1
#define XICS_INT_OFF_NRET	1
#define XICS_INT_ON_NARGS	1
#define XICS_INT_ON_NRET	1

/* RTAS priorities are cells, only 0..0xff exist. */
#define XICS_PRIORITY_MAX	0xffU

#endif

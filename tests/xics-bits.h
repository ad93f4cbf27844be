/*
 * sPAPR XICS numbers as the XICS suites write them from PAPR and LoPAPR,
 * independently of the emulator's own headers: hcall numbers and return
 * codes, RTAS names and statuses, XIRR fields, source status bits.
 */
#ifndef IRQCHIPD_TESTS_XICS_BITS_H
#define IRQCHIPD_TESTS_XICS_BITS_H

#include <stdint.h>

/* PAPR hypervisor calls. */
#define T_H_EOI		0x64
#define T_H_CPPR	0x68
#define T_H_IPI		0x6c
#define T_H_IPOLL	0x70
#define T_H_XIRR	0x74
#define T_H_XIRR_X	0x2fc
#define T_H_INT_GET_SOURCE_INFO 0x3a8	/* a XIVE call: not XICS's */

/* PAPR hcall return codes. */
#define T_H_SUCCESS	0
#define T_H_FUNCTION	(-2)
#define T_H_PARAMETER	(-4)

/* RTAS status words, as 32-bit cells. */
#define T_RTAS_SUCCESS		0U
#define T_RTAS_PARAM_ERROR	((uint32_t)-3)

/* XIRR = CPPR 31:24 | XISR 23:0; XISR 0 none, 2 the IPI. */
#define T_XIRR(cppr, xisr)	((uint32_t)(cppr) << 24 | (uint32_t)(xisr))
#define T_XISR_NONE	0
#define T_XISR_IPI	2
#define T_MASKED	0xff

/* Source status bits and types. */
#define T_ST_ASSERTED		0x1
#define T_ST_SENT		0x2
#define T_ST_REJECTED		0x4
#define T_ST_MASKED_PENDING	0x8

/* sPAPR PHB MSI window. */
#define T_MSI_WINDOW	0x40000000000ULL

/* What Linux's pseries XICS driver uses (arch/powerpc/sysdev/xics). */
#define T_LINUX_DEFAULT_PRIORITY	5
#define T_LINUX_IPI_PRIORITY		4

#endif

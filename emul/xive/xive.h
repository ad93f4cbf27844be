/*
 * POWER9 XIVE (sPAPR exploitation mode): ESB/PQ, EAS, END queues, NVT/TIMA.
 * Skeleton library: the emulator arrives with its own issue; nothing is exported yet.
 */
#ifndef IRQCHIPD_XIVE_H
#define IRQCHIPD_XIVE_H
#endif

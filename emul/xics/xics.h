/*
 * POWER XICS (PAPR): ICS sources, ICP presenters, hcalls and RTAS.
 * Skeleton library: the emulator arrives with its own issue; nothing is exported yet.
 */
#ifndef IRQCHIPD_XICS_H
#define IRQCHIPD_XICS_H
#endif

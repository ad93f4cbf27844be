/*
 * Arm GICv3 ITS (IHI 0069): command queue, tables, translation.
 * Skeleton library: the emulator arrives with its own issue; nothing is exported yet.
 */
#ifndef IRQCHIPD_GICV3_ITS_H
#define IRQCHIPD_GICV3_ITS_H
#endif

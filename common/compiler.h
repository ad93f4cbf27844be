/* Small portable helpers shared by every part of irqchipd, emulators included. */
#ifndef IRQCHIPD_COMPILER_H
#define IRQCHIPD_COMPILER_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#define UNUSED __attribute__((unused))

/* Bits [hi:lo] of a 64-bit value, LSB-0. */
#define BITS64(v, hi, lo) \
	(((uint64_t)(v) >> (lo)) & ((((uint64_t)1) << ((hi) - (lo) + 1)) - 1))

#endif

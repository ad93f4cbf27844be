/*
 * Busy-wait helpers shared by the two ends of a ring (daemon/ring.c and
 * proto/ring.c): a monotonic clock in nanoseconds, and the CPU's spin-wait
 * hint (x86 PAUSE, Intel SDM vol. 2B; Arm YIELD, Arm ARM C6.2), which lets a
 * sibling hardware thread run and saves power while polling.
 */
#ifndef IRQCHIPD_SPIN_H
#define IRQCHIPD_SPIN_H

#include <stdint.h>
#include <time.h>

static inline int64_t
spin_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void
spin_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

#endif

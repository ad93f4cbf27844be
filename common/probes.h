/*
 * USDT static probes, provider "irqchipd" (sys/sdt.h, Debian package
 * systemtap-sdt-dev): a probe is a nop instruction and an ELF note
 * (.note.stapsdt) that bpftrace, perf and SystemTap attach to; it costs
 * nothing until something does. Without sys/sdt.h (configure decides;
 * cross sysroots have none) each probe compiles to nothing, its arguments
 * unevaluated. irqchipd(8), "Tracing", lists the probes and their arguments;
 * at most six each, as bpftrace reads no more on x86-64.
 */
#ifndef IRQCHIPD_PROBES_H
#define IRQCHIPD_PROBES_H

#ifdef HAVE_SYS_SDT_H
#include <sys/sdt.h>
#define PROBE1(n, a)			DTRACE_PROBE1(irqchipd, n, a)
#define PROBE3(n, a, b, c)		DTRACE_PROBE3(irqchipd, n, a, b, c)
#define PROBE4(n, a, b, c, d)		DTRACE_PROBE4(irqchipd, n, a, b, c, d)
#define PROBE6(n, a, b, c, d, e, f)	DTRACE_PROBE6(irqchipd, n, a, b, c, d, e, f)
#else
/*
 * Nothing, but the arguments still count as used (a variable that only a
 * probe reads must not warn): a call in dead code, never evaluated.
 */
static inline void __attribute__((unused))
probe_none(int unused, ...)
{
}
#define PROBE_NONE(...)			do { if (0) probe_none(0, __VA_ARGS__); } while (0)
#define PROBE1(n, ...)			PROBE_NONE(__VA_ARGS__)
#define PROBE3(n, ...)			PROBE_NONE(__VA_ARGS__)
#define PROBE4(n, ...)			PROBE_NONE(__VA_ARGS__)
#define PROBE6(n, ...)			PROBE_NONE(__VA_ARGS__)
#endif

#endif

/*
 * libFuzzer target: the XICS state machine driven by a byte stream of
 * hypercalls, RTAS calls, line changes, MSI writes, claims and frees,
 * resets and save/load round trips. The resample callback re-enters the way
 * the daemon's does (it deasserts the line). After every step the chip's
 * own state must load back into it: a state it refuses is a broken
 * invariant, and aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xics/xics.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_BASE	0x1000

static struct xics *cur;
static bool resample_drops;

static void
op_cpu_irq(void *opaque, unsigned server, bool level)
{
}

static void
op_resample(void *opaque, uint32_t irq)
{
	if (resample_drops)
		xics_set_irq(cur, irq, false);
}

static void
op_guest_error(void *opaque, const char *kind, const char *msg)
{
}

static const struct xics_ops ops = {
	op_cpu_irq, op_resample, op_guest_error,
};

static const uint64_t opcodes[] = {
	0x64, 0x68, 0x6c, 0x70, 0x74, 0x2fc, 0x3a8, 0,
};

static uint64_t
take(const uint8_t **p, const uint8_t *end, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && *p < end; i++, (*p)++)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

/* A global number near the chip: mostly inside, sometimes just outside. */
static uint32_t
pick_irq(const uint8_t **p, const uint8_t *end, unsigned nsources)
{
	uint8_t b = (uint8_t)take(p, end, 1);

	if (b == 0xff)
		return (uint32_t)take(p, end, 4);
	return FUZZ_BASE - 2 + b % (nsources + 4);
}

static void
check(struct xics_state *st)
{
	xics_get_state(cur, st);
	if (xics_set_state(cur, st, NULL, 0) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct xics_config cfg;
	struct xics_state *st, *bad;
	uint64_t args[2], rets[XICS_HCALL_MAX_RETS];
	uint32_t cells[4], rcells[4], irq;
	unsigned n, nsrv, nsrc;
	long ret;

	xics_config_default(&cfg);
	cfg.irq_base = FUZZ_BASE;
	cfg.nsources = 1 + (unsigned)take(&p, end, 1) % 64;
	cfg.nservers = 1 + (unsigned)take(&p, end, 1) % 8;
	cur = xics_create(&cfg, &ops, NULL);
	if (cur == NULL)
		return 0;
	nsrc = cfg.nsources;
	nsrv = cfg.nservers;
	st = xics_state_alloc(cur);
	bad = xics_state_alloc(cur);
	if (st == NULL || bad == NULL)
		abort();
	while (p < end) {
		/* Each step: what (op % 10, variant op / 10), who, flags. */
		unsigned op = (unsigned)take(&p, end, 1);
		unsigned sel = op / 10;
		unsigned who = (unsigned)take(&p, end, 1) % (nsrv + 1);
		unsigned f = (unsigned)take(&p, end, 1);
		bool odd = f & 2;

		resample_drops = f & 1;
		switch (op % 10) {
		case 0:
			args[0] = take(&p, end, 4);
			args[1] = take(&p, end, 1);
			xics_hcall(cur, who, opcodes[sel % 8], args,
			    odd ? (f >> 2) % 3 : 2, rets, &n, 7, &ret);
			break;
		case 1: {
			static const unsigned nargs[] = { 3, 1, 1, 1, 1 };
			static const unsigned nret[] = { 1, 3, 1, 1, 1 };

			cells[0] = pick_irq(&p, end, nsrc);
			cells[1] = (uint32_t)take(&p, end, 1) % (nsrv + 1);
			cells[2] = (uint32_t)take(&p, end, 2) & 0x1ff;
			cells[3] = 0;
			xics_rtas(cur, who, (enum xics_rtas_call)(sel % 5),
			    cells, odd ? (f >> 2) % 5 : nargs[sel % 5], rcells,
			    odd ? (f >> 4) % 5 : nret[sel % 5]);
			break;
		}
		case 2:
			xics_set_irq(cur, pick_irq(&p, end, nsrc), odd);
			break;
		case 3:
			xics_pulse_irq(cur, pick_irq(&p, end, nsrc));
			break;
		case 4:
			irq = pick_irq(&p, end, nsrc);
			xics_msi_write(cur, odd ? take(&p, end, 8) :
			    XICS_DEFAULT_MSI_BASE + take(&p, end, 2), irq);
			break;
		case 5:
			irq = pick_irq(&p, end, nsrc);
			n = (unsigned)take(&p, end, 1) % 9;
			if (sel % 3 == 0)
				xics_free(cur, irq, n, NULL, 0);
			else if (sel % 3 == 1)
				xics_alloc(cur, n, 1u << (f >> 2 & 3),
				    (enum xics_type)(f >> 4 & 3), &irq, NULL, 0);
			else
				xics_claim(cur, irq, n,
				    (enum xics_type)(f >> 4 & 3), NULL, 0);
			break;
		case 6:
			/* A corrupted copy must be refused or be a valid state. */
			xics_get_state(cur, bad);
			n = (unsigned)take(&p, end, 2);
			if (odd)
				((uint8_t *)bad->icp)[n %
				    (nsrv * sizeof *bad->icp)] ^= (uint8_t)sel;
			else
				((uint8_t *)bad->source)[n %
				    (nsrc * sizeof *bad->source)] ^= (uint8_t)sel;
			xics_set_state(cur, bad, NULL, 0);
			break;
		case 7:
			xics_reset(cur);
			break;
		case 8:
			xics_announce_lines(cur);
			break;
		case 9: {
			struct xics_source_info si;
			struct xics_icp_info ii;
			struct xics_counters c;

			xics_query_source(cur, pick_irq(&p, end, nsrc), &si);
			xics_query_icp(cur, who, &ii);
			xics_query_counters(cur, &c);
			break;
		}
		}
		check(st);
	}
	xics_state_free(st);
	xics_state_free(bad);
	xics_destroy(cur);
	return 0;
}

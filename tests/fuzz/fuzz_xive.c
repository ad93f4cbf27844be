/*
 * libFuzzer target: the XIVE state machine driven by a byte stream of ESB
 * and TIMA accesses, H_INT_* calls, device inputs, claims, resets and
 * save/load round trips, with a small guest RAM for the event queues. The
 * resample op re-enters the way the daemon's does (deasserts the LSI).
 *
 * Input: byte 0 = ESB shift index (bits 1:0), StoreEOI (bit 2), CPUs - 1
 * (bits 4:3); byte 1 = sources - 16. Then records: an op byte, then its
 * fields, little-endian, each as wide as the op takes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "xive/xive.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define RAM_SIZE	0x20000	/* guest RAM at 0: room for two 64K queues */

static struct xive *cur;
static uint8_t ram[RAM_SIZE];

static void
op_cpu_irq(void *opaque, unsigned cpu, bool level)
{
}

static int
op_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -14;
	memcpy(buf, ram + gpa, len);
	return 0;
}

static int
op_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -14;
	memcpy(ram + gpa, buf, len);
	return 0;
}

static void
op_resample(void *opaque, uint32_t irq)
{
	if (irq & 1)
		xive_set_irq(cur, irq, false);
}

static void
op_guest_error(void *opaque, const char *kind, const char *msg)
{
}

static const struct xive_ops ops = {
	.cpu_irq = op_cpu_irq,
	.read = op_read,
	.write = op_write,
	.resample = op_resample,
	.guest_error = op_guest_error,
};

static const uint64_t opcodes[] = {
	0x3a8, 0x3ac, 0x3b0, 0x3b4, 0x3b8, 0x3bc, 0x3c0, 0x3c4, 0x3c8, 0x3cc,
	0x3d0, 0x64,
};

static uint64_t
take(const uint8_t **p, const uint8_t *end, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && *p < end; i++, (*p)++)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

/* A field whose width the stream chooses: one byte 0..8, then the value. */
static uint64_t
take_var(const uint8_t **p, const uint8_t *end)
{
	return take(p, end, (unsigned)take(p, end, 1) % 9);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned shifts[] = { 12, 13, 16, 17 };
	const uint8_t *p = data, *end = data + size;
	struct xive_config cfg;
	struct xive_state *st;
	uint64_t v, args[5], rets[XIVE_HCALL_MAX_RETS], win;
	unsigned b, nrets, ncpus;
	uint32_t first;

	b = (unsigned)take(&p, end, 1);
	memset(&cfg, 0, sizeof cfg);
	cfg.esb_shift = shifts[b & 3];
	cfg.store_eoi = (b & 4) != 0;
	cfg.ncpus = ncpus = ((b >> 3) & 3) + 1;
	cfg.nsources = 16 + (unsigned)take(&p, end, 1);
	cfg.esb_base = 0x0006010000000000ULL;
	cfg.msi_base = 0x40000000000ULL;
	cfg.msi_size = 0x1000;
	memset(ram, 0, sizeof ram);
	if ((cur = xive_create(&cfg, &ops, NULL)) == NULL)
		return 0;
	xive_set_active(cur, true);
	win = xive_esb_window_size(cur);
	st = xive_state_alloc(cur);

	while (p < end) {
		unsigned op = (unsigned)take(&p, end, 1);
		unsigned sz = 1u << ((op >> 4) & 3);
		unsigned cpu = (op >> 6) % (ncpus + 1);

		switch (op & 0xf) {
		case 0:
			v = take(&p, end, 4);
			xive_esb_write(cur, v % (win + 0x100), sz, 0);
			break;
		case 1:
			v = take(&p, end, 4);
			xive_esb_read(cur, v % (win + 0x100), sz, &v);
			break;
		case 2:
			v = take(&p, end, 3);
			xive_tima_write(cur, cpu, v % 0x40100, sz,
			    take(&p, end, sz));
			break;
		case 3:
			v = take(&p, end, 3);
			xive_tima_read(cur, cpu, v % 0x40100, sz, &v);
			break;
		case 4:
			v = opcodes[take(&p, end, 1) % ARRAY_SIZE(opcodes)];
			for (unsigned i = 0; i < ARRAY_SIZE(args); i++)
				args[i] = take_var(&p, end);
			xive_hcall(cur, cpu, v, args, ARRAY_SIZE(args), rets,
			    &nrets);
			break;
		case 5:
			v = take(&p, end, 2);
			xive_set_irq(cur, (uint32_t)v % (cfg.nsources + 2),
			    (op & 0x80) != 0);
			break;
		case 6:
			v = take(&p, end, 2);
			xive_trigger(cur, (uint32_t)v % (cfg.nsources + 2));
			break;
		case 7:
			v = take(&p, end, 4);
			xive_msi_write(cur, cfg.msi_base + (op >> 7) * 0x1000,
			    (uint32_t)v);
			break;
		case 8:
			v = take(&p, end, 2);
			xive_irq_claim(cur, (op & 0x80) ? XIVE_IRQ_ANY :
			    (uint32_t)(v & 0xff), (unsigned)(v >> 8 & 0xf) + 1,
			    1u << (v >> 12 & 3), (op & 0x40) != 0, &first);
			break;
		case 9:
			v = take(&p, end, 2);
			xive_irq_free(cur, (uint32_t)(v & 0xff),
			    (unsigned)(v >> 8 & 0xf) + 1);
			break;
		case 10:
			if (st != NULL && xive_get_state(cur, st) == 0)
				xive_set_state(cur, st);
			break;
		case 11:
			/* A corrupted state: either refused whole or loaded. */
			if (st != NULL && xive_get_state(cur, st) == 0) {
				v = take(&p, end, 3);
				((uint8_t *)st->tctx)[v % (ncpus *
				    sizeof st->tctx[0])] ^= (uint8_t)(v >> 16);
				st->end[(v >> 8) % (ncpus * 8)].w[v & 7] ^=
				    (uint32_t)v << 8;
				xive_set_state(cur, st);
			}
			break;
		case 12:
			if (op & 0x80)
				xive_reset(cur);
			else
				xive_set_active(cur, (op & 0x40) != 0);
			break;
		case 13:
			xive_announce_lines(cur);
			break;
		default:
			break;
		}
	}
	xive_state_free(st);
	xive_destroy(cur);
	return 0;
}

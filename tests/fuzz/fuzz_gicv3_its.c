/*
 * libFuzzer target: the GICv3 ITS command decoder. The input chooses a
 * configuration, then a stream of operations: commands (32 raw bytes, with
 * addresses often steered into guest RAM) placed in the queue, CWRITER
 * writes with or without Retry, register accesses, MSIs, translations,
 * walks, save/load round trips and resets. Guest RAM is one 256 KiB region
 * with holes around it; redist_cmd re-enters with a CWRITER write the way a
 * VMM callback might.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gicv3-its/gicv3_its.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define RAM_BASE	0x100000ULL
#define RAM_SIZE	0x40000ULL
#define QUEUE		RAM_BASE		/* one 4 KiB page: 128 commands */
#define DEVTAB		(RAM_BASE + 0x1000)	/* 4 KiB pages */
#define COLLTAB		(RAM_BASE + 0x3000)

static struct its	*cur;
static uint8_t		 ram[RAM_SIZE];
static unsigned		 reenter;

static bool
in_ram(uint64_t gpa, size_t len)
{
	return gpa >= RAM_BASE && gpa - RAM_BASE <= RAM_SIZE &&
	    len <= RAM_SIZE - (gpa - RAM_BASE);
}

static int
op_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	if (!in_ram(gpa, len))
		return -EFAULT;
	memcpy(buf, ram + (gpa - RAM_BASE), len);
	return 0;
}

static int
op_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	if (!in_ram(gpa, len))
		return -EFAULT;
	memcpy(ram + (gpa - RAM_BASE), buf, len);
	return 0;
}

static bool
op_deliver(void *opaque, uint32_t intid, uint32_t target, uint32_t devid,
    uint32_t eventid)
{
	return (intid & 1) == 0;
}

static void
op_redist(void *opaque, const struct its_redist_cmd *c)
{
	uint64_t	v;

	/* A callback that writes CWRITER: served by the running loop. */
	if (reenter > 0 && c->cmd == ITS_CMD_SYNC) {
		reenter--;
		if (its_mmio_read(cur, 0x88, 8, &v) == 0)
			its_mmio_write(cur, 0x88, 8, v);
	}
}

static void
op_guest_error(void *opaque, const char *kind, const char *msg)
{
}

static const struct its_ops ops = {
	op_read, op_write, op_deliver, op_redist, op_guest_error,
};

static uint64_t
take(const uint8_t **p, const uint8_t *end, unsigned n)
{
	uint64_t	v = 0;

	for (unsigned i = 0; i < n && *p < end; i++, (*p)++)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

static void
put64(uint64_t gpa, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		ram[gpa - RAM_BASE + i] = (uint8_t)(v >> (8 * i));
}

static int
walk_coll(void *arg, uint16_t icid, uint32_t target)
{
	return 0;
}

static int
walk_ite(void *arg, uint32_t eventid, uint32_t intid, uint16_t icid)
{
	return eventid > 100;
}

static int
walk_dev_itt(void *arg, uint32_t devid, const struct its_dte *d)
{
	return its_walk_itt(cur, devid, walk_ite, NULL) == -EFAULT;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t		*p = data, *end = data + size;
	struct its_config	 cfg;
	struct its_state	 st;
	struct its_translation	 t;
	uint64_t		 wr = 0, v, dw[4];
	unsigned		 c0, c1;

	memset(ram, 0, sizeof ram);
	reenter = 4;
	its_config_default(&cfg);
	c0 = (unsigned)take(&p, end, 1);
	c1 = (unsigned)take(&p, end, 1);
	cfg.devbits = 1 + c0 % 20;
	cfg.eventid_bits = 1 + (c0 >> 5) * 3;
	cfg.cidbits = c1 % 17;
	cfg.intid_bits = 14 + (c1 >> 5) % 4;
	cfg.cpus = 1 + (c1 >> 7) * 3;
	cfg.errors = c0 & 0x20 ? ITS_ERRORS_SKIP : ITS_ERRORS_STALL;
	cfg.indirect = (c0 & 0x40) != 0;
	cur = its_create(&cfg, &ops, NULL);
	if (cur == NULL)
		return 0;
	/* The usual start: queue, tables (two-level if allowed), enabled. */
	its_mmio_write(cur, 0x80, 8, 1ULL << 63 | QUEUE);
	its_mmio_write(cur, 0x100, 8, 1ULL << 63 |
	    (cfg.indirect ? 1ULL << 62 : 0) | DEVTAB | 1);
	its_mmio_write(cur, 0x108, 8, 1ULL << 63 | COLLTAB);
	if (cfg.indirect)
		put64(DEVTAB, 1ULL << 63 | (RAM_BASE + 0x4000));
	its_mmio_write(cur, 0x0, 4, 1);

	while (p < end) {
		unsigned	op = (unsigned)take(&p, end, 1);

		switch (op % 10) {
		case 0:
		case 1:
		case 2:
			/* A command; op bit 4 steers DW2's address into RAM. */
			for (int i = 0; i < 4; i++)
				dw[i] = take(&p, end, 8);
			if (op & 0x10) {
				dw[2] = (dw[2] & ~0x000fffffffffff00ULL) |
				    ((RAM_BASE + (dw[2] & 0x3ff00)) &
				    0x000fffffffffff00ULL);
			}
			for (int i = 0; i < 4; i++)
				put64(QUEUE + wr + 8 * i, dw[i]);
			wr = (wr + 32) % 4096;
			break;
		case 3:
			its_mmio_write(cur, 0x88, 8, wr | (op >> 7));
			break;
		case 4:
			v = take(&p, end, 8);
			its_mmio_write(cur, take(&p, end, 3) % 0x20008,
			    1u << (op >> 4 & 3), v);
			break;
		case 5:
			its_mmio_read(cur, take(&p, end, 3) % 0x20008,
			    1u << (op >> 4 & 3), &v);
			break;
		case 6:
			its_msi(cur, (uint32_t)take(&p, end, 2),
			    (uint32_t)take(&p, end, 1));
			break;
		case 7:
			its_translate(cur, (uint32_t)take(&p, end, 2),
			    (uint32_t)take(&p, end, 1), &t);
			break;
		case 8:
			its_get_state(cur, &st);
			if (op & 0x10)
				st.creadr ^= take(&p, end, 1) << 5;
			if (op & 0x20)
				its_reset(cur);
			its_set_state(cur, &st, NULL, 0);
			break;
		case 9:
			its_walk_devices(cur, walk_dev_itt, NULL);
			its_walk_collections(cur, walk_coll, NULL);
			break;
		}
	}
	its_destroy(cur);
	return 0;
}

/*
 * libFuzzer target: the IOAPIC state machine driven by a byte stream of
 * guest accesses, line changes, EOIs, timers and save/load round trips.
 * The ops re-enter the way the daemon's do (resample deasserts a source).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ioapic/ioapic.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct ioapic *cur;

static bool
op_deliver(void *opaque, unsigned pin, const struct ioapic_msi *msg)
{
	return (msg->data & 1) == 0;
}

static void
op_route(void *opaque, unsigned pin, const struct ioapic_msi *msg)
{
}

static void
op_resample(void *opaque, unsigned pin)
{
	ioapic_set_irq(cur, pin, 1, false);
}

static void
op_schedule(void *opaque, unsigned pin, uint64_t delay_ns)
{
}

static void
op_guest_error(void *opaque, const char *kind, const char *msg)
{
}

static const struct ioapic_ops ops = {
	op_deliver, op_route, op_resample, op_schedule, op_guest_error,
};

static uint64_t
take(const uint8_t **p, const uint8_t *end, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && *p < end; i++, (*p)++)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct ioapic_config cfg;
	struct ioapic_state *st;
	uint64_t v;

	cfg.pins = (unsigned)take(&p, end, 1) % (IOAPIC_MAX_PINS + 2);
	cfg.version = take(&p, end, 1) & 1 ? IOAPIC_VERSION_EOI : IOAPIC_VERSION_82093AA;
	cur = ioapic_create(&cfg, &ops, NULL);
	if (cur == NULL)
		return 0;
	st = malloc(sizeof *st);
	while (p < end) {
		unsigned op = (unsigned)take(&p, end, 1);
		unsigned a = (unsigned)take(&p, end, 2);

		switch (op % 8) {
		case 0:
			v = take(&p, end, 4);
			ioapic_mmio_write(cur, a % 0x1100, 1u << (op >> 3 & 3), v);
			break;
		case 1:
			ioapic_mmio_read(cur, a % 0x1100, 1u << (op >> 3 & 3), &v);
			break;
		case 2:
			ioapic_set_irq(cur, a & 0xff, (a >> 8) % 33, op & 0x80);
			break;
		case 3:
			ioapic_pulse_irq(cur, a & 0xff, (a >> 8) % 33);
			break;
		case 4:
			ioapic_eoi(cur, (uint8_t)a);
			break;
		case 5:
			ioapic_timer(cur, a % (IOAPIC_MAX_PINS + 1));
			break;
		case 6:
			ioapic_get_state(cur, st);
			ioapic_set_state(cur, st);
			break;
		case 7:
			if (a & 1)
				ioapic_reset(cur);
			else
				ioapic_announce_routes(cur);
			break;
		}
	}
	free(st);
	ioapic_destroy(cur);
	return 0;
}

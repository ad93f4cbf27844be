/*
 * The test VM's Linux machine without KVM: the 16550A model (uart.c) against
 * the PC16550D datasheet's interrupt rules as Linux's 8250 driver relies on
 * them, and the boot protocol loader and MP table (linuxboot.c) against the
 * boot protocol and MP specification 1.4.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "linuxboot.h"
#include "testlib.h"
#include "uart.h"

/* What the UART's interrupt output did. */
static struct {
	unsigned rises, falls;
	bool level;
	char tx[64];
	unsigned ntx;
} out;

static void
on_tx(void *opaque, uint8_t b)
{
	(void)opaque;
	if (out.ntx < sizeof out.tx)
		out.tx[out.ntx++] = (char)b;
}

static void
on_irq(void *opaque, bool level)
{
	(void)opaque;
	ck_assert(level != out.level); /* only changes are reported */
	out.level = level;
	if (level)
		out.rises++;
	else
		out.falls++;
}

static struct uart U;

static void
setup(void)
{
	memset(&out, 0, sizeof out);
	uart_init(&U, on_tx, on_irq, NULL);
}

static void
teardown(void)
{
	uart_destroy(&U);
}

/* Registers by offset (datasheet Table II). */
enum { RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6 };

START_TEST(autoconfig_looks_like_16550a)
{
	uart_write(&U, IER, 0x00);
	ck_assert_int_eq(uart_read(&U, IER) & 0x0f, 0);
	uart_write(&U, IER, 0xff);
	ck_assert_int_eq(uart_read(&U, IER), 0x0f); /* four IER bits only */
	uart_write(&U, IER, 0);
	uart_write(&U, FCR, 0x01);
	ck_assert_int_eq(uart_read(&U, IIR) >> 6, 3); /* FIFOs: a 16550A */
	ck_assert_int_eq(uart_read(&U, IIR) & 0x3f, 0x01);
	ck_assert_int_eq(uart_read(&U, LSR), 0x60);	  /* THRE, TEMT */
	uart_write(&U, 7, 0xa5);
	ck_assert_int_eq(uart_read(&U, 7), 0xa5);	  /* scratch */
	ck_assert_uint_eq(out.rises, 0);
}
END_TEST

START_TEST(thre_interrupt_rules)
{
	uart_write(&U, MCR, 0x08); /* OUT2: the output reaches the bus */
	/* Enabling ETBEI with THR empty raises THRE (Linux's start-up test). */
	uart_write(&U, IER, 0x02);
	ck_assert(out.level);
	ck_assert_int_eq(uart_read(&U, IIR) & 0x0f, 0x02);
	/* Reading IIR with THRE as the source clears it. */
	ck_assert(!out.level);
	ck_assert_int_eq(uart_read(&U, IIR) & 0x01, 0x01);
	/* Disabling and enabling again re-asserts it (no UART_BUG_THRE). */
	uart_write(&U, IER, 0);
	uart_write(&U, IER, 0x02);
	ck_assert(out.level);
	ck_assert_uint_eq(out.rises, 2);
	/* A byte written to THR leaves at once and re-arms THRE. */
	uart_read(&U, IIR);
	uart_write(&U, THR, 'x');
	ck_assert(out.level);
	ck_assert_uint_eq(out.ntx, 1);
	ck_assert_int_eq(out.tx[0], 'x');
	/* Without OUT2 the output is cut off, whatever is pending. */
	uart_write(&U, MCR, 0x00);
	ck_assert(!out.level);
	ck_assert_int_eq(uart_read(&U, IIR) & 0x0f, 0x02);
}
END_TEST

START_TEST(receive_fifo_and_priorities)
{
	char in[40];
	unsigned i;

	for (i = 0; i < sizeof in; i++)
		in[i] = (char)('a' + i % 26);
	uart_write(&U, FCR, 0x81); /* FIFOs on, trigger level 8 */
	uart_write(&U, MCR, 0x08);
	uart_write(&U, IER, 0x03);
	uart_read(&U, IIR); /* THRE raised by ETBEI, read away */
	ck_assert_int_eq(uart_input(&U, in, sizeof in), 0);
	ck_assert(out.level);
	/* RDA outranks THRE; 16 bytes wait in the FIFO, the rest queue. */
	uart_write(&U, THR, '!');
	ck_assert_int_eq(uart_read(&U, IIR) & 0x0f, 0x04);
	for (i = 0; i < sizeof in; i++) {
		ck_assert_int_eq(uart_read(&U, LSR) & 0x01, 0x01);
		ck_assert_int_eq(uart_read(&U, RBR), in[i]);
	}
	ck_assert_int_eq(uart_read(&U, LSR) & 0x1f, 0); /* no overrun, empty */
	/* Only THRE is left; its IIR read lowers the output. */
	ck_assert_int_eq(uart_read(&U, IIR) & 0x0f, 0x02);
	ck_assert(!out.level);
}
END_TEST

START_TEST(loopback_cable_and_mode)
{
	U.loopback_cable = true;
	uart_write(&U, MCR, 0x08);
	uart_write(&U, IER, 0x01);
	uart_write(&U, THR, 'q');
	ck_assert(out.level);
	ck_assert_int_eq(uart_read(&U, RBR), 'q');
	ck_assert(!out.level);
	/* Loopback mode: no output to the peer or the bus; MCR drives MSR. */
	uart_write(&U, MCR, 0x1b); /* LOOP, OUT2, RTS, DTR */
	uart_write(&U, THR, 'z');
	ck_assert(!out.level);
	ck_assert_uint_eq(out.ntx, 1);
	ck_assert_int_eq(uart_read(&U, RBR), 'z');
	ck_assert_int_eq(uart_read(&U, MSR) & 0xf0, 0xb0); /* CTS DSR DCD */
}
END_TEST

/* The MP table sums and layout (MP spec 1.4, 4.1 and 4.2). */
START_TEST(mp_table)
{
	static const struct linux_irq irqs[] = {
	    {.irq = 4, .pin = 4, .level = false, .active_low = false},
	    {.irq = 3, .pin = 3, .level = true, .active_low = true},
	};
	size_t mem_size = 128u << 20, img_size = 0x2000;
	uint8_t *mem = calloc(1, mem_size), *img = calloc(1, img_size);
	uint8_t *mpf, *hdr, *e, sum;
	struct linux_boot b = {.ncpus = 4, .ioapic_version = 0x20,
	    .ioapic_gpa = 0xfec00000, .irqs = irqs, .nirqs = 2, .cmdline = "console=ttyS0"};
	struct linux_entry entry;
	char *cause = NULL;
	uint16_t len, count, flags;
	uint32_t v;
	unsigned i, seen[5] = {0};

	ck_assert_ptr_nonnull(mem);
	ck_assert_ptr_nonnull(img);
	/* A minimal bzImage header, boot protocol 2.06. */
	img[0x1f1] = 4;
	img[0x1fe] = 0x55, img[0x1ff] = 0xaa;
	img[0x201] = 0x66; /* the jump: the header ends at 0x268 */
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x06, img[0x207] = 0x02;
	img[0x211] = 0x01; /* LOADED_HIGH */
	v = 0x100000;
	memcpy(img + 0x214, &v, 4);
	v = 255;
	memcpy(img + 0x238, &v, 4);
	ck_assert(linux_is_bzimage(img, img_size));
	ck_assert_int_eq(linux_load(mem, mem_size, img, img_size, &b, &entry, &cause), 0);
	ck_assert(!entry.long_mode);
	ck_assert_uint_eq(entry.rip, 0x100000);
	ck_assert_str_eq((char *)mem + LINUX_CMDLINE_GPA, "console=ttyS0");
	ck_assert_int_eq(mem[LINUX_BOOT_PARAMS_GPA + 0x210], 0xff); /* type_of_loader */
	ck_assert_int_eq(mem[LINUX_BOOT_PARAMS_GPA + 0x1e8], 4);    /* e820 entries */

	mpf = mem + LINUX_MPTABLE_GPA;
	ck_assert(memcmp(mpf, "_MP_", 4) == 0);
	for (sum = 0, i = 0; i < 16; i++)
		sum = (uint8_t)(sum + mpf[i]);
	ck_assert_int_eq(sum, 0);
	memcpy(&v, mpf + 4, 4);
	hdr = mem + v;
	ck_assert(memcmp(hdr, "PCMP", 4) == 0);
	memcpy(&len, hdr + 4, 2);
	memcpy(&count, hdr + 34, 2);
	for (sum = 0, i = 0; i < len; i++)
		sum = (uint8_t)(sum + hdr[i]);
	ck_assert_int_eq(sum, 0);
	ck_assert_uint_eq(count, 4 + 1 + 1 + 2 + 1);
	for (e = hdr + 44, i = 0; i < count; i++) {
		ck_assert_int_lt(e[0], 5);
		seen[e[0]]++;
		if (e[0] == 3 && e[5] == 3) { /* ISA IRQ 3: level, active low, pin 3 */
			memcpy(&flags, e + 2, 2);
			ck_assert_uint_eq(flags, 0xf);
			ck_assert_int_eq(e[7], 3);
		}
		e += e[0] == 0 ? 20 : 8;
	}
	ck_assert_ptr_eq(e, hdr + len);
	ck_assert_uint_eq(seen[0], 4);
	ck_assert_uint_eq(seen[2], 1);
	ck_assert_uint_eq(seen[3], 2);
	free(mem);
	free(img);
	free(cause);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("linuxboot");
	TCase *tc = tcase_create("uart");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, autoconfig_looks_like_16550a);
	tcase_add_test(tc, thre_interrupt_rules);
	tcase_add_test(tc, receive_fifo_and_priorities);
	tcase_add_test(tc, loopback_cable_and_mode);
	suite_add_tcase(s, tc);
	tc = tcase_create("boot");
	tcase_add_test(tc, mp_table);
	suite_add_tcase(s, tc);
	return test_main(s);
}
